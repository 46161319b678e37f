import { expect } from 'chai';
import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/** What a learner and an instructor see on the journey pages: axe finds nothing serious, at 1000 px and at 320 px. */
describe('browser: journey pages', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  let learnerToken: string;
  let teacherToken: string;

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, spec);
    const token = r.sessionToken!;
    return { token, csrf: (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken };
  }
  const url = (path: string, token: string) => `${base}${path}?session=${encodeURIComponent(token)}`;
  const post = (s: { token: string; csrf: string }, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: s.token, _csrf: s.csrf, ...fields }) });

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const link = { resourceLinkId: 'browser-journey' };
    const teacher = await sessionFor({ sub: 'jt', name: 'Tess Teacher', roles: [ROLE.instructor], ...link });
    teacherToken = teacher.token;
    const setup = await post(teacher, '/app/setup', { kind: 'post_event', title: 'After the workshop', time_zone: 'America/New_York' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    // The event was ten days ago, so the +7 follow-up is due now.
    const day = DateTime.now().setZone('America/New_York').minus({ days: 10 }).toISODate()!;
    const res = await post(teacher, `/spaces/${spaceId}/settings`, { title: 'After the workshop', intro: '', time_zone: 'America/New_York', anonymity: 'off', event_date: day, event_time: '09:00' });
    expect(res.status).to.equal(303);
    const learner = await sessionFor({ sub: 'jl', name: 'Lee Learner', roles: [ROLE.learner], ...link });
    learnerToken = learner.token;
    await post(learner, `/spaces/${spaceId}/journey/plans`, { goal: 'Ask one open question per meeting', situation: '', target_date: '', status: 'tried', barrier: 'Time' });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const width of [1000, 320]) {
    for (const who of ['learner', 'teacher'] as const) {
      it(`the ${who}'s journey page passes axe and fits ${width} px`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        const res = await page.goto(url(`/spaces/${spaceId}/journey`, who === 'learner' ? learnerToken : teacherToken));
        expect(res?.status()).to.equal(200);
        if (who === 'learner') expect(await page.textContent('body')).to.contain('Due');
        expect(await axeSerious(page), `${who} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow).to.be.at.most(0);
        await context.close();
      });
    }
  }
});
