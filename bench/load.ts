/**
 * bench/load: many people using Threadline at once, end to end. Each simulated user launches from
 * the platform emulator (OIDC login + launch), then loops: read the space page, read a thread,
 * post a reply, mark a post helpful, search — with a small random think time between acts —
 * until the time is up. The tool runs as real processes (one, or several on one database with
 * every request free to land on any of them: no sticky sessions). Prints requests/s, per-act
 * p50/p95/max, the error count and what the errors were. Zero errors is the bar: the exit code is
 * 1 when there were any (a 503 "busy" answer counts as an error).
 *   npm run bench:load [-- --users 200 --seconds 60 --db sqlite|pg --instances 1|2 --think 500]
 *   BENCH_CPU_PROF=dir  writes a V8 CPU profile of each tool process there.
 *   --pg URL   the PostgreSQL server for --db pg (default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
 */
import { parseArgs } from 'node:util';
import { Cluster, type ClusterUser } from '../test/helpers/cluster.js';
import { ROLE } from '../test/helpers/emulator/platform-emulator.js';
import type { Page } from '../test/helpers/test-browser.js';
import { fmt, pct, printTable } from './bench-report.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    db: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1' },
    /** Upper bound of the random pause between one user's acts, in ms (uniform 0…think). */
    think: { type: 'string', default: '500' },
    threads: { type: 'string', default: '20' },
    pg: { type: 'string' },
  },
});
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
const INSTANCES = Number(values.instances);
const THINK_MS = Number(values.think);
const THREADS = Number(values.threads);
if (values.db === 'pg') process.env.TEST_DATABASE_URL = values.pg ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
else if (values.db === 'sqlite') delete process.env.TEST_DATABASE_URL;
else throw new Error('--db must be sqlite or pg');
if (!(INSTANCES >= 1)) throw new Error('--instances must be 1 or more');

const ACTS = ['launch', 'space', 'thread', 'reply', 'react', 'search'] as const;
type Act = (typeof ACTS)[number];

const latencies = new Map<Act, number[]>(ACTS.map((a) => [a, []]));
const errors = new Map<string, number>();
let errorCount = 0;

function fail(act: Act, why: string): void {
  errorCount++;
  const key = `${act}: ${why}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
}

/** Times one act; `ok` says whether the answer is the one a working tool gives. */
async function timed(act: Act, run: () => Promise<Page>, ok: (p: Page) => boolean): Promise<Page | null> {
  const t0 = performance.now();
  try {
    const page = await run();
    if (!ok(page)) {
      fail(act, `HTTP ${page.status}${page.status >= 400 ? ` ${/"code":"([a-z_]+)"|Error code[^<]*<[^>]*>([a-z_]+)/.exec(page.body)?.slice(1).find(Boolean) ?? ''}` : ' (unexpected page)'}`);
      return null;
    }
    latencies.get(act)!.push(performance.now() - t0);
    return page;
  } catch (err) {
    fail(act, String((err as Error).cause ?? err).slice(0, 120));
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const think = () => sleep(Math.random() * THINK_MS);
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
const WORDS = ['checklist', 'feedback', 'negotiation', 'listen', 'practise', 'questions'];

async function main(): Promise<void> {
  const cluster = await Cluster.start({ count: INSTANCES, nodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [] });
  const kind = cluster.database.kind === 'pg' ? 'PostgreSQL' : 'SQLite';
  try {
    // The course: a teacher sets up a space and opens the threads people will read and answer.
    const teacher = await cluster.join({ sub: 'load-teacher', name: 'Load Teacher', roles: [ROLE.instructor], contextId: 'load-course', resourceLinkId: 'load-link' });
    const setup = await teacher.post('/app/setup', { kind: 'post_event', title: 'Load space', time_zone: 'UTC' });
    const spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location') ?? '')?.[1];
    if (!spaceId) throw new Error(`setup answered ${setup.status}`);
    const threads: Array<{ id: string; opening: string }> = [];
    for (let i = 0; i < THREADS; i++) {
      const r = await teacher.post(`/spaces/${spaceId}/threads`, { title: `Thread ${i}: what will you ${pick(WORDS)}?`, body: `Bring your ${pick(WORDS)} and your ${pick(WORDS)}.`, kind: 'discussion' });
      const id = /\/threads\/([0-9a-f-]{36})/.exec(r.headers.get('location') ?? '')?.[1];
      if (!id) throw new Error(`new thread answered ${r.status}`);
      const opening = (await cluster.db('posts').where({ thread_id: id, depth: 0 }).first('id')) as { id: string };
      threads.push({ id, opening: opening.id });
    }

    console.log(`bench/load on ${kind}, ${INSTANCES} instance(s): ${USERS} users for ${SECONDS} s, think time 0–${THINK_MS} ms, ${THREADS} threads`);
    const t0 = performance.now();
    const end = Date.now() + SECONDS * 1000;
    let requests = 0;

    async function user(i: number): Promise<void> {
      // Arrivals spread over the first 5 s, as a class opening the link does, not one instant.
      await sleep((i / USERS) * Math.min(5_000, SECONDS * 250));
      // No stickiness: the login on one instance, the launch on the next, each later request on
      // the next again (round robin), so every instance serves every user.
      let next = i;
      const at = () => next++ % INSTANCES;
      let me: ClusterUser | null = null;
      requests += 3; // login, platform auth, launch
      const started = performance.now();
      try {
        me = await cluster.join({ sub: `load-user-${i}`, name: `Load User ${i}`, roles: [ROLE.learner], contextId: 'load-course', resourceLinkId: 'load-link' }, { login: at(), launch: at() });
        latencies.get('launch')!.push(performance.now() - started);
      } catch (err) {
        fail('launch', String(err).slice(0, 120));
        return;
      }
      const u = me;
      let k = 0;
      while (Date.now() < end) {
        const t = pick(threads);
        requests++;
        await timed('space', () => u.get(`/spaces/${spaceId}`, at()), (p) => p.status === 200 && p.body.includes('Load space'));
        await think();
        if (Date.now() >= end) break;
        requests++;
        await timed('thread', () => u.get(`/threads/${t.id}`, at()), (p) => p.status === 200 && p.body.includes('id="replies-h"'));
        await think();
        if (Date.now() >= end) break;
        requests++;
        await timed('reply', () => u.post(`/threads/${t.id}/replies`, { body: `Reply ${k++} from user ${i}: I will ${pick(WORDS)} first.` }, at()), (p) => p.status === 303);
        await think();
        if (Date.now() >= end) break;
        requests++;
        // The teacher's opening post: never one's own (which would be 403), and a second click changes nothing.
        await timed('react', () => u.post(`/posts/${t.opening}/react`, {}, at()), (p) => p.status === 303);
        await think();
        if (Date.now() >= end) break;
        requests++;
        await timed('search', () => u.get(`/spaces/${spaceId}/search?q=${pick(WORDS)}`, at()), (p) => p.status === 200);
        await think();
      }
    }
    await Promise.all(Array.from({ length: USERS }, (_, i) => user(i)));
    const seconds = (performance.now() - t0) / 1000;

    const done = [...latencies.values()].reduce((n, l) => n + l.length, 0);
    console.log(`\n${requests.toLocaleString('en')} requests (${done.toLocaleString('en')} acts done) in ${seconds.toFixed(1)} s: ${fmt(requests / seconds)} requests/s; errors: ${errorCount}`);
    const rows = ACTS.map((a) => {
      const l = latencies.get(a)!.sort((x, y) => x - y);
      return [a, String(l.length), fmt(pct(l, 50)), fmt(pct(l, 95)), fmt(l.at(-1) ?? NaN)];
    });
    printTable(['act', 'count', 'p50 ms', 'p95 ms', 'max ms'], rows);
    console.log('(launch = OIDC login + platform auth + launch POST: three requests)');
    if (errorCount) {
      console.log('\nerrors:');
      for (const [what, n] of [...errors].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${what}`);
    }
    const pending = Number((await cluster.db('xapi_outbox').whereNull('delivered_at').where({ dead: false }).count({ n: '*' }))[0]!.n);
    console.log(`xAPI outbox at the end: ${pending} statements still queued`);
  } finally {
    await cluster.close();
  }
  process.exit(errorCount > 0 ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
