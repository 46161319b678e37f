import { parseArgs } from 'node:util';
import type { Container } from '../container.js';
import { PRIMARY_LRS_ID } from '../xapi/lrs-routing.js';
import { EMBEDDED_LRS_ID } from '../xapi/outbox-store.js';
import type { LrsTargetRecord } from '../xapi/lrs-target-store.js';
import { isReservedLrsName, LRS_NAME, lrsEndpointProblem, lrsUsernameProblem } from '../xapi/lrs-target-rules.js';
import { asUsageError, CommandError, print, runCli, table, UsageError } from './cli-support.js';

/**
 * LRSs statements are delivered to besides the default one (XAPI_LRS_ENDPOINT, else the embedded
 * LRS): npm run lrs -- <command> [options]. Passwords are read from stdin, stored in the database
 * and never printed.
 */

const USAGE = `Usage: npm run lrs -- <command> [options]

Commands:
  add --name NAME --endpoint URL [--username USER --password-stdin]
      [--issuer URL --client-id ID]
                          add an LRS; with --issuer/--client-id it serves only that platform
  list                    show the LRSs statements go to
  disable --name NAME     stop sending to an LRS (statements keep queueing for it)
  enable --name NAME      resume sending
  remove --name NAME      remove an LRS and every statement still queued for it

Every platform's statements go to the default LRS (XAPI_LRS_ENDPOINT, or the embedded LRS when
it is unset) and to every LRS added without --issuer. A platform with LRSs of its own sends to
those INSTEAD (its learners' statements go nowhere else). Give a platform the default LRS as
well by adding it again for that platform.

--endpoint is the LRS's xAPI base URL (statements are POSTed to <endpoint>/statements).
--password-stdin reads the basic-auth password from the first line of standard input, e.g.
  printf '%s\\n' "$LRS_PASSWORD" | npm run lrs -- add --name acme --endpoint https://lrs.acme.org/xapi/ --username tl --password-stdin
(never on the command line, where ps and the shell history would keep it).`;

const OPTIONS = {
  name: { type: 'string' },
  endpoint: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;

const ALLOWED: Record<string, OptionName[]> = {
  add: ['name', 'endpoint', 'username', 'password-stdin', 'issuer', 'client-id'],
  list: [],
  disable: ['name'],
  enable: ['name'],
  remove: ['name'],
};

function parse(argv: string[]) {
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
    throw new UsageError('the password is not taken on the command line (ps and the shell history would keep it): use --password-stdin.');
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return asUsageError(err);
  }
  const { values, positionals } = parsed;
  const command = positionals.join(' ');
  if (values.help || command === 'help' || command === '') return { command: 'help', values };
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command "${command}".`);
  const extra = (Object.keys(values) as OptionName[]).filter((k) => !allowed.includes(k));
  if (extra.length) throw new UsageError(`${extra.map((k) => `--${k}`).join(', ')} cannot be used with "${command}".`);
  if (command !== 'list' && !values.name) throw new UsageError('missing --name.');
  return { command, values };
}

// Shared with the admin area (src/xapi/lrs-target-rules.ts); re-exported for existing callers.
export { lrsEndpointProblem };

async function readPasswordLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('LRS password (input is not hidden; prefer piping it in): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('--password-stdin: no password on standard input.');
  return line;
}

async function scopeOf(container: Container, t: LrsTargetRecord): Promise<string> {
  if (!t.platformId) return 'all platforms';
  const p = await container.platforms.get(t.platformId);
  return p ? `${p.name} (${p.issuer}, ${p.clientId})` : `platform ${t.platformId}`;
}

async function find(container: Container, name: string): Promise<LrsTargetRecord> {
  const t = await container.lrsTargets.findByName(name);
  if (!t) throw new CommandError(`no LRS named ${name}. See: npm run lrs -- list`);
  return t;
}

await runCli(USAGE, async (open) => {
  const { command, values } = parse(process.argv.slice(2));
  if (command === 'help') {
    print(USAGE);
    return;
  }
  let password: string | null = null;
  if (command === 'add') {
    const problems: string[] = [];
    if (!LRS_NAME.test(values.name!)) problems.push('--name must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
    if (isReservedLrsName(values.name!)) problems.push(`--name ${values.name} is reserved for a built-in target.`);
    if (!values.endpoint) problems.push('missing --endpoint.');
    else {
      const problem = lrsEndpointProblem(values.endpoint);
      // Never echo a URL that carries credentials.
      if (problem) problems.push(`--endpoint ${problem}${/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(values.endpoint) ? '.' : `: ${values.endpoint}`}`);
    }
    if (values.username !== undefined && !values['password-stdin']) problems.push('--username needs --password-stdin (basic auth needs both).');
    if (values['password-stdin'] && values.username === undefined) problems.push('--password-stdin needs --username.');
    if (values.username !== undefined && lrsUsernameProblem(values.username)) problems.push('--username must not contain ":" and must be at most 255 characters (RFC 7617).');
    if ((values.issuer === undefined) !== (values['client-id'] === undefined)) problems.push('give both --issuer and --client-id to name a platform, or neither.');
    if (problems.length) throw new UsageError(problems.join('\n       '));
    if (values['password-stdin']) password = await readPasswordLine();
  }

  const { container } = await open();
  const { lrsTargets, clock } = container;

  switch (command) {
    case 'add': {
      if (await lrsTargets.findByName(values.name!)) throw new CommandError(`an LRS named ${values.name} already exists (remove it first to change it).`);
      let platformId: string | null = null;
      if (values.issuer !== undefined) {
        const p = await container.platforms.findByIssuerAndClient(values.issuer, values['client-id']!);
        if (!p) throw new CommandError(`no platform with issuer ${values.issuer} and client id ${values['client-id']}. See: npm run platform -- list`);
        platformId = p.id;
      }
      const t = await lrsTargets.add({ name: values.name!, endpoint: values.endpoint!, username: values.username ?? null, password, platformId }, clock.now());
      print(`Added LRS ${t.name}: ${t.endpoint}, ${t.username ? `basic auth as ${t.username}` : 'no authentication'}, for ${await scopeOf(container, t)}.`);
      if (t.platformId) print('Statements from that platform now go to its own LRSs only, not to the default LRS.');
      if (new URL(t.endpoint).protocol === 'http:' && t.username && !['localhost', '127.0.0.1', '[::1]'].includes(new URL(t.endpoint).hostname)) {
        print('Warning: the endpoint is plain http, so the password crosses the network unencrypted.');
      }
      print('Running servers start queueing statements for it within a few seconds; earlier statements are not sent (use npm run xapi -- replay).');
      return;
    }
    case 'list': {
      const all = await lrsTargets.list();
      const cfg = container.config.xapi.lrs;
      const rows: string[][] = [
        cfg
          ? [PRIMARY_LRS_ID, cfg.endpoint, cfg.username ? `${cfg.username} (password set)` : '-', 'default (XAPI_LRS_ENDPOINT)', 'active']
          : [EMBEDDED_LRS_ID, `${container.config.publicUrl}/xapi/`, '-', 'default (XAPI_LRS_ENDPOINT unset)', 'active'],
      ];
      for (const t of all) rows.push([t.name, t.endpoint, t.username ? `${t.username} (password ${t.password ? 'set' : 'empty'})` : '-', await scopeOf(container, t), t.status]);
      print(table(['NAME', 'ENDPOINT', 'USER', 'SENDS STATEMENTS OF', 'STATUS'], rows));
      return;
    }
    case 'disable':
    case 'enable': {
      const t = await find(container, values.name!);
      const status = command === 'disable' ? 'disabled' : 'active';
      if (t.status === status) {
        print(`${t.name} is already ${command}d.`);
        return;
      }
      await lrsTargets.setStatus(t.id, status, clock.now());
      print(command === 'disable' ? `Disabled ${t.name}: statements keep queueing for it but are not sent until: npm run lrs -- enable --name ${t.name}` : `Enabled ${t.name}: queued statements are sent within a few seconds.`);
      return;
    }
    case 'remove': {
      const t = await find(container, values.name!);
      const removed = await lrsTargets.remove(t.id);
      if (!removed) throw new CommandError(`${t.name} was removed meanwhile.`);
      print(`Removed LRS ${t.name} and the ${removed.outboxRows} statement${removed.outboxRows === 1 ? '' : 's'} queued or delivered for it.`);
      return;
    }
  }
});
