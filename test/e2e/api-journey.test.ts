import { expect } from 'chai';
import { DateTime } from 'luxon';
import { sha256 } from '../../src/ids.js';
import { VERB } from '../../src/xapi/vocabulary.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { xapiProblems } from '../helpers/lrs-stub.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * The journey, readiness and directory endpoints of /api/v1 (src/api/journey-routes.ts) through
 * the platform emulator, as learner, mentor, instructor and someone else's mentee: the same
 * authorisation as the pages, and the same input rules.
 */
type Json = Record<string, any>;
interface Answer {
  status: number;
  body: any;
}
interface Caller {
  call(method: string, path: string, body?: unknown): Promise<Answer>;
}

describe('JSON API /api/v1 journey, readiness and directory (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Caller;
  let ann: Caller;
  let ben: Caller;
  let mona: Caller;
  let spaceId: string;

  async function api(token: string, method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }
  async function join(spec: LaunchSpec): Promise<Caller> {
    const r = await launch(stack, { contextId: 'api-journey', resourceLinkId: 'api-journey-link', ...spec });
    expect(r.response.status).to.equal(303);
    const token = r.sessionToken!;
    return { call: (m, p, b) => api(token, m, p, b) };
  }
  const ok = (a: Answer, status = 200, what = ''): Json => {
    expect(a.status, `${what} ${JSON.stringify(a.body).slice(0, 500)}`).to.equal(status);
    return a.body;
  };
  const refused = (a: Answer, status: number, what = ''): Json => {
    expect(a.status, `${what} ${JSON.stringify(a.body).slice(0, 500)}`).to.equal(status);
    expect(a.body.error.message, what).to.be.a('string').and.not.equal('');
    return a.body.error;
  };

  before(async () => {
    stack = await startStack();
    base = stack.tool.publicUrl;
    const t = await launch(stack, { contextId: 'api-journey', resourceLinkId: 'api-journey-link', sub: 'teach', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const csrf = (await stack.tool.container.sessions.get(sha256(t.sessionToken!)))!.csrfToken;
    const form = (path: string, fields: Record<string, string>) => t.browser.request(`${base}${path}`, { form: { session: t.sessionToken!, _csrf: csrf, ...fields } });
    const setup = await form('/app/setup', { kind: 'post_event', title: 'After the API workshop', time_zone: 'Europe/Madrid' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    // The event was ten days ago: the +7 follow-up is due, +30 and +90 upcoming.
    const day = DateTime.now().setZone('Europe/Madrid').minus({ days: 10 }).toISODate()!;
    expect((await form(`/spaces/${spaceId}/settings`, { title: 'After the API workshop', intro: '', time_zone: 'Europe/Madrid', anonymity: 'off', event_date: day, event_time: '09:00' })).status).to.equal(303);
    teacher = { call: (m, p, b) => api(t.sessionToken!, m, p, b) };
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    mona = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['ann'] });
  });
  after(async () => stack?.close());

  let annPlan: string;
  let benPlan: string;

  it("a learner reads their journey, reflects on the due follow-up, and the journey says it is done", async () => {
    const j = ok(await ann.call('GET', `/spaces/${spaceId}/journey`));
    expect(j.phase).to.equal('post-event');
    expect(j.followUps.map((f: Json) => [f.days, f.state])).to.deep.equal([
      [7, 'due'],
      [30, 'upcoming'],
      [90, 'upcoming'],
    ]);
    expect(j.due).to.equal(1);
    const fid = j.followUps[0].id;
    expect(ok(await ann.call('GET', `/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`)).followUp.reflection).to.equal(null);
    // The page's rules: at least one answer; not before it is due.
    expect(refused(await ann.call('POST', `/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`, { applied: ' ' }), 400).fields).to.have.property('_');
    refused(await ann.call('POST', `/spaces/${spaceId}/journey/follow-ups/${j.followUps[1].id}/reflection`, { applied: 'Too early' }), 409);
    const saved = ok(await ann.call('POST', `/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`, { applied: 'Two check-ins', hindered: 'Time' }));
    expect(saved.followUp).to.deep.include({ state: 'done' });
    expect(saved.followUp.reflection).to.include({ applied: 'Two check-ins', helped: '', hindered: 'Time' });
    expect(ok(await ann.call('GET', `/spaces/${spaceId}/journey`)).due).to.equal(0);
    // Ben's view of the same follow-up: his own (none).
    expect(ok(await ben.call('GET', `/spaces/${spaceId}/journey/follow-ups/${fid}/reflection`)).followUp.reflection).to.equal(null);
    refused(await ann.call('GET', `/spaces/${spaceId}/journey/follow-ups/no-such-id/reflection`), 404);
  });

  it('creates and patches action plans with history; someone else\'s plan is a 404; the form\'s rules apply', async () => {
    const created = ok(await ann.call('POST', `/spaces/${spaceId}/journey/plans`, { goal: 'Weekly one-to-ones', situation: 'Team of five', target_date: '2027-01-15', status: 'planned' }), 201);
    annPlan = created.id;
    expect(created).to.include({ goal: 'Weekly one-to-ones', targetDate: '2027-01-15', status: 'planned', barrier: '' });
    const patched = ok(await ann.call('PATCH', `/spaces/${spaceId}/journey/plans/${annPlan}`, { status: 'tried', barrier: 'No rooms' }));
    expect(patched).to.include({ goal: 'Weekly one-to-ones', situation: 'Team of five', status: 'tried', barrier: 'No rooms' });
    expect(patched.history.map((h: Json) => h.status)).to.deep.equal(['planned', 'tried']);
    expect(refused(await ann.call('PATCH', `/spaces/${spaceId}/journey/plans/${annPlan}`, { status: 'finished' }), 400).fields.status).to.equal('Choose a status from the list.');
    expect(refused(await ann.call('POST', `/spaces/${spaceId}/journey/plans`, { goal: '', status: 'planned' }), 400).fields.goal).to.equal('Give your plan a goal.');
    benPlan = ok(await ben.call('POST', `/spaces/${spaceId}/journey/plans`, { goal: 'Ben private goal', status: 'planned' }), 201).id;
    refused(await ann.call('PATCH', `/spaces/${spaceId}/journey/plans/${benPlan}`, { status: 'worked' }), 404);
    expect(ok(await ann.call('GET', `/spaces/${spaceId}/journey/plans`)).plans.map((p: Json) => p.goal)).to.deep.equal(['Weekly one-to-ones']);
  });

  it("a mentor reads and confirms only their mentees' plans; nobody else can confirm", async () => {
    const m = ok(await mona.call('GET', `/spaces/${spaceId}/journey/mentees`));
    expect(m.mentees.map((x: Json) => [x.name, x.plans.map((p: Json) => p.goal)])).to.deep.equal([['Ann Learner', ['Weekly one-to-ones']]]);
    expect(JSON.stringify(m)).not.to.contain('Ben private goal');
    refused(await mona.call('POST', `/spaces/${spaceId}/journey/plans/${benPlan}/confirm`, { comment: 'Not my mentee' }), 404);
    expect(refused(await mona.call('POST', `/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: '' }), 400).fields.comment).to.equal('Write a comment: what did you see them apply on the job?');
    const confirmed = ok(await mona.call('POST', `/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'Saw it on Monday' }));
    expect(confirmed.confirmations).to.deep.equal([{ mentorName: 'Mona Mentor', comment: 'Saw it on Monday', confirmedAt: confirmed.confirmations[0].confirmedAt, updatedAt: confirmed.confirmations[0].updatedAt }]);
    const statements = (await stack.tool.container.db('xapi_outbox').select('statement')).map((r: { statement: string }) => JSON.parse(r.statement)).filter((s: Json) => s.verb.id === VERB.confirmed);
    expect(statements).to.have.length(1);
    expect(xapiProblems(statements[0])).to.deep.equal([]);
    // The learner sees it on their plan; learners and staff cannot confirm, nor read the mentor list.
    expect(ok(await ann.call('GET', `/spaces/${spaceId}/journey/plans`)).plans[0].confirmations[0].comment).to.equal('Saw it on Monday');
    for (const [who, c] of [['learner', ann], ['instructor', teacher]] as const) {
      refused(await c.call('POST', `/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'x' }), 403, who);
      refused(await c.call('GET', `/spaces/${spaceId}/journey/mentees`), 403, who);
    }
    // A mentor writes no journey of their own.
    refused(await mona.call('GET', `/spaces/${spaceId}/journey`), 403);
    refused(await mona.call('POST', `/spaces/${spaceId}/journey/plans`, { goal: 'Mine', status: 'planned' }), 403);
  });

  it('the readiness roster is for staff, paged and sorted', async () => {
    const r = ok(await teacher.call('GET', `/spaces/${spaceId}/readiness?sort=name&dir=asc`));
    expect(r.rows.map((x: Json) => [x.name, x.sub])).to.deep.equal([
      ['Ann Learner', 'ann'],
      ['Ben Learner', 'ben'],
    ]);
    expect(r).to.include({ total: 2 });
    expect(r.pagination).to.deep.equal({ page: 1, pageCount: 1, pageSize: 50, total: 2 });
    refused(await teacher.call('GET', `/spaces/${spaceId}/readiness?sort=shoe`), 400);
    refused(await ann.call('GET', `/spaces/${spaceId}/readiness`), 403);
    refused(await mona.call('GET', `/spaces/${spaceId}/readiness`), 403);
  });

  it('the directory: a profile written through the API shows up for "who knows X"; mentors cannot write one', async () => {
    expect(ok(await ann.call('GET', `/spaces/${spaceId}/directory/profile`)).profile).to.equal(null);
    const saved = ok(await ann.call('PUT', `/spaces/${spaceId}/directory/profile`, { bio: 'I run **one-to-ones**', expertise: ['Coaching', 'Feedback'], open_to_mentoring: true }));
    expect(saved.profile).to.include({ bio: 'I run **one-to-ones**', openToMentoring: true });
    expect(saved.profile.bioHtml).to.contain('<strong>one-to-ones</strong>');
    expect(saved.profile.expertise).to.deep.equal(['Coaching', 'Feedback']);
    const tooMany = refused(await ann.call('PUT', `/spaces/${spaceId}/directory/profile`, { expertise: Array.from({ length: 11 }, (_, i) => `L${i}`) }), 400);
    expect(tooMany.fields).to.have.property('expertise');
    const found = ok(await ben.call('GET', `/spaces/${spaceId}/directory?q=coach`));
    expect(found.people.map((p: Json) => [p.name, p.match?.expertise])).to.deep.equal([['Ann Learner', true]]);
    expect(JSON.stringify(found)).not.to.match(/"userId"/);
    expect(ok(await ben.call('GET', `/spaces/${spaceId}/directory?q=nobody-knows-this`)).people).to.deep.equal([]);
    refused(await mona.call('PUT', `/spaces/${spaceId}/directory/profile`, { bio: 'Mentor' }), 403);
    refused(await ben.call('GET', `/spaces/${spaceId}/directory?q=${'x'.repeat(101)}`), 400);
  });
});
