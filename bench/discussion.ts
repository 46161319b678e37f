/**
 * bench/discussion: how the discussion pages cost as a space grows. Seeds three spaces (by
 * default 100, 1,000 and 10,000 posts) with batched inserts, launches learners through the
 * platform emulator, then drives each route at a fixed concurrency against the tool running as its
 * own process (as in production), sizes alternating in blocks so machine noise falls on all alike.
 * Prints size × route → p50, p95, req/s and errors; asserts
 * nothing. The cost should be nearly flat from the smallest space to the largest.
 *   npm run bench:discussion [-- --sizes 100,1000,10000 --requests 200 --concurrency 8]
 *   npm run bench:discussion -- --pg postgres://postgres@127.0.0.1:5432/test   (PostgreSQL)
 *   TEST_DATABASE_URL=postgres://… npm run bench:discussion                    (also PostgreSQL)
 *   --keep  leaves the seeded database behind (its URL is printed) for EXPLAIN.
 *   BENCH_CPU_PROF=dir  writes a V8 CPU profile of the tool process there.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { createDb, migrateLatest, type Db } from '../src/db/knex.js';
import { newId, sha256 } from '../src/ids.js';
import { createLogger } from '../src/log.js';
import { renderMarkdown, RENDER_VERSION } from '../src/discussion/markdown.js';
import { DEFAULT_PAGE_SIZE } from '../src/discussion/thread-service.js';
import { PlatformEmulator, ROLE } from '../test/helpers/emulator/platform-emulator.js';
import { freePort, launch, registerEmulator } from '../test/helpers/stack.js';
import { TestBrowser } from '../test/helpers/test-browser.js';
import { createTestDatabase } from '../test/helpers/test-db.js';
import { spawnTool } from '../test/helpers/tool-process.js';
import { LIFTED_RATE_LIMITS } from '../test/helpers/cluster.js';
import { fmt, pct, printTable } from './bench-report.js';
import { up as indexExistingPosts } from '../migrations/20261130000420_search_backfill.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    requests: { type: 'string', default: '200' },
    replies: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '20' },
    pg: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
if (values.pg) process.env.TEST_DATABASE_URL = values.pg;
const SIZES = values.sizes!.split(',').map(Number).filter((n) => n > 0);
const REQUESTS = Number(values.requests);
const REPLIES = Number(values.replies);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
const USERS = 300;


/** A deterministic integer hash: the same seed gives the same spaces on every run and database. */
function mix(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

// ---- seeding -------------------------------------------------------------------------------

interface Seeded {
  spaceId: string;
  posts: number;
  threads: number;
  reactions: number;
  longest: { id: string; posts: number; depthOne: number };
  seconds: number;
}

const BODIES = [
  'I bring the **checklist** and read chapter 3 first.',
  'Good point. What worked for me:\n\n- ask open questions\n- listen for *interests*, not positions\n- summarise before you answer',
  'Has anyone tried this with a remote team? See https://example.com/guide for the framework we used.',
  'Agreed — and write down the three things you want to practise at the event.',
  'I was unsure at first, but the role play in week 2 made it click.',
];
// Rendered once: seeding is about rows, not about markdown speed.
const RENDERED = BODIES.map((b) => ({ body_markdown: b, body_html: renderMarkdown(b), render_version: RENDER_VERSION }));

/**
 * Thread sizes for a space of `total` posts, the way discussions really spread: one thread that
 * took off (a fifth of all posts), a few long ones (5% each), and many short ones (2–8 posts).
 */
function threadSizes(total: number): number[] {
  const sizes = [Math.max(2, Math.floor(total / 5))];
  for (let i = 0; i < 4; i++) sizes.push(Math.max(2, Math.floor(total / 20)));
  let left = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, 2 + (mix(total + i) % 7));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

/** Batched inserts in one transaction: 10,000 posts in seconds, on both databases. */
async function seedSpace(db: Db, contextId: string, userIds: string[], total: number, salt: number): Promise<Seeded> {
  const t0 = performance.now();
  const now = Date.now();
  const spaceId = newId();
  const threads: Record<string, unknown>[] = [];
  const posts: Record<string, unknown>[] = [];
  const reactions: Record<string, unknown>[] = [];
  const sizes = threadSizes(total);
  // Spread over 30 days; every post a distinct millisecond so orders are well defined.
  let clock = now - 30 * 86_400_000;
  let longest = { id: '', posts: 0, depthOne: 0 };
  sizes.forEach((n, ti) => {
    const threadId = newId();
    const author = userIds[mix(salt + ti) % userIds.length]!;
    const openedAt = (clock += 1 + (mix(ti) % 60_000));
    const made: Array<{ id: string; depth: number; branch: string | null; reactions: number }> = [];
    let depthOne = 0;
    let threadReactions = 0;
    for (let k = 0; k < n; k++) {
      const id = newId();
      const h = mix(salt * 7919 + ti * 131 + k);
      let parent: (typeof made)[number] | null = null;
      if (k > 0) {
        // 60% answer the thread (depth 1); the rest answer one of the last dozen replies (people
        // answer what they just read), nesting a level deeper.
        const recent = made.slice(Math.max(1, made.length - 12));
        parent = recent.length === 0 || h % 10 < 6 ? made[0]! : recent[(h >>> 8) % recent.length]!;
        if (parent.depth >= 6) parent = made[0]!;
      }
      const depth = parent ? parent.depth + 1 : 0;
      if (depth === 1) depthOne++;
      // A third of posts found helpful by 1–3 people.
      const likes = h % 3 === 0 ? 1 + ((h >>> 4) % 3) : 0;
      const p = { id, depth, branch: depth === 0 ? null : depth === 1 ? id : parent!.branch, reactions: likes };
      made.push(p);
      const at = k === 0 ? openedAt : (clock += 1 + (h % 120_000));
      posts.push({
        id,
        thread_id: threadId,
        parent_post_id: parent?.id ?? null,
        branch_id: p.branch,
        depth,
        author_id: userIds[(h >>> 12) % userIds.length],
        ...RENDERED[h % RENDERED.length]!,
        created_at: at,
        reaction_count: likes,
      });
      for (let r = 0; r < likes; r++) reactions.push({ post_id: id, user_id: userIds[((h >>> 16) + r * 97) % userIds.length], id: newId(), created_at: at + 1 + r });
      threadReactions += likes;
    }
    threads.push({
      id: threadId,
      space_id: spaceId,
      author_id: author,
      title: `Thread ${ti + 1}: ${['How do I prepare?', 'What did you take away?', 'Questions for the trainer', 'Resources worth reading'][ti % 4]}`,
      kind: ti % 3 === 0 ? 'question' : 'discussion',
      pinned: ti === 7, // one pinned thread, as most spaces have
      locked: false,
      reply_count: n - 1,
      reaction_count: threadReactions,
      created_at: openedAt,
      updated_at: clock,
      last_activity_at: clock,
    });
    if (n > longest.posts) longest = { id: threadId, posts: n, depthOne };
  });
  await db.transaction(async (trx) => {
    await trx('spaces').insert({ id: spaceId, context_id: contextId, resource_link_id: null, kind: 'post_event', title: `Bench space of ${total.toLocaleString('en')} posts`, event_at: null, time_zone: 'UTC', created_by: null, created_at: now, updated_at: now });
    // Chunks of at most 500 rows: knex writes a multi-row insert on SQLite as a compound SELECT,
    // which SQLite caps at 500 terms.
    await trx.batchInsert('threads', threads, 500);
    await trx.batchInsert('posts', posts, 500);
    await trx.batchInsert('post_reactions', reactions, 500);
  });
  return { spaceId, posts: posts.length, threads: threads.length, reactions: reactions.length, longest, seconds: (performance.now() - t0) / 1000 };
}

// ---- measuring -----------------------------------------------------------------------------

interface Result {
  latencies: number[];
  seconds: number;
  errors: number;
}

const BLOCK = 25;

/**
 * `perSize` calls of each of `calls` (one per space size) with CONCURRENCY in flight, after a
 * warm-up, in alternating blocks of BLOCK calls (size 1, size 2, size 3, size 1, …): each block
 * loads one size alone, so sizes never slow each other down, and a load spike from anything else
 * on the machine falls on every size alike. `call` throws on a wrong answer (counted as an error).
 */
async function drive(route: string, perSize: number, calls: Array<(i: number) => Promise<void>>): Promise<Result[]> {
  const results = calls.map(() => ({ latencies: [] as number[], seconds: 0, errors: 0 }));
  async function block(k: number, from: number, count: number, r: Result): Promise<void> {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          const i = from + next++;
          const started = performance.now();
          try {
            await calls[k]!(i);
            r.latencies.push(performance.now() - started);
          } catch (err) {
            r.errors++;
            if (r.errors <= 2) console.error(`  ${route}: ${String(err).slice(0, 300)}`);
          }
        }
      }),
    );
    r.seconds += (performance.now() - t0) / 1000;
  }
  for (let k = 0; k < calls.length; k++) await block(k, 1_000_000, WARMUP, { latencies: [], seconds: 0, errors: 0 });
  for (let done = 0; done < perSize; done += BLOCK) {
    for (let k = 0; k < calls.length; k++) await block(k, done, Math.min(BLOCK, perSize - done), results[k]!);
  }
  for (const r of results) r.latencies.sort((a, b) => a - b);
  return results;
}

interface Learner {
  browser: TestBrowser;
  token: string;
  csrf: string;
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const kind = database.kind === 'pg' ? 'PostgreSQL' : 'SQLite';
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const emu = await PlatformEmulator.start({ toolUrl: publicUrl });

  const config = loadConfig({ PORT: String(port), PUBLIC_URL: publicUrl, DATABASE_URL: database.url });
  const db = createDb(config.databaseUrl);
  await migrateLatest(db);
  const c = createContainer({ config, db, log: createLogger('silent'), clock: systemClock });
  const platform = await registerEmulator(c.platforms, emu);

  // Per-user write limits (curation/rate-limits.ts) would refuse most of eight learners' 200
  // replies; the bench measures what the server can take, so they are lifted here.
  const tool = await spawnTool({ DATABASE_URL: database.url, ...LIFTED_RATE_LIMITS }, { port, nodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [] });
  const stack = { tool: { publicUrl }, emu };

  // An instructor's first launch creates the course (context) the seeded spaces belong to.
  const teacher = await launch(stack, { sub: 'bench-teacher', roles: [ROLE.instructor], resourceLinkId: 'bench-link' });
  const setupPage = await teacher.browser.get(`${publicUrl}${teacher.response.headers.get('location')}`);
  const teacherCsrf = /name="_csrf" value="([^"]+)"/.exec(setupPage.body)![1]!;
  const created = await teacher.browser.request(`${publicUrl}/app/setup`, { form: { session: teacher.sessionToken!, _csrf: teacherCsrf, kind: 'prep', title: 'Bench prep', time_zone: 'UTC' } });
  if (created.status !== 303) throw new Error(`setup answered ${created.status}`);
  const context = await db('contexts').first<{ id: string }>('id');

  const s0 = performance.now();
  const userIds = Array.from({ length: USERS }, () => newId());
  await db.batchInsert(
    'users',
    userIds.map((id, i) => ({ id, platform_id: platform.id, sub: `bench-user-${i}`, name: `Learner ${i}`, created_at: Date.now(), updated_at: Date.now() })),
    500,
  );
  const spaces: Array<Seeded & { size: number }> = [];
  for (const [i, size] of SIZES.entries()) {
    const s = await seedSpace(db, context.id, userIds, size, i + 1);
    spaces.push({ ...s, size });
    console.log(`seeded ${s.posts.toLocaleString('en')} posts in ${s.threads.toLocaleString('en')} threads (${s.reactions.toLocaleString('en')} reactions; longest thread ${s.longest.posts.toLocaleString('en')} posts, ${s.longest.depthOne} direct replies) in ${s.seconds.toFixed(2)} s`);
  }
  // Seeding wrote rows directly; index them for search the way every post write does (the
  // backfill migration's own code, which walks posts in id batches).
  const i0 = performance.now();
  await indexExistingPosts(db);
  console.log(`indexed for search in ${((performance.now() - i0) / 1000).toFixed(1)} s`);
  // Fresh statistics and (on PostgreSQL) a visibility map, as autovacuum would have made by the
  // time a space is this big: without it PostgreSQL cannot use index-only scans.
  await db.raw(database.kind === 'pg' ? 'vacuum analyze' : 'analyze');
  console.log(`seeding took ${((performance.now() - s0) / 1000).toFixed(1)} s in all`);

  // Learners launched through the emulator: each has its own session and CSRF token.
  const learners: Learner[] = [];
  for (let i = 0; i < CONCURRENCY; i++) {
    const r = await launch(stack, { sub: `bench-learner-${i}`, name: `Bench Learner ${i}`, roles: [ROLE.learner], resourceLinkId: 'bench-link' });
    if (r.response.status !== 303) throw new Error(`learner launch answered ${r.response.status}`);
    const landing = await r.browser.get(`${publicUrl}${r.response.headers.get('location')}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(landing.body)?.[1] ?? (await c.sessions.get(sha256(r.sessionToken!)))!.csrfToken;
    learners.push({ browser: r.browser, token: r.sessionToken!, csrf });
  }
  const who = (i: number): Learner => learners[i % learners.length]!;
  const url = (l: Learner, path: string): string => `${publicUrl}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(l.token)}`;
  const getOk = (path: string, mustContain: string) => async (i: number) => {
    const l = who(i);
    const page = await l.browser.request(url(l, path));
    if (page.status !== 200) throw new Error(`GET ${path} answered ${page.status}`);
    if (!page.body.includes(mustContain)) throw new Error(`GET ${path} lacks ${JSON.stringify(mustContain)}`);
  };

  // Search is built on another branch: measured when the route exists, "n/a" until then.
  const probe = await learners[0]!.browser.request(url(learners[0]!, `/spaces/${spaces[0]!.spaceId}/search?q=checklist`));
  const hasSearch = probe.status === 200;

  type Space = (typeof spaces)[number];
  const table: Array<{ size: number; route: string; r: Result | null }> = [];
  /** One row per size for `route`; `call(space)` null (route absent) prints "n/a". */
  async function measure(route: string, perSize: number, call: (s: Space) => ((i: number) => Promise<void>) | null): Promise<void> {
    const calls = spaces.map(call);
    const results = calls.every((c) => c !== null) ? await drive(route, perSize, calls as Array<(i: number) => Promise<void>>) : null;
    spaces.forEach((s, i) => table.push({ size: s.size, route, r: results?.[i] ?? null }));
  }
  const lastPage = (s: Space): number => Math.max(1, Math.ceil(s.longest.depthOne / DEFAULT_PAGE_SIZE.replies));

  await measure('space (active)', REQUESTS, (s) => getOk(`/spaces/${s.spaceId}`, '<h1>Bench space'));
  await measure('space ?sort=newest', REQUESTS, (s) => getOk(`/spaces/${s.spaceId}?sort=newest`, '<h1>Bench space'));
  await measure('space ?sort=helpful', REQUESTS, (s) => getOk(`/spaces/${s.spaceId}?sort=helpful`, '<h1>Bench space'));
  // Last pages: OFFSET pagination is where cost grows with size, if anywhere.
  await measure('space last page', REQUESTS, (s) => getOk(`/spaces/${s.spaceId}?page=${Math.ceil(s.threads / DEFAULT_PAGE_SIZE.threads)}`, '<h1>Bench space'));
  await measure('longest thread p1', REQUESTS, (s) => getOk(`/threads/${s.longest.id}`, 'id="replies-h"'));
  await measure('longest thread pN', REQUESTS, (s) => getOk(`/threads/${s.longest.id}?page=${lastPage(s)}`, 'id="replies-h"'));
  await measure('thread pN ?sort=helpful', REQUESTS, (s) => getOk(`/threads/${s.longest.id}?page=${lastPage(s)}&sort=helpful`, 'id="replies-h"'));
  await measure('search', REQUESTS, (s) => (hasSearch ? getOk(`/spaces/${s.spaceId}/search?q=checklist`, '<h1') : null));
  await measure('reply (POST)', REPLIES, (s) => async (i) => {
    const l = who(i);
    const res = await l.browser.request(`${publicUrl}/threads/${s.longest.id}/replies`, { form: { session: l.token, _csrf: l.csrf, body: `Bench reply ${i}: bring the checklist.` } });
    if (res.status !== 303) throw new Error(`reply answered ${res.status}: ${res.body.slice(0, 200)}`);
  });

  console.log(`\nbench/discussion on ${kind}: concurrency ${CONCURRENCY}; ${REQUESTS} requests per size and page route, ${REPLIES} replies per size, sizes alternating in blocks of ${BLOCK} (after ${WARMUP} warm-up)`);
  const perSecond = (r: Result): number => r.latencies.length / r.seconds;
  const byRoute = [...table].sort((a, b) => a.size - b.size);
  const head = ['posts', 'route', 'p50 ms', 'p95 ms', 'req/s', 'errors'];
  const rows = byRoute.map(({ size, route, r }) => [size.toLocaleString('en'), route, r ? fmt(pct(r.latencies, 50)) : 'n/a', r ? fmt(pct(r.latencies, 95)) : 'n/a', r ? fmt(perSecond(r)) : 'n/a', r ? String(r.errors) : 'n/a']);
  printTable(head, rows, 2);
  console.log('(for reply (POST), req/s is posts/s)');

  await db.destroy();
  await tool.stop();
  await emu.close();
  // --keep leaves the seeded database behind, to EXPLAIN the queries against it.
  if (values.keep) console.log(`kept the database: ${database.url}`);
  else await database.drop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
