import { expect } from 'chai';
import { VERB, EXTENSION } from '../../src/xapi/vocabulary.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { xapiProblems } from '../helpers/lrs-stub.js';
import { expectStatus, joinCourse, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';

const COURSE = 'mentor-course';

describe('journey: mentors confirm "applied on the job" (e2e through the emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let teacher: Participant;
  let ann: Participant;
  let ben: Participant;
  let mona: Participant;
  let spaceId: string;
  let annPlan: string;
  let benPlan: string;

  const join = (spec: LaunchSpec) => joinCourse(stack, { contextId: COURSE, resourceLinkId: 'mentor-link', ...spec });
  const confirmed = async () =>
    (await stack.tool.container.db('xapi_outbox').select('statement_id', 'statement'))
      .map((r: { statement_id: string; statement: string }) => ({ id: r.statement_id, s: JSON.parse(r.statement) }))
      .filter((x: { s: { verb: { id: string } } }) => x.s.verb.id === VERB.confirmed);
  const planOf = async (goal: string) => (await stack.tool.container.db('journey_action_plans').where({ goal }).first()).id as string;

  before(async () => {
    stack = await startStack();
    teacher = await join({ sub: 'teach', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = expectStatus(await teacher.post('/app/setup', { kind: 'post_event', title: 'After the workshop', time_zone: 'Europe/Madrid' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    expectStatus(await ann.post(`/spaces/${spaceId}/journey/plans`, { goal: 'Weekly one-to-ones', situation: 'Team of five', target_date: '2027-01-15', status: 'planned', barrier: '' }));
    annPlan = await planOf('Weekly one-to-ones');
    expectStatus(await ann.post(`/spaces/${spaceId}/journey/plans/${annPlan}`, { goal: 'Weekly one-to-ones', situation: 'Team of five', target_date: '2027-01-15', status: 'tried', barrier: 'Hard to book rooms' }));
    expectStatus(await ben.post(`/spaces/${spaceId}/journey/plans`, { goal: 'Secret goal of Ben', situation: '', target_date: '', status: 'planned', barrier: '' }));
    benPlan = await planOf('Secret goal of Ben');
    // LTI Core §5.4.5: Mona mentors Ann (and someone never seen here), not Ben.
    mona = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['ann', 'nobody-here'] });
  });
  after(async () => stack?.close());

  it("shows a mentor their mentees' plans with situation, target date, status, barrier and history, and nobody else's", async () => {
    const page = expectStatus(await mona.get(`/spaces/${spaceId}/journey/mentees`), 200);
    expect(page.body).to.contain('Ann Learner');
    expect(page.body).to.contain('Weekly one-to-ones');
    expect(page.body).to.contain('Team of five');
    expect(page.body).to.contain('2027-01-15');
    expect(page.body).to.contain('Hard to book rooms');
    // History: created as planned, then tried with a barrier.
    const history = /<ol class="journey-plan-history">([\s\S]*?)<\/ol>/.exec(page.body)![1]!;
    expect(history.match(/<li>/g)).to.have.length(2);
    expect(history).to.contain('Planned').and.to.contain('Tried');
    expect(page.body).not.to.contain('Secret goal of Ben');
    expect(page.body).not.to.contain('Ben Learner');
    // The mentees page links to it.
    expect((await mona.get(`/spaces/${spaceId}/mentees`)).body).to.contain(`/spaces/${spaceId}/journey/mentees`);
  });

  it('confirms with a comment: stored once, one valid `confirmed` statement by the mentor about the learner; confirming again edits it', async () => {
    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'Saw her run one on Monday.' }));
    const rows = await stack.tool.container.db('journey_plan_confirmations').where({ plan_id: annPlan });
    expect(rows).to.have.length(1);
    expect(rows[0].comment).to.equal('Saw her run one on Monday.');
    let list = await confirmed();
    expect(list).to.have.length(1);
    const s = list[0]!.s;
    expect(xapiProblems(s)).to.deep.equal([]);
    expect(s.actor.account.name).to.equal('mona');
    expect(s.object.id).to.match(new RegExp(`/action-plans/${annPlan}$`));
    expect(s.result.response).to.equal('Saw her run one on Monday.');
    expect(s.context.extensions[EXTENSION.learner].account.name).to.equal('ann');
    expect(s.context.extensions[EXTENSION.planStatus]).to.equal('tried');
    expect(s.context.contextActivities.parent[0].id).to.match(new RegExp(`/spaces/${spaceId}$`));

    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'And again on Friday.' }));
    const again = await stack.tool.container.db('journey_plan_confirmations').where({ plan_id: annPlan });
    expect(again).to.have.length(1);
    expect(again[0].comment).to.equal('And again on Friday.');
    list = await confirmed();
    expect(list).to.have.length(1);
    const page = await mona.get(`/spaces/${spaceId}/journey/mentees`);
    expect(page.body).to.contain('Update my confirmation');
    expect(page.body).to.contain('And again on Friday.');
  });

  it('shows the confirmation to the learner on their plan and to staff, with names', async () => {
    const mine = expectStatus(await ann.get(`/spaces/${spaceId}/journey`), 200);
    expect(mine.body).to.contain('Applied on the job, confirmed by Mona Mentor');
    expect(mine.body).to.contain('And again on Friday.');
    const staff = expectStatus(await teacher.get(`/spaces/${spaceId}/journey`), 200);
    expect(staff.body).to.contain('Applied on the job, confirmed by Mona Mentor');
    expect(staff.body).to.contain('Ann Learner');
    expect(staff.body).to.contain('Ben Learner');
    // Ben's own page shows no one else's confirmation.
    expect((await ben.get(`/spaces/${spaceId}/journey`)).body).not.to.contain('confirmed by');
  });

  it("a non-mentee's plan is a 404 for the mentor, whatever the comment", async () => {
    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${benPlan}/confirm`, { comment: 'Not mine to confirm' }), 404);
    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${benPlan}/confirm`, { comment: '' }), 404);
    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/no-such-plan/confirm`, { comment: 'x' }), 404);
    expect(await stack.tool.container.db('journey_plan_confirmations').where({ plan_id: benPlan })).to.have.length(0);
  });

  it('refuses an empty comment with 400 and the reason, storing nothing new', async () => {
    const res = expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: '   ' }), 400);
    expect(res.body).to.contain('Write a comment: what did you see them apply on the job?');
    expect((await stack.tool.container.db('journey_plan_confirmations').where({ plan_id: annPlan }).first()).comment).to.equal('And again on Friday.');
  });

  it('learners and instructors cannot use the mentor routes; a learner claiming mentees is not a mentor', async () => {
    expectStatus(await ann.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'I confirm myself' }), 403);
    expectStatus(await teacher.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'Teacher confirms' }), 403);
    expectStatus(await ann.get(`/spaces/${spaceId}/journey/mentees`), 403);
    expectStatus(await teacher.get(`/spaces/${spaceId}/journey/mentees`), 403);
    const fake = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner], mentees: ['ann'] });
    expectStatus(await fake.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'Sneaky' }), 403);
    expect(await stack.tool.container.db('journey_plan_confirmations')).to.have.length(1);
  });

  it('is CSRF-safe: without the token nothing is stored', async () => {
    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'No token' }, { csrf: null }), 403);
    expectStatus(await mona.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'Wrong token' }, { csrf: 'x'.repeat(43) }), 403);
    expect((await stack.tool.container.db('journey_plan_confirmations').where({ plan_id: annPlan }).first()).comment).to.equal('And again on Friday.');
  });

  it("a mentor launched from another course gets 404 for this course's space, even naming the same mentee", async () => {
    const other = await joinCourse(stack, { contextId: 'other-course', resourceLinkId: 'other-link', sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['ann'] });
    expectStatus(await other.get(`/spaces/${spaceId}/journey/mentees`), 404);
    expectStatus(await other.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: 'From elsewhere' }), 404);
  });

  it('speaks Spanish to a Spanish mentor', async () => {
    const es = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor], mentees: ['ann'], locale: 'es' });
    const page = expectStatus(await es.get(`/spaces/${spaceId}/journey/mentees`), 200);
    expect(page.body).to.contain('Planes de acción de mis mentorados');
    expect(page.body).to.contain('Actualizar mi confirmación');
    expect(page.body).to.contain('Aplicado en el trabajo, confirmado por Mona Mentor');
    const english = ["My mentees", 'Update my confirmation', 'Your comment', 'History', 'Situation', 'Target date', 'Barrier', 'confirmed by', 'Back to', 'Skip to content', 'Tried', 'Planned'];
    expect(english.filter((w) => page.body.includes(w))).to.deep.equal([]);
    const refusedEs = expectStatus(await es.post(`/spaces/${spaceId}/journey/plans/${annPlan}/confirm`, { comment: '' }), 400);
    expect(refusedEs.body).to.contain('Escribe un comentario: ¿qué le viste aplicar en el trabajo?');
    expect(english.filter((w) => refusedEs.body.includes(w))).to.deep.equal([]);
    const elsewhere = expectStatus(await es.post(`/spaces/${spaceId}/journey/plans/${benPlan}/confirm`, { comment: 'x' }), 404);
    expect(elsewhere.body).to.contain('Ese plan de acción no existe.');
    const learnerEs = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner], locale: 'es' });
    expect(expectStatus(await learnerEs.get(`/spaces/${spaceId}/journey/mentees`), 403).body).to.contain('Esta página es para mentores');
  });
});
