import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { newId } from '../../src/ids.js';
import { openStoreDb, seedCourses, type StoreDb } from '../helpers/store-course.js';
import { testDbKind } from '../helpers/test-db.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm run privacy -- … as an admin runs it (tsx on the same file), against `databaseUrl`. */
function privacy(args: string[], databaseUrl: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/privacy.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe(`npm run privacy on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, function () {
  this.timeout(240_000);
  let s: StoreDb;
  let dir: string;
  const ann = { id: newId(), sub: 'lti-sub-ann' };
  const ben = { id: newId(), sub: 'lti-sub-ben' };

  before(async () => {
    s = await openStoreDb();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadline-privacy-cli-'));
    const t = 1_800_000_000_000;
    await seedCourses(s.db, t, { courses: ['c'], users: [{ ...ann, name: 'Ann Cli' }, { ...ben, name: 'Ben Cli' }] });
    await s.db('users').where({ id: ann.id }).update({ email: 'ann.cli@example.edu' });
  });
  after(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports a user found by platform and sub to a file (owner-only), or by id to stdout', async () => {
    const out = path.join(dir, 'ann.json');
    const [toFile, toStdout] = await Promise.all([privacy(['export', '--platform', 'https://lms.example', '--sub', ann.sub, '--out', out], s.database.url), privacy(['export', '--user', ben.id], s.database.url)]);
    expect(toFile.code, toFile.stderr).to.equal(0);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8')) as { version: number; user: { id: string; email: string } };
    expect(doc.version).to.equal(1);
    expect(doc.user).to.deep.include({ id: ann.id, email: 'ann.cli@example.edu' });
    expect(fs.statSync(out).mode & 0o077).to.equal(0);
    expect(toStdout.code, toStdout.stderr).to.equal(0);
    expect((JSON.parse(toStdout.stdout) as { user: { name: string } }).user.name).to.equal('Ben Cli');
  });

  it('erases only with --yes, once, and says so when asked again', async () => {
    const [unconfirmed, unknown] = await Promise.all([privacy(['erase', '--user', ann.id], s.database.url), privacy(['erase', '--user', newId(), '--yes'], s.database.url)]);
    expect(unconfirmed.code).to.equal(2);
    expect(unconfirmed.stderr).to.contain('--yes');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('No user');
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.not.equal(undefined);

    const erased = await privacy(['erase', '--platform', 'https://lms.example', '--sub', ann.sub, '--yes', '--by', 'dpo@example.edu'], s.database.url);
    expect(erased.code, erased.stderr).to.equal(0);
    expect(erased.stdout).to.contain(`Erased user ${ann.id}`).and.match(/users\s+1/);
    expect(await s.db('users').where({ id: ann.id }).first('id')).to.equal(undefined);
    expect(await s.db('users').where({ id: ben.id }).first('id')).to.not.equal(undefined);

    const again = await privacy(['erase', '--user', ann.id, '--yes'], s.database.url);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.contain('already erased').and.contain('dpo@example.edu');
  });

  it('sets, lists and clears a platform retention period, refusing nonsense', async () => {
    const [set, bad] = await Promise.all([privacy(['retention', '--platform', 'https://lms.example', '--days', '365'], s.database.url), privacy(['retention', '--platform', 'https://lms.example', '--days', '0'], s.database.url)]);
    expect(set.code, set.stderr).to.equal(0);
    expect(set.stdout).to.contain('365 days after their last launch');
    expect(bad.code).to.equal(2);
    const list = await privacy(['retention-list'], s.database.url);
    expect(list.stdout).to.match(/https:\/\/lms\.example\s+client\s+365 days/);
    const run = await privacy(['retention-run'], s.database.url);
    expect(run.code, run.stderr).to.equal(0);
    // The seeded launch lies after the CLI's clock (real time), so nobody is past the period.
    expect(run.stdout).to.match(/^Erased 0 users;/);
    const keep = await privacy(['retention', '--platform', 'https://lms.example', '--keep'], s.database.url);
    expect(keep.stdout).to.contain('kept until erased');
    expect((await s.db('platforms').first('retention_days')) as { retention_days: number | null }).to.deep.equal({ retention_days: null });
  });
});
