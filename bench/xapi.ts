/**
 * bench/xapi: the xAPI pipeline under load. Prints figures; asserts nothing (targets are printed
 * next to them).
 *   (a) outbox → LRS delivery: N statements from the real builder are queued in the real outbox and
 *       the real sender delivers them over HTTP to the LRS stub (test/helpers/lrs-stub.ts), per batch
 *       size; checks every statement arrived exactly once.
 *   (b) embedded LRS ingest: batches POSTed concurrently over HTTP (basic auth) to the embedded LRS
 *       of a separate tool process.
 *   (c) embedded LRS query latency (p50/p95) for typical analyst queries over the statements
 *       stored by (b).
 *   npm run bench:xapi [-- --delivery 20000 --batches 50,100,200 --stored 100000 --per-post 100 --concurrency 4 --iterations 40]
 *   TEST_DATABASE_URL=postgres://… npm run bench:xapi   (PostgreSQL)
 *   --only a|bc   runs one part.
 *   --cpu-prof DIR   the tool process of (b)/(c) writes a V8 CPU profile into DIR when it stops.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { createDb, migrateLatest } from '../src/db/knex.js';
import { createLogger } from '../src/log.js';
import { createLrsSender } from '../src/xapi/lrs-sender.js';
import { createOutboxStore } from '../src/xapi/outbox-store.js';
import { buildStatement, registrationId, type StatementLaunch } from '../src/xapi/statement-builder.js';
import type { XapiStatement } from '../src/xapi/statement.js';
import { LrsStub } from '../test/helpers/lrs-stub.js';
import { createTestDatabase } from '../test/helpers/test-db.js';
import { spawnTool } from '../test/helpers/tool-process.js';

const { values } = parseArgs({
  options: {
    delivery: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '50' },
    ingest: { type: 'string', default: '20000' },
    stored: { type: 'string', default: '100000' },
    'per-post': { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    iterations: { type: 'string', default: '20' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const DELIVERY_N = Number(values.delivery);
const BATCHES = values.batches!.split(',').map(Number).filter((n) => n > 0);
const STORED_N = Number(values.stored);
const INGEST_N = Math.min(Number(values.ingest), STORED_N);
const SEED_PER_POST = 500;
const PER_POST = Number(values['per-post']);
const CONCURRENCY = Number(values.concurrency);
const ITERATIONS = Number(values.iterations);
const TARGET_DELIVERY = 2_000;
const TARGET_INGEST = 5_000;

const log = createLogger((process.env.BENCH_LOG_LEVEL ?? 'silent') as 'silent');
const PUBLIC_URL = 'https://tl.example.edu';
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (n: number): string => n.toFixed(n >= 100 ? 0 : 1);
const vs = (rate: number, target: number): string => `(target ≥ ${target.toLocaleString('en')}/s: ${rate >= target ? 'met' : 'NOT met'})`;

// ---- a realistic statement mix from the real builder ----------------------------------------

const USERS = 1000;
const COURSES = 10;
const SPACES_PER_COURSE = 4;
const THREADS_PER_SPACE = 10;
const BASE_AT = Date.UTC(2026, 9, 1);

const launchFor = (user: number, course: number): StatementLaunch => ({
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: null },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { sub: `learner-${user}`, name: null },
  context: { id: `c${course}`, contextId: `course-${course}`, label: null, title: `Course ${course}` },
  resourceLink: { id: `r${course}`, resourceLinkId: `link-${course}`, title: `Week ${course}` },
  locale: 'en',
});

/** A deterministic integer hash, so kind, user and space vary independently of each other. */
function mix(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Statement i of a run: 50% views, 20% replies, 10% each reactions, new threads, endorsements. */
function statementAt(i: number, prefix: string): XapiStatement {
  const h = mix(i);
  const user = (h >>> 8) % USERS;
  const course = user % COURSES;
  const spaceNo = (h >>> 20) % SPACES_PER_COURSE;
  const space = { id: `space-${course}-${spaceNo}`, title: `Space ${course}.${spaceNo}`, kind: 'prep' as const, eventAt: null };
  const thread = { id: `thread-${course}-${spaceNo}-${i % THREADS_PER_SPACE}`, title: 'How do I prepare?', kind: 'question' as const };
  const id = `${prefix}-${i}`;
  const at = BASE_AT + i * 1000;
  const launch = launchFor(user, course);
  const o = { publicUrl: PUBLIC_URL };
  switch (h % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      return buildStatement({ kind: 'space_viewed', id, at, space }, launch, o);
    case 5:
    case 6:
      return buildStatement({ kind: 'reply_posted', id, at, space, thread, post: { id: `post-${id}` }, text: `Reply ${i}: bring the checklist and read chapter ${i % 12}.` }, launch, o);
    case 7:
      return buildStatement({ kind: 'reacted', id, at, space, thread, reaction: 'like' }, launch, o);
    case 8:
      return buildStatement({ kind: 'thread_created', id, at, space, thread: { ...thread, id: `thread-${id}` }, text: `Question ${i}?` }, launch, o);
    default:
      return buildStatement({ kind: 'endorsed', id, at, space, thread }, launch, o);
  }
}

// ---- (a) outbox → LRS stub ------------------------------------------------------------------

async function benchDelivery(): Promise<void> {
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url);
  await migrateLatest(db);
  const kind = tdb.kind === 'pg' ? 'PostgreSQL' : 'SQLite';
  console.log(`(a) outbox → LRS stub delivery on ${kind}: ${DELIVERY_N.toLocaleString('en')} statements per run`);
  try {
    for (const batchSize of BATCHES) {
      await db('xapi_outbox').del();
      const auth = { username: 'threadline', password: 's3cret-lrs-pass' };
      const stub = await LrsStub.start(auth);
      const outbox = createOutboxStore(db, { clock: systemClock, targets: ['primary'] });
      const list = Array.from({ length: DELIVERY_N }, (_, i) => statementAt(i, `d${batchSize}`));
      const e0 = performance.now();
      for (let i = 0; i < list.length; i += 500) await db.transaction((trx) => outbox.enqueue(trx, list.slice(i, i + 500)));
      const enqueueS = (performance.now() - e0) / 1000;

      const sender = createLrsSender({ outbox, targets: [{ id: 'primary', endpoint: stub.endpoint, ...auth }], fetch, clock: systemClock, log, batchSize, backoff: { baseMs: 50, maxMs: 1000 } });
      const t0 = performance.now();
      let delivered = 0;
      let dead = 0;
      let retried = 0;
      let idle = 0;
      while (idle < 3 && performance.now() - t0 < 120_000) {
        const r = await sender.tick();
        delivered += r.delivered;
        dead += r.dead;
        retried += r.retried;
        if (r.delivered === 0) {
          idle++;
          await new Promise((res) => setTimeout(res, 20));
        } else idle = 0;
      }
      const seconds = (performance.now() - t0) / 1000;
      await sender.stop();
      const [st] = await outbox.stats(Date.now());

      const want = new Set(list.map((s) => s.id));
      const stored = stub.stored.map((s) => s.id);
      const counts = [...stub.acceptedCount.values()];
      const missing = [...want].filter((id) => !stub.acceptedCount.has(id)).length;
      const twice = counts.filter((c) => c > 1).length;
      const non200 = stub.requests.filter((r) => r.status !== 200).length;
      const exactlyOnce = missing === 0 && twice === 0 && stored.length === want.size && new Set(stored).size === stored.length;
      const rate = delivered / seconds;
      console.log(
        `  batch ${String(batchSize).padStart(3)}: ${fmt(rate)} statements/s delivered ${vs(rate, TARGET_DELIVERY)}; ${delivered} in ${seconds.toFixed(2)} s over ${stub.requests.length} requests` +
          ` | enqueue ${fmt(DELIVERY_N / enqueueS)}/s`,
      );
      console.log(
        `             exactly once: ${exactlyOnce ? 'yes' : 'NO'} (stored ${stored.length}/${want.size}, missing ${missing}, accepted twice ${twice}, concurrent duplicates ${stub.concurrentDuplicates.length}, non-200 answers ${non200}, dead ${dead}, retried ${retried}; outbox depth ${st?.depth}, delivered ${st?.delivered})`,
      );
      await stub.close();
    }
  } finally {
    await db.destroy();
    await tdb.drop();
  }
}

// ---- (b) embedded LRS ingest and (c) query latency --------------------------------------------

/** User + system CPU seconds of a process, all threads (Linux /proc; null elsewhere). */
function toolCpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks (100/s).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function benchEmbedded(): Promise<void> {
  const tdb = await createTestDatabase();
  const kind = tdb.kind === 'pg' ? 'PostgreSQL' : 'SQLite';
  const key = 'bench-key';
  const secret = 'bench-secret-0123456789abcdef';
  const tool = await spawnTool({ DATABASE_URL: tdb.url, EMBEDDED_LRS_KEY: key, EMBEDDED_LRS_SECRET: secret, LOG_LEVEL: 'error' }, values['cpu-prof'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] } : {});
  const headers = {
    Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
    'X-Experience-API-Version': '1.0.3',
    'Content-Type': 'application/json',
  };
  const endpoint = `${tool.url}/xapi/statements`;
  try {
    /** POSTs statements [from, to) perPost at a time with `concurrency` requests in flight. */
    const ingest = async (from: number, to: number, perPost: number, concurrency: number) => {
      const bodies: string[] = [];
      for (let a = from; a < to; a += perPost) bodies.push(JSON.stringify(Array.from({ length: Math.min(perPost, to - a) }, (_, k) => statementAt(a + k, 'lrs'))));
      const doneAt: number[] = new Array(bodies.length);
      const latencies: number[] = [];
      let next = 0;
      let errors = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < bodies.length) {
            const p = next++;
            const s = performance.now();
            let status = 0;
            let text = '';
            try {
              // Building the bodies blocks this process for seconds; the tool's keep-alive timeout (5 s)
              // may have closed an idle pooled socket meanwhile, so a network error is retried once.
              const res = await fetch(endpoint, { method: 'POST', headers, body: bodies[p]! }).catch(() => fetch(endpoint, { method: 'POST', headers, body: bodies[p]! }));
              status = res.status;
              text = await res.text();
            } catch (err) {
              text = String((err as { cause?: unknown }).cause ?? err);
              if (tool.child.exitCode !== null || tool.child.signalCode !== null) throw new Error(`tool process died (${tool.child.exitCode ?? tool.child.signalCode}):\n${tool.output().slice(-3000)}`);
            }
            latencies.push(performance.now() - s);
            doneAt[p] = performance.now();
            if (status !== 200) {
              errors++;
              if (errors <= 3) console.error(`  POST ${p} answered ${status || 'nothing'}: ${text.slice(0, 200)}`);
            }
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      return { seconds: (performance.now() - t0) / 1000, t0, doneAt, latencies, errors, posts: bodies.length };
    };

    // (b) ingest INGEST_N statements, PER_POST per request, CONCURRENCY requests in flight (measured);
    // then the rest up to STORED_N in larger batches (seeding for (c); also reported).
    console.log(`(b) embedded LRS ingest on ${kind} (tool process): ${INGEST_N.toLocaleString('en')} statements, ${PER_POST} per POST, ${CONCURRENCY} concurrent`);
    const wall0 = Date.now();
    const cpu0 = toolCpuSeconds(tool.child.pid);
    const m = await ingest(0, INGEST_N, PER_POST, CONCURRENCY);
    const cpu1 = toolCpuSeconds(tool.child.pid);
    const rate = INGEST_N / m.seconds;
    console.log(`  ${fmt(rate)} statements/s ingested ${vs(rate, TARGET_INGEST)}; ${m.seconds.toFixed(2)} s; POST latency ms p50 ${fmt(pct(m.latencies, 50))} p95 ${fmt(pct(m.latencies, 95))} max ${fmt(m.latencies.at(-1)!)}; failed POSTs ${m.errors}`);
    // Wall-clock rates depend on what else runs on the machine; the tool's own CPU time per
    // statement (all its threads, incl. SQLite's thread pool) does much less, so compare that.
    if (cpu0 !== null && cpu1 !== null) console.log(`  tool CPU ${(cpu1 - cpu0).toFixed(2)} s = ${fmt(((cpu1 - cpu0) * 1e6) / INGEST_N)} µs per statement (≈ ${fmt(INGEST_N / (cpu1 - cpu0))} statements per CPU-second)`);
    const fifths: string[] = [];
    for (let f = 0; f < 5; f++) {
      const a = Math.floor((f * m.posts) / 5);
      const b = Math.floor(((f + 1) * m.posts) / 5) - 1;
      const start = a === 0 ? m.t0 : m.doneAt[a - 1]!;
      fifths.push(fmt(((b - a + 1) * PER_POST) / ((m.doneAt[b]! - start) / 1000)));
    }
    console.log(`  per fifth of the run (statements/s, by completion order): ${fifths.join(' → ')}`);
    if (STORED_N > INGEST_N) {
      const sd = await ingest(INGEST_N, STORED_N, SEED_PER_POST, 2);
      console.log(`  seeding the rest (${(STORED_N - INGEST_N).toLocaleString('en')}, ${SEED_PER_POST} per POST, 2 concurrent): ${fmt((STORED_N - INGEST_N) / sd.seconds)} statements/s; POST p50 ${fmt(pct(sd.latencies, 50))} ms p95 ${fmt(pct(sd.latencies, 95))} ms; failed POSTs ${sd.errors}`);
    }
    const wall1 = Date.now();
    const toolErrors = tool
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)|error/i.test(l));
    if (toolErrors.length) console.log(`  tool logged ${toolErrors.length} error line(s); first: ${toolErrors[0]!.slice(0, 600)}`);

    // A statement per posted body, checked to be there (sanity).
    const probe = await fetch(`${endpoint}?statementId=${statementAt(STORED_N - 1, 'lrs').id}`, { headers });
    if (probe.status !== 200) console.error(`  last statement not found: ${probe.status}`);

    // (c) queries.
    const sample = statementAt(123, 'lrs');
    const agent = JSON.stringify(sample.actor);
    const sampleUser = (mix(123) >>> 8) % USERS;
    const reg = registrationId(launchFor(sampleUser, sampleUser % COURSES));
    const spaceActivity = `${PUBLIC_URL}/spaces/space-3-1`;
    const courseActivity = sample.context!.contextActivities!.grouping![0]!.id;
    const span = wall1 - wall0;
    const since = new Date(wall0 + span * 0.4).toISOString();
    const until = new Date(wall0 + span * 0.6).toISOString();
    const V = (v: string) => `http://id.tincanapi.com/verb/${v}`;
    const queries: Array<[string, Record<string, string>]> = [
      ['latest 100 (no filter)', {}],
      ['verb=viewed (50%)', { verb: V('viewed') }],
      ['verb=liked (10%)', { verb: 'https://w3id.org/xapi/acrossx/verbs/liked' }],
      ['activity=space (object)', { activity: spaceActivity }],
      ['activity=course, related_activities', { activity: courseActivity, related_activities: 'true' }],
      ['registration', { registration: reg }],
      ['agent', { agent }],
      ['agent + verb=replied', { agent, verb: V('replied') }],
      ['agent with no statements (worst case)', { agent: JSON.stringify({ objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name: 'nobody' } }) }],
      ['since/until (middle 20%)', { since, until }],
      ['verb=viewed + since/until', { verb: V('viewed'), since, until }],
      ['activity=space, ascending', { activity: spaceActivity, ascending: 'true' }],
    ];
    console.log(`(c) embedded LRS queries on ${kind} with ${STORED_N.toLocaleString('en')} statements stored, limit 100, ${ITERATIONS} runs each (sequential)`);
    const timeGet = async (url: string): Promise<{ ms: number; n: number; more: string; status: number }> => {
      const s = performance.now();
      const res = await fetch(url, { headers });
      const body = (await res.json()) as { statements?: unknown[]; more?: string };
      return { ms: performance.now() - s, n: body.statements?.length ?? -1, more: body.more ?? '', status: res.status };
    };
    const show = (name: string, ms: number[], n: number, note = ''): void => {
      ms.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(38)} p50 ${fmt(pct(ms, 50)).padStart(6)} ms  p95 ${fmt(pct(ms, 95)).padStart(6)} ms  (page ${n}${note})`);
    };
    for (const [name, params] of queries) {
      const url = `${endpoint}?${new URLSearchParams({ ...params, limit: '100' })}`;
      for (let w = 0; w < 3; w++) await timeGet(url);
      const ms: number[] = [];
      let n = 0;
      let bad = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const r = await timeGet(url);
        ms.push(r.ms);
        n = r.n;
        if (r.status !== 200) bad++;
      }
      show(name, ms, n, bad ? `, ${bad} non-200` : '');
    }
    // `more` paging: follow the cursor chain of verb=viewed pages (pages 2…).
    {
      let r = await timeGet(`${endpoint}?${new URLSearchParams({ verb: V('viewed'), limit: '100' })}`);
      const ms: number[] = [];
      let n = 0;
      for (let i = 0; i < ITERATIONS && r.more; i++) {
        r = await timeGet(`${tool.url}${r.more}`);
        ms.push(r.ms);
        n = r.n;
      }
      show('more page (verb=viewed, pages 2…)', ms, n);
    }
  } finally {
    await tool.stop();
    await tdb.drop();
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  if (values.only !== 'bc') await benchDelivery();
  if (values.only !== 'a') await benchEmbedded();
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
