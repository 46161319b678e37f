import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/** What a person sees of mentions: the autocomplete by keyboard, and an accessible notifications page. */
describe('browser: mentions and notifications', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let threadId: string;
  let lee: { token: string; csrf: string };
  let omar: { token: string; csrf: string; id: string };

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string; id: string }> {
    const r = await launch(stack, spec);
    const token = r.sessionToken!;
    const session = (await stack.tool.container.sessions.get(sha256(token)))!;
    return { token, csrf: session.csrfToken, id: session.launch.user!.id };
  }

  const url = (path: string, token: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  const post = (who: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: who.token, _csrf: who.csrf, ...fields }) });

  async function open(context: BrowserContext, path: string, token: string): Promise<Page> {
    const page = await context.newPage();
    const res = await page.goto(url(path, token));
    expect(res?.status()).to.equal(200);
    return page;
  }

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const teacher = await sessionFor({ sub: 'mt', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'browser-mentions' });
    const setup = await post(teacher, '/app/setup', { kind: 'prep', title: 'Coaching prep', time_zone: 'UTC' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    lee = await sessionFor({ sub: 'ml', name: 'Lee Learner', roles: [ROLE.learner], resourceLinkId: 'browser-mentions' });
    omar = await sessionFor({ sub: 'mo', name: 'Omar Núñez', roles: [ROLE.learner], resourceLinkId: 'browser-mentions' });
    const created = await post(lee, `/spaces/${spaceId}/threads`, { title: 'Who has tried the GROW model?', body: 'Curious about **GROW**.' });
    threadId = /\/threads\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1]!;
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('inserts a mention with the keyboard: type @ and a name, arrow down, Enter', async () => {
    const context = await browser.newContext();
    const page = await open(context, `/threads/${threadId}`, lee.token);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const box = page.getByLabel('Your reply', { exact: true });
    await box.click();
    await box.pressSequentially('Thanks @nun');
    const option = page.getByRole('option', { name: 'Omar Núñez' });
    await option.waitFor();
    expect(await page.getByRole('listbox', { name: 'People in this course' }).isVisible()).to.equal(true);
    await page.keyboard.press('ArrowDown');
    expect(await option.getAttribute('aria-selected')).to.equal('true');
    expect(await box.getAttribute('aria-activedescendant')).to.equal(await option.getAttribute('id'));
    await page.keyboard.press('Enter');
    expect(await box.inputValue()).to.equal(`Thanks @[Omar Núñez](${omar.id}) `);
    expect(await page.getByRole('listbox').isVisible()).to.equal(false);
    await box.pressSequentially('for the tip.');
    await page.getByRole('button', { name: 'Post reply' }).last().click();
    const mention = page.locator('.post-body .mention', { hasText: '@Omar Núñez' });
    await mention.waitFor();
    expect(await page.locator('article', { has: mention }).textContent()).to.contain('Thanks @Omar Núñez for the tip.');
    // Escape closes the list without inserting anything.
    await box.pressSequentially('@om');
    await page.getByRole('option', { name: 'Omar Núñez' }).waitFor();
    await page.keyboard.press('Escape');
    expect(await page.getByRole('listbox').isVisible()).to.equal(false);
    expect(await box.inputValue()).to.equal('@om');
    expect(errors, errors.join('\n')).to.deep.equal([]);
    await context.close();
  });

  for (const width of [1000, 320]) {
    it(`shows the bell and an accessible notifications page at ${width} px`, async () => {
      await post(lee, `/threads/${threadId}/replies`, { body: `Also @Omar Núñez at ${width}` });
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const space = await open(context, `/spaces/${spaceId}`, omar.token);
      const bell = space.getByRole('navigation', { name: 'Notifications' }).getByRole('link');
      expect(await bell.textContent()).to.match(/Notifications \d+ unread/);
      await bell.click();
      await space.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
      expect(await space.getByText('Lee Learner mentioned you in').count()).to.be.greaterThan(0);
      expect(await axeSerious(space), `notifications at ${width}px`).to.deep.equal([]);
      const overflow = await space.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).to.equal(0);
      await screenshot(space, `notifications-${width}px`);
      await space.getByRole('button', { name: 'Mark all as read' }).click();
      await space.getByText('0 unread notifications').waitFor();
      // The thread page with the bell and the autocomplete wired up passes axe too.
      const thread = await open(context, `/threads/${threadId}`, omar.token);
      expect(await axeSerious(thread), `thread at ${width}px`).to.deep.equal([]);
      await context.close();
    });
  }
});
