import { expect } from 'chai';
import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';
import { sha256 } from '../../src/ids.js';
import { axeSerious, launchChromium } from '../helpers/chromium.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * The readiness roster (staff), the mentor's mentees page and their mentees' action plans, and a
 * learner's plan with a mentor's confirmation: axe finds nothing serious, at 1000 px and at 320 px.
 */
describe('browser: readiness and mentor pages', function () {
  this.timeout(90_000);
  let stack: Stack;
  let browser: Browser;
  let base: string;
  let spaceId: string;
  const tokens: Record<'teacher' | 'mentor' | 'learner', string> = { teacher: '', mentor: '', learner: '' };

  async function sessionFor(spec: LaunchSpec): Promise<{ token: string; csrf: string }> {
    const r = await launch(stack, { resourceLinkId: 'browser-readiness', ...spec });
    const token = r.sessionToken!;
    return { token, csrf: (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken };
  }
  const url = (path: string, token: string) => `${base}${path}?session=${encodeURIComponent(token)}`;
  const post = async (s: { token: string; csrf: string }, path: string, fields: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session: s.token, _csrf: s.csrf, ...fields }) });
    expect(res.status, `${path}: ${(await res.text()).slice(0, 300)}`).to.equal(303);
    return res;
  };

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    browser = await launchChromium();
    const teacher = await sessionFor({ sub: 'rt', name: 'Tess Teacher', roles: [ROLE.instructor] });
    tokens.teacher = teacher.token;
    const setup = await post(teacher, '/app/setup', { kind: 'prep', title: 'Negotiation prep', time_zone: 'Europe/Madrid' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const day = DateTime.now().setZone('Europe/Madrid').plus({ days: 3 }).toISODate()!;
    await post(teacher, `/spaces/${spaceId}/settings`, { title: 'Negotiation prep', intro: '', time_zone: 'Europe/Madrid', anonymity: 'off', event_date: day, event_time: '10:00' });
    await post(teacher, `/spaces/${spaceId}/prompts`, { title: 'Your BATNA', body: 'What is your best alternative?', required: 'on' });
    const promptId = (await stack.tool.container.db('threads').where({ space_id: spaceId, title: 'Your BATNA' }).first()).id as string;
    const ann = await sessionFor({ sub: 'ra', name: 'Ann Alvarez-Montgomery', roles: [ROLE.learner] });
    tokens.learner = ann.token;
    await post(ann, `/threads/${promptId}/replies`, { body: 'Walk away and sign with the other supplier.' });
    await sessionFor({ sub: 'rb', name: 'Ben Learner', roles: [ROLE.learner] });
    const created = await post(ann, `/spaces/${spaceId}/journey/plans`, { goal: 'Open every negotiation with a written anchor', situation: 'Supplier calls', target_date: '2027-02-01', status: 'tried', barrier: 'Calls come unannounced' });
    const planId = /#plan-([0-9a-f-]{36})$/.exec(created.headers.get('location')!)![1]!;
    const mentor = await sessionFor({ sub: 'rm', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['ra'] });
    tokens.mentor = mentor.token;
    await post(mentor, `/spaces/${spaceId}/journey/plans/${planId}/confirm`, { comment: 'She anchored first in Tuesday’s call.' });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const pages: Array<[string, keyof typeof tokens, string, string]> = [
    ['readiness roster', 'teacher', '/readiness', 'Ann Alvarez-Montgomery'],
    ["mentor's mentees", 'mentor', '/mentees', 'Ann Alvarez-Montgomery'],
    ["mentor's action plans", 'mentor', '/journey/mentees', 'Update my confirmation'],
    ["learner's plan with a confirmation", 'learner', '/journey', 'confirmed by Mona Mentor'],
    ["staff journey overview with names", 'teacher', '/journey', 'confirmed by Mona Mentor'],
  ];
  for (const width of [1000, 320]) {
    for (const [name, who, path, text] of pages) {
      it(`the ${name} page passes axe and fits ${width} px`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        const res = await page.goto(url(`/spaces/${spaceId}${path}`, tokens[who]));
        expect(res?.status()).to.equal(200);
        expect(await page.textContent('body')).to.contain(text);
        expect(await axeSerious(page), `${name} at ${width}px`).to.deep.equal([]);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow).to.be.at.most(0);
        await context.close();
      });
    }
  }
});
