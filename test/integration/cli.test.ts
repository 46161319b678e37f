import { createToolKeyStore } from '../../src/lti/tool-key-store.js';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { JSONWebKeySet } from 'jose';
import { createDb, type Db } from '../../src/db/knex.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { platformUrlProblem } from '../../src/lti/registration-service.js';
import { startTool, type Tool } from '../helpers/stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI as an admin would (npm run … is tsx on the same file), against `databaseUrl`. */
function cli(script: 'migrate' | 'platform' | 'keys', args: string[], databaseUrl: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `src/cli/${script}.ts`, ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const ISS = 'https://lms.example.edu';
const CLIENT = 'client-42';
const urls = ['--auth-url', `${ISS}/auth`, '--token-url', `${ISS}/token`, '--jwks-url', `${ISS}/jwks`];

// Each command starts node with tsx (seconds apiece on a busy machine); a test runs several.
describe('command-line tools', function () {
  this.timeout(240_000);
  describe('migrate and platform', () => {
    let db: TestDatabase;
    let knex: Db;
    before(async () => {
      db = await createTestDatabase();
      knex = createDb(db.url);
    });
    after(async () => {
      await knex.destroy();
      await db.drop();
    });

    it('migrate applies every migration once, and says which', async () => {
      const first = await cli('migrate', [], db.url);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.match(/Applied \d+ migrations/);
      expect(first.stdout).to.contain('20261126000200_platforms');
      const again = await cli('migrate', [], db.url);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.contain('up to date');
    });

    it('refuses bad input with a clear message and a non-zero exit, touching nothing', async () => {
      const [badUrls, missing] = await Promise.all([
        cli('platform', ['add', '--issuer', 'http://lms.example.edu', '--client-id', CLIENT, '--auth-url', `${ISS}/auth`, '--token-url', 'not a url', '--jwks-url', `${ISS}/jwks`], db.url),
        cli('platform', ['deployment', 'add', '--client-id', CLIENT], db.url),
      ]);
      expect(badUrls.code).to.equal(2);
      expect(badUrls.stderr).to.contain('--issuer must use https').and.contain('--token-url is not an absolute URL').and.contain('Usage:');
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain('missing --issuer');
      expect(await createPlatformStore(knex).list()).to.deep.equal([]);
    });

    it('accepts plain http for localhost and 127.0.0.1 only', () => {
      expect(platformUrlProblem('http://localhost:8080/auth')).to.equal(null);
      expect(platformUrlProblem('http://127.0.0.1/jwks')).to.equal(null);
      expect(platformUrlProblem('https://lms.example.edu/jwks')).to.equal(null);
      expect(platformUrlProblem('http://lms.example.edu/jwks')).to.contain('https');
      expect(platformUrlProblem('https://user:pw@lms.example.edu/')).to.contain('user name');
      expect(platformUrlProblem('lms.example.edu')).to.contain('absolute');
    });

    it('adds a platform with repeated --deployment-id', async () => {
      const r = await cli('platform', ['add', '--issuer', ISS, '--client-id', CLIENT, ...urls, '--name', 'Example LMS', '--token-audience', 'https://auth.example.edu/token', '--deployment-id', 'd1', '--deployment-id', 'd2'], db.url);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Added platform').and.contain('d1, d2');

      const store = createPlatformStore(knex);
      const p = await store.findByIssuerAndClient(ISS, CLIENT);
      expect(p).to.deep.include({ name: 'Example LMS', authEndpoint: `${ISS}/auth`, tokenEndpoint: `${ISS}/token`, jwksUri: `${ISS}/jwks`, tokenAudience: 'https://auth.example.edu/token', source: 'manual', status: 'active' });
      expect((await store.listDeployments(p!.id)).map((d) => d.deploymentId)).to.deep.equal(['d1', 'd2']);
    });

    it('lists platforms with their deployments', async () => {
      const r = await cli('platform', ['list'], db.url);
      expect(r.code, r.stderr).to.equal(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).to.match(/^ISSUER\s+CLIENT ID\s+NAME\s+SOURCE\s+STATUS\s+DEPLOYMENTS$/);
      const row = lines.find((l) => l.startsWith(ISS));
      expect(row).to.match(new RegExp(`^${ISS}\\s+${CLIENT}\\s+Example LMS\\s+manual\\s+active\\s+d1, d2$`));
    });

    it('adds and removes a deployment', async () => {
      const add = await cli('platform', ['deployment', 'add', '--issuer', ISS, '--client-id', CLIENT, '--deployment-id', 'd3'], db.url);
      expect(add.code, add.stderr).to.equal(0);
      expect(add.stdout).to.contain('Added deployment d3');
      const remove = await cli('platform', ['deployment', 'remove', '--issuer', ISS, '--client-id', CLIENT, '--deployment-id', 'd1'], db.url);
      expect(remove.code, remove.stderr).to.equal(0);
      const missing = await cli('platform', ['deployment', 'remove', '--issuer', ISS, '--client-id', CLIENT, '--deployment-id', 'd1'], db.url);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.contain('no deployment d1');
      const store = createPlatformStore(knex);
      const p = await store.findByIssuerAndClient(ISS, CLIENT);
      expect((await store.listDeployments(p!.id)).map((d) => d.deploymentId)).to.deep.equal(['d2', 'd3']);
    });

    it('removes a platform with its deployments', async () => {
      const r = await cli('platform', ['remove', '--issuer', ISS, '--client-id', CLIENT], db.url);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Removed platform').and.contain('2 deployments');
      expect(await createPlatformStore(knex).findByIssuerAndClient(ISS, CLIENT)).to.equal(null);
      expect(await knex('deployments').count({ n: '*' }).first()).to.satisfy((row: { n: number | string }) => Number(row.n) === 0);
      const again = await cli('platform', ['remove', '--issuer', ISS, '--client-id', CLIENT], db.url);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.contain('no platform with issuer');
    });
  });

  describe('keys', () => {
    let tool: Tool;
    const jwks = async (): Promise<string[]> => ((await (await fetch(`${tool.publicUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys.map((k) => k.kid!);
    let firstKid: string;
    const outputs: string[] = [];
    const keys = async (...args: string[]): Promise<Run> => {
      const r = await cli('keys', args, tool.db.url);
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    before(async () => {
      tool = await startTool();
      firstKid = (await jwks())[0]!;
    });
    after(async () => tool.close());

    it('rotate adds a new active key and keeps the old one published; list shows both', async () => {
      const r = await keys('rotate');
      expect(r.code, r.stderr).to.equal(0);
      const newKid = /New active signing key: (\S+)/.exec(r.stdout)?.[1];
      expect(newKid).to.be.a('string').and.not.equal(firstKid);
      expect(r.stdout).to.contain(`Still published for verification: ${firstKid}`);
      expect(await jwks()).to.have.members([firstKid, newKid]);
      const list = await keys('list');
      expect(list.code, list.stderr).to.equal(0);
      expect(list.stdout).to.match(new RegExp(`${newKid}\\s+active`)).and.match(new RegExp(`${firstKid}\\s+published`));
    });

    it('retire refuses the active key, and unpublishes an old one', async () => {
      const active = (await tool.container.keys.list()).find((k) => k.status === 'active')!;
      const refused = await keys('retire', active.kid);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.contain('active signing key');
      const r = await keys('retire', firstKid);
      expect(r.code, r.stderr).to.equal(0);
      expect(await jwks()).to.deep.equal([active.kid]);
      expect((await tool.container.keys.list()).find((k) => k.kid === firstKid)?.status).to.equal('retired');
    });

    it('retires a kid that begins with "-" (thumbprints can), instead of reading it as an option', async () => {
      const source = (await tool.container.keys.list())[0]!;
      const dashed = '-dashed' + source.kid.slice(7);
      await createToolKeyStore(tool.container.db).insert({ ...source, kid: dashed, status: 'published', publicJwk: { ...source.publicJwk, kid: dashed } });
      const r = await keys('retire', dashed);
      expect(r.code, r.stderr).to.equal(0);
      expect((await tool.container.keys.list()).find((k) => k.kid === dashed)?.status).to.equal('retired');
    });

    it('never prints private key material', async () => {
      const secrets = (await tool.container.keys.list()).flatMap((k) => [k.privateJwk.d, k.privateJwk.p, k.privateJwk.q]).filter((s): s is string => !!s);
      expect(secrets.length).to.be.greaterThan(0);
      const all = outputs.join('\n');
      for (const s of secrets) expect(all).not.to.contain(s.slice(0, 32));
    });
  });
});
