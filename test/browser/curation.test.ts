import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * An instructor curates a space in headless Chromium: pins a thread, endorses a reply, and
 * moderates a post a learner flagged, from the queue. The queue, most-useful, flag and tag pages
 * pass axe (no serious or critical violation) and fit 320 px.
 */
describe('browser: curation (pin, endorse, flag, moderation queue, most useful)', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let threadId: string;
  let replyId: string;
  let spamId: string;
  let learnerToken: string;
  let learnerCsrf: string;
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
    const teacher = await sessionFor({ sub: 'ct', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'browser-curation' });
    teacherToken = teacher.token;
    const post = (who: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
      fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: who.token, _csrf: who.csrf, ...fields }) });
    const setup = await post(teacher, '/app/setup', { kind: 'post_event', title: 'Curation in the browser', time_zone: 'UTC' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    await post(teacher, `/spaces/${spaceId}/tags`, { label: 'Feedback' });
    const learner = await sessionFor({ sub: 'cl', name: 'Lee Learner', roles: [ROLE.learner], resourceLinkId: 'browser-curation' });
    learnerToken = learner.token;
    learnerCsrf = learner.csrf;
    const other = await sessionFor({ sub: 'co', name: 'Omar Other', roles: [ROLE.learner], resourceLinkId: 'browser-curation' });
    const created = await post(learner, `/spaces/${spaceId}/threads`, { title: 'How do you open a feedback talk?', kind: 'question', body: 'Looking for first sentences.' });
    threadId = /\/threads\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1]!;
    await post(learner, `/spaces/${spaceId}/threads`, { title: 'Another thread', body: 'Filler.' });
    replyId = /#post-([0-9a-f-]{36})$/.exec((await post(other, `/threads/${threadId}/replies`, { body: 'Start with what you saw, not what you think.' })).headers.get('location')!)![1]!;
    spamId = /#post-([0-9a-f-]{36})$/.exec((await post(other, `/threads/${threadId}/replies`, { body: 'Cheap watches at spam.example' })).headers.get('location')!)![1]!;
    await post(learner, `/posts/${replyId}/react`, {});
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('a learner flags a post with the form; the instructor pins, endorses and hides the flagged post from the queue', async () => {
    const learnerCtx = await browser.newContext();
    const lp = await open(learnerCtx, `/threads/${threadId}`, learnerToken);
    await lp.locator(`#post-${spamId}`).getByRole('link', { name: /Flag Omar Other's post/ }).click();
    await lp.getByLabel('Spam or advertising').check();
    await lp.getByLabel('Note for the moderator (optional)').fill('Advert for watches');
    await lp.getByRole('button', { name: 'Send flag' }).click();
    await lp.getByText('Your flag was sent').waitFor();
    await learnerCtx.close();

    const context = await browser.newContext();
    const page = await open(context, `/threads/${threadId}`, teacherToken);
    await page.getByRole('button', { name: 'Pin thread' }).click();
    await page.getByRole('button', { name: 'Unpin thread' }).waitFor();
    await page.locator(`#post-${replyId}`).getByRole('button', { name: /Endorse/ }).click();
    await page.locator(`#post-${replyId}`).getByText('Endorsed by instructor').waitFor();

    // The space page shows the badge and the way to the queue.
    await page.goto(url(`/spaces/${spaceId}`, teacherToken));
    expect(await page.locator('.thread-item').first().textContent()).to.contain('Pinned');
    await page.getByText('1 open flag').waitFor();
    await page.getByRole('link', { name: 'Moderation queue' }).click();
    const item = page.locator(`#flagged-${spamId}`);
    expect(await item.textContent()).to.contain('Cheap watches').and.to.contain('Spam or advertising: 1');
    await item.getByText('Notes from those who flagged').click();
    await item.getByText('Advert for watches').waitFor();
    await item.getByRole('button', { name: 'Hide post' }).click();
    await page.getByText('No open flags').waitFor();
    expect(await page.locator('.flag-history').textContent()).to.contain('Post hidden').and.to.contain('Tess Teacher');
    await context.close();

    const after = await browser.newContext();
    const check = await open(after, `/threads/${threadId}`, learnerToken);
    expect(await check.locator(`#post-${spamId}`).textContent()).to.contain('hidden by a moderator');
    expect(await check.content()).not.to.contain('Cheap watches');
    await after.close();
  });

  for (const width of [1000, 320]) {
    it(`passes axe and fits ${width} px: moderation queue, most useful, flag form, tag pages`, async () => {
      // An open flag, so the queue shows an item with its actions (a second one is a no-op).
      await fetch(`${base}/posts/${replyId}/flag`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: learnerToken, _csrf: learnerCsrf, reason: 'other', note: 'Checking the queue layout' }) });
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const pages: Array<[string, string, string]> = [
        ['queue', `/spaces/${spaceId}/moderation`, teacherToken],
        ['useful', `/spaces/${spaceId}/useful`, learnerToken],
        ['flag', `/posts/${replyId}/flag`, learnerToken],
        ['tags', `/spaces/${spaceId}/tags`, teacherToken],
        ['thread-tags', `/threads/${threadId}/tags`, learnerToken],
        ['space-staff', `/spaces/${spaceId}`, teacherToken],
      ];
      for (const [name, path, token] of pages) {
        const page = await open(context, path, token);
        if (name === 'queue') expect(await page.locator(`#flagged-${replyId}`).count()).to.equal(1);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${name} at ${width}px`).to.equal(0);
        await screenshot(page, `curation-${name}-${width}px`);
        await page.close();
      }
      await context.close();
    });
  }
});
