import { expect } from 'chai';
import { fixedClock, systemClock } from '../../src/clock.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/ops/metrics-registry.js';
import { createLrsSender } from '../../src/xapi/lrs-sender.js';
import { createOutboxStore } from '../../src/xapi/outbox-store.js';
import { buildStatement, type StatementLaunch } from '../../src/xapi/statement-builder.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const log = createLogger('silent');

const launch: StatementLaunch = {
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: null },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { sub: 'learner-1', name: null },
  context: { id: 'c', contextId: 'course-1', label: null, title: 'Course One' },
  resourceLink: { id: 'r', resourceLinkId: 'link-1', title: 'Week 1' },
  locale: 'en',
};

function statements(n: number, prefix: string, at = Date.UTC(2026, 10, 1)): XapiStatement[] {
  return Array.from({ length: n }, (_, i) =>
    buildStatement({ kind: 'space_viewed', id: `${prefix}-${i}`, at: at + i, space: { id: 'space-1', title: 'Prep', kind: 'prep', eventAt: null } }, launch, { publicUrl: 'https://tl.example.edu' }),
  );
}

/** A statement every LRS rejects: its verb id is not an IRI. */
function invalid(id: string): XapiStatement {
  const s = statements(1, `bad-${id}`)[0]!;
  return { ...s, verb: { id: 'viewed', display: { en: 'viewed' } } };
}

describe(`outbox release, backlog and delivery counts (${testDbKind()})`, function () {
  let tdb: TestDatabase;
  let db: Db;

  before(async () => {
    tdb = await createTestDatabase();
    db = createDb(tdb.url);
    await migrateLatest(db);
  });
  after(async () => {
    await db.destroy();
    await tdb.drop();
  });
  beforeEach(async () => {
    await db('xapi_outbox').del();
  });

  it('release(worker) hands back only that worker\'s unacked claims, claimable at once by another instance', async () => {
    const clock = fixedClock(5_000_000);
    const outbox = createOutboxStore(db, { clock, targets: ['primary'] });
    await outbox.enqueue(db, statements(6, 'r'));
    const mine = await outbox.claim('primary', 3, 'instance-A', clock.now(), 60_000);
    const theirs = await outbox.claim('primary', 3, 'instance-B', clock.now(), 60_000);
    expect(mine).to.have.length(3);
    expect(theirs).to.have.length(3);
    // One of A's was delivered before shutdown: releasing must not make it pending again.
    await outbox.ack([mine[0]!.id], clock.now());

    expect(await outbox.release('instance-A')).to.equal(2);
    // Well inside the lease: only A's two undelivered rows are free; B keeps its lease.
    const taken = await outbox.claim('primary', 10, 'instance-C', clock.now() + 1, 60_000);
    expect(taken.map((t) => t.id).sort()).to.deep.equal([mine[1]!.id, mine[2]!.id].sort());
    const delivered = await db('xapi_outbox').where({ id: mine[0]!.id }).first();
    expect(delivered.delivered_at).to.not.equal(null);
    expect(delivered.claimed_by).to.equal(null);
    expect(await outbox.release('nobody')).to.equal(0);
  });

  it('backlog(now): waiting statements and the oldest one\'s age per target, zero for idle targets', async () => {
    const t0 = 10_000_000;
    let now = t0;
    const outbox = createOutboxStore(db, { clock: { now: () => now }, targets: ['primary', 'secondary'] });
    await outbox.enqueue(db, statements(3, 'a'));
    now = t0 + 4_000;
    await outbox.enqueue(db, statements(2, 'b'));
    // Delivered and dead rows are history, not backlog.
    const [first] = await outbox.claim('secondary', 1, 'w', now, 60_000);
    await outbox.ack([first!.id], now);
    const [second] = await outbox.claim('secondary', 1, 'w', now, 60_000);
    await outbox.deadLetter(second!.id, 'HTTP 400');

    expect(await outbox.backlog(t0 + 10_000)).to.deep.equal([
      { lrsId: 'primary', depth: 5, oldestAgeMs: 10_000 },
      { lrsId: 'secondary', depth: 3, oldestAgeMs: 10_000 },
    ]);
    await db('xapi_outbox').update({ delivered_at: now });
    expect(await outbox.backlog(t0 + 10_000)).to.deep.equal([
      { lrsId: 'primary', depth: 0, oldestAgeMs: null },
      { lrsId: 'secondary', depth: 0, oldestAgeMs: null },
    ]);
  });

  it('the sender reports sent, failed and dead statements per LRS to the metrics', async () => {
    const stub = await LrsStub.start();
    try {
      const metrics = createMetrics({ log, defaultMetrics: false });
      const outbox = createOutboxStore(db, { clock: systemClock, targets: ['primary'] });
      metrics.setBacklogSource(() => outbox.backlog(Date.now()));
      const sender = createLrsSender({
        outbox,
        targets: [{ id: 'primary', endpoint: stub.endpoint, username: null, password: null }],
        fetch,
        clock: systemClock,
        log,
        concurrency: 1,
        backoff: { baseMs: 1, maxMs: 1 },
        onDelivery: metrics.delivery,
      });
      await outbox.enqueue(db, [...statements(3, 'ok'), invalid('x')]);
      stub.failNext(1);
      const failed = await sender.tick();
      expect(failed.retried).to.equal(4);
      let text = (await metrics.render()).body;
      expect(text).to.contain('threadline_xapi_deliveries_total{lrs="primary",result="failed"} 4');
      expect(text).to.contain('threadline_xapi_outbox_depth{lrs="primary"} 4');

      await new Promise((r) => setTimeout(r, 20)); // past the 1 ms backoff
      const done = await sender.tick();
      expect(done).to.deep.include({ delivered: 3, dead: 1 });
      text = (await metrics.render()).body;
      expect(text).to.contain('threadline_xapi_deliveries_total{lrs="primary",result="sent"} 3');
      expect(text).to.contain('threadline_xapi_deliveries_total{lrs="primary",result="dead"} 1');
      expect(text).to.contain('threadline_xapi_outbox_depth{lrs="primary"} 0');
      await sender.stop();
    } finally {
      await stub.close();
    }
  });

  it('a failing backlog read leaves the gauges empty but /metrics still answers', async () => {
    const metrics = createMetrics({ log, defaultMetrics: false });
    metrics.setBacklogSource(() => Promise.reject(new Error('database gone')));
    metrics.launch('ok');
    const text = (await metrics.render()).body;
    expect(text).to.contain('threadline_lti_launches_total{result="ok"} 1');
    expect(text).not.to.match(/^threadline_xapi_outbox_depth\{/m);
  });
});
