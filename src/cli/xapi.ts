import { parseArgs } from 'node:util';
import { asUsageError, CommandError, print, runCli, table, UsageError } from './cli-support.js';

/**
 * The xAPI delivery queue, for an admin: npm run xapi -- <command>. Reads and changes the outbox
 * only; the running servers' senders do the sending.
 */

const USAGE = `Usage: npm run xapi -- <command> [options]

Commands:
  status                  queue depth, oldest waiting statement, retrying, delivered and dead
                          letters, per LRS
  dead-letters [--lrs NAME] [--limit N]
                          statements an LRS rejected (HTTP 400), with its answer
  retry <ID ...> | --all [--lrs NAME]
                          queue dead letters again (after fixing what the LRS objected to)
  replay --since ISO --until ISO [--lrs NAME] [--include-dead]
                          queue again every statement recorded in [since, until) that was
                          delivered (e.g. after an LRS lost data); statement ids are fixed per
                          act, so an LRS that still has a statement ignores the resend

LRS names are those of: npm run lrs -- list ("primary" is XAPI_LRS_ENDPOINT, "embedded" the
built-in LRS). Times are ISO 8601, e.g. 2026-11-30T00:00:00Z.`;

const OPTIONS = {
  lrs: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  'include-dead': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = keyof typeof OPTIONS;

const ALLOWED: Record<string, OptionName[]> = {
  status: [],
  'dead-letters': ['lrs', 'limit'],
  retry: ['all', 'lrs'],
  replay: ['since', 'until', 'lrs', 'include-dead'],
};

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return asUsageError(err);
  }
  const { values, positionals } = parsed;
  const [command = '', ...rest] = positionals;
  if (values.help || command === 'help' || command === '') return { command: 'help', values, rest };
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command "${command}".`);
  const extra = (Object.keys(values) as OptionName[]).filter((k) => !allowed.includes(k));
  if (extra.length) throw new UsageError(`${extra.map((k) => `--${k}`).join(', ')} cannot be used with "${command}".`);
  if (command !== 'retry' && rest.length) throw new UsageError(`"${command}" takes no arguments besides its options.`);
  if (command === 'retry') {
    if (values.all && rest.length) throw new UsageError('give outbox ids or --all, not both.');
    if (!values.all && !rest.length) throw new UsageError('give the outbox id(s) to retry (see npm run xapi -- dead-letters), or --all.');
    if (values.lrs && !values.all) throw new UsageError('--lrs goes with --all.');
  }
  return { command, values, rest };
}

/** A strict ISO 8601 date-time (or date), as UTC epoch ms. */
function isoTime(label: string, v: string | undefined): number {
  if (!v) throw new UsageError(`missing --${label}.`);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw new UsageError(`--${label} must be an ISO 8601 time such as 2026-11-30T00:00:00Z, got ${v}.`);
  }
  return Date.parse(v);
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** 1h 5m, 3m 12s, 45s. */
export function age(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

await runCli(USAGE, async (open) => {
  const { command, values, rest } = parse(process.argv.slice(2));
  if (command === 'help') {
    print(USAGE);
    return;
  }
  let limit: number | undefined;
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) throw new UsageError('--limit must be a positive whole number.');
    limit = Number(values.limit);
  }
  let range: [number, number] | null = null;
  if (command === 'replay') {
    range = [isoTime('since', values.since), isoTime('until', values.until)];
    if (range[0] >= range[1]) throw new UsageError('--since must be before --until.');
  }

  const { container } = await open();
  const { outbox, lrsRouting, clock } = container;
  const names = await lrsRouting.names();
  const nameOf = (id: string): string => names.get(id) ?? `${id} (removed)`;
  let lrsId: string | undefined;
  if (values.lrs !== undefined) {
    lrsId = [...names].find(([, n]) => n === values.lrs)?.[0];
    if (!lrsId) throw new CommandError(`no LRS named ${values.lrs}. Known: ${[...names.values()].join(', ')}`);
  }

  switch (command) {
    case 'status': {
      const now = clock.now();
      const stats = await outbox.stats(now);
      print(
        table(
          ['LRS', 'WAITING', 'OLDEST WAITING', 'RETRYING', 'DELIVERED', 'DEAD LETTERS'],
          stats.map((s) => [nameOf(s.lrsId), String(s.depth), s.oldestPendingAgeMs === null ? '-' : age(s.oldestPendingAgeMs), String(s.retrying), String(s.delivered), String(s.dead)]),
        ),
      );
      const dead = stats.reduce((n, s) => n + s.dead, 0);
      if (dead) print(`\n${dead} dead letter${dead === 1 ? '' : 's'}: see npm run xapi -- dead-letters`);
      return;
    }
    case 'dead-letters': {
      const list = await outbox.deadLetters({ lrsId, limit });
      if (!list.length) {
        print(lrsId ? `No dead letters for ${values.lrs}.` : 'No dead letters.');
        return;
      }
      print(table(['ID', 'LRS', 'STATEMENT ID', 'RECORDED', 'ATTEMPTS', 'ERROR'], list.map((d) => [d.id, nameOf(d.lrsId), d.statementId, iso(d.createdAt), String(d.attempts), (d.error ?? '-').replace(/\s+/g, ' ').slice(0, 300)])));
      return;
    }
    case 'retry': {
      const n = await outbox.retryDead(values.all ? { all: true, lrsId } : { ids: rest });
      if (!values.all && n < rest.length) throw new CommandError(`${n} of ${rest.length} queued again; the others are not dead letters (see npm run xapi -- dead-letters).`);
      print(`Queued ${n} dead letter${n === 1 ? '' : 's'} again; the running servers send ${n === 1 ? 'it' : 'them'} within seconds.`);
      return;
    }
    case 'replay': {
      const [since, until] = range!;
      const n = await outbox.replay(since, until, { lrsId, includeDead: values['include-dead'] ?? false });
      print(`Queued ${n} statement${n === 1 ? '' : 's'} recorded from ${iso(since)} to ${iso(until)}${values.lrs ? ` for ${values.lrs}` : ''} again.`);
      return;
    }
  }
});
