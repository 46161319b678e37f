import { expect } from 'chai';
import knexFactory from 'knex';
import { Cluster, type ClusterUser } from '../helpers/cluster.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { startPrivatePg, type PrivatePg } from '../helpers/private-pg.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

interface Outcome {
  at: number;
  ms: number;
  status: number;
  body: string;
  act: 'read' | 'post';
  postId?: string;
}

/**
 * The database goes away under load and comes back. PostgreSQL pass: a private PostgreSQL server
 * (test/helpers/private-pg.ts; the shared one is never touched) stopped with `pg_ctl -m fast`, left
 * down 3 s, started again. SQLite pass: another process holds SQLite's exclusive lock for 6 s (what
 * a backup tool or a long migration does). Either way: requests during the outage answer a clean
 * 503 (the "busy" page, never a 500, never a hang of more than a few seconds), the same tool process
 * recovers by itself, and no post it acknowledged is lost.
 */
describe(`fault: the database goes away under load and comes back (${testDbKind() === 'pg' ? 'private PostgreSQL restarted' : 'SQLite locked by another process'})`, function () {
  this.timeout(120_000);
  let pg: PrivatePg | null = null;
  let database: TestDatabase;
  let cluster: Cluster;
  let spaceId: string;
  let threadId: string;
  const spec = (sub: string, roles: string[] = [ROLE.learner]): LaunchSpec => ({ sub, name: `Person ${sub}`, roles, contextId: 'db-course', resourceLinkId: 'db-link' });

  before(async () => {
    if (testDbKind() === 'pg') {
      pg = await startPrivatePg();
      database = { url: pg.url, kind: 'pg', drop: async () => undefined };
    } else database = await createTestDatabase();
    cluster = await Cluster.start({ count: 1, database });
    const teacher = await cluster.join(spec('teacher', [ROLE.instructor]));
    const setup = await teacher.post('/app/setup', { kind: 'post_event', title: 'Outage space', time_zone: 'UTC' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const t = await teacher.post(`/spaces/${spaceId}/threads`, { title: 'Through the outage', body: 'Keep going.', kind: 'discussion' });
    threadId = /\/threads\/([0-9a-f-]{36})/.exec(t.headers.get('location')!)![1]!;
  });
  after(async () => {
    await cluster?.close();
    await pg?.destroy();
  });

  it('answers 503 during the outage, recovers without a restart, and loses no acknowledged post', async () => {
    const learners = await Promise.all(Array.from({ length: 6 }, (_, i) => cluster.join(spec(`learner-${i}`))));
    const outcomes: Outcome[] = [];
    let stopLoad = false;
    const t0 = Date.now();
    async function act(l: ClusterUser, kind: Outcome['act'], i: number, k: number): Promise<void> {
      const start = Date.now();
      const page = kind === 'read' ? await l.get(`/threads/${threadId}`) : await l.post(`/threads/${threadId}/replies`, { body: `Reply ${k} from ${i}` });
      const postId = kind === 'post' && page.status === 303 ? /#post-([0-9a-f-]{36})$/.exec(page.headers.get('location') ?? '')?.[1] : undefined;
      outcomes.push({ at: start - t0, ms: Date.now() - start, status: page.status, body: page.body.slice(0, 2000), act: kind, postId });
    }
    const load = learners.map(async (l, i) => {
      for (let k = 0; !stopLoad; k++) {
        await act(l, k % 2 ? 'read' : 'post', i, k);
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    await new Promise((r) => setTimeout(r, 1_500));
    const outageStart = Date.now() - t0;
    let holder: ReturnType<typeof knexFactory> | null = null;
    if (pg) {
      await pg.stop();
      await new Promise((r) => setTimeout(r, 3_000));
      await pg.start();
    } else {
      // A second connection takes SQLite's exclusive lock: no one else can write until it lets go.
      holder = knexFactory({ client: 'sqlite3', connection: { filename: database.url.replace(/^sqlite:/, '') }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
      const trx = await holder.transaction();
      await trx.raw('select 1'); // BEGIN is sent with the first statement
      await trx.raw('insert into lrs_settings (key, value, created_at) values (?, ?, ?)', ['outage-probe', 'x', Date.now()]);
      await new Promise((r) => setTimeout(r, 6_000));
      await trx.rollback();
      await holder.destroy();
    }
    const outageEnd = Date.now() - t0;
    // Recovery: within 10 s of the database being back, reads and posts succeed again.
    const recoveredBy = Date.now() + 10_000;
    for (;;) {
      const ok = outcomes.filter((o) => o.at > outageEnd && (o.status === 200 || o.status === 303));
      if (ok.some((o) => o.act === 'read') && ok.some((o) => o.act === 'post')) break;
      if (Date.now() > recoveredBy) throw new Error(`no success since the database came back: ${JSON.stringify(outcomes.filter((o) => o.at > outageEnd).map((o) => o.status))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    stopLoad = true;
    await Promise.all(load);

    const statuses = [...new Set(outcomes.map((o) => o.status))].sort();
    if (process.env.FAULT_REPORT) console.log(`  ${outcomes.length} requests; outage ${outageStart}–${outageEnd} ms; ${outcomes.filter((o) => o.status === 503).length} × 503; slowest ${Math.max(...outcomes.map((o) => o.ms))} ms; first success after the outage at +${Math.min(...outcomes.filter((o) => o.at > outageEnd && o.status < 400).map((o) => o.at)) - outageEnd} ms`);
    const failed = outcomes.filter((o) => o.status !== 200 && o.status !== 303);
    expect(failed.length, `some requests met the outage (outage ${outageStart}–${outageEnd} ms; statuses ${statuses})`).to.be.greaterThan(0);
    // Only clean refusals: 503 with the "busy" page, never a 500 or anything else.
    const unclean = failed.filter((o) => o.status !== 503);
    if (unclean.length) console.log(cluster.instance(0).output().split('\n').filter((l) => l.includes('"level":50')).slice(0, 5).join('\n'));
    expect(unclean.map((o) => `${o.status} ${o.act} ${/class="code"[^<]*<[^>]*>([^<]*)/.exec(o.body)?.[1] ?? o.body.slice(0, 200)}`)).to.deep.equal([]);
    for (const o of failed) expect(o.body).to.contain('database_busy');
    for (const o of failed) expect(o.body).not.to.match(/at [A-Za-z]+ \(|ECONNREFUSED|SQLITE_|knex/);
    // Never a hang: SQLite waits out a lock for busy_timeout (5 s), PostgreSQL refuses connections
    // at once while down; 10 s leaves room for a loaded test machine, far from knex's 60 s pool wait.
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    expect(slowest, 'slowest request (ms)').to.be.below(10_000);
    // The same process served throughout.
    expect(cluster.instance(0).child.exitCode).to.equal(null);
    // Every acknowledged post is in the database.
    const acked = outcomes.flatMap((o) => (o.postId ? [o.postId] : []));
    expect(acked.length).to.be.greaterThan(0);
    const found = (await cluster.db('posts').whereIn('id', acked).select('id')) as Array<{ id: string }>;
    expect(found.length, 'acknowledged posts present').to.equal(acked.length);
  });
});
