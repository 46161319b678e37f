import { expect } from 'chai';
import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium, screenshot } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

const ZONE = 'America/New_York';
/** The six figures of the dashboard, by the accessible name Chromium computes for each. */
const CHART_NAMES = [
  /^Prep rate over time Share of learners prepared/,
  /^Posts, replies and reactions per day From /,
  /^Share of learners applying the training, per follow-up Share of learners who report/,
  /^Barriers learners named most Barriers named most: Not enough time/,
  /^Top contributors by score Top contributors by score: /,
  /^Trending tags in the last 7 days Tags used most recently: /,
];

/** The dashboard in headless Chromium: its SVG charts as images with names, axe, 320 px, a screenshot. */
describe('browser: analytics dashboard', function () {
  this.timeout(120_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let teacherToken: string;

  type Session = { token: string; csrf: string };
  async function sessionFor(spec: LaunchSpec): Promise<Session> {
    const r = await launch(stack, { resourceLinkId: 'browser-analytics', ...spec });
    const token = r.sessionToken!;
    return { token, csrf: (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken };
  }
  const url = (path: string, token: string) => `${base}${path}?session=${encodeURIComponent(token)}`;
  async function post(s: Session, path: string, fields: Array<[string, string]> | Record<string, string>): Promise<Response> {
    const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    body.set('session', s.token);
    body.set('_csrf', s.csrf);
    const res = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status, `POST ${path}`).to.equal(303);
    return res;
  }
  const threadOf = (res: Response) => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
  const postOf = (res: Response) => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location')!)![1]!;

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const teacher = await sessionFor({ sub: 'at', name: 'Tess Teacher', roles: [ROLE.instructor] });
    teacherToken = teacher.token;
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec((await post(teacher, '/app/setup', { kind: 'prep', title: 'Coaching <b>conversations</b>', time_zone: ZONE })).headers.get('location')!)![1]!;
    const day = DateTime.now().setZone(ZONE).plus({ days: 3 }).toISODate()!;
    await post(teacher, `/spaces/${spaceId}/settings`, { title: 'Coaching <b>conversations</b>', intro: '', time_zone: ZONE, anonymity: 'off', event_date: day, event_time: '09:00' });
    await post(teacher, `/spaces/${spaceId}/prompts`, { title: 'Which habit will you build?', body: 'One habit.', required: 'on' });
    const promptId = (await stack.tool.container.db('prompt_details').where({ space_id: spaceId }).first()).thread_id as string;
    for (const label of ['Feedback', 'Questions <script>alert(1)</script>']) await post(teacher, `/spaces/${spaceId}/tags`, { label });
    const tags = (await stack.tool.container.db('space_tags').where({ space_id: spaceId })).map((r: { id: string }) => r.id);
    const names = ['Amara Okafor', 'Lucas Ferreira', 'Priya Raman', 'Sofia Lindqvist'];
    const people: Session[] = [];
    for (const [i, name] of names.entries()) people.push(await sessionFor({ sub: `al-${i}`, name, roles: [ROLE.learner] }));
    const [amara, lucas, priya, sofia] = people as [Session, Session, Session, Session];
    for (const who of [amara, lucas, priya]) await post(who, `/threads/${promptId}/replies`, { body: 'Asking one open question first.' });
    const q = threadOf(await post(priya, `/spaces/${spaceId}/threads`, [['title', 'How do I start?'], ['kind', 'question'], ['body', 'Any opening lines?'], ...tags.map((t): [string, string] => ['tags', t])]));
    const a = postOf(await post(lucas, `/threads/${q}/replies`, { body: 'Ask what they tried so far.' }));
    for (const who of [amara, priya, sofia]) await post(who, `/posts/${a}/react`, {});
    await post(sofia, `/spaces/${spaceId}/threads`, [['title', 'Slides?'], ['kind', 'question'], ['body', 'Could we get them?'], ['tags', tags[0]!]]);
    for (const [who, barrier] of [[amara, 'Not enough time'], [lucas, 'not enough time '], [priya, 'My manager']] as const) {
      await post(who, `/spaces/${spaceId}/journey/plans`, { goal: 'Pause before answering', situation: '', target_date: '', status: 'tried', barrier });
    }
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const width of [1000, 320]) {
    it(`renders its SVG charts as named images, passes axe and fits ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      const res = await page.goto(url(`/spaces/${spaceId}/analytics`, teacherToken));
      expect(res?.status()).to.equal(200);
      // Each chart is an image in the accessibility tree, named from its <title> and <desc>.
      expect(await page.locator('svg[role="img"]').count()).to.equal(CHART_NAMES.length);
      for (const name of CHART_NAMES) expect(await page.getByRole('img', { name }).count(), String(name)).to.equal(1);
      // Every chart is drawn: visible, with a real size, scaled to the page.
      const boxes = await page.locator('svg[role="img"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height, right: r.right })));
      for (const b of boxes) {
        expect(b.w).to.be.greaterThan(200);
        expect(b.h).to.be.greaterThan(40);
        expect(b.right).to.be.at.most(width);
      }
      // The data tables are real tables with captions, and the CSV links are there.
      expect(await page.locator('table caption').count()).to.be.at.least(6);
      expect(await page.locator('a[download][href*="analytics.csv?table="]').count()).to.equal(8);
      // User content in a chart is text, never markup.
      expect(await page.locator('svg script, svg b').count()).to.equal(0);
      expect(await page.getByRole('img', { name: /Questions <script>alert\(1\)<\/script>/ }).count()).to.equal(1);
      expect(await axeSerious(page), `axe at ${width}px`).to.deep.equal([]);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, 'horizontal overflow').to.be.at.most(0);
      // A folded table opens from the keyboard.
      const summary = page.locator('details.analytics-details > summary').first();
      await summary.focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('details.analytics-details').first().evaluate((d) => (d as HTMLDetailsElement).open)).to.equal(true);
      const file = await screenshot(page, `analytics-dashboard-${width}`);
      expect(file).to.match(/analytics-dashboard-\d+\.png$/);
      await context.close();
    });
  }

  it('serves each chart as well-formed SVG (a real XML parser, in the browser)', async () => {
    const html = await (await fetch(url(`/spaces/${spaceId}/analytics`, teacherToken))).text();
    const svgs = [...html.matchAll(/<svg [\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).to.have.length(CHART_NAMES.length);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = await page.evaluate((list) => list.map((s) => new DOMParser().parseFromString(s, 'image/svg+xml').getElementsByTagName('parsererror').length), svgs);
    expect(errors).to.deep.equal(svgs.map(() => 0));
    await context.close();
  });
});
