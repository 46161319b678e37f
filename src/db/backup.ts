import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { migrationSource } from '../../migrations/index.js';
import { createDb, migrateLatest, migrationsCurrent, sqlitePath, type Db } from './knex.js';

/**
 * Backup and restore (issue 6, docs/operations-backup.md).
 *
 * SQLite: `VACUUM INTO` (https://sqlite.org/lang_vacuum.html#vacuuminto) rather than the online
 * backup API. It reads the database inside one read transaction, so the copy is a consistent
 * snapshot even while the server keeps writing (in WAL mode readers and the writer do not block
 * each other), it needs no second API beyond SQL (knex gives us that on the pool we already
 * have), and the copy comes out compacted. The backup API copies pages in steps and restarts
 * whenever a writer touches the source between steps, so under steady writes it may not finish.
 *
 * PostgreSQL: pg_dump -Fc / pg_restore, the tools made for it; the password goes to them in
 * PGPASSWORD, never on a command line another user's `ps` could read.
 */

export class BackupError extends Error {}

export const isPostgres = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export interface BackupResult {
  file: string;
  bytes: number;
}

/** A consistent copy of the SQLite database at `file`, verified before it is called done. */
export async function backupSqlite(db: Db, file: string): Promise<BackupResult> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new BackupError(`${file} already exists; choose a new file name (a backup never overwrites).`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Written next to the target and renamed, so a crash never leaves a half-written backup under the real name.
  const partial = `${target}.partial-${process.pid}`;
  fs.rmSync(partial, { force: true });
  try {
    await db.raw('VACUUM INTO ?', [partial]);
    await checkSqliteFile(partial);
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return { file: target, bytes: fs.statSync(target).size };
}

/** Opens a SQLite file on its own (never through the app's pool) and runs `fn` on it. */
async function withSqliteFile<T>(file: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * A backup worth restoring: `PRAGMA integrity_check` says ok, and every migration it has applied
 * is one this version of Threadline knows (a backup from a newer version would be downgraded).
 */
export async function checkSqliteFile(file: string): Promise<{ migrations: number }> {
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist.`);
  return withSqliteFile(file, async (db) => {
    let rows: Array<{ integrity_check: string }>;
    try {
      rows = (await db.raw('PRAGMA integrity_check')) as Array<{ integrity_check: string }>;
    } catch (e) {
      throw new BackupError(`${file} is not a readable SQLite database (${(e as Error).message}).`);
    }
    if (rows.length !== 1 || rows[0]!.integrity_check !== 'ok') throw new BackupError(`${file} failed PRAGMA integrity_check: ${rows.map((r) => r.integrity_check).slice(0, 5).join('; ')}`);
    return { migrations: await knownMigrations(db, file) };
  });
}

async function knownMigrations(db: Db, label: string): Promise<number> {
  if (!(await db.schema.hasTable('knex_migrations'))) throw new BackupError(`${label} holds no Threadline migrations table: not a Threadline database.`);
  const applied = (await db('knex_migrations').pluck('name')) as string[];
  const known = new Set((await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m)));
  const unknown = applied.filter((n) => !known.has(n));
  if (unknown.length) throw new BackupError(`${label} was written by a newer Threadline (unknown migrations: ${unknown.slice(0, 3).join(', ')}); restore it with that version.`);
  return applied.length;
}

/**
 * Replaces the SQLite database at `targetUrl` with the backup, then brings its migrations up to
 * date. Refuses while anything has the target open: switching a WAL database out of WAL mode
 * needs the only connection, so SQLITE_BUSY there means a running Threadline (stop it first).
 */
export async function restoreSqlite(file: string, targetUrl: string): Promise<{ applied: string[] }> {
  await checkSqliteFile(file);
  const target = path.resolve(sqlitePath(targetUrl));
  if (fs.existsSync(target)) {
    await withSqliteFile(target, async (db) => {
      await db.raw('PRAGMA busy_timeout = 0');
      try {
        await db.raw('PRAGMA journal_mode = DELETE');
      } catch (e) {
        if (/SQLITE_BUSY|locked/i.test((e as Error).message)) throw new BackupError(`${target} is in use: stop Threadline (every process using this database) before restoring.`);
        throw e;
      }
    });
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const incoming = `${target}.restoring-${process.pid}`;
  fs.copyFileSync(file, incoming);
  // The old WAL and shared-memory files belong to the old database: applied to the new one they would corrupt it.
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${target}${suffix}`, { force: true });
  fs.renameSync(incoming, target);
  const db = createDb(targetUrl);
  try {
    const applied = await migrateLatest(db);
    if (!(await migrationsCurrent(db))) throw new BackupError('the restored database did not reach the current migrations.');
    return { applied };
  } finally {
    await db.destroy();
  }
}

/** libpq connection settings from a postgres:// URL: the password travels in the environment. */
function pgConnection(url: string): { dbUrl: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbUrl: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new BackupError(`${path.basename(bin)} failed: ${(stderr || err.message).trim().split('\n').slice(-5).join(' ')}`));
      else resolve(stderr);
    });
  });
}

const pgBin = (name: string): string => process.env[`${name.toUpperCase()}_PATH`] ?? name;

/** pg_dump in its custom format (-Fc): compressed, and pg_restore can pick and reorder from it. */
export async function backupPostgres(url: string, file: string): Promise<BackupResult> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new BackupError(`${file} already exists; choose a new file name (a backup never overwrites).`);
  const { dbUrl, env } = pgConnection(url);
  const partial = `${target}.partial-${process.pid}`;
  try {
    await run(pgBin('pg_dump'), ['--format=custom', '--no-owner', '--file', partial, '--dbname', dbUrl], env);
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return { file: target, bytes: fs.statSync(target).size };
}

/**
 * pg_restore into the database at `url` (best an empty one: see the operations guide), in one
 * transaction so a failure leaves it as it was, then migrations brought up to date.
 */
export async function restorePostgres(file: string, url: string): Promise<{ applied: string[] }> {
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const { dbUrl, env } = pgConnection(url);
  await run(pgBin('pg_restore'), ['--no-owner', '--clean', '--if-exists', '--single-transaction', '--exit-on-error', '--dbname', dbUrl, file], env);
  const db = createDb(url);
  try {
    await knownMigrations(db, file);
    const applied = await migrateLatest(db);
    if (!(await migrationsCurrent(db))) throw new BackupError('the restored database did not reach the current migrations.');
    return { applied };
  } finally {
    await db.destroy();
  }
}
