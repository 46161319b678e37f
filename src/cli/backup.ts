import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { BackupError, backupPostgres, backupSqlite, isPostgres, restorePostgres, restoreSqlite } from '../db/backup.js';
import { createDb } from '../db/knex.js';
import { asUsageError, CommandError, print, runCli, UsageError } from './cli-support.js';

/**
 * npm run backup -- FILE   /   npm run restore -- FILE, against DATABASE_URL (docs/operations-backup.md).
 * Unlike the other CLIs this one never migrates the database first: a backup copies the database
 * as it is, and a restore must not touch the target before it has been checked.
 */

const USAGE = `Usage: npm run backup -- FILE
       npm run restore -- FILE

backup   SQLite: a consistent copy (VACUUM INTO) taken while Threadline runs, checked with
         PRAGMA integrity_check. PostgreSQL: pg_dump --format=custom.
restore  Stop Threadline first. SQLite: checks the backup, refuses while the database is in use,
         replaces it and applies newer migrations. PostgreSQL: pg_restore --clean into
         DATABASE_URL (best an empty database), then migrations.
The database is DATABASE_URL, as for the server. FILE is never overwritten by a backup.`;

await runCli(USAGE, async () => {
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    asUsageError(err);
  }
  const [command = '', file, ...rest] = parsed.positionals;
  if (parsed.values.help || command === 'help') {
    print(USAGE);
    return;
  }
  if (command !== 'backup' && command !== 'restore') throw new UsageError(`unknown command "${command}".`);
  if (!file) throw new UsageError('name the backup FILE.');
  if (rest.length) throw new UsageError('one FILE only.');
  const { databaseUrl } = loadConfig();
  try {
    if (command === 'backup') {
      let r;
      if (isPostgres(databaseUrl)) r = await backupPostgres(databaseUrl, file);
      else {
        const db = createDb(databaseUrl);
        try {
          r = await backupSqlite(db, file);
        } finally {
          await db.destroy();
        }
      }
      print(`Backup written to ${r.file} (${r.bytes} bytes).`);
      return;
    }
    const r = isPostgres(databaseUrl) ? await restorePostgres(file, databaseUrl) : await restoreSqlite(file, databaseUrl);
    print(`Restored ${file}.${r.applied.length ? ` Applied ${r.applied.length} newer migration${r.applied.length === 1 ? '' : 's'}: ${r.applied.join(', ')}.` : ' Migrations are up to date.'}`);
  } catch (e) {
    if (e instanceof BackupError) throw new CommandError(e.message);
    throw e;
  }
});
