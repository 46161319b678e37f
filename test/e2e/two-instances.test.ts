import { expect } from 'chai';
import { sha256 } from '../../src/ids.js';
import { SESSION_CACHE_TTL_MS } from '../../src/web/session-store.js';
import { Cluster, type ClusterUser } from '../helpers/cluster.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { launch } from '../helpers/stack.js';
import { testDbKind } from '../helpers/test-db.js';
import type { Page } from '../helpers/test-browser.js';

/**
 * Two real Threadline processes on one database, every request free to land on either (no sticky
 * sessions). On PostgreSQL that is the scale-out setup; on the SQLite pass it is two processes on
 * one SQLite file (WAL, BEGIN IMMEDIATE and busy_timeout coordinate them across processes), which
 * small sites get when they run a second process for a rolling restart: the same guarantees are
 * asserted on both, so both passes test something real.
 */
describe(`two instances on one ${testDbKind() === 'pg' ? 'PostgreSQL database' : 'SQLite file'} (e2e, real processes)`, function () {
  this.timeout(120_000);
  let stub: LrsStub;
  let cluster: Cluster;
  let teacher: ClusterUser;
  let spaceId: string;
  const learners: ClusterUser[] = [];
  const A = 0;
  const B = 1;

  const see = (res: Page, status = 303): Page => {
    expect(res.status, res.body.slice(0, 600)).to.equal(status);
    return res;
  };
  const threadIdFrom = (res: Page): string => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
  const postIdFrom = (res: Page): string => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')![1]!;
  const spec = (sub: string, roles: string[] = [ROLE.learner]): LaunchSpec => ({ sub, name: `Person ${sub}`, roles, contextId: 'two-course', resourceLinkId: 'two-link' });

  before(async () => {
    // A little latency at the LRS keeps both senders' batches in flight at once.
    stub = await LrsStub.start({ delayMs: 20 });
    cluster = await Cluster.start({ count: 2, env: { XAPI_LRS_ENDPOINT: stub.endpoint } });
  });
  after(async () => {
    if (process.env.DEBUG_CLUSTER) for (const p of cluster?.instances ?? []) console.log(p?.output());
    await cluster?.close();
    await stub?.close();
  });

  it('launches with the OIDC login on one instance and the launch POST on the other (state and nonce live in the database)', async () => {
    teacher = await cluster.join(spec('teacher', [ROLE.instructor]), { login: A, launch: B });
    // The session made on B works on A: the course set up through A.
    const setup = see(await teacher.post('/app/setup', { kind: 'post_event', title: 'Two instances', time_zone: 'UTC' }, A));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    for (let i = 0; i < 6; i++) {
      const [login, launchAt] = i % 2 === 0 ? [A, B] : [B, A];
      learners.push(await cluster.join(spec(`learner-${i}`), { login, launch: launchAt }));
    }
    // Each learner's session is honoured by both instances.
    for (const l of learners) {
      expect(see(await l.get(`/spaces/${spaceId}`, A), 200).body).to.contain('Two instances');
      expect(see(await l.get(`/spaces/${spaceId}`, B), 200).body).to.contain('Two instances');
    }
  });

  it('refuses a launch replayed on the other instance: the state was used up in the shared database', async () => {
    let posted: Record<string, string> = {};
    const first = await launch({ tool: { publicUrl: cluster.publicUrl }, emu: cluster.emu }, spec('replayer'), {
      route: (url) => cluster.via(A, url),
      mutate: (fields) => (posted = fields),
    });
    expect(first.response.status).to.equal(303);
    const replay = await first.browser.request(`${cluster.instance(B).url}/lti/launch`, { form: posted });
    expect(replay.status).to.be.within(400, 499);
    expect(replay.body).to.not.contain('session=');
  });

  it('keeps every post written through either instance, concurrently, visible through both', async () => {
    const opened = see(await teacher.post(`/spaces/${spaceId}/threads`, { title: 'Where do we meet?', body: 'Tell us where you are.', kind: 'discussion' }, B));
    const threadId = threadIdFrom(opened);
    // 6 learners × 4 replies, alternating instances, all at once.
    const replies = await Promise.all(
      learners.flatMap((l, i) => [0, 1, 2, 3].map(async (k) => postIdFrom(see(await l.post(`/threads/${threadId}/replies`, { body: `Reply ${k} from learner ${i}` }, (i + k) % 2))))),
    );
    expect(new Set(replies).size).to.equal(24);
    // Reactions through both instances on the first reply: each person counts once, wherever they clicked.
    const target = replies[0]!;
    await Promise.all(learners.slice(1).map((l, i) => l.post(`/posts/${target}/react`, {}, i % 2).then((r) => see(r))));
    see(await learners[1]!.post(`/posts/${target}/react`, {}, A)); // the same reaction again, on the other instance
    const count = (await cluster.db('post_reactions').where({ post_id: target }).count({ n: '*' }))[0]!.n;
    expect(Number(count)).to.equal(5);
    for (const at of [A, B]) {
      const page = see(await learners[0]!.get(`/threads/${threadId}?page=1`, at), 200);
      // The thread page pages its replies; the rows themselves are checked below.
      expect(page.body).to.contain('Where do we meet?');
      for (const id of replies) see(await learners[0]!.get(`/posts/${id}`, at), 303);
    }
    const rows = await cluster.db('posts').where({ thread_id: threadId }).whereNot({ depth: 0 }).select('id');
    expect(rows.map((r: { id: string }) => r.id).sort()).to.deep.equal([...replies].sort());
    const thread = (await cluster.db('threads').where({ id: threadId }).first('reply_count')) as { reply_count: number };
    expect(Number(thread.reply_count)).to.equal(24);
  });

  it('delivers every statement to the LRS exactly once with both instances’ senders running, and leaves the outbox drained', async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pending = Number((await cluster.db('xapi_outbox').whereNull('delivered_at').count({ n: '*' }))[0]!.n);
      if (pending === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending} statements still queued after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const outbox = (await cluster.db('xapi_outbox').select('statement_id', 'dead', 'delivered_at')) as Array<{ statement_id: string; dead: unknown; delivered_at: unknown }>;
    // launches, setup, thread, 24 replies, reactions, views: dozens of statements.
    expect(outbox.length).to.be.greaterThan(40);
    expect(outbox.filter((r) => Boolean(r.dead))).to.deep.equal([]);
    const ids = outbox.map((r) => r.statement_id).sort();
    expect(stub.stored.map((s) => s.id).sort()).to.deep.equal(ids);
    const twice = [...stub.acceptedCount].filter(([, n]) => n !== 1);
    expect(twice, 'statement ids accepted more than once').to.deep.equal([]);
    expect(stub.concurrentDuplicates, 'ids in two requests at once').to.deep.equal([]);
  });

  it(`stops honouring a revoked session on every instance within the cache TTL (${SESSION_CACHE_TTL_MS / 1000} s)`, async () => {
    const l = learners[5]!;
    see(await l.get(`/spaces/${spaceId}`, A), 200);
    see(await l.get(`/spaces/${spaceId}`, B), 200);
    // What removing a platform or deployment does (by cascade), done by another process.
    await cluster.db('sessions').where({ token_hash: sha256(l.token) }).delete();
    const t0 = Date.now();
    const refused = new Set<number>();
    while (refused.size < 2) {
      for (const at of [A, B]) if ((await l.get(`/spaces/${spaceId}`, at)).status === 401) refused.add(at);
      if (Date.now() - t0 > SESSION_CACHE_TTL_MS + 2_000) throw new Error(`instances still accepting the revoked session: ${[A, B].filter((i) => !refused.has(i))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it(`refuses launches on every instance within the platform cache TTL once the platform is disabled elsewhere`, async () => {
    // Both instances have the platform cached from the launches above.
    await cluster.join(spec('warm-a'), { login: A, launch: A });
    await cluster.join(spec('warm-b'), { login: B, launch: B });
    await cluster.db('platforms').update({ status: 'disabled' });
    const t0 = Date.now();
    const refused = new Set<number>();
    let n = 0;
    while (refused.size < 2) {
      for (const at of [A, B]) {
        const ok = await cluster.join(spec(`late-${n++}`), { login: at, launch: at }).then(() => true, () => false);
        if (!ok) refused.add(at);
      }
      if (Date.now() - t0 > 5_000 + 2_000) throw new Error(`instances still launching for a disabled platform: ${[A, B].filter((i) => !refused.has(i))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
