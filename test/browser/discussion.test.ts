import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * What a person sees and can do on the discussion pages, in headless Chromium: accessible (axe),
 * usable at 320 px, and fully working with JavaScript switched off.
 */
describe('browser: discussion pages', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let threadId: string;
  let openingId: string;
  let learnerToken: string;
  let teacherToken: string;

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, spec);
    const token = r.sessionToken!;
    const session = await stack.tool.container.sessions.get(sha256(token));
    return { token, csrf: session!.csrfToken };
  }

  const url = (path: string, token: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;

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
    const teacher = await sessionFor({ sub: 'bt', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'browser-discussion' });
    teacherToken = teacher.token;
    const setup = await fetch(`${base}/app/setup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ session: teacher.token, _csrf: teacher.csrf, kind: 'post_event', title: 'Feedback skills: debrief', time_zone: 'Europe/London' }),
    });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const learner = await sessionFor({ sub: 'bl', name: 'Lee Learner', roles: [ROLE.learner], resourceLinkId: 'browser-discussion' });
    learnerToken = learner.token;
    const other = await sessionFor({ sub: 'bo', name: 'Omar Other', roles: [ROLE.learner], resourceLinkId: 'browser-discussion' });
    const post = (token: string, csrf: string, path: string, fields: Record<string, string>) =>
      fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: token, _csrf: csrf, ...fields }) });
    const created = await post(learner.token, learner.csrf, `/spaces/${spaceId}/threads`, { title: 'What will you try first on Monday?', kind: 'question', body: 'I will try **SBI** feedback with my team.\n\n- Situation\n- Behaviour\n- Impact' });
    threadId = /\/threads\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1]!;
    const threadHtml = await (await fetch(url(`/threads/${threadId}`, learner.token))).text();
    openingId = /id="post-([0-9a-f-]{36})"/.exec(threadHtml)![1]!;
    await post(learner.token, learner.csrf, `/posts/${openingId}/edit`, { title: 'What will you try first on Monday?', body: 'I will try **SBI** feedback with my team.\n\n- Situation\n- Behaviour\n- Impact' });
    let parent = '';
    for (let depth = 1; depth <= 4; depth++) {
      const who = depth % 2 ? other : learner;
      const res = await post(who.token, who.csrf, `/threads/${threadId}/replies`, parent ? { body: `A reply at depth ${depth}, with a [link](https://example.com).`, parent_post_id: parent } : { body: 'Good plan. How will you start the conversation?' });
      parent = /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location')!)![1]!;
    }
    await post(learner.token, learner.csrf, `/spaces/${spaceId}/threads`, { title: 'Slides from the session?', body: 'Where can I find them?' });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const width of [1000, 320]) {
    it(`passes axe and fits the screen at ${width} px: space, thread, new thread, edit and history pages`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const pages: Array<[string, string, string]> = [
        ['space', `/spaces/${spaceId}`, learnerToken],
        ['thread', `/threads/${threadId}`, learnerToken],
        ['thread-staff', `/threads/${threadId}`, teacherToken],
        ['new-thread', `/spaces/${spaceId}/threads/new`, learnerToken],
        ['edit', `/posts/${openingId}/edit`, learnerToken],
        ['history', `/posts/${openingId}/history`, teacherToken],
      ];
      for (const [name, path, token] of pages) {
        const page = await open(context, path, token);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${name} at ${width}px`).to.equal(0);
        await screenshot(page, `discussion-${name}-${width}px`);
        await page.close();
      }
      await context.close();
    });
  }

  it('replies, edits and deletes with JavaScript switched off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await open(context, `/threads/${threadId}`, learnerToken);
    // Reply to a post through its <details> box.
    await page.getByText('Reply to Omar Other').first().click();
    await page.getByLabel('Your reply to Omar Other').first().fill('Replying without any script.');
    await page.getByRole('button', { name: 'Post reply' }).first().click();
    await page.getByText('Replying without any script.').waitFor();
    // Reply to the thread.
    await page.getByLabel('Your reply', { exact: true }).fill('A reply to the whole thread.');
    await page.getByRole('button', { name: 'Post reply' }).last().click();
    await page.getByText('A reply to the whole thread.').waitFor();
    // Edit it.
    const mine = page.locator('article', { hasText: 'A reply to the whole thread.' });
    await mine.getByRole('link', { name: 'Edit your post' }).click();
    await page.getByLabel('Message').fill('An edited reply to the whole thread.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const edited = page.locator('article', { hasText: 'An edited reply to the whole thread.' });
    await edited.waitFor();
    expect(await edited.textContent()).to.contain('edited');
    // Delete it (no confirm dialog without script).
    await edited.getByRole('button', { name: 'Delete your post' }).click();
    await page.getByText('This post was deleted by its author.').first().waitFor();
    // Follow "show more" to the deepest reply.
    await page.getByRole('link', { name: /Show 1 more reply/ }).click();
    await page.getByText('A reply at depth 4').waitFor();
    await context.close();
  });

  it('asks before deleting when JavaScript runs, and keeps the post if the answer is no', async () => {
    const context = await browser.newContext();
    const page = await open(context, `/threads/${threadId}`, learnerToken);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.getByLabel('Your reply', { exact: true }).fill('Keep me.');
    await page.getByRole('button', { name: 'Post reply' }).last().click();
    const mine = page.locator('article', { hasText: 'Keep me.' });
    await mine.waitFor();
    page.once('dialog', (d) => void d.dismiss());
    await mine.getByRole('button', { name: 'Delete your post' }).click();
    await page.waitForTimeout(300);
    expect(await page.getByText('Keep me.').count()).to.equal(1);
    page.once('dialog', (d) => void d.accept());
    await mine.getByRole('button', { name: 'Delete your post' }).click();
    await page.getByText('Keep me.').waitFor({ state: 'detached' });
    // Opening a reply box puts the cursor in it.
    await page.getByText('Reply to Omar Other').first().click();
    // The details' toggle event fires in a task after the click: wait for it (5 s), then check.
    await page.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA', undefined, { timeout: 5_000 }).catch(() => undefined);
    expect(await page.evaluate('document.activeElement && document.activeElement.tagName')).to.equal('TEXTAREA');
    expect(errors, errors.join('\n')).to.deep.equal([]);
    await context.close();
  });
});
