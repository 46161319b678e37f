import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { PRIMARY_LRS_ID } from '../../src/xapi/lrs-routing.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { expectStatus, joinCourse, threadIdFrom, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Real time plus an offset the test moves forward: "minutes" pass in a moment, while everything
 * the emulator signs (stamped with real time) stays valid for the launches made before the jump.
 */
function travellingClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  let last = 0;
  return {
    now: () => (last = Math.max(Date.now() + offset, last + 1)),
    advance(ms: number) {
      offset += ms;
    },
  };
}

/**
 * The external LRS down for many minutes while people keep working. Simulated with the injected
 * clock (documented in docs/scaling.md): the sender runs with its real backoff (1 s doubling to a
 * 10 min cap), the test moves the clock a minute at a time and runs a sender pass after each.
 */
describe('fault: the LRS is down for minutes (e2e, injected clock)', function () {
  this.timeout(60_000);
  let stub: LrsStub;
  let stack: Stack;
  let clock: ReturnType<typeof travellingClock>;
  let learners: Participant[];
  let threadId: string;
  const spec = (sub: string, roles: string[] = [ROLE.learner]): LaunchSpec => ({ sub, name: `Person ${sub}`, roles, contextId: 'lrs-course', resourceLinkId: 'lrs-link' });

  const primary = async () => (await stack.tool.container.outbox.stats(clock.now())).find((s) => s.lrsId === PRIMARY_LRS_ID)!;

  before(async () => {
    stub = await LrsStub.start();
    clock = travellingClock();
    stack = await startStack({ clock, env: { XAPI_LRS_ENDPOINT: stub.endpoint } });
    const teacher = await joinCourse(stack, spec('teacher', [ROLE.instructor]));
    const setup = expectStatus(await teacher.post('/app/setup', { kind: 'post_event', title: 'LRS down', time_zone: 'UTC' }));
    const spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    threadId = threadIdFrom(expectStatus(await teacher.post(`/spaces/${spaceId}/threads`, { title: 'Still here?', body: 'Keep posting.', kind: 'discussion' })));
    learners = await Promise.all([0, 1, 2].map((i) => joinCourse(stack, spec(`learner-${i}`))));
  });
  after(async () => {
    await stack?.close();
    await stub?.close();
  });

  it('queues while the LRS answers 503 for 15 minutes, dead-letters nothing, then drains everything exactly once', async () => {
    // Everything so far (launches, setup) reaches the LRS first: a clean start.
    for (let i = 0; i < 50 && (await primary()).depth > 0; i++) await stack.tool.container.xapiSender.tick();
    const before = stub.stored.length;
    expect((await primary()).depth).to.equal(0);

    stub.failFor(10 * 60_000, { status: 503 });
    const failedBefore = stub.requests.filter((r) => r.status === 503).length;
    let depth = 0;
    for (let minute = 1; minute <= 15; minute++) {
      // People keep posting during the outage: each reply queues its statements.
      for (const [i, l] of learners.entries()) expectStatus(await l.post(`/threads/${threadId}/replies`, { body: `Minute ${minute}, learner ${i}` }));
      clock.advance(60_000);
      await stack.tool.container.xapiSender.tick();
      const s = await primary();
      expect(s.depth, `queue at minute ${minute}`).to.be.greaterThan(depth);
      expect(s.dead, 'nothing dead-lettered during the outage').to.equal(0);
      depth = s.depth;
    }
    const s = await primary();
    expect(s.retrying, 'statements that failed and wait for their retry').to.be.greaterThan(0);
    expect(s.oldestPendingAgeMs!).to.be.at.least(14 * 60_000);
    expect(stub.requests.filter((r) => r.status === 503).length - failedBefore, 'the sender kept trying').to.be.greaterThan(0);
    expect(stub.stored.length, 'nothing reached the LRS while it was down').to.equal(before);

    // The LRS is back. Within the longest backoff (10 min) every statement is delivered.
    stub.failFor(0);
    clock.advance(10 * 60_000 + 1_000);
    for (let i = 0; i < 100 && (await primary()).depth > 0; i++) await stack.tool.container.xapiSender.tick();
    const done = await primary();
    expect(done.depth, 'queue drained').to.equal(0);
    expect(done.dead).to.equal(0);

    const ids = ((await stack.tool.container.db('xapi_outbox').where({ lrs_id: PRIMARY_LRS_ID }).select('statement_id')) as Array<{ statement_id: string }>).map((r) => r.statement_id).sort();
    expect(ids.length).to.equal(done.delivered);
    expect(stub.stored.map((st) => st.id).sort(), 'every queued statement stored, none extra').to.deep.equal(ids);
    expect([...stub.acceptedCount].filter(([, n]) => n !== 1), 'statements accepted more than once').to.deep.equal([]);
  });
});
