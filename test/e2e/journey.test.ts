import { expect } from 'chai';
import { DateTime } from 'luxon';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { statementId } from '../../src/xapi/statement-builder.js';
import { VERB } from '../../src/xapi/vocabulary.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { xapiProblems } from '../helpers/lrs-stub.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

/** Real time plus an offset the test moves: the tool's clock travels, the emulator's tokens stay valid. */
function movableClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  let last = 0;
  return { now: () => (last = Math.max(Date.now() + offset, last + 1)), shift: (ms) => void (offset += ms) };
}

interface Person {
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
}

const DAY = 24 * 60 * 60 * 1000;

describe('journey: prep completion, follow-ups, reflections and plans (e2e through the emulator, travelling in time)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let clock: ReturnType<typeof movableClock>;
  let teacher: Person;
  let spaceId: string;
  let eventAt: number;

  async function join(spec: LaunchSpec): Promise<Person> {
    // The id_token is dated by the tool's (travelled) clock, as a platform in that future would date it.
    const nowS = Math.floor(clock.now() / 1000);
    const r = await launch(stack, { ...spec, claims: { iat: nowS, exp: nowS + 300, ...spec.claims } });
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const csrf = (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: csrf, ...fields } }),
    };
  }

  const statements = async (verb: string) =>
    (await stack.tool.container.db('xapi_outbox').select('statement_id', 'statement'))
      .map((r: { statement_id: string; statement: string }) => ({ id: r.statement_id, s: JSON.parse(r.statement) }))
      .filter((x: { s: { verb: { id: string } } }) => x.s.verb.id === verb);
  const distinct = (list: { id: string }[]) => new Set(list.map((x) => x.id)).size;

  before(async () => {
    clock = movableClock();
    stack = await startStack({ clock });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await teacher.post('/app/setup', { kind: 'prep', title: 'Coaching workshop', time_zone: 'Europe/Madrid' });
    expect(setup.status, setup.body.slice(0, 500)).to.equal(303);
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    // The event: ten days from now, 09:30 in Madrid.
    const local = DateTime.fromMillis(clock.now(), { zone: 'Europe/Madrid' }).plus({ days: 10 }).set({ hour: 9, minute: 30, second: 0, millisecond: 0 });
    eventAt = local.toMillis();
    const res = await teacher.post(`/spaces/${spaceId}/settings`, { title: 'Coaching workshop', intro: '', time_zone: 'Europe/Madrid', anonymity: 'off', event_date: local.toISODate()!, event_time: '09:30' });
    expect(res.status, res.body.slice(0, 1500)).to.equal(303);
    const prompt = await teacher.post(`/spaces/${spaceId}/prompts`, { title: 'What do you want to practise?', body: 'One skill.', required: 'on' });
    expect(prompt.status, prompt.body.slice(0, 800)).to.equal(303);
  });
  after(async () => stack?.close());

  it('a learner answers the required prompt: prep completed is queued once, valid, and the checklist says so', async () => {
    const ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    const before = await ann.get(`/spaces/${spaceId}`);
    expect(before.body).to.contain('Prep checklist: 0 of 1 done.');
    const promptId = /<a href="\/threads\/([0-9a-f-]{36})\?session=[^"]+">What do you want to practise\?<\/a>/.exec(before.body)![1]!;
    expect((await ann.post(`/threads/${promptId}/replies`, { body: 'Giving feedback' })).status).to.equal(303);
    const completed = await statements(VERB.completed);
    expect(distinct(completed)).to.equal(1);
    expect(xapiProblems(completed[0]!.s)).to.deep.equal([]);
    expect(completed[0]!.s.context.extensions['https://w3id.org/xapi/threadline/extensions/phase']).to.equal('prep');
    // More activity after completion does not complete it again.
    const thread = await ann.post(`/spaces/${spaceId}/threads`, { title: 'Hello', body: 'Hi all' });
    expect(thread.status).to.be.oneOf([303, 201]);
    expect(distinct(await statements(VERB.completed))).to.equal(1);
    expect((await ann.get(`/spaces/${spaceId}`)).body).to.contain('Prep complete: you are ready for the event.');
  });

  it('eight days after the event, the +7 follow-up is due on the next launch; reflection and plan are stored and sent', async () => {
    clock.shift(eventAt - clock.now() + 8 * DAY);
    const ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    const page = await ann.get(`/spaces/${spaceId}`);
    expect(page.body).to.contain('1 follow-up is waiting for you.');
    const list = await ann.get(`/spaces/${spaceId}/journey`);
    expect(list.status).to.equal(200);
    const fid = /id="follow-up-([0-9a-f-]{36})"/.exec(list.body)![1]!;
    expect(list.body).to.contain('Follow-up at +30 days');

    // Too long: 400, and the page gives back what was typed.
    const long = await ann.post(`/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`, { applied: 'x'.repeat(10_001), helped: 'kept words' });
    expect(long.status).to.equal(400);
    expect(long.body).to.contain('kept words');

    const ok = await ann.post(`/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`, { applied: 'I ran **two** check-ins', helped: 'The script', hindered: '<script>alert(1)</script>' });
    expect(ok.status, ok.body.slice(0, 800)).to.equal(303);
    const done = await ann.get(`/spaces/${spaceId}/journey`);
    expect(done.body).to.contain('Update reflection');
    expect(done.body).not.to.contain('<script>alert(1)');
    const reflected = await statements(VERB.reflected);
    expect(distinct(reflected)).to.equal(1);
    expect(xapiProblems(reflected[0]!.s)).to.deep.equal([]);
    expect(reflected[0]!.s.context.extensions['https://w3id.org/xapi/threadline/extensions/days-from-event']).to.equal(8);

    const created = await ann.post(`/spaces/${spaceId}/journey/plans`, { goal: 'Weekly one-to-ones', situation: 'My team', target_date: '2027-03-01', status: 'planned', barrier: '' });
    expect(created.status, created.body.slice(0, 800)).to.equal(303);
    const planId = /#plan-([0-9a-f-]{36})$/.exec(created.headers.get('location')!)![1]!;
    const changed = await ann.post(`/spaces/${spaceId}/journey/plans/${planId}`, { goal: 'Weekly one-to-ones', situation: 'My team', target_date: '2027-03-01', status: 'tried', barrier: 'No meeting room' });
    expect(changed.status).to.equal(303);
    for (const verb of [VERB.planned, VERB.applied, VERB.reportedBarrier]) {
      const list = await statements(verb);
      expect(distinct(list), verb).to.equal(1);
      expect(xapiProblems(list[0]!.s)).to.deep.equal([]);
    }
    const history = await stack.tool.container.db('journey_action_plan_changes').where({ plan_id: planId }).orderBy('changed_at');
    expect(history.map((h: { status: string }) => h.status)).to.deep.equal(['planned', 'tried']);

    // Staff read every learner's reflection (rendered, never raw).
    // (The teacher's session from before the event has idled out: a fresh launch, as in real life.)
    const tess = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const overview = await tess.get(`/spaces/${spaceId}/journey`);
    expect(overview.status).to.equal(200);
    expect(overview.body).to.contain('I ran <strong>two</strong> check-ins');
    expect(overview.body).not.to.contain('<script>alert(1)');
    expect(overview.body).to.contain('Weekly one-to-ones');
    // Staff see the learner's display name, not a prefix of their user id.
    const annId = (await stack.tool.container.db('users').where({ sub: 'ann' }).first()).id as string;
    expect(overview.body).to.contain('Ann Learner, follow-up at +7 days');
    expect(overview.body).not.to.contain(annId.slice(0, 8));
  });

  it('a journey id from another course is a 404, never data', async () => {
    const other = await join({ sub: 'ann', roles: [ROLE.learner], contextId: 'course-3', resourceLinkId: 'c-link' });
    const fid = (await stack.tool.container.db('journey_follow_ups').where({ space_id: spaceId }).first()).id;
    expect((await other.get(`/spaces/${spaceId}/journey`)).status).to.equal(404);
    const post = await other.post(`/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`, { applied: 'x' });
    expect(post.status).to.equal(404);
    expect((await other.post(`/spaces/${spaceId}/journey/plans`, { goal: 'x', status: 'planned' })).status).to.equal(404);
    expect((await other.post(`/spaces/${spaceId}/journey/settings`, { min_peer_replies: '1' })).status).to.equal(404);
  });
});
