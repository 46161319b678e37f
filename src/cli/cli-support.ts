import { systemClock } from '../clock.js';
import { ConfigError, loadConfig } from '../config.js';
import { createContainer, type Container } from '../container.js';
import { createDb, migrateLatest, type Db } from '../db/knex.js';
import { createLogger } from '../log.js';

/** A mistake in how the command was called: shown with the usage, exit code 2. */
export class UsageError extends Error {}

/** The command was right but could not be done (not found, refused): exit code 1. */
export class CommandError extends Error {}

export interface CliContext {
  container: Container;
  /** Migrations this run applied (normally none). */
  applied: string[];
}

/**
 * Runs one CLI command against the configured database: config from the environment (as the
 * server reads it), migrations brought up to date, a silent container. Errors become one clear
 * line on stderr and a non-zero exit code; nothing secret is ever printed.
 */
export async function runCli(usage: string, command: (ctx: () => Promise<CliContext>) => Promise<void>): Promise<void> {
  const opened: Db[] = [];
  const open = async (): Promise<CliContext> => {
    const config = loadConfig();
    const db = createDb(config.databaseUrl);
    opened.push(db);
    const applied = await migrateLatest(db);
    return { container: createContainer({ config, db, log: createLogger('silent'), clock: systemClock }), applied };
  };
  try {
    await command(open);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`Error: ${err.message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else if (err instanceof CommandError) {
      process.stderr.write(`Error: ${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 78; // EX_CONFIG, as the server uses
    } else {
      process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  } finally {
    // An open pool would keep the process alive.
    for (const db of opened) await db.destroy();
  }
}

/** node:util parseArgs errors are usage errors. */
export function asUsageError(err: unknown): never {
  if (err instanceof TypeError && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message);
  throw err;
}

/** Left-aligned columns with a header row, for terminals. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
