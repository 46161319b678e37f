import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { fixedClock, systemClock } from '../../src/clock.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { createLogger } from '../../src/log.js';
import { createPlatformStore, type Platform } from '../../src/lti/platform-store.js';
import { createTargetRouting, PRIMARY_LRS_ID } from '../../src/xapi/lrs-routing.js';
import { createLrsSender } from '../../src/xapi/lrs-sender.js';
import { createLrsTargetStore, type LrsTargetStore } from '../../src/xapi/lrs-target-store.js';
import { createOutboxStore, EMBEDDED_LRS_ID } from '../../src/xapi/outbox-store.js';
import { buildStatement, type StatementLaunch } from '../../src/xapi/statement-builder.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const log = createLogger('silent');

const launch: StatementLaunch = {
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: null },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { sub: 'learner-1', name: null },
  context: { id: 'c', contextId: 'course-1', label: null, title: 'Course One' },
  resourceLink: { id: 'r', resourceLinkId: 'link-1', title: 'Week 1' },
  locale: 'en',
};
const space = { id: 'space-1', title: 'Prep', kind: 'prep' as const, eventAt: null };
const statements = (n: number, prefix: string): XapiStatement[] =>
  Array.from({ length: n }, (_, i) => buildStatement({ kind: 'space_viewed', id: `${prefix}-${i}`, at: Date.UTC(2026, 10, 1) + i, space }, launch, { publicUrl: 'https://tl.example.edu' }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm run lrs -- …, as an admin runs it, with `stdin` piped in. */
function lrsCli(args: string[], databaseUrl: string, stdin = '', env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/lrs.ts', ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', XAPI_LRS_ENDPOINT: '', XAPI_LRS_USERNAME: '', XAPI_LRS_PASSWORD: '', ...env }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe(`several LRS targets (${testDbKind()})`, function () {
  this.timeout(240_000);
  let tdb: TestDatabase;
  let db: Db;
  let targets: LrsTargetStore;
  let moodle: Platform;
  let canvas: Platform;

  before(async () => {
    tdb = await createTestDatabase();
    db = createDb(tdb.url);
    await migrateLatest(db);
    targets = createLrsTargetStore(db);
    const platforms = createPlatformStore(db);
    const p = (issuer: string) => ({ issuer, clientId: 'c1', name: new URL(issuer).host, productFamily: null, authEndpoint: `${issuer}/auth`, tokenEndpoint: `${issuer}/token`, jwksUri: `${issuer}/jwks`, tokenAudience: null, source: 'manual' as const });
    moodle = await platforms.upsert(p('https://moodle.example.edu'), Date.now());
    canvas = await platforms.upsert(p('https://canvas.example.edu'), Date.now());
  });
  after(async () => {
    await db.destroy();
    await tdb.drop();
  });
  beforeEach(async () => {
    await db('xapi_outbox').del();
    await db('lrs_targets').del();
  });

  const queued = async (statementId: string): Promise<string[]> => ((await db('xapi_outbox').where({ statement_id: statementId }).select('lrs_id')) as Array<{ lrs_id: string }>).map((r) => r.lrs_id).sort();

  it('fans a statement out to the default LRS and every all-platform target; a platform with its own targets sends there instead', async () => {
    const clock = fixedClock(Date.UTC(2026, 10, 5));
    const central = await targets.add({ name: 'central', endpoint: 'https://central.example.org/xapi/', username: 'u', password: 'pw-central', platformId: null }, clock.now());
    const own = await targets.add({ name: 'moodle-lrs', endpoint: 'https://lrs.moodle.example.edu/xapi/', username: null, password: null, platformId: moodle.id }, clock.now());
    const routing = createTargetRouting({ store: targets, primary: { id: PRIMARY_LRS_ID, endpoint: 'https://lrs.example.org/xapi/', username: null, password: null }, clock, ttlMs: 0 });
    const outbox = createOutboxStore(db, { clock, targets: routing });
    const [fromCanvas, fromMoodle, noPlatform] = statements(3, 'fan');
    await db.transaction(async (trx) => {
      await outbox.enqueue(trx, [fromCanvas!], canvas.id);
      await outbox.enqueue(trx, [fromMoodle!], moodle.id);
      await outbox.enqueue(trx, [noPlatform!]);
    });
    expect(await queued(fromCanvas!.id)).to.deep.equal([central.id, PRIMARY_LRS_ID].sort());
    expect(await queued(fromMoodle!.id)).to.deep.equal([own.id]);
    expect(await queued(noPlatform!.id)).to.deep.equal([central.id, PRIMARY_LRS_ID].sort());
    // Every target shows in the status, by id; the names resolve them.
    expect((await outbox.stats(clock.now())).map((s) => s.lrsId)).to.have.members([PRIMARY_LRS_ID, central.id, own.id]);
    expect((await routing.names()).get(own.id)).to.equal('moodle-lrs');
  });

  it('without XAPI_LRS_ENDPOINT the embedded LRS is the default target', async () => {
    const clock = fixedClock(Date.UTC(2026, 10, 5));
    const routing = createTargetRouting({ store: targets, primary: null, clock, ttlMs: 0 });
    const outbox = createOutboxStore(db, { clock, targets: routing });
    const [s] = statements(1, 'emb');
    await outbox.enqueue(db, [s!], canvas.id);
    expect(await queued(s!.id)).to.deep.equal([EMBEDDED_LRS_ID]);
    expect(await routing.senderTargets()).to.deep.equal([]);
  });

  it('delivers to each LRS with its own credentials; a disabled one keeps its queue until enabled; passwords stay hidden', async () => {
    const a = await LrsStub.start({ username: 'tl-a', password: 'secret-a' });
    const b = await LrsStub.start({ username: 'tl-b', password: 'secret-b' });
    try {
      const clock = fixedClock(Date.now());
      const ta = await targets.add({ name: 'a', endpoint: a.endpoint, username: 'tl-a', password: 'secret-a', platformId: null }, clock.now());
      const tb = await targets.add({ name: 'b', endpoint: b.endpoint, username: 'tl-b', password: 'secret-b', platformId: null }, clock.now());
      expect(JSON.stringify(ta)).not.to.contain('secret-a');
      const routing = createTargetRouting({ store: targets, primary: null, clock, ttlMs: 0 });
      expect(JSON.stringify(await routing.senderTargets())).not.to.contain('secret');
      const outbox = createOutboxStore(db, { clock, targets: routing });
      const list = statements(30, 'two');
      await outbox.enqueue(db, list, canvas.id);
      await targets.setStatus(tb.id, 'disabled', clock.now());
      const sender = createLrsSender({ outbox, targets: () => routing.senderTargets(), fetch, clock, log, batchSize: 20 });
      expect(await sender.tick()).to.include({ delivered: 30 });
      expect(a.stored.map((s) => s.id)).to.have.members(list.map((s) => s.id));
      expect(b.requests).to.have.length(0);
      expect((await outbox.stats(clock.now())).find((s) => s.lrsId === tb.id)).to.include({ depth: 30, delivered: 0 });
      await targets.setStatus(tb.id, 'active', clock.now());
      expect(await sender.tick()).to.include({ delivered: 30 });
      expect(b.stored.map((s) => s.id)).to.have.members(list.map((s) => s.id));
      expect(b.requests.every((r) => r.status === 200)).to.equal(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('remove takes the target and its queued rows away', async () => {
    const t = await targets.add({ name: 'gone', endpoint: 'https://gone.example.org/xapi/', username: null, password: null, platformId: null }, Date.now());
    const routing = createTargetRouting({ store: targets, primary: null, clock: systemClock, ttlMs: 0 });
    await createOutboxStore(db, { clock: systemClock, targets: routing }).enqueue(db, statements(3, 'rm'), null);
    expect(await targets.remove(t.id)).to.deep.equal({ outboxRows: 3 });
    expect(await targets.remove(t.id)).to.equal(null);
    // The default target's rows stay.
    expect(await queued(statements(1, 'rm')[0]!.id)).to.deep.equal([EMBEDDED_LRS_ID]);
    expect(await db('xapi_outbox').where({ lrs_id: t.id }).first()).to.equal(undefined);
  });

  describe('npm run lrs', () => {
    it('adds (password from stdin), lists without ever printing the password, disables, enables and removes', async () => {
      const add = await lrsCli(['add', '--name', 'acme', '--endpoint', 'https://lrs.acme.org/xapi/', '--username', 'threadline', '--password-stdin'], tdb.url, 'Sup3r-secret-pass\n');
      expect(add.code, add.stderr).to.equal(0);
      expect(add.stdout).to.contain('Added LRS acme').and.contain('all platforms');
      const stored = await targets.findByName('acme');
      expect(stored).to.include({ endpoint: 'https://lrs.acme.org/xapi/', username: 'threadline', platformId: null, status: 'active' });
      expect(stored!.password).to.equal('Sup3r-secret-pass');

      const scoped = await lrsCli(['add', '--name', 'moodle-own', '--endpoint', 'http://127.0.0.1:8080/xapi', '--issuer', moodle.issuer, '--client-id', 'c1'], tdb.url);
      expect(scoped.code, scoped.stderr).to.equal(0);
      expect(scoped.stdout).to.contain('moodle.example.edu').and.contain('not to the default LRS');
      expect((await targets.findByName('moodle-own'))!.platformId).to.equal(moodle.id);

      const disable = await lrsCli(['disable', '--name', 'acme'], tdb.url);
      expect(disable.code, disable.stderr).to.equal(0);
      const list = await lrsCli(['list'], tdb.url, '', { XAPI_LRS_ENDPOINT: 'https://default.example.org/xapi/', XAPI_LRS_USERNAME: 'def', XAPI_LRS_PASSWORD: 'env-secret-pw' });
      expect(list.code, list.stderr).to.equal(0);
      expect(list.stdout).to.match(/primary\s+https:\/\/default\.example\.org\/xapi\/\s+def \(password set\)\s+default/);
      expect(list.stdout).to.match(/acme\s+https:\/\/lrs\.acme\.org\/xapi\/\s+threadline \(password set\)\s+all platforms\s+disabled/);
      expect(list.stdout).to.match(/moodle-own .*moodle\.example\.edu.*active/);
      for (const run of [add, scoped, disable, list]) expect(run.stdout + run.stderr).not.to.contain('Sup3r-secret-pass').and.not.to.contain('env-secret-pw');
      expect((await targets.findByName('acme'))!.status).to.equal('disabled');

      expect((await lrsCli(['enable', '--name', 'acme'], tdb.url)).code).to.equal(0);
      expect((await targets.findByName('acme'))!.status).to.equal('active');
      const remove = await lrsCli(['remove', '--name', 'acme'], tdb.url);
      expect(remove.code, remove.stderr).to.equal(0);
      expect(remove.stdout).to.contain('Removed LRS acme');
      expect(await targets.findByName('acme')).to.equal(null);
    });

    it('refuses bad input with a clear message and a non-zero exit, storing nothing', async () => {
      await targets.add({ name: 'taken', endpoint: 'https://t.example.org/xapi/', username: null, password: null, platformId: null }, Date.now());
      // Two at a time: each run starts node and tsx, and the test machine may be busy.
      const runs = [
        () => lrsCli(['add', '--name', 'x', '--endpoint', 'https://x.example.org/xapi/', '--username', 'u', '--password', 'leaky'], tdb.url),
        () => lrsCli(['add', '--name', 'x', '--endpoint', 'https://u:p@x.example.org/xapi/'], tdb.url),
        () => lrsCli(['add', '--name', 'x', '--endpoint', 'https://x.example.org/xapi/', '--username', 'u', '--password-stdin'], tdb.url, ''),
        () => lrsCli(['add', '--name', 'primary', '--endpoint', 'https://x.example.org/xapi/'], tdb.url),
        () => lrsCli(['add', '--name', 'taken', '--endpoint', 'https://x.example.org/xapi/'], tdb.url),
        () => lrsCli(['add', '--name', 'x', '--endpoint', 'https://x.example.org/xapi/', '--issuer', 'https://nowhere.example.edu', '--client-id', 'c1'], tdb.url),
        () => lrsCli(['remove', '--name', 'nope'], tdb.url),
      ];
      const results: Run[] = [];
      for (let k = 0; k < runs.length; k += 2) results.push(...(await Promise.all(runs.slice(k, k + 2).map((r) => r()))));
      const [onCommandLine, badUrl, noStdin, reserved, dup, unknownPlatform, missing] = results as [Run, Run, Run, Run, Run, Run, Run];
      expect(onCommandLine.code).to.equal(2);
      expect(onCommandLine.stderr).to.contain('--password-stdin').and.not.contain('leaky');
      expect(badUrl.code).to.equal(2);
      expect(badUrl.stderr).to.contain('--endpoint must not contain a user name or password').and.not.contain('u:p@');
      expect(noStdin.code).to.equal(2);
      expect(noStdin.stderr).to.contain('no password on standard input');
      expect(reserved.code).to.equal(2);
      expect(reserved.stderr).to.contain('reserved');
      expect(dup.code).to.equal(1);
      expect(dup.stderr).to.contain('already exists');
      expect(unknownPlatform.code).to.equal(1);
      expect(unknownPlatform.stderr).to.contain('no platform with issuer https://nowhere.example.edu');
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.contain('no LRS named nope');
      expect((await targets.list()).map((t) => t.name)).to.deep.equal(['taken']);
    });
  });
});
