import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { launchChromium } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * With JavaScript, replying and reacting happen in place (public/js/live-forms.js): no full page
 * load, the address follows, focus lands on what changed. A marker on `window` survives only if
 * the page was not reloaded.
 */
describe('browser: posting and reacting without a reload', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let threadId: string;
  let learner: { token: string; csrf: string };

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, spec);
    const session = await stack.tool.container.sessions.get(sha256(r.sessionToken!));
    return { token: r.sessionToken!, csrf: session!.csrfToken };
  }
  const url = (path: string, token: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  const post = (who: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: who.token, _csrf: who.csrf, ...fields }) });

  async function openThread(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url(`/threads/${threadId}`, learner.token));
    await page.evaluate(() => ((window as unknown as { stayed: string }).stayed = 'same page'));
    return page;
  }
  const stayed = (page: Page) => page.evaluate(() => (window as unknown as { stayed?: string }).stayed);

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const teacher = await sessionFor({ sub: 'lt', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'live-forms' });
    const setup = await post(teacher, '/app/setup', { kind: 'post_event', title: 'Live forms', time_zone: 'UTC' });
    const spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    learner = await sessionFor({ sub: 'll', name: 'Lee Learner', roles: [ROLE.learner], resourceLinkId: 'live-forms' });
    const other = await sessionFor({ sub: 'lo', name: 'Omar Other', roles: [ROLE.learner], resourceLinkId: 'live-forms' });
    const created = await post(other, `/spaces/${spaceId}/threads`, { title: 'Try it on Monday', body: 'What will you try first?' });
    threadId = /\/threads\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1]!;
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('posts a reply in place: no reload, the reply shows, the address and focus follow it', async () => {
    const page = await openThread();
    await page.getByRole('textbox', { name: 'Your reply', exact: true }).fill('I will *ask* before I tell.');
    await page.getByRole('button', { name: 'Post reply' }).click();
    await page.locator('.post-body em', { hasText: 'ask' }).waitFor();
    expect(await stayed(page)).to.equal('same page');
    expect(page.url()).to.match(/#post-[0-9a-f-]{36}$/);
    const focused = await page.evaluate(() => document.activeElement?.id ?? '');
    expect(focused).to.equal(/#(post-[0-9a-f-]{36})$/.exec(page.url())![1]);
    await page.locator('[role="status"]', { hasText: 'Done' }).waitFor();
  });

  it('marks a post helpful in place', async () => {
    const page = await openThread();
    await page.getByRole('button', { name: /mark Omar Other's post helpful/ }).first().click();
    await page.getByRole('button', { name: /you marked Omar Other's post helpful/ }).first().waitFor();
    expect(await stayed(page)).to.equal('same page');
    expect(await page.locator('.helpful-count').first().textContent()).to.contain('1 person found this helpful');
  });

  it('shows a refused reply in place and keeps what was typed', async () => {
    const page = await openThread();
    const tooLong = 'x'.repeat(20_001);
    // Typing stops at maxlength; a pasted-in or scripted value need not, and the server decides.
    await page.getByRole('textbox', { name: 'Your reply', exact: true }).evaluate((el, v) => ((el as HTMLTextAreaElement).value = v), tooLong);
    await page.getByRole('button', { name: 'Post reply' }).click();
    await page.locator('[aria-invalid="true"]').waitFor();
    expect(await stayed(page)).to.equal('same page');
    expect(await page.locator('[aria-invalid="true"]').inputValue()).to.equal(tooLong);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).to.equal('true');
  });
});
