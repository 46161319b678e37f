import { parseArgs } from 'node:util';
import { parseTtl } from '../admin/admin-auth.js';
import { asUsageError, CommandError, print, runCli, table, UsageError } from './cli-support.js';

/**
 * Admin tokens for the admin area (/admin/login): npm run admin -- token <command>. A token is
 * printed once, when it is created; the database keeps only its SHA-256.
 */

const USAGE = `Usage: npm run admin -- token <command> [options]

Commands:
  token create [--label TEXT] [--ttl 8h]   create an admin token (printed once); --ttl is a
                                           number with s, m, h or d (1 minute to 90 days)
  token list                               show tokens: id, label, created, expires, state
  token revoke <ID>                        revoke a token and end the sessions it opened

Sign in at {PUBLIC_URL}/admin/login with the token. Anyone holding it administers every platform
until it expires or is revoked: keep it like a password.`;

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { label: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    return asUsageError(err);
  }
}

await runCli(USAGE, async (open) => {
  const { values, positionals } = parse(process.argv.slice(2));
  const [group, command, ...rest] = positionals;
  if (values.help || !group || group === 'help') {
    print(USAGE);
    return;
  }
  if (group !== 'token') throw new UsageError(`unknown command "${group}".`);
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command "token ${command ?? ''}".`);
  if (command !== 'create' && (values.label !== undefined || values.ttl !== undefined)) throw new UsageError(`--label and --ttl go with "token create".`);
  if (command === 'revoke' && rest.length !== 1) throw new UsageError('give the id of the token to revoke (see npm run admin -- token list).');
  if (command !== 'revoke' && rest.length) throw new UsageError(`"token ${command}" takes no arguments besides its options.`);
  let ttlMs = 8 * 3_600_000;
  if (values.ttl !== undefined) {
    const parsed = parseTtl(values.ttl);
    if (parsed === null) throw new UsageError('--ttl must be a number with s, m, h or d, between 1 minute and 90 days (e.g. 8h, 7d).');
    ttlMs = parsed;
  }
  if (values.label !== undefined && values.label.length > 100) throw new UsageError('--label is longer than 100 characters.');

  const { container } = await open();
  const auth = container.adminAuth;
  if (command === 'create') {
    const { token, record } = await auth.issue(values.label ?? '', ttlMs);
    print(`Admin token (shown once; it is stored only as a hash):\n\n  ${token}\n`);
    print(`id ${record.id}${record.label ? `, label "${record.label}"` : ''}, expires ${iso(record.expiresAt)}.`);
    print(`Sign in at ${container.config.publicUrl}/admin/login. Revoke it with: npm run admin -- token revoke ${record.id}`);
    return;
  }
  if (command === 'list') {
    const now = container.clock.now();
    const all = await auth.list();
    print(all.length ? table(['ID', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'], all.map((t) => [t.id, t.label || '-', iso(t.createdAt), iso(t.expiresAt), iso(t.lastUsedAt), auth.state(t, now)])) : 'No admin tokens. Create one with: npm run admin -- token create');
    return;
  }
  const id = rest[0]!;
  if (!(await auth.revoke(id))) throw new CommandError(`no live token with id ${id}. See: npm run admin -- token list`);
  print(`Revoked token ${id}; its sessions are signed out.`);
});
