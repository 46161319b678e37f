import { expect } from 'chai';
import { DateTime } from 'luxon';
import { v5 as uuidv5 } from 'uuid';
import type { Dashboard, EngagementDay } from '../../src/analytics/analytics-model.js';
import { fixedClock } from '../../src/clock.js';
import { createContainer, type Container } from '../../src/container.js';
import type { Thread } from '../../src/discussion/discussion-model.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { sha256 } from '../../src/ids.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { createSpaceStore, type Space } from '../../src/spaces/space-store.js';
import { UUID_NAMESPACE, VERB, EXTENSION } from '../../src/xapi/vocabulary.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { xapiProblems } from '../helpers/lrs-stub.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import { barrierKey, percentile } from '../../src/analytics/analytics-math.js';

/**
 * Issue 5 analytics, end to end through the real services: 24 learners, an instructor and a
 * mentor launch through the platform emulator; a prep space with an event in Europe/Madrid (across
 * the spring DST change) gets prompt answers, questions, replies, reactions, endorsements, tags,
 * then follow-ups with reflections, action plans and barriers, while an injected clock travels
 * from March to the end of June 2027. Every figure is asserted as designed below (by hand), then
 * recomputed from the statements the acts queued, read back from the embedded LRS with the
 * queries of docs/analytics.md.
 */

const ZONE = 'Europe/Madrid';
const at = (local: string): number => DateTime.fromISO(local, { zone: ZONE }).toMillis();
const H = 3600_000;
const sub = (i: number) => `l${String(i).padStart(2, '0')}`;
const nameOf = (i: number) => `Learner ${String(i).padStart(2, '0')}`;

describe('analytics: the seeded scenario, figures by hand and from xAPI', function () {
  this.timeout(180_000);
  let stack: Stack;
  let c: Container;
  const clock = fixedClock(at('2027-03-16T09:00'));
  const L: LaunchContext[] = []; // L[1]..L[24]
  let ina: LaunchContext; // instructor
  let max: LaunchContext; // mentor
  let other: LaunchContext; // instructor of another course
  let S: Space; // the prep space with the event
  let S2: Space; // a second space of the course, no event
  let B: Space; // a space of another course
  const q: Record<string, Thread> = {};
  let l2Q1Reply = '';
  let base = '';
  let courseActivity = '';

  async function launchOf(spec: Parameters<typeof launch>[1]): Promise<LaunchContext> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    return (await stack.tool.container.sessions.get(sha256(r.sessionToken!)))!.launch;
  }

  /** One act at a local time: the clock is set, the act runs, and its statements reach the embedded LRS at that same time. */
  async function on<T>(local: string, act: () => Promise<T>): Promise<T> {
    clock.set(at(local));
    const r = await act();
    await c.embeddedDelivery.tick();
    return r;
  }

  const answerBoth = (who: number, local: string) => on(local, async () => {
    await c.posts.reply(L[who]!, q.p1!.id, { body: `Answer 1 of ${nameOf(who)}`, parentPostId: null });
    await c.posts.reply(L[who]!, q.p2!.id, { body: `Answer 2 of ${nameOf(who)}`, parentPostId: null });
  });
  const answer = (who: number, prompt: 'p1' | 'p2', local: string) => on(local, () => c.posts.reply(L[who]!, q[prompt]!.id, { body: `Answer ${prompt} of ${nameOf(who)}`, parentPostId: null }));
  const reply = (who: LaunchContext, thread: string, local: string, parentPostId: string | null = null) => on(local, async () => (await c.posts.reply(who, q[thread]!.id, { body: 'A reply', parentPostId })).post.id);
  const ask = (who: LaunchContext, key: string, space: Space, kind: 'question' | 'discussion', local: string, tagIds: string[] = []) =>
    on(local, async () => {
      q[key] = await c.threads.create(who, space.id, { title: `Thread ${key}`, kind, body: `Body of ${key}`, tagIds });
    });
  const plan = (who: LaunchContext, local: string, status: 'planned' | 'tried' | 'worked' | 'blocked', barrier = '') =>
    on(local, async () => (await c.journey.createPlan(who, S.id, { goal: 'Use the checklist', situation: 'On shift', targetDate: null, status, barrier })).plan);
  const update = (who: LaunchContext, p: { id: string; goal: string; situation: string; targetDate: string | null }, local: string, status: 'planned' | 'tried' | 'worked' | 'blocked', barrier = '') =>
    on(local, async () => (await c.journey.updatePlan(who, S.id, p.id, { goal: p.goal, situation: p.situation, targetDate: p.targetDate, status, barrier })).plan);
  const reflect = (who: LaunchContext, days: number, local: string) =>
    on(local, async () => {
      const f = (await c.journey.followUps(who, S.id)).followUps.find((x) => x.days === days)!;
      await c.journey.reflect(who, S.id, f.id, { appliedMarkdown: 'I used it', helpedMarkdown: 'Practice', hinderedMarkdown: '' });
    });

  before(async () => {
    stack = await startStack();
    const t = stack.tool.container;
    // Launches happen now (real keys, real time); the scenario's acts run on a container of their
    // own over the same database, with the travelling clock and no background delivery.
    await t.embeddedDelivery.stop();
    await t.xapiSender.stop();
    const course = { contextId: 'analytics-course', contextTitle: 'Safety training', resourceLinkId: 'analytics-link' };
    ina = await launchOf({ sub: 'ina', name: 'Ina Instructor', roles: [ROLE.instructor], ...course });
    max = await launchOf({ sub: 'max', name: 'Max Mentor', roles: [ROLE.mentor], mentees: ['l01'], ...course });
    for (let i = 1; i <= 24; i++) L[i] = await launchOf({ sub: sub(i), name: nameOf(i), roles: [ROLE.learner], ...course });
    other = await launchOf({ sub: 'oscar', name: 'Oscar Other', roles: [ROLE.instructor], contextId: 'other-course', contextTitle: 'Other', resourceLinkId: 'other-link' });
    c = createContainer({ config: t.config, db: t.db, log: t.log, clock });
    base = t.config.publicUrl.replace(/\/+$/, '');
    courseActivity = `${base}/xapi/courses/${uuidv5(JSON.stringify([ina.platform.issuer, ina.deployment.deploymentId, 'analytics-course']), UUID_NAMESPACE)}`;
    const spaces = createSpaceStore(t.db);

    // 16 March: the space, its event (30 March 09:00–17:00 in Madrid), two required prompts, three tags.
    S = await on('2027-03-16T09:00', () => spaces.create({ contextId: ina.context!.id, resourceLinkId: null, kind: 'prep', title: 'Prep and follow-up', eventAt: at('2027-03-30T09:00'), timeZone: ZONE, createdBy: ina.user!.id }, clock.now()));
    const tags = await on('2027-03-16T09:05', async () => ({
      safety: await c.tags.create(ina, S.id, 'safety'),
      tools: await c.tags.create(ina, S.id, 'tools'),
      unused: await c.tags.create(ina, S.id, 'lessons'),
    }));
    await on('2027-03-16T09:10', async () => {
      await c.journey.saveSettings(ina, S.id, { eventEndAt: at('2027-03-30T17:00'), rule: { requireRequiredPrompts: true, minPeerReplies: 0 } });
      q.p1 = await c.prompts.create(ina, S.id, { title: 'What do you expect?', body: 'Tell us.', required: true, materials: [] });
      q.p2 = await c.prompts.create(ina, S.id, { title: 'What worries you?', body: 'Tell us.', required: true, materials: [] });
    });
    // Another course, with activity of its own that must never show up here.
    B = await on('2027-03-16T10:00', () => spaces.create({ contextId: other.context!.id, resourceLinkId: null, kind: 'prep', title: 'Other', eventAt: null, timeZone: 'UTC', createdBy: other.user!.id }, clock.now()));
    await on('2027-03-17T08:00', () => c.threads.create(other, B.id, { title: 'Elsewhere', kind: 'question', body: 'Not here', tagIds: [] }));

    // Prep: answers (posts) and completions.
    for (const i of [1, 2, 3, 4]) await answerBoth(i, `2027-03-17T10:0${i}`);
    const l1Answer: string = (await c.db('prompt_answers').where({ thread_id: q.p1!.id, user_id: L[1]!.user!.id }).first()).post_id;
    await on('2027-03-17T20:00', () => c.posts.setReaction(L[2]!, l1Answer, true));
    // Q1: the asker's own reply (11:00) is not a response; L2's at 12:00 is (2 h), reacted, endorsed.
    await ask(L[1]!, 'Q1', S, 'question', '2027-03-18T10:00');
    await reply(L[1]!, 'Q1', '2027-03-18T11:00');
    l2Q1Reply = await reply(L[2]!, 'Q1', '2027-03-18T12:00');
    await on('2027-03-18T15:00', async () => {
      await c.posts.setReaction(L[1]!, l2Q1Reply, true);
      await c.posts.setReaction(L[3]!, l2Q1Reply, true);
    });
    await on('2027-03-18T16:00', () => c.posts.setEndorsed(ina, l2Q1Reply, true));
    // D1 (tagged safety): three replies, one a reply to a reply; three reactions on its opening post.
    await ask(L[2]!, 'D1', S, 'discussion', '2027-03-19T11:00', [tags.safety.id]);
    const l3D1 = await reply(L[3]!, 'D1', '2027-03-19T12:00');
    await reply(L[4]!, 'D1', '2027-03-19T13:00');
    await reply(L[2]!, 'D1', '2027-03-19T14:00', l3D1);
    const d1Opening = (await createPostStore(c.db).opening(q.D1!.id))!.id;
    await on('2027-03-19T16:00', async () => {
      for (const i of [3, 4, 5]) await c.posts.setReaction(L[i]!, d1Opening, true);
    });
    for (const i of [5, 6, 7, 8]) await answerBoth(i, `2027-03-20T10:0${i}`);
    // Q2: the instructor answers in 30 min (accepted by the asker), L4 later.
    await ask(L[3]!, 'Q2', S, 'question', '2027-03-21T09:00');
    const inaQ2 = await reply(ina, 'Q2', '2027-03-21T09:30');
    await reply(L[4]!, 'Q2', '2027-03-21T11:00');
    await on('2027-03-21T12:00', () => c.posts.setAccepted(L[3]!, inaQ2, true));
    for (const i of [9, 10, 11, 12]) await answer(i, 'p1', `2027-03-24T10:${String(i).padStart(2, '0')}`);
    // Q3: L6 answers a day later, accepted; Q4 never gets an answer.
    await ask(L[5]!, 'Q3', S, 'question', '2027-03-25T08:00');
    const l6Q3 = await reply(L[6]!, 'Q3', '2027-03-26T08:00');
    await on('2027-03-26T09:00', () => c.posts.setAccepted(L[5]!, l6Q3, true));
    await ask(L[7]!, 'Q4', S, 'question', '2027-03-26T15:00');
    // Late answers around the DST change (28 March, 02:00 CET → 03:00 CEST): the local day is not the UTC day.
    for (const i of [13, 14, 15, 16]) await answerBoth(i, `2027-03-27T23:3${i - 13}`); // 22:3x UTC, 27 March either way
    for (const i of [17, 18]) await answerBoth(i, `2027-03-28T00:3${i - 17}`); // 23:3x UTC on the 27th, the 28th in Madrid
    for (const i of [9, 10]) await answer(i, 'p2', `2027-03-29T00:4${i - 9}`); // 22:4x UTC on the 28th, the 29th in Madrid
    // After the event started the prep window is closed: L11's second answer is a post, not a completion.
    await answer(11, 'p2', '2027-03-31T09:00');

    // After the event: plans (L11 blocked by "No time" from the start), the instructor's own plan (staff: never counted).
    const plans: Record<number, Awaited<ReturnType<typeof plan>>> = {};
    for (let i = 1; i <= 10; i++) plans[i] = await plan(L[i]!, `2027-03-31T10:${String(i).padStart(2, '0')}`, 'planned');
    plans[11] = await plan(L[11]!, '2027-03-31T10:11', 'blocked', 'No time');
    plans[12] = await plan(L[12]!, '2027-03-31T10:12', 'planned');
    const inaPlan = await plan(ina, '2027-03-31T11:00', 'tried', 'No time');
    // S2 (no event) opens on 1 April; its tag "tools" is the course's "tools" too.
    S2 = await on('2027-04-01T08:00', () => spaces.create({ contextId: ina.context!.id, resourceLinkId: null, kind: 'post_event', title: 'Open questions', eventAt: null, timeZone: ZONE, createdBy: ina.user!.id }, clock.now()));
    const s2Tools = await on('2027-04-01T08:05', () => c.tags.create(ina, S2.id, 'tools'));
    await ask(ina, 'D2', S, 'discussion', '2027-04-01T09:00', [tags.tools.id]);
    const l5D2 = await reply(L[5]!, 'D2', '2027-04-01T10:00');
    await reply(L[6]!, 'D2', '2027-04-01T11:00');
    await reply(L[7]!, 'D2', '2027-04-01T12:00');
    await on('2027-04-01T18:00', () => c.posts.setReaction(ina, l5D2, true));
    // Q5: its only reply is deleted by its author, so it stays unanswered.
    await ask(L[8]!, 'Q5', S, 'question', '2027-04-02T10:00');
    const l9Q5 = await reply(L[9]!, 'Q5', '2027-04-02T11:00');
    await on('2027-04-02T12:00', () => c.posts.remove(L[9]!, l9Q5));
    await update(L[12]!, plans[12], '2027-04-02T15:00', 'blocked', 'no  time ');
    // Q6 in S2 (course only): answered after 6 h.
    await ask(L[9]!, 'Q6', S2, 'question', '2027-04-03T10:00');
    await reply(L[10]!, 'Q6', '2027-04-03T16:00');
    for (const i of [1, 2, 3, 4, 5]) plans[i] = await update(L[i]!, plans[i]!, `2027-04-03T12:0${i}`, 'tried');
    await update(L[10]!, plans[10]!, '2027-04-04T12:00', 'blocked', 'Manager support');
    plans[9] = await update(L[9]!, plans[9]!, '2027-04-05T12:00', 'blocked', 'Manager support');
    // +7 falls due at local midnight of 6 April.
    plans[6] = await update(L[6]!, plans[6]!, '2027-04-06T12:00', 'worked');
    for (let i = 1; i <= 10; i++) await reflect(L[i]!, 7, `2027-04-0${6 + (i % 3)}T18:${String(i).padStart(2, '0')}`);
    await reflect(ina, 7, '2027-04-06T19:00');
    plans[1] = await update(L[1]!, plans[1]!, '2027-04-10T12:00', 'worked');
    plans[9] = await update(L[9]!, plans[9]!, '2027-04-12T12:00', 'blocked', 'Tools missing');
    await update(L[8]!, plans[8]!, '2027-04-15T12:00', 'blocked', 'No time');
    // +30 falls due on 29 April.
    for (let i = 1; i <= 6; i++) await reflect(L[i]!, 30, `2027-04-${29 + (i % 2)}T09:0${i}`);
    plans[7] = await update(L[7]!, plans[7]!, '2027-05-10T12:00', 'tried');
    await update(L[8]!, plans[8]!, '2027-05-10T12:05', 'tried', 'No time');
    await update(ina, inaPlan, '2027-05-11T12:00', 'worked', 'No time');
    // Tags in the last two weeks (now: 30 June 12:00): D3 in the week before, D4–D7 in the last week.
    await ask(L[12]!, 'D3', S, 'discussion', '2027-06-20T10:00', [tags.safety.id, tags.tools.id]);
    await ask(L[13]!, 'D4', S, 'discussion', '2027-06-25T10:00', [tags.safety.id]);
    await ask(L[14]!, 'D5', S, 'discussion', '2027-06-26T10:00', [tags.tools.id]);
    await ask(L[15]!, 'D6', S, 'discussion', '2027-06-27T10:00', [tags.tools.id]);
    await ask(L[16]!, 'D7', S2, 'discussion', '2027-06-28T10:00', [s2Tools.id]);
    // +90 falls due on 28 June; L9 reports trying after that.
    for (let i = 1; i <= 3; i++) await reflect(L[i]!, 90, `2027-06-28T1${i}:00`);
    await update(L[9]!, plans[9]!, '2027-06-29T12:00', 'tried', 'Tools missing');
    clock.set(at('2027-06-30T12:00'));
  });
  after(async () => stack?.close());

  // ---- the figures, by hand ----------------------------------------------------------------

  const PREP_COURSE: Array<[string, number]> = [
    ['2027-03-16', 0], ['2027-03-17', 4], ['2027-03-18', 4], ['2027-03-19', 4], ['2027-03-20', 8], ['2027-03-21', 8], ['2027-03-22', 8], ['2027-03-23', 8],
    ['2027-03-24', 8], ['2027-03-25', 8], ['2027-03-26', 8], ['2027-03-27', 12], ['2027-03-28', 14], ['2027-03-29', 16], ['2027-03-30', 16],
  ];
  /** Days with activity; every other day from 17 March to 30 June is zero. [posts, replies, reactions] */
  const ENGAGEMENT_COURSE: Record<string, [number, number, number]> = {
    '2027-03-17': [8, 0, 1],
    '2027-03-18': [1, 2, 2],
    '2027-03-19': [1, 3, 3],
    '2027-03-20': [8, 0, 0],
    '2027-03-21': [1, 2, 0],
    '2027-03-24': [4, 0, 0],
    '2027-03-25': [1, 0, 0],
    '2027-03-26': [1, 1, 0],
    '2027-03-27': [8, 0, 0],
    '2027-03-28': [4, 0, 0],
    '2027-03-29': [2, 0, 0],
    '2027-03-31': [1, 0, 0],
    '2027-04-01': [1, 3, 1],
    '2027-04-02': [1, 0, 0],
    '2027-04-03': [1, 1, 0],
    '2027-06-20': [1, 0, 0],
    '2027-06-25': [1, 0, 0],
    '2027-06-26': [1, 0, 0],
    '2027-06-27': [1, 0, 0],
    '2027-06-28': [1, 0, 0],
  };
  const ENGAGEMENT_SPACE: Record<string, [number, number, number]> = { ...ENGAGEMENT_COURSE };
  delete ENGAGEMENT_SPACE['2027-04-03']; // Q6 and its reply are in S2
  delete ENGAGEMENT_SPACE['2027-06-28']; // D7 too
  const TRANSFER = [
    { days: 7, learners: 24, reflected: 10, applied: 6, share: 6 / 24, dueAt: at('2027-04-06T00:00') },
    { days: 30, learners: 24, reflected: 6, applied: 8, share: 8 / 24, dueAt: at('2027-04-29T00:00') },
    { days: 90, learners: 24, reflected: 3, applied: 9, share: 9 / 24, dueAt: at('2027-06-28T00:00') },
  ];
  const BARRIERS = [
    { barrier: 'No time', count: 3 },
    { barrier: 'Manager support', count: 2 },
    { barrier: 'Tools missing', count: 1 },
  ];
  /** [learner, posts, replies, helpful, endorsements, accepted, score] */
  const row = (i: number, posts: number, replies: number, helpful: number, endorsements: number, accepted: number, score: number) => ({ name: nameOf(i), posts, replies, helpful, endorsements, accepted, score });
  const CONTRIBUTORS_COURSE = [
    row(2, 3, 2, 5, 1, 0, 13), row(6, 2, 2, 0, 0, 1, 7), row(1, 3, 1, 1, 0, 0, 5), row(5, 3, 1, 1, 0, 0, 5), row(3, 3, 1, 0, 0, 0, 4),
    row(4, 2, 2, 0, 0, 0, 4), row(7, 3, 1, 0, 0, 0, 4), row(8, 3, 0, 0, 0, 0, 3), row(9, 3, 0, 0, 0, 0, 3), row(10, 2, 1, 0, 0, 0, 3),
  ];
  const CONTRIBUTORS_SPACE = [...CONTRIBUTORS_COURSE.slice(0, 8), row(13, 3, 0, 0, 0, 0, 3), row(14, 3, 0, 0, 0, 0, 3)];

  function expectEngagement(days: EngagementDay[], active: Record<string, [number, number, number]>) {
    expect(days).to.have.length(106); // 17 March … 30 June
    expect(days[0]!.day).to.equal('2027-03-17');
    expect(days.at(-1)!.day).to.equal('2027-06-30');
    const got = Object.fromEntries(days.filter((d) => d.posts + d.replies + d.reactions > 0).map((d) => [d.day, [d.posts, d.replies, d.reactions]]));
    expect(got).to.deep.equal(active);
  }

  const strip = (d: Dashboard) => d.contributors.map(({ userId: _u, ...rest }) => rest);

  describe('the dashboard', () => {
    it('course: every figure as designed', async () => {
      const d = await c.analytics.courseDashboard(ina);
      expect(d.scope).to.deep.equal({ kind: 'course', contextId: ina.context!.id, spaceIds: [S.id, S2.id], title: 'Safety training', eventAt: at('2027-03-30T09:00'), timeZone: ZONE });
      expect(d.generatedAt).to.equal(at('2027-06-30T12:00'));
      expect(d.learners).to.equal(24);
      expect(d.prepared).to.equal(16);
      expect(d.prepRate).to.deep.equal(PREP_COURSE.map(([day, prepared]) => ({ day, prepared, learners: 24, rate: prepared / 24 })));
      expect(d.response).to.deep.equal({
        questions: 6,
        responded: 4,
        medianMs: 2 * H, // 30 min, 2 h, 6 h, 24 h: nearest rank 2 of 4
        p90Ms: 24 * H, // rank 4 of 4
        unanswered: [
          { threadId: q.Q4!.id, spaceId: S.id, title: 'Thread Q4', askedAt: at('2027-03-26T15:00') },
          { threadId: q.Q5!.id, spaceId: S.id, title: 'Thread Q5', askedAt: at('2027-04-02T10:00') },
        ],
      });
      expectEngagement(d.engagement, ENGAGEMENT_COURSE);
      expect(d.transfer).to.deep.equal(TRANSFER);
      expect(d.barriers).to.deep.equal(BARRIERS);
      expect(strip(d)).to.deep.equal(CONTRIBUTORS_COURSE);
      expect(d.contributors[0]!.userId).to.equal(L[2]!.user!.id);
      expect(d.trendingTags).to.deep.equal([
        { tag: 'tools', recent: 3, previous: 1 },
        { tag: 'safety', recent: 1, previous: 1 },
      ]);
    });

    it('space: only the space\'s own activity', async () => {
      const d = await c.analytics.spaceDashboard(ina, S.id);
      expect(d.scope).to.deep.equal({ kind: 'space', contextId: ina.context!.id, spaceIds: [S.id], title: 'Prep and follow-up', eventAt: at('2027-03-30T09:00'), timeZone: ZONE });
      expect(d.learners).to.equal(24);
      expect(d.prepared).to.equal(16);
      expect(d.prepRate.map((p) => [p.day, p.prepared])).to.deep.equal(PREP_COURSE);
      expect(d.response).to.deep.include({ questions: 5, responded: 3, medianMs: 2 * H, p90Ms: 24 * H });
      expect(d.response.unanswered.map((u) => u.threadId)).to.deep.equal([q.Q4!.id, q.Q5!.id]);
      expectEngagement(d.engagement, ENGAGEMENT_SPACE);
      expect(d.transfer).to.deep.equal(TRANSFER);
      expect(d.barriers).to.deep.equal(BARRIERS);
      expect(strip(d)).to.deep.equal(CONTRIBUTORS_SPACE);
      expect(d.trendingTags).to.deep.equal([
        { tag: 'tools', recent: 2, previous: 1 },
        { tag: 'safety', recent: 1, previous: 1 },
      ]);
      // A space without an event or activity of its own: no prep window, no follow-ups.
      const d2 = await c.analytics.spaceDashboard(ina, S2.id);
      expect(d2.transfer).to.deep.equal([]);
      expect(d2.prepared).to.equal(0);
      expect(d2.response).to.deep.include({ questions: 1, responded: 1, medianMs: 6 * H, p90Ms: 6 * H });
    });

    it('is for staff of the course only: learners and mentors 403, another course 404', async () => {
      for (const who of [L[1]!, max]) {
        await expectStatus(() => c.analytics.courseDashboard(who), 403);
        await expectStatus(() => c.analytics.spaceDashboard(who, S.id), 403);
      }
      await expectStatus(() => c.analytics.spaceDashboard(ina, B.id), 404);
      await expectStatus(() => c.analytics.spaceDashboard(other, S.id), 404);
      const theirs = await c.analytics.courseDashboard(other);
      expect(theirs.scope.spaceIds).to.deep.equal([B.id]);
      expect(theirs.response.questions).to.equal(1);
      expect(theirs.learners).to.equal(0);
    });
  });

  // ---- the same figures from the statements -------------------------------------------------

  describe('recomputed from the xAPI statements in the embedded LRS', () => {
    type St = { id: string; actor: { account: { name: string } }; verb: { id: string }; object: { id: string }; timestamp: string; result?: { response?: string }; context: { registration: string; contextActivities: { parent?: Array<{ id: string }>; other?: Array<{ id: string; definition?: { name?: Record<string, string> } }> }; extensions: Record<string, unknown> } };
    const learnerSubs = new Set(Array.from({ length: 24 }, (_, i) => sub(i + 1)));

    /** GET /xapi/statements?verb=…&activity=…&related_activities=…&since=…&until=…&registration=… (all pages). */
    async function statements(p: { verb: string; activity: string; related?: boolean; since?: number; until?: number; registration?: string }): Promise<St[]> {
      const out: St[] = [];
      let after: { stored: number; id: string } | undefined;
      for (;;) {
        const page = await c.embeddedLrs.query({ verb: p.verb, activity: p.activity, relatedActivities: p.related ?? false, relatedAgents: false, since: p.since, until: p.until, registration: p.registration, ascending: true, limit: 500, after }, 'exact');
        out.push(...(page.statements as unknown as St[]));
        if (!page.next) return out;
        after = JSON.parse(page.next) as { stored: number; id: string };
      }
    }
    const ms = (s: St) => Date.parse(s.timestamp);
    const learner = (s: St) => learnerSubs.has(s.actor.account.name);
    const day = (s: St) => DateTime.fromMillis(ms(s), { zone: ZONE }).toISODate()!;
    const parent = (s: St) => s.context.contextActivities.parent?.[0]?.id ?? '';
    const postOf = (s: St) => (s.verb.id === VERB.answered ? s.context.contextActivities.other![0]!.id : s.object.id);

    it('every statement the scenario queued is valid xAPI 1.0.3 and reached the LRS', async () => {
      const all = (await Promise.all(Object.values(VERB).map((verb) => statements({ verb, activity: courseActivity, related: true })))).flat();
      expect(all.length).to.be.above(150);
      for (const s of all) expect(xapiProblems(s), s.verb.id).to.deep.equal([]);
      const outbox = await c.db('xapi_outbox').whereNull('delivered_at').count({ n: '*' }).first();
      expect(Number(outbox!.n)).to.equal(0);
    });

    it('gives the same figures as the dashboard', async () => {
      const d = await c.analytics.courseDashboard(ina);
      const course = { activity: courseActivity, related: true };
      // Deleted posts and threads (the `deleted` statements' objects) are left out of every count.
      const deleted = new Set((await statements({ verb: VERB.deleted, ...course })).map((s) => s.object.id));

      // Prep: first `completed` per learner, by local day, up to the event's day.
      const completed = new Map<string, number>();
      for (const s of await statements({ verb: VERB.completed, ...course })) if (learner(s)) completed.set(s.actor.account.name, Math.min(completed.get(s.actor.account.name) ?? Infinity, ms(s)));
      expect(completed.size).to.equal(d.prepared);
      for (const p of d.prepRate) expect([...completed.values()].filter((t) => DateTime.fromMillis(t, { zone: ZONE }).toISODate()! <= p.day).length, p.day).to.equal(p.prepared);

      // Engagement: posted + asked + answered are posts, replied are replies, liked are reactions (per local day).
      const posts = (await Promise.all([VERB.posted, VERB.asked, VERB.answered].map((verb) => statements({ verb, ...course })))).flat().filter((s) => !deleted.has(postOf(s)));
      const replies = (await statements({ verb: VERB.replied, ...course })).filter((s) => !deleted.has(s.object.id));
      const likes = (await statements({ verb: VERB.liked, ...course })).filter((s) => !deleted.has(s.object.id));
      const perDay = new Map<string, [number, number, number]>();
      const bump = (s: St, k: 0 | 1 | 2) => {
        const e = perDay.get(day(s)) ?? [0, 0, 0];
        e[k]++;
        perDay.set(day(s), e);
      };
      posts.forEach((s) => bump(s, 0));
      replies.forEach((s) => bump(s, 1));
      likes.forEach((s) => bump(s, 2));
      expect(Object.fromEntries(perDay)).to.deep.equal(Object.fromEntries(d.engagement.filter((e) => e.posts + e.replies + e.reactions).map((e) => [e.day, [e.posts, e.replies, e.reactions]])));

      // Response: each `asked` thread, its first `replied` (parent = the thread) by another actor.
      const asked = posts.filter((s) => s.verb.id === VERB.asked);
      const waits: number[] = [];
      const open: string[] = [];
      for (const a of asked) {
        const first = replies.filter((r) => parent(r) === a.object.id && r.actor.account.name !== a.actor.account.name).map(ms).sort((x, y) => x - y)[0];
        if (first === undefined) open.push(a.object.id);
        else waits.push(first - ms(a));
      }
      expect(asked.length).to.equal(d.response.questions);
      expect(waits.length).to.equal(d.response.responded);
      expect(percentile(waits, 0.5)).to.equal(d.response.medianMs);
      expect(percentile(waits, 0.9)).to.equal(d.response.p90Ms);
      expect(open).to.deep.equal(d.response.unanswered.map((u) => `${base}/threads/${u.threadId}`));

      // Transfer: learners' `reflected` per follow-up-days; `applied` first per learner and space, before the next follow-up falls due.
      const reflected = (await statements({ verb: VERB.reflected, ...course })).filter(learner);
      const applied = (await statements({ verb: VERB.applied, ...course })).filter(learner);
      const firstApplied = new Map<string, number>();
      for (const s of applied) {
        const k = `${s.actor.account.name} ${parent(s)}`;
        firstApplied.set(k, Math.min(firstApplied.get(k) ?? Infinity, ms(s)));
      }
      const dueAt = (days: number) => DateTime.fromMillis(at('2027-03-30T17:00'), { zone: ZONE }).startOf('day').plus({ days }).toMillis();
      const offsets = [7, 30, 90];
      const transfer = offsets.map((days, i) => {
        const cutoff = offsets[i + 1] === undefined ? Infinity : dueAt(offsets[i + 1]!);
        const did = new Set([...firstApplied].filter(([, t]) => t < cutoff).map(([k]) => k.split(' ')[0]));
        const refl = new Set(reflected.filter((s) => s.context.extensions[EXTENSION.followUpDays] === days).map((s) => s.actor.account.name));
        return { days, learners: 24, reflected: refl.size, applied: did.size, share: did.size / 24, dueAt: dueAt(days) };
      });
      expect(transfer).to.deep.equal(d.transfer);

      // Barriers: learners per normalised `reported-barrier` response, shown as first written.
      const barriers = new Map<string, { first: string; at: number; who: Set<string> }>();
      for (const s of (await statements({ verb: VERB.reportedBarrier, ...course })).filter(learner)) {
        const k = barrierKey(s.result!.response!);
        const e = barriers.get(k) ?? { first: s.result!.response!.trim(), at: ms(s), who: new Set<string>() };
        e.who.add(s.actor.account.name);
        barriers.set(k, e);
      }
      expect([...barriers.values()].map((e) => ({ barrier: e.first, count: e.who.size })).sort((a, b) => b.count - a.count)).to.deep.equal(d.barriers);

      // Contributors: each learner's posts and replies; reactions, endorsements and acceptances on what they wrote.
      const authorOf = new Map<string, string>();
      for (const s of [...posts, ...replies]) authorOf.set(postOf(s), s.actor.account.name);
      const endorsed = (await statements({ verb: VERB.endorsed, ...course })).filter((s) => !deleted.has(s.object.id));
      const accepted = await statements({ verb: VERB.accepted, ...course });
      const tally = new Map<string, { posts: number; replies: number; helpful: number; endorsements: number; accepted: number }>();
      const of = (who: string | undefined) => {
        if (!who) return { posts: 0, replies: 0, helpful: 0, endorsements: 0, accepted: 0 };
        let t = tally.get(who);
        if (!t) tally.set(who, (t = { posts: 0, replies: 0, helpful: 0, endorsements: 0, accepted: 0 }));
        return t;
      };
      posts.forEach((s) => of(s.actor.account.name).posts++);
      replies.forEach((s) => of(s.actor.account.name).replies++);
      likes.forEach((s) => of(authorOf.get(s.object.id)).helpful++);
      endorsed.forEach((s) => of(authorOf.get(s.object.id)).endorsements++);
      // The last acceptance in a thread is its answer.
      const answerOf = new Map<string, string>();
      for (const s of accepted) answerOf.set(parent(s), s.object.id);
      for (const post of answerOf.values()) of(authorOf.get(post)).accepted++;
      const ranked = [...tally]
        .filter(([who]) => learnerSubs.has(who))
        .map(([who, t]) => ({ name: nameOf(Number(who.slice(1))), ...t, score: t.posts + t.replies + t.helpful + 3 * t.endorsements + 3 * t.accepted }))
        .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
        .slice(0, 10);
      expect(ranked).to.deep.equal(strip(d));

      // One learner's own statements, by registration, give their row too.
      const l2 = (await statements({ verb: VERB.replied, activity: courseActivity, related: true })).find((s) => s.actor.account.name === 'l02')!;
      const own = await statements({ verb: VERB.replied, activity: courseActivity, related: true, registration: l2.context.registration });
      expect(own.filter((s) => !deleted.has(s.object.id)).length).to.equal(d.contributors.find((x) => x.name === nameOf(2))!.replies);

      // Trending tags: `tagged` statements stored in the last 7 days and the 7 before, by tag name.
      const now = clock.now();
      const week = 7 * 24 * H;
      const tagged = async (since: number, until: number) => {
        const counts = new Map<string, number>();
        for (const s of await statements({ verb: VERB.tagged, ...course, since, until })) {
          const label = Object.values(s.context.contextActivities.other![0]!.definition!.name!)[0]!;
          counts.set(label.toLowerCase(), (counts.get(label.toLowerCase()) ?? 0) + 1);
        }
        return counts;
      };
      const recent = await tagged(now - week, now);
      const previous = await tagged(now - 2 * week, now - week);
      expect(d.trendingTags.map((t) => ({ tag: t.tag, recent: recent.get(t.tag) ?? 0, previous: previous.get(t.tag) ?? 0 }))).to.deep.equal(d.trendingTags);
      expect(new Set([...recent.keys(), ...previous.keys()])).to.deep.equal(new Set(d.trendingTags.map((t) => t.tag)));
    });
  });

  describe('moderation', () => {
    it('a hidden post leaves every count: its reply, reactions, endorsement and the response it was', async () => {
      await on('2027-06-30T12:00', () => c.posts.setHidden(ina, l2Q1Reply, true));
      const d = await c.analytics.courseDashboard(ina);
      expect(d.response).to.deep.include({ questions: 6, responded: 3, medianMs: 6 * H, p90Ms: 24 * H });
      expect(d.response.unanswered.map((u) => u.threadId)).to.deep.equal([q.Q1!.id, q.Q4!.id, q.Q5!.id]);
      const day18 = d.engagement.find((e) => e.day === '2027-03-18')!;
      expect(day18).to.deep.equal({ day: '2027-03-18', posts: 1, replies: 1, reactions: 0 });
      expect(strip(d).find((r) => r.name === nameOf(2))).to.deep.equal(row(2, 3, 1, 3, 0, 0, 7));
    });
  });
});

async function expectStatus(fn: () => Promise<unknown>, status: number): Promise<void> {
  try {
    await fn();
  } catch (e) {
    expect((e as { status?: number }).status).to.equal(status);
    return;
  }
  expect.fail(`expected a ${status}`);
}
