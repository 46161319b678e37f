import { dbClient } from '../db/knex.js';
import { print, runCli } from './cli-support.js';

const USAGE = 'Usage: npm run migrate\n\nBrings the database named by DATABASE_URL up to date.';

await runCli(USAGE, async (open) => {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    print(USAGE);
    return;
  }
  const { container, applied } = await open();
  const kind = dbClient(container.db) === 'pg' ? 'PostgreSQL' : 'SQLite';
  if (!applied.length) {
    print(`${kind} database is up to date: no migrations to run.`);
    return;
  }
  print(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to the ${kind} database:`);
  for (const name of applied) print(`  ${name}`);
});
