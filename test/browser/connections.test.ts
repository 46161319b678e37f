import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * A learner finds "who knows X" in two clicks from the space page (the directory link, then a
 * topic), and edits their profile with the form. The directory, its search results, and the
 * profile form (also with its errors showing) pass axe and fit 1000 and 320 px.
 */
describe('browser: connections (people directory, who knows X, profile)', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let learnerToken: string;

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, spec);
    const token = r.sessionToken!;
    const session = await stack.tool.container.sessions.get(sha256(token));
    return { token, csrf: session!.csrfToken };
  }
  const url = (path: string, token: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  async function open(context: BrowserContext, path: string, token: string, status = 200): Promise<Page> {
    const page = await context.newPage();
    const res = await page.goto(url(path, token));
    expect(res?.status()).to.equal(status);
    return page;
  }

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const post = (who: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
      fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: who.token, _csrf: who.csrf, ...fields }) });
    const link = 'browser-connections';
    const teacher = await sessionFor({ sub: 'xt', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: link });
    const setup = await post(teacher, '/app/setup', { kind: 'post_event', title: 'Connections in the browser', time_zone: 'UTC' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    await post(teacher, `/spaces/${spaceId}/tags`, { label: 'Difficult conversations' });
    const tags = await (await fetch(url(`/spaces/${spaceId}/tags`, teacher.token))).text();
    const tagId = /id="rename-([0-9a-f-]{36})" name="label" maxlength="\d+" required value="Difficult conversations"/.exec(tags)![1]!;
    const learner = await sessionFor({ sub: 'xl', name: 'Lee Learner', roles: [ROLE.learner], resourceLinkId: link });
    learnerToken = learner.token;
    const helper = await sessionFor({ sub: 'xh', name: 'Hana Helper With A Rather Long Family Name', roles: [ROLE.learner], resourceLinkId: link });
    const created = await post(learner, `/spaces/${spaceId}/threads`, { title: 'How do I start a hard talk?', kind: 'question', body: 'First sentence?', tags: tagId });
    const threadId = /\/threads\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1]!;
    const replyId = /#post-([0-9a-f-]{36})$/.exec((await post(helper, `/threads/${threadId}/replies`, { body: 'Say what you saw, then ask.' })).headers.get('location')!)![1]!;
    await post(learner, `/posts/${replyId}/react`, {});
    await post(learner, `/posts/${replyId}/accept`, {});
    await post(teacher, `/posts/${replyId}/endorse`, {});
    await post(helper, `/spaces/${spaceId}/people-directory/profile`, { bio: 'Ten years of **HR** work. Ask me about [feedback](https://example.com/feedback).', expertise: 'Feedback, Conflict resolution, Coaching', open_to_mentoring: 'on' });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('finds who knows a topic in two clicks from the space page, and edits a profile with the form', async () => {
    const context = await browser.newContext();
    const page = await open(context, `/spaces/${spaceId}`, learnerToken);
    await page.getByRole('link', { name: 'People directory: who knows what?' }).click();
    await page.getByRole('heading', { level: 1, name: 'Who knows what in this course' }).waitFor();
    await page.getByRole('link', { name: 'Who knows Difficult conversations?' }).click();
    await page.getByRole('heading', { level: 2, name: /1 person for “Difficult conversations”/ }).waitFor();
    const card = page.locator('.person-card');
    expect(await card.count()).to.equal(1);
    expect(await card.getByRole('heading', { level: 3 }).innerText()).to.contain('Hana Helper');
    expect(await card.innerText()).to.contain('Open to mentoring').and.to.contain('9 points of help');

    // The search box: a declared expertise finds her too.
    await page.getByRole('searchbox', { name: 'Who knows…' }).fill('coaching');
    await page.getByRole('button', { name: 'Find people' }).click();
    await page.getByRole('heading', { level: 2, name: /1 person for “coaching”/ }).waitFor();

    // The learner writes a profile; an over-long bio is refused with the text kept.
    await page.goto(url(`/spaces/${spaceId}/people-directory`, learnerToken));
    await page.getByRole('link', { name: 'Edit your profile' }).click();
    await page.getByLabel('What you know about').fill('Negotiation, Budgets');
    await page.getByLabel('I am open to mentoring others in this course').check();
    await page.getByLabel('About you').evaluate((el) => el.removeAttribute('maxlength'));
    await page.getByLabel('About you').fill('z'.repeat(1001));
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Keep your bio to 1000 characters or fewer.').first().waitFor();
    expect(await page.getByLabel('What you know about').inputValue()).to.equal('Negotiation, Budgets');
    await page.getByLabel('About you').fill('I plan **budgets**.');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Your profile was saved.').waitFor();
    await page.getByRole('link', { name: 'Back to the directory' }).click();
    await page.getByRole('searchbox', { name: 'Who knows…' }).fill('budgets');
    await page.getByRole('button', { name: 'Find people' }).click();
    await page.getByRole('heading', { level: 3, name: /Lee Learner/ }).waitFor();
    expect(await page.locator('.person-card strong').innerText()).to.equal('budgets');
    await context.close();
  });

  for (const width of [1000, 320]) {
    it(`passes axe and fits ${width} px: directory, search results, profile form (also with errors)`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const pages: Array<[string, string, number]> = [
        ['directory', `/spaces/${spaceId}/people-directory`, 200],
        ['search', `/spaces/${spaceId}/people-directory?q=feedback`, 200],
        ['search-too-long', `/spaces/${spaceId}/people-directory?q=${'w'.repeat(101)}`, 400],
        ['profile', `/spaces/${spaceId}/people-directory/profile`, 200],
        ['space', `/spaces/${spaceId}`, 200],
      ];
      for (const [name, path, status] of pages) {
        const page = await open(context, path, learnerToken, status);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${name} at ${width}px`).to.equal(0);
        await screenshot(page, `connections-${name}-${width}px`);
        await page.close();
      }
      // The profile form showing its errors.
      const page = await open(context, `/spaces/${spaceId}/people-directory/profile`, learnerToken);
      await page.getByLabel('What you know about').evaluate((el) => el.removeAttribute('maxlength'));
      await page.getByLabel('What you know about').fill(Array.from({ length: 12 }, (_, i) => `Label ${i}`).join(', '));
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText('List at most 10 expertise labels.').first().waitFor();
      expect(await axeSerious(page), `profile errors at ${width}px`).to.deep.equal([]);
      expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), `profile errors at ${width}px`).to.equal(0);
      await screenshot(page, `connections-profile-errors-${width}px`);
      await context.close();
    });
  }
});
