import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/** What a person sees when searching: a form on the space page, results they can read, in Chromium. */
describe('browser: search', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let learnerToken: string;

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, { resourceLinkId: 'browser-search', ...spec });
    const token = r.sessionToken!;
    const session = await stack.tool.container.sessions.get(sha256(token));
    return { token, csrf: session!.csrfToken };
  }
  const url = (path: string, token: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
  const post = (who: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: who.token, _csrf: who.csrf, ...fields }) });

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const teacher = await sessionFor({ sub: 'st', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await post(teacher, '/app/setup', { kind: 'post_event', title: 'Coaching debrief', time_zone: 'Europe/London' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const learner = await sessionFor({ sub: 'sl', name: 'Lee Learner', roles: [ROLE.learner] });
    learnerToken = learner.token;
    await post(learner, `/spaces/${spaceId}/threads`, { title: 'Coaching questions that worked', kind: 'discussion', body: 'Open **coaching** questions: what, how, and a verylongwordthatmustwrapinsideanarrowscreenwithoutoverflowingtheviewport coaching.' });
    await post(learner, `/spaces/${spaceId}/threads`, { title: 'Notes', kind: 'discussion', body: 'Beware <script>alert(1)</script> in coaching notes.' });
    for (let i = 0; i < 3; i++) await post(learner, `/spaces/${spaceId}/threads`, { title: `Other ${i}`, kind: 'discussion', body: 'Nothing relevant here.' });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('searches from the space page with JavaScript off: landmark, announced count, <mark> highlights', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(url(`/spaces/${spaceId}`, learnerToken));
    const form = page.getByRole('search', { name: 'Search the discussions' });
    await form.getByLabel('Search for').fill('coaching');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\?/);
    expect(await page.getByRole('status').textContent()).to.equal('2 results for “coaching”');
    const results = page.locator('.search-result');
    expect(await results.count()).to.equal(2);
    expect(await results.first().getByRole('link').textContent()).to.equal('Coaching questions that worked');
    expect(await results.first().locator('mark').first().textContent()).to.match(/^coaching$/i);
    // The <script> a user typed is text on the page, not an element.
    expect(await page.locator('main script').count()).to.equal(0);
    expect(await page.getByText('<script>alert(1)</script>', { exact: false }).count()).to.equal(1);
    // The box keeps the query, and the result leads to the post.
    expect(await page.getByLabel('Search for').inputValue()).to.equal('coaching');
    await results.first().getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Coaching questions that worked' }).waitFor();
    await context.close();
  });

  for (const width of [1000, 320]) {
    it(`passes axe and fits the screen at ${width} px: results, an error, and no results`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      for (const [name, q, status] of [
        ['results', 'coaching', 200],
        ['too-long', 'x'.repeat(201), 400],
        ['none', 'zzzz', 200],
      ] as const) {
        const page = await context.newPage();
        const res = await page.goto(url(`/spaces/${spaceId}/search?q=${encodeURIComponent(q)}&scope=course`, learnerToken));
        expect(res?.status(), name).to.equal(status);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${name} at ${width}px`).to.equal(0);
        await screenshot(page, `search-${name}-${width}px`);
        await page.close();
      }
      await context.close();
    });
  }
});
