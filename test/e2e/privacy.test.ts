import { expect } from 'chai';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { expectStatus, joinCourse, strictlyIncreasingClock, threadIdFrom, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Erasure end to end: a learner launches, writes, and their launch is recorded as xAPI in the
 * embedded LRS; an admin erases them; their words stay in the discussion as a former member's,
 * the LRS no longer knows them, and their next launch starts from nothing.
 */
describe('privacy: erase a learner, then they launch again', function () {
  this.timeout(120_000);
  let stack: Stack;
  let teacher: Participant;
  let spaceId: string;
  let threadId: string;
  const learner = { sub: 'erase-me-42', name: 'Rosalind Vexley', email: 'rosalind@example.edu', roles: [ROLE.learner] };

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock() });
    teacher = await joinCourse(stack, { sub: 'p-teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = expectStatus(await teacher.post('/app/setup', { kind: 'post_event', title: 'Harbour safety debrief', time_zone: 'UTC' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
  });
  after(async () => stack?.close());

  it('keeps the words as a former member\'s, forgets the person, and a new launch is a new user', async () => {
    const c = stack.tool.container;
    const ros = await joinCourse(stack, learner);
    threadId = threadIdFrom(expectStatus(await ros.post(`/spaces/${spaceId}/threads`, { title: 'Mooring lines', body: 'Always double the bow lines in a storm.' })));
    const user = (await c.db('users').where({ sub: learner.sub }).first('id')) as { id: string };
    // The launch statements reach the embedded LRS.
    await c.embeddedDelivery.tick();
    const agent = `account|${stack.emu.issuer}|${learner.sub}`;
    const query = { agent, relatedAgents: true, relatedActivities: false, ascending: true, limit: 50 };
    expect((await c.embeddedLrs.query(query, 'exact')).statements.length).to.be.greaterThan(0);

    const r = await c.privacy.eraseUser(user.id, { by: 'admin:e2e' });
    expect(r.erasedNow).to.equal(true);

    // The teacher still reads the thread, now by a former member; the name is nowhere on the page.
    const page = await teacher.get(`/threads/${threadId}`);
    expect(page.status).to.equal(200);
    expect(page.body).to.contain('Always double the bow lines in a storm.').and.contain('Former member').and.not.contain(learner.name);
    const list = await teacher.get(`/spaces/${spaceId}`);
    expect(list.body).to.contain('Mooring lines').and.contain('Former member').and.not.contain(learner.name);
    expect((await c.embeddedLrs.query(query, 'exact')).statements).to.deep.equal([]);
    // The erased session no longer opens anything.
    expect((await ros.get(`/spaces/${spaceId}`)).status).to.be.oneOf([401, 403]);

    // The same LMS account launches again: a new user, owning none of the old posts.
    const back = await joinCourse(stack, { ...learner, locale: 'es' });
    const again = (await c.db('users').where({ sub: learner.sub }).first('id')) as { id: string };
    expect(again.id).not.to.equal(user.id);
    expect(((await c.db('posts').where({ author_id: again.id }).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n).to.satisfy((n: number | string) => Number(n) === 0);
    const seen = await back.get(`/threads/${threadId}`);
    expect(seen.status).to.equal(200);
    expect(seen.body).to.contain('Antiguo miembro'); // their old words are not offered to them as theirs
    expect(seen.body).not.to.contain(`/posts/${/id="post-([0-9a-f-]{36})"/.exec(seen.body)![1]}/edit`);
  });
});
