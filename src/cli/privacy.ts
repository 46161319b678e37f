import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { UserRef } from '../privacy/privacy-service.js';
import { AppError } from '../web/errors.js';
import { asUsageError, CommandError, print, runCli, table, UsageError } from './cli-support.js';

/**
 * Personal data, for an admin: npm run privacy -- <command>. Export and erase one user (a data
 * subject's request), set retention per platform, run one retention pass now.
 */

const USAGE = `Usage: npm run privacy -- <command> [options]

Commands:
  export (--user ID | --platform ISSUER [--client-id ID] --sub SUB) [--out FILE]
                          everything Threadline holds about one user, as JSON (stdout, or FILE)
  erase (--user ID | --platform ISSUER [--client-id ID] --sub SUB) --yes [--by LABEL]
                          erase that user: profile and personal records deleted, posts kept as
                          "former member", xAPI statements anonymised. Cannot be undone.
  retention --platform ISSUER|PLATFORM_ID [--client-id ID] (--days N | --keep)
                          erase a platform's users N days after their last launch (--keep: never)
  retention-list          platforms and their retention periods
  retention-run           run one retention pass now (the server runs one every hour)

ID is Threadline's user id; ISSUER and SUB are the LMS's issuer and the user's LTI sub (the
"sub" claim). --client-id is needed only when several registrations share the issuer.`;

const OPTIONS = {
  user: { type: 'string' },
  platform: { type: 'string' },
  'client-id': { type: 'string' },
  sub: { type: 'string' },
  out: { type: 'string' },
  yes: { type: 'boolean' },
  by: { type: 'string' },
  days: { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = keyof typeof OPTIONS;

const WHO: OptionName[] = ['user', 'platform', 'client-id', 'sub'];
const ALLOWED: Record<string, OptionName[]> = {
  export: [...WHO, 'out'],
  erase: [...WHO, 'yes', 'by'],
  retention: ['platform', 'client-id', 'days', 'keep'],
  'retention-list': [],
  'retention-run': [],
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
  if (values.help || command === 'help' || command === '') return { command: 'help', values };
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command "${command}".`);
  if (rest.length) throw new UsageError(`"${command}" takes no arguments besides its options.`);
  const extra = (Object.keys(values) as OptionName[]).filter((k) => !allowed.includes(k));
  if (extra.length) throw new UsageError(`${extra.map((k) => `--${k}`).join(', ')} cannot be used with "${command}".`);
  return { command, values };
}

function userRef(v: Partial<Record<OptionName, string | boolean>>): UserRef {
  if (typeof v.user === 'string') {
    if (v.platform !== undefined || v.sub !== undefined || v['client-id'] !== undefined) throw new UsageError('give --user, or --platform and --sub, not both.');
    return { userId: v.user };
  }
  if (typeof v.platform !== 'string' || typeof v.sub !== 'string') throw new UsageError('name the user: --user ID, or --platform ISSUER --sub SUB.');
  return { issuer: v.platform, clientId: typeof v['client-id'] === 'string' ? v['client-id'] : null, sub: v.sub };
}

/** Service errors (not found, ambiguous) are the admin's to fix: one line, exit 1. */
async function service<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AppError) throw new CommandError(e.message);
    throw e;
  }
}

await runCli(USAGE, async (open) => {
  const { command, values } = parse(process.argv.slice(2));
  if (command === 'help') {
    print(USAGE);
    return;
  }
  const who = command === 'export' || command === 'erase' ? userRef(values) : null;
  if (command === 'erase' && !values.yes) throw new UsageError('erasing cannot be undone: add --yes to confirm.');
  let days: number | null = null;
  if (command === 'retention') {
    if (typeof values.platform !== 'string') throw new UsageError('missing --platform.');
    if ((values.days === undefined) === (values.keep === undefined)) throw new UsageError('give --days N or --keep.');
    if (values.days !== undefined) {
      if (!/^\d+$/.test(values.days) || Number(values.days) < 1 || Number(values.days) > 36_500) throw new UsageError('--days must be a whole number from 1 to 36500.');
      days = Number(values.days);
    }
  }

  const { container } = await open();
  const { privacy } = container;
  switch (command) {
    case 'export': {
      const user = await service(() => privacy.resolve(who!));
      const json = `${JSON.stringify(await service(() => privacy.exportUser(user.id)), null, 2)}\n`;
      if (values.out) {
        // Owner-only: the file is the person's data.
        writeFileSync(values.out, json, { mode: 0o600 });
        process.stderr.write(`Wrote the export of user ${user.id} to ${values.out}.\n`);
      } else process.stdout.write(json);
      return;
    }
    case 'erase': {
      // An id already erased resolves to nothing: ask the erasure log before the users table.
      const userId = 'userId' in who! ? who.userId : (await service(() => privacy.resolve(who!))).id;
      const r = (await privacy.erasure(userId)) ?? (await service(() => privacy.eraseUser(userId, { by: values.by ?? `cli:${process.env.USER ?? 'admin'}` })));
      if (!r.erasedNow) {
        print(`User ${userId} was already erased on ${r.erasedAt} (by ${r.erasedBy}); nothing to do.`);
        return;
      }
      print(`Erased user ${userId}.`);
      print(table(['TABLE', 'ROWS'], Object.entries(r.counts).map(([t, n]) => [t, String(n)])));
      return;
    }
    case 'retention': {
      const set = await service(() => privacy.setRetention(values.platform!, values['client-id'] ?? null, days));
      for (const p of set) print(days === null ? `${p.issuer} (${p.clientId}): data kept until erased by an admin.` : `${p.issuer} (${p.clientId}): users erased ${days} days after their last launch.`);
      return;
    }
    case 'retention-list': {
      const list = await privacy.retentionList();
      print(table(['ISSUER', 'CLIENT ID', 'RETENTION'], list.map((p) => [p.issuer, p.clientId, p.retentionDays === null ? 'keep' : `${p.retentionDays} days`])));
      return;
    }
    case 'retention-run': {
      const r = await privacy.runRetention();
      print(`Erased ${r.erased} user${r.erased === 1 ? '' : 's'}; pruned ${r.prunedOutbox} delivered statements, ${r.prunedSessions} expired sessions, ${r.prunedLoginStates} expired login states.`);
      return;
    }
  }
});
