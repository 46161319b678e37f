/**
 * bench/launch: full LTI launches (login → platform auth → id_token form_post → first page)
 * through the platform emulator over real HTTP, at a fixed concurrency. The tool runs as its own
 * process (as in production); the emulator and the simulated browsers share this one.
 * Prints launches/s and latency percentiles.
 *   npm run bench:launch [-- --launches 2000 --concurrency 8]
 *   TEST_DATABASE_URL=postgres://… npm run bench:launch   (PostgreSQL)
 */
import { parseArgs } from 'node:util';
import { createContainer } from '../src/container.js';
import { createDb, migrateLatest } from '../src/db/knex.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { systemClock } from '../src/clock.js';
import { PlatformEmulator, ROLE } from '../test/helpers/emulator/platform-emulator.js';
import { freePort, launch, type Stack } from '../test/helpers/stack.js';
import { TestBrowser } from '../test/helpers/test-browser.js';
import { createTestDatabase } from '../test/helpers/test-db.js';
import { spawnTool } from '../test/helpers/tool-process.js';

const { values } = parseArgs({
  options: {
    launches: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '200' },
  },
});
const total = Number(values.launches);
const concurrency = Number(values.concurrency);
const warmup = Number(values.warmup);

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const emu = await PlatformEmulator.start({ toolUrl: publicUrl });

  // Register the emulator the way an admin would, before the tool starts.
  const config = loadConfig({ PORT: String(port), PUBLIC_URL: publicUrl, DATABASE_URL: database.url });
  const db = createDb(config.databaseUrl);
  await migrateLatest(db);
  const c = createContainer({ config, db, log: createLogger('silent'), clock: systemClock });
  const platform = await c.platforms.upsert({ issuer: emu.issuer, clientId: emu.clientId, name: 'Emulator', productFamily: 'emulator', authEndpoint: emu.authEndpoint, tokenEndpoint: emu.tokenEndpoint, jwksUri: emu.jwksUri, tokenAudience: null, source: 'manual' }, Date.now());
  await c.platforms.addDeployment(platform.id, emu.deploymentId, Date.now());
  await db.destroy();

  // BENCH_CPU_PROF=dir writes a V8 CPU profile of the tool process there, to see where time goes.
  const tool = await spawnTool({ DATABASE_URL: database.url }, { port, nodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [] });
  const stack = { tool: { publicUrl }, emu } as unknown as Stack;

  // An instructor sets the link up once, so learners land on a real space page.
  const teacher = await launch(stack, { sub: 'bench-teacher', roles: [ROLE.instructor], resourceLinkId: 'bench-link' });
  const setupPage = await teacher.browser.get(`${publicUrl}${teacher.response.headers.get('location')}`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(setupPage.body)![1]!;
  const created = await teacher.browser.request(`${publicUrl}/app/setup`, { form: { session: teacher.sessionToken!, _csrf: csrf, kind: 'prep', title: 'Bench prep', time_zone: 'UTC' } });
  if (created.status !== 303) throw new Error(`setup answered ${created.status}`);

  async function oneLaunch(i: number): Promise<number> {
    const started = performance.now();
    const browser = new TestBrowser();
    const r = await launch(stack, { sub: `bench-learner-${i % 500}`, roles: [ROLE.learner], resourceLinkId: 'bench-link' }, { browser });
    if (r.response.status !== 303) throw new Error(`launch ${i} answered ${r.response.status}`);
    const page = await browser.get(`${publicUrl}${r.response.headers.get('location')}`);
    if (page.status !== 200 || !page.body.includes('Bench prep')) throw new Error(`first page of launch ${i} answered ${page.status}`);
    return performance.now() - started;
  }

  async function run(n: number): Promise<{ latencies: number[]; seconds: number; errors: number }> {
    const latencies: number[] = [];
    let next = 0;
    let errors = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          try {
            latencies.push(await oneLaunch(i));
          } catch (err) {
            errors++;
            if (errors <= 3) console.error(String(err));
          }
        }
      }),
    );
    return { latencies, seconds: (performance.now() - t0) / 1000, errors };
  }

  await run(warmup);
  const { latencies, seconds, errors } = await run(total);
  latencies.sort((a, b) => a - b);
  console.log(`bench/launch on ${database.kind === 'pg' ? 'PostgreSQL' : 'SQLite'}: ${latencies.length} full launches at concurrency ${concurrency} in ${seconds.toFixed(2)} s`);
  console.log(`  launches/s: ${(latencies.length / seconds).toFixed(1)}`);
  console.log(`  latency ms: p50 ${pct(latencies, 50).toFixed(1)}  p95 ${pct(latencies, 95).toFixed(1)}  p99 ${pct(latencies, 99).toFixed(1)}  max ${latencies.at(-1)!.toFixed(1)}`);
  console.log(`  errors: ${errors}`);
  await tool.stop();
  await emu.close();
  await database.drop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
