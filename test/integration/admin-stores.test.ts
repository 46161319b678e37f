import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { createAdminAuth } from '../../src/admin/admin-auth.js';
import { createAdminTokenStore, type AdminTokenStore } from '../../src/admin/admin-token-store.js';
import { createLaunchRefusalStore } from '../../src/admin/launch-refusal-store.js';
import type { Clock } from '../../src/clock.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { sha256 } from '../../src/ids.js';
import { createPlatformStore, type Platform, type PlatformStore } from '../../src/lti/platform-store.js';
import { createOutboxStore } from '../../src/xapi/outbox-store.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';
import * as deploymentStatus from '../../migrations/20261201000510_deployment_status.js';
import * as launchRefusals from '../../migrations/20261201000520_launch_refusals.js';
import * as adminTokens from '../../migrations/20261201000530_admin_tokens.js';
import * as adminSessions from '../../migrations/20261201000540_admin_sessions.js';
import * as adminLoginFailures from '../../migrations/20261201000550_admin_login_failures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DAY = 86_400_000;

/** npm run admin -- …, as an operator runs it. */
function adminCli(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe(`admin stores (${testDbKind()})`, function () {
  this.timeout(120_000);
  let tdb: TestDatabase;
  let db: Db;
  let platforms: PlatformStore;
  let a: Platform;
  let b: Platform;

  before(async () => {
    tdb = await createTestDatabase();
    db = createDb(tdb.url);
    await migrateLatest(db);
    platforms = createPlatformStore(db);
    const p = (issuer: string) => ({ issuer, clientId: 'c1', name: new URL(issuer).host, productFamily: null, authEndpoint: `${issuer}/auth`, tokenEndpoint: `${issuer}/token`, jwksUri: `${issuer}/jwks`, tokenAudience: null, source: 'manual' as const });
    a = await platforms.upsert(p('https://a.example.edu'), 1000);
    b = await platforms.upsert(p('https://b.example.edu'), 1000);
  });
  after(async () => {
    await db.destroy();
    await tdb.drop();
  });

  describe('launch refusals', () => {
    beforeEach(() => db('launch_refusals').del());

    it('lists newest first, filtered by platform and reason, and knows the reasons present', async () => {
      const s = createLaunchRefusalStore(db);
      await s.record({ platformId: a.id, issuer: a.issuer, clientId: 'c1', deploymentId: 'd1', reason: 'deployment_disabled', detail: 'x' }, 1000);
      await s.record({ platformId: a.id, issuer: a.issuer, clientId: 'c1', deploymentId: 'd2', reason: 'deployment_unknown', detail: null }, 2000);
      await s.record({ platformId: b.id, issuer: b.issuer, clientId: 'c1', deploymentId: 'd9', reason: 'deployment_unknown', detail: null }, 3000);
      await s.record({ platformId: null, issuer: 'https://evil.example/' + 'x'.repeat(400), clientId: null, deploymentId: null, reason: 'state_unknown', detail: 'y'.repeat(500) }, 4000);
      expect((await s.list()).map((r) => r.at)).to.deep.equal([4000, 3000, 2000, 1000]);
      expect((await s.list({ platformId: a.id })).map((r) => r.deploymentId)).to.deep.equal(['d2', 'd1']);
      expect((await s.list({ reason: 'deployment_unknown' })).map((r) => r.deploymentId)).to.deep.equal(['d9', 'd2']);
      expect((await s.list({ platformId: a.id, reason: 'deployment_unknown' })).map((r) => r.deploymentId)).to.deep.equal(['d2']);
      expect(await s.reasons()).to.deep.equal(['deployment_disabled', 'deployment_unknown', 'state_unknown']);
      expect(await s.reasons(b.id)).to.deep.equal(['deployment_unknown']);
      const [junk] = await s.list({ reason: 'state_unknown' });
      expect(junk!.issuer).to.have.length(256);
      expect(junk!.detail).to.have.length(300);
    });

    it('stays bounded: drops rows older than the retention and keeps the newest N per platform', async () => {
      const s = createLaunchRefusalStore(db, { retentionMs: 30 * DAY, perPlatform: 3 });
      await s.record({ platformId: b.id, issuer: null, clientId: null, deploymentId: 'old', reason: 'deployment_unknown', detail: null }, 1000);
      for (let i = 1; i <= 5; i++) await s.record({ platformId: a.id, issuer: null, clientId: null, deploymentId: `a${i}`, reason: 'deployment_unknown', detail: null }, 31 * DAY + i);
      expect((await s.list({ platformId: a.id })).map((r) => r.deploymentId)).to.deep.equal(['a5', 'a4', 'a3']);
      // The other platform's row aged out (older than 30 days).
      expect(await s.list({ platformId: b.id })).to.deep.equal([]);
    });
  });

  describe('admin tokens and sessions', () => {
    let store: AdminTokenStore;
    let now = 10_000;
    const clock: Clock = { now: () => now };
    beforeEach(async () => {
      await db('admin_sessions').del();
      await db('admin_tokens').del();
      await db('admin_login_failures').del();
      store = createAdminTokenStore(db);
      now = 10_000;
    });

    it('keeps only the hash; a session lives until its own expiry or its token\'s, whichever is first', async () => {
      const auth = createAdminAuth({ store, clock, options: { sessionMs: 5_000 } });
      const { token, record } = await auth.issue('ops', 60_000);
      expect(JSON.stringify(await db('admin_tokens').select('*'))).not.to.include(token);
      expect((await store.findByHash(sha256(token)))!.id).to.equal(record.id);
      const { cookie, session } = await auth.login(token, '10.0.0.1');
      expect(session.expiresAt).to.equal(15_000);
      expect(JSON.stringify(await db('admin_sessions').select('*'))).not.to.include(cookie);
      expect((await auth.session(cookie))!.token.label).to.equal('ops');
      now = 15_001;
      expect(await auth.session(cookie)).to.equal(null);
      expect((await store.get(record.id))!.lastUsedAt).to.equal(10_000);
      // A token about to expire caps its session.
      const short = await auth.issue('short', 2_000);
      const s2 = await auth.login(short.token, '10.0.0.1');
      expect(s2.session.expiresAt).to.equal(17_001);
    });

    it('revoking ends the token\'s sessions and refuses it from then on; failures are counted per client', async () => {
      const auth = createAdminAuth({ store, clock, options: { maxFailures: 2, failureWindowMs: 1_000 } });
      const { token, record } = await auth.issue('ops', 60_000);
      const { cookie } = await auth.login(token, 'c1');
      expect(await auth.revoke(record.id)).to.equal(true);
      expect(await auth.revoke(record.id)).to.equal(false);
      expect(await auth.session(cookie)).to.equal(null);
      expect(auth.state((await store.get(record.id))!, now)).to.equal('revoked');
      await auth.login(token, 'c1').then(() => expect.fail('revoked token accepted'), (e: { status: number }) => expect(e.status).to.equal(401));
      await auth.login('tla_nope', 'c1').catch(() => undefined);
      await auth.login(token, 'c1').then(() => expect.fail('accepted over the limit'), (e: { status: number }) => expect(e.status).to.equal(429));
      // Another client is not held back; and the window passes.
      const fresh = await auth.issue('new', 60_000);
      expect((await auth.login(fresh.token, 'c2')).session.adminTokenId).to.equal(fresh.record.id);
      now += 1_001;
      expect((await auth.login(fresh.token, 'c1')).session.adminTokenId).to.equal(fresh.record.id);
    });
  });

  describe('platform store: deployment status and admin figures', () => {
    it('disables and enables a deployment, counts deployments and finds the last launch per platform', async () => {
      await platforms.addDeployment(a.id, 'd1', 1000);
      await platforms.addDeployment(a.id, 'd2', 1000);
      await platforms.addDeployment(b.id, 'd1', 1000);
      expect((await platforms.findDeployment(a.id, 'd1'))!.status).to.equal('active');
      expect(await platforms.setDeploymentStatus(a.id, 'd1', 'disabled')).to.equal(true);
      expect(await platforms.setDeploymentStatus(a.id, 'nope', 'disabled')).to.equal(false);
      expect((await platforms.findDeployment(a.id, 'd1'))!.status).to.equal('disabled');
      expect((await platforms.findDeployment(b.id, 'd1'))!.status).to.equal('active');
      expect(Object.fromEntries(await platforms.deploymentCounts())).to.deep.equal({ [a.id]: 2, [b.id]: 1 });
      await db('users').insert([
        { id: 'u1', platform_id: a.id, sub: 's1', created_at: 1, updated_at: 5000 },
        { id: 'u2', platform_id: a.id, sub: 's2', created_at: 1, updated_at: 7000 },
      ]);
      expect(Object.fromEntries(await platforms.lastLaunches())).to.deep.equal({ [a.id]: 7000 });
      expect(await platforms.setStatus(b.id, 'disabled', 2000)).to.equal(true);
      expect((await platforms.get(b.id))!.status).to.equal('disabled');
    });
  });

  it('outbox: finds one dead letter with its statement, and only a dead one', async () => {
    const outbox = createOutboxStore(db, { clock: { now: () => 1000 }, targets: ['t1'] });
    const statement = { id: '6f1f3b8e-8d0e-4a43-9c59-6a7a2b7f0001', actor: { objectType: 'Agent', account: { homePage: 'https://x', name: 'n' } }, verb: { id: 'http://adlnet.gov/expapi/verbs/launched' }, object: { id: 'https://x/a' }, timestamp: '2026-11-01T00:00:00Z' };
    await outbox.enqueue(db, [statement as never]);
    const row = (await db('xapi_outbox').first()) as { id: string };
    expect(await outbox.findDeadLetter(row.id)).to.equal(null);
    await outbox.deadLetter(row.id, 'HTTP 400: bad');
    const d = (await outbox.findDeadLetter(row.id))!;
    expect(d).to.include({ statementId: statement.id, lrsId: 't1', error: 'HTTP 400: bad' });
    expect(JSON.parse(d.json)).to.deep.equal(statement);
  });

  it('npm run admin -- token create | list | revoke', async () => {
    const created = await adminCli(['token', 'create', '--label', 'night shift', '--ttl', '2h'], tdb.url);
    expect(created.code, created.stderr).to.equal(0);
    const token = /tla_[A-Za-z0-9_-]+/.exec(created.stdout)![0];
    const id = /id ([0-9a-f-]{36})/.exec(created.stdout)![1]!;
    expect(created.stdout).to.match(/expires \d{4}-\d{2}-\d{2}T/);
    expect((await adminCli(['token', 'revoke', id], tdb.url)).code).to.equal(0);
    const list = await adminCli(['token', 'list'], tdb.url);
    expect(list.stdout).to.match(new RegExp(`${id}  night shift .*revoked`)).and.not.include(token);
  });

  // Last: it takes the admin tables down and brings them back.
  describe('migrations', () => {
    it('go down and up again; deployments (and the courses that reference them) survive', async () => {
      await db('contexts').insert({ id: 'ctx-1', deployment_id: (await platforms.findDeployment(a.id, 'd2'))!.id, context_id: 'course', types: '[]', created_at: 1, updated_at: 1 });
      const mine = [adminLoginFailures, adminSessions, adminTokens, launchRefusals, deploymentStatus];
      for (const m of mine) await m.down(db);
      expect(await db.schema.hasColumn('deployments', 'status')).to.equal(false);
      expect(await db.schema.hasTable('launch_refusals')).to.equal(false);
      expect(await db('deployments').count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 3);
      expect(await db('contexts').where({ id: 'ctx-1' }).first()).to.not.equal(undefined);
      for (const m of [...mine].reverse()) await m.up(db);
      expect((await platforms.findDeployment(a.id, 'd2'))!.status).to.equal('active');
      expect(await db.schema.hasTable('admin_sessions')).to.equal(true);
    });
  });
});
