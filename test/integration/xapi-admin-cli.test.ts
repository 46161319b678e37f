import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { createLrsTargetStore } from '../../src/xapi/lrs-target-store.js';
import { createOutboxStore, type OutboxStore } from '../../src/xapi/outbox-store.js';
import { buildStatement, type StatementLaunch } from '../../src/xapi/statement-builder.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const launch: StatementLaunch = {
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: null },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { sub: 'learner-1', name: null },
  context: { id: 'c', contextId: 'course-1', label: null, title: 'Course One' },
  resourceLink: { id: 'r', resourceLinkId: 'link-1', title: 'Week 1' },
  locale: 'en',
};
const space = { id: 'space-1', title: 'Prep', kind: 'prep' as const, eventAt: null };
const statement = (id: string): XapiStatement => buildStatement({ kind: 'space_viewed', id, at: Date.UTC(2026, 10, 1), space }, launch, { publicUrl: 'https://tl.example.edu' });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm run xapi -- …, as an admin runs it, with XAPI_LRS_ENDPOINT set (so the default target is "primary"). */
function xapiCli(args: string[], databaseUrl: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/xapi.ts', ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', XAPI_LRS_ENDPOINT: 'https://lrs.example.org/xapi/', XAPI_LRS_USERNAME: '', XAPI_LRS_PASSWORD: '' }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const H = 3600_000;

describe(`npm run xapi (${testDbKind()})`, function () {
  this.timeout(240_000);
  let tdb: TestDatabase;
  let db: Db;
  let outbox: OutboxStore;
  let acmeId: string;
  const row = (lrsId: string, statementId: string) => db('xapi_outbox').where({ lrs_id: lrsId, statement_id: statementId }).first();

  before(async () => {
    tdb = await createTestDatabase();
    db = createDb(tdb.url);
    await migrateLatest(db);
    acmeId = (await createLrsTargetStore(db).add({ name: 'acme', endpoint: 'https://lrs.acme.org/xapi/', username: 'u', password: 'acme-secret-pw', platformId: null }, T0)).id;
  });
  after(async () => {
    await db.destroy();
    await tdb.drop();
  });

  /**
   * For both targets: a statement recorded at T0 delivered, one at T0+1h delivered, one at T0+2h
   * dead (400), one at T0+3h retrying (503), one at T0+4h waiting.
   */
  beforeEach(async () => {
    await db('xapi_outbox').del();
    const clock = fixedClock(T0);
    outbox = createOutboxStore(db, { clock, targets: ['primary', acmeId] });
    for (let i = 0; i < 5; i++) {
      clock.set(T0 + i * H);
      await outbox.enqueue(db, [statement(`s${i}`)]);
    }
    for (const lrs of ['primary', acmeId]) {
      const claimed = await outbox.claim(lrs, 10, 'w', T0 + 5 * H, 60_000);
      expect(claimed).to.have.length(5);
      await outbox.ack([claimed[0]!.id, claimed[1]!.id], T0 + 5 * H);
      await outbox.deadLetter(claimed[2]!.id, `HTTP 400: {"error":"invalid verb at ${lrs === 'primary' ? 'primary' : 'acme'}"}`);
      await outbox.retryLater([claimed[3]!.id], T0 + 6 * H, 'HTTP 503: busy');
      await outbox.release('w');
    }
  });

  it('status: waiting, oldest waiting, retrying, delivered and dead letters per LRS, by name', async () => {
    const r = await xapiCli(['status'], tdb.url);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.match(/^LRS\s+WAITING\s+OLDEST WAITING\s+RETRYING\s+DELIVERED\s+DEAD LETTERS/);
    // Waiting: the retrying one (T0+3h) and the fresh one; oldest waiting is T0+3h, hours ago now.
    expect(lines.find((l) => l.startsWith('acme '))).to.match(/^acme\s+2\s+\d+d \d+h\s+1\s+2\s+1$/);
    expect(lines.find((l) => l.startsWith('primary '))).to.match(/^primary\s+2\s+\d+d \d+h\s+1\s+2\s+1$/);
    expect(r.stdout).to.contain('2 dead letters').and.not.contain('acme-secret-pw');
  });

  it('dead-letters lists them with the LRS answer, for one LRS with --lrs', async () => {
    const r = await xapiCli(['dead-letters', '--lrs', 'acme'], tdb.url);
    expect(r.code, r.stderr).to.equal(0);
    const dead = await row(acmeId, statement('s2').id);
    expect(r.stdout).to.contain(dead.id).and.contain(statement('s2').id).and.contain('invalid verb at acme').and.contain('2026-11-20T11:00:00Z');
    expect(r.stdout).not.to.contain('invalid verb at primary');
  });

  it('retry <id> queues that dead letter again; retry --all --lrs every dead letter of that LRS', async () => {
    const deadPrimary = await row('primary', statement('s2').id);
    const one = await xapiCli(['retry', deadPrimary.id], tdb.url);
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.contain('Queued 1 dead letter again');
    const after = await row('primary', statement('s2').id);
    expect(Boolean(after.dead)).to.equal(false);
    expect(after.attempts).to.equal(0);
    expect(Boolean((await row(acmeId, statement('s2').id)).dead)).to.equal(true);
    // It is claimable again at once.
    expect((await outbox.claim('primary', 10, 'x', Date.now(), 1000)).map((c) => c.statementId)).to.include(statement('s2').id);

    const all = await xapiCli(['retry', '--all', '--lrs', 'acme'], tdb.url);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.contain('Queued 1 dead letter again');
    expect(Boolean((await row(acmeId, statement('s2').id)).dead)).to.equal(false);
  });

  it('replay --since --until [--lrs] queues the delivered statements of that time range again, nothing else', async () => {
    const r = await xapiCli(['replay', '--since', new Date(T0 + H).toISOString(), '--until', new Date(T0 + 10 * H).toISOString(), '--lrs', 'acme'], tdb.url);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Queued 1 statement recorded from 2026-11-20T10:00:00Z');
    // s1 (delivered, in range) is waiting again for acme only; s0 (before the range) stays delivered.
    expect((await row(acmeId, statement('s1').id)).delivered_at).to.equal(null);
    expect((await row(acmeId, statement('s0').id)).delivered_at).to.be.a('number');
    expect((await row('primary', statement('s1').id)).delivered_at).to.be.a('number');
    // The dead letter in range is left alone without --include-dead.
    expect(Boolean((await row(acmeId, statement('s2').id)).dead)).to.equal(true);
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    const [badTime, unknownLrs] = await Promise.all([
      xapiCli(['replay', '--since', 'yesterday', '--until', '2026-11-30T00:00:00Z'], tdb.url),
      xapiCli(['dead-letters', '--lrs', 'nope'], tdb.url),
    ]);
    expect(badTime.code).to.equal(2);
    expect(badTime.stderr).to.contain('--since must be an ISO 8601 time');
    expect(unknownLrs.code).to.equal(1);
    expect(unknownLrs.stderr).to.contain('no LRS named nope').and.contain('acme');
  });
});
