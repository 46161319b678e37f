import { expect } from 'chai';
import { fixedClock, systemClock, type Clock } from '../../src/clock.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { createLogger } from '../../src/log.js';
import { createLrsSender, parseRetryAfter, type LrsSender, type LrsSenderOptions } from '../../src/xapi/lrs-sender.js';
import { createOutboxStore, type OutboxStore } from '../../src/xapi/outbox-store.js';
import { buildStatement, type StatementLaunch } from '../../src/xapi/statement-builder.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const log = createLogger('silent');
const AUTH = { username: 'threadline', password: 's3cret-lrs-pass' };

const launch: StatementLaunch = {
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: null },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { sub: 'learner-1', name: null },
  context: { id: 'c', contextId: 'course-1', label: null, title: 'Course One' },
  resourceLink: { id: 'r', resourceLinkId: 'link-1', title: 'Week 1' },
  locale: 'en',
};
const space = { id: 'space-1', title: 'Prep', kind: 'prep' as const, eventAt: null };

function statements(n: number, prefix = 'view'): XapiStatement[] {
  return Array.from({ length: n }, (_, i) =>
    buildStatement({ kind: 'space_viewed', id: `${prefix}-${i}`, at: Date.UTC(2026, 10, 1) + i, space }, launch, { publicUrl: 'https://tl.example.edu' }),
  );
}

/** A statement every LRS rejects: its verb id is not an IRI. */
function invalid(id: string): XapiStatement {
  const s = statements(1, `bad-${id}`)[0]!;
  return { ...s, verb: { id: 'viewed', display: { en: 'viewed' } } };
}

describe(`xAPI outbox and LRS sender (${testDbKind()})`, function () {
  let tdb: TestDatabase;
  let db: Db;
  let stub: LrsStub;

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
    stub = await LrsStub.start(AUTH);
  });
  afterEach(async () => stub.close());

  const store = (clock: Clock = systemClock, targets = ['primary']): OutboxStore => createOutboxStore(db, { clock, targets });
  const sender = (outbox: OutboxStore, o: Partial<LrsSenderOptions> = {}): LrsSender =>
    createLrsSender({
      outbox,
      targets: [{ id: 'primary', endpoint: stub.endpoint, ...AUTH }],
      fetch,
      clock: systemClock,
      log,
      batchSize: 50,
      // One batch at a time, so request order and counts are deterministic; lanes have their own test.
      concurrency: 1,
      leaseMs: 5_000,
      backoff: { baseMs: 10, maxMs: 80 },
      ...o,
    });
  const enqueue = async (outbox: OutboxStore, list: XapiStatement[]): Promise<void> => {
    await db.transaction((trx) => outbox.enqueue(trx, list));
  };
  const rows = () => db('xapi_outbox').select('*').orderBy('created_at');

  /** Ticks until nothing is waiting (or the deadline passes); returns how many this sender delivered. */
  async function drain(s: LrsSender, outbox: OutboxStore, deadlineMs = 8_000): Promise<number> {
    const end = Date.now() + deadlineMs;
    let delivered = 0;
    for (;;) {
      delivered += (await s.tick()).delivered;
      const [st] = await outbox.stats(Date.now());
      if (st!.depth === 0) return delivered;
      if (Date.now() > end) throw new Error(`outbox not drained: ${JSON.stringify(st)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  function expectExactlyOnce(list: XapiStatement[]): void {
    const stored = stub.stored.map((s) => s.id);
    expect(new Set(stored).size, 'no statement stored twice').to.equal(stored.length);
    expect(stored).to.have.members(list.map((s) => s.id));
  }

  describe('outbox store', () => {
    it('queues in the caller transaction: a rollback leaves nothing, a repeat queues once', async () => {
      const outbox = store();
      const [s] = statements(1);
      await db
        .transaction(async (trx) => {
          await outbox.enqueue(trx, [s!]);
          throw new Error('the act failed');
        })
        .catch(() => undefined);
      expect(await rows()).to.have.length(0);
      await enqueue(outbox, [s!]);
      await enqueue(outbox, [s!]);
      const r = await rows();
      expect(r).to.have.length(1);
      expect(r[0]).to.include({ statement_id: s!.id, lrs_id: 'primary', attempts: 0 });
      expect(JSON.parse(r[0].statement)).to.deep.equal(s);
    });

    it('queues one row per target', async () => {
      const outbox = store(systemClock, ['primary', 'embedded']);
      await enqueue(outbox, statements(2));
      const r = await rows();
      expect(r.map((x) => x.lrs_id).sort()).to.deep.equal(['embedded', 'embedded', 'primary', 'primary']);
    });

    it('leases claims: no one else gets them until the lease expires or is released', async () => {
      const clock = fixedClock(1_000_000);
      const outbox = store(clock);
      await enqueue(outbox, statements(5));
      const a = await outbox.claim('primary', 3, 'A', clock.now(), 1_000);
      expect(a.map((c) => c.attempts)).to.deep.equal([1, 1, 1]);
      expect(a[0]!.statement.id).to.equal(a[0]!.statementId);
      const b = await outbox.claim('primary', 10, 'B', clock.now(), 1_000);
      expect(b).to.have.length(2);
      expect(await outbox.claim('primary', 10, 'C', clock.now() + 999, 1_000)).to.have.length(0);
      const c = await outbox.claim('primary', 10, 'C', clock.now() + 1_000, 1_000);
      expect(c).to.have.length(5);
      expect(c.every((x) => x.attempts === 2)).to.equal(true);
      expect(await outbox.release('C')).to.equal(5);
      expect(await outbox.claim('primary', 10, 'D', clock.now() + 1_000, 1_000)).to.have.length(5);
      expect(await outbox.claim('other-lrs', 10, 'D', clock.now() + 5_000, 1_000)).to.have.length(0);
    });

    it('acks, retries later, dead-letters, reports stats and replays', async () => {
      const clock = fixedClock(2_000_000);
      const outbox = store(clock);
      await enqueue(outbox, statements(4));
      clock.advance(5_000);
      const [c1, c2, c3, c4] = await outbox.claim('primary', 10, 'A', clock.now(), 60_000);
      expect(await outbox.ack([c1!.id, c2!.id], clock.now())).to.equal(2);
      expect(await outbox.retryLater([c3!.id], clock.now() + 10_000, 'HTTP 503')).to.equal(1);
      expect(await outbox.deadLetter(c4!.id, 'HTTP 400: bad verb')).to.equal(1);
      expect(await outbox.stats(clock.now())).to.deep.equal([{ lrsId: 'primary', depth: 1, oldestPendingAgeMs: 5_000, retrying: 1, dead: 1, delivered: 2 }]);
      // Not before its time.
      expect(await outbox.claim('primary', 10, 'A', clock.now() + 9_999, 60_000)).to.have.length(0);
      const again = await outbox.claim('primary', 10, 'A', clock.now() + 10_000, 60_000);
      expect(again.map((x) => x.id)).to.deep.equal([c3!.id]);
      // A delivered row is never resurrected by a late retry from a worker whose lease ran out.
      expect(await outbox.retryLater([c1!.id], clock.now(), 'late')).to.equal(0);
      const dead = await db('xapi_outbox').where({ id: c4!.id }).first();
      expect(Boolean(dead.dead)).to.equal(true);
      expect(dead.last_error).to.equal('HTTP 400: bad verb');

      expect(await outbox.replay(0, clock.now())).to.equal(2);
      expect(await outbox.replay(0, clock.now(), { includeDead: true })).to.equal(1);
      expect((await outbox.stats(clock.now()))[0]).to.include({ depth: 4, dead: 0, delivered: 0 });
    });

    it('lists every target in stats, even an empty one', async () => {
      expect(await store(systemClock, ['embedded']).stats(Date.now())).to.deep.equal([{ lrsId: 'embedded', depth: 0, oldestPendingAgeMs: null, retrying: 0, dead: 0, delivered: 0 }]);
    });
  });

  describe('LRS sender', () => {
    it('delivers in batches with the version header and basic auth, each statement once', async () => {
      const outbox = store();
      const list = statements(120);
      await enqueue(outbox, list);
      const report = await sender(outbox).tick();
      expect(report).to.deep.equal({ delivered: 120, dead: 0, retried: 0 });
      expect(stub.requests.map((r) => [r.status, r.ids.length])).to.deep.equal([
        [200, 50],
        [200, 50],
        [200, 20],
      ]);
      expectExactlyOnce(list);
      expect(stub.get(list[0]!.id)).to.deep.equal(JSON.parse(JSON.stringify(list[0])));
      expect((await outbox.stats(Date.now()))[0]).to.include({ depth: 0, delivered: 120 });
    });

    it('keeps several batches in flight per target (concurrency), each statement still once', async () => {
      await stub.close();
      stub = await LrsStub.start({ ...AUTH, delayMs: 100 });
      const outbox = store();
      const list = statements(100);
      await enqueue(outbox, list);
      const report = await sender(outbox, { batchSize: 10, concurrency: 3 }).tick();
      expect(report).to.deep.equal({ delivered: 100, dead: 0, retried: 0 });
      expect(stub.maxInFlight).to.equal(3);
      expect(stub.concurrentDuplicates).to.deep.equal([]);
      expectExactlyOnce(list);
      expect([...stub.acceptedCount.values()].every((n) => n === 1)).to.equal(true);
    });

    it('retries through an outage (503 for a while) and delivers every statement exactly once', async () => {
      const outbox = store();
      const list = statements(60);
      await enqueue(outbox, list);
      stub.failFor(300, { status: 503 });
      const s = sender(outbox, { batchSize: 25 });
      await drain(s, outbox);
      expect(stub.requests.some((r) => r.status === 503)).to.equal(true);
      expectExactlyOnce(list);
      for (const r of await rows()) expect(r.delivered_at).to.be.a('number');
    });

    it('honours Retry-After on 429 and backs off without hammering the LRS', async () => {
      const clock = fixedClock(Date.UTC(2026, 10, 2));
      const outbox = store(clock);
      await enqueue(outbox, statements(3));
      stub.failNext(1, { status: 429, retryAfter: '30' });
      const s = sender(outbox, { clock });
      expect(await s.tick()).to.deep.equal({ delivered: 0, dead: 0, retried: 3 });
      for (const r of await rows()) {
        expect(r.available_at).to.equal(clock.now() + 30_000);
        expect(r.last_error).to.match(/^HTTP 429/);
      }
      clock.advance(29_999);
      await s.tick();
      expect(stub.requests).to.have.length(1);
      clock.advance(1);
      expect(await s.tick()).to.include({ delivered: 3 });
    });

    it('backs off exponentially with jitter when the LRS gives no Retry-After', async () => {
      const clock = fixedClock(Date.UTC(2026, 10, 3));
      const outbox = store(clock);
      await enqueue(outbox, statements(1));
      const s = sender(outbox, { clock, backoff: { baseMs: 1_000, maxMs: 60_000 }, random: () => 1 });
      const waits: number[] = [];
      for (let i = 0; i < 4; i++) {
        stub.failNext(1, { status: 502 });
        await s.tick();
        const [r] = await rows();
        waits.push(r.available_at - clock.now());
        clock.set(r.available_at);
      }
      // Equal jitter with random() = 1 gives the full exponential delay: 1 s, 2 s, 4 s, 8 s.
      expect(waits).to.deep.equal([1_000, 2_000, 4_000, 8_000]);
      await s.tick();
      expect((await outbox.stats(clock.now()))[0]).to.include({ depth: 0, delivered: 1 });
    });

    it('treats network failures as transient', async () => {
      const outbox = store();
      await enqueue(outbox, statements(2));
      const s = createLrsSender({ outbox, targets: [{ id: 'primary', endpoint: 'http://127.0.0.1:9/xapi/', username: null, password: null }], fetch, clock: systemClock, log });
      expect(await s.tick()).to.deep.equal({ delivered: 0, dead: 0, retried: 2 });
      const [r] = await rows();
      expect(r.last_error).to.equal('127.0.0.1:9 could not be reached');
      expect(Boolean(r.dead)).to.equal(false);
    });

    it('bisects a batch the LRS rejects (400): delivers the good ones, dead-letters the bad one', async () => {
      const outbox = store();
      const good = statements(15);
      const bad = invalid('1');
      await enqueue(outbox, [...good.slice(0, 9), bad, ...good.slice(9)]);
      const report = await sender(outbox, { batchSize: 16 }).tick();
      expect(report).to.deep.equal({ delivered: 15, dead: 1, retried: 0 });
      expectExactlyOnce(good);
      const dead = await db('xapi_outbox').where({ statement_id: bad.id }).first();
      expect(Boolean(dead.dead)).to.equal(true);
      expect(dead.delivered_at).to.equal(null);
      expect(dead.last_error).to.match(/^HTTP 400: .*verb/);
      // log2(16) levels: a handful of requests, not one per statement.
      expect(stub.requests.length).to.be.at.most(9);
      expect((await outbox.stats(Date.now()))[0]).to.include({ depth: 0, dead: 1, delivered: 15 });
    });

    it('a 409 for one statement does not hold back the rest of its batch', async () => {
      const outbox = store();
      const list = statements(5);
      // The LRS already holds list[2]'s id with other content (xAPI 1.0.3 Communication §2.1.3).
      const other = { ...list[2]!, timestamp: '2020-01-01T00:00:00.000Z' };
      const put = await fetch(`${stub.endpoint}statements?statementId=${other.id}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-Experience-API-Version': '1.0.3', Authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}` },
        body: JSON.stringify(other),
      });
      expect(put.status).to.equal(204);
      await enqueue(outbox, list);
      expect(await sender(outbox).tick()).to.deep.equal({ delivered: 5, dead: 0, retried: 0 });
      expect(stub.stored.map((s) => s.id)).to.have.members(list.map((s) => s.id));
      expect(stub.requests.filter((r) => r.status === 409).length).to.be.greaterThan(0);
    });

    it('after a crash (claimed, never acked) another sender delivers once the lease expires, with no duplicate', async () => {
      const clock = fixedClock(Date.now());
      const outbox = store(clock);
      const list = statements(10);
      await enqueue(outbox, list);
      // Worker A claims and "dies": no ack, no release.
      const claimed = await outbox.claim('primary', 50, 'worker-A', clock.now(), 30_000);
      expect(claimed).to.have.length(10);
      const b = sender(outbox, { clock, workerId: 'worker-B' });
      expect(await b.tick()).to.deep.equal({ delivered: 0, dead: 0, retried: 0 });
      expect(stub.requests).to.have.length(0);
      clock.advance(30_000);
      expect(await b.tick()).to.deep.equal({ delivered: 10, dead: 0, retried: 0 });
      expectExactlyOnce(list);
      expect([...stub.acceptedCount.values()].every((n) => n === 1)).to.equal(true);
      for (const r of await rows()) expect(r.attempts).to.equal(2);
    });

    it('stopping aborts the request in flight and releases every claim', async () => {
      await stub.close();
      stub = await LrsStub.start({ ...AUTH, delayMs: 2_000 });
      const outbox = store();
      await enqueue(outbox, statements(5));
      const s = sender(outbox, { workerId: 'stopping' });
      const pending = s.tick();
      await new Promise((r) => setTimeout(r, 150));
      expect((await rows()).every((r) => r.claimed_by === 'stopping')).to.equal(true);
      const t0 = Date.now();
      await s.stop();
      expect(Date.now() - t0).to.be.below(1_500);
      expect(await pending).to.include({ delivered: 0 });
      for (const r of await rows()) {
        expect(r.claimed_by).to.equal(null);
        expect(r.claim_expires_at).to.equal(null);
        expect(r.available_at).to.be.at.most(Date.now());
      }
      // Another sender can pick them up at once.
      expect(await outbox.claim('primary', 10, 'next', Date.now(), 1_000)).to.have.length(5);
    });

    it('replays delivered statements without double counting at the LRS', async () => {
      const outbox = store();
      const list = statements(4);
      await enqueue(outbox, list);
      await sender(outbox).tick();
      expect(await outbox.replay(0, Date.now() + 1)).to.equal(4);
      expect(await sender(outbox).tick()).to.include({ delivered: 4 });
      expect([...stub.acceptedCount.values()]).to.deep.equal([2, 2, 2, 2]);
      expectExactlyOnce(list);
    });

    it('two concurrent senders never send the same statement at the same time', async function () {
      this.timeout(30_000);
      await stub.close();
      stub = await LrsStub.start({ ...AUTH, delayMs: 15 });
      // Separate pools, as two processes would have.
      const db2 = createDb(tdb.url);
      try {
        const outbox1 = store();
        const outbox2 = createOutboxStore(db2, { clock: systemClock, targets: ['primary'] });
        const list = statements(300);
        await enqueue(outbox1, list);
        const s1 = sender(outbox1, { batchSize: 10, workerId: 'one' });
        const s2 = sender(outbox2, { batchSize: 10, workerId: 'two' });
        const [n1, n2] = await Promise.all([drain(s1, outbox1, 20_000), drain(s2, outbox2, 20_000)]);
        expect(stub.concurrentDuplicates).to.deep.equal([]);
        expectExactlyOnce(list);
        expect([...stub.acceptedCount.values()].every((n) => n === 1), 'no statement sent twice').to.equal(true);
        // Both did real work, side by side.
        expect(n1, 'first sender delivered').to.be.greaterThan(0);
        expect(n2, 'second sender delivered').to.be.greaterThan(0);
      } finally {
        await db2.destroy();
      }
    });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 10, 1, 12, 0, 0);
    expect(parseRetryAfter('120', now)).to.equal(120_000);
    expect(parseRetryAfter('Sun, 01 Nov 2026 12:00:30 GMT', now)).to.equal(30_000);
    expect(parseRetryAfter('soon', now)).to.equal(null);
    expect(parseRetryAfter(null, now)).to.equal(null);
  });
});
