import { parseArgs } from 'node:util';
import type { ToolKey } from '../lti/tool-key-store.js';
import { asUsageError, CommandError, print, runCli, table, UsageError } from './cli-support.js';

/**
 * The tool's signing keys (LTI Security Framework §6: published as a JWKS). Only key ids and
 * states are ever printed; private keys stay in the database.
 */

const USAGE = `Usage:
  npm run keys:rotate            add a new active signing key; older keys stay published
  npm run keys:list              show every key and its state
  npm run keys:retire -- <kid>   stop publishing an old key (never the active one)

Rotate, wait until platforms have refreshed their copy of the JWKS (a day is plenty), then retire
the old key.`;

function parse(argv: string[]) {
  // Key ids are base64url JWK thumbprints and may begin with "-", which parseArgs would read as
  // an option: after "retire", the next word is the kid, whatever it looks like.
  if (argv[0] === 'retire' && argv.length === 2 && argv[1] !== '--help' && argv[1] !== '-h') {
    return { values: { help: false }, positionals: argv };
  }
  try {
    return parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    return asUsageError(err);
  }
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function keyTable(keys: ToolKey[]): string {
  return table(
    ['KID', 'STATE', 'CREATED', 'RETIRED'],
    keys.map((k) => [k.kid, k.status === 'published' ? 'published (verifies only)' : k.status, iso(k.createdAt), iso(k.retiredAt)]),
  );
}

await runCli(USAGE, async (open) => {
  const { values, positionals } = parse(process.argv.slice(2));
  const [command, ...rest] = positionals;
  if (values.help || !command || command === 'help') {
    print(USAGE);
    return;
  }
  if (!['rotate', 'list', 'retire'].includes(command)) throw new UsageError(`unknown command "${command}".`);
  if (command === 'retire' && rest.length !== 1) throw new UsageError('give the kid of the key to retire (see npm run keys:list).');
  if (command !== 'retire' && rest.length) throw new UsageError(`"${command}" takes no arguments.`);

  const { container } = await open();
  const keys = container.keys;

  if (command === 'rotate') {
    const previous = (await keys.list()).filter((k) => k.status === 'active');
    const added = await keys.rotate();
    print(`New active signing key: ${added.kid}`);
    for (const p of previous) print(`Still published for verification: ${p.kid} (retire it later with: npm run keys:retire -- ${p.kid})`);
    print('Running servers start signing with the new key within a minute.');
    return;
  }
  if (command === 'list') {
    const all = await keys.list();
    print(all.length ? keyTable(all) : 'No keys yet: the server creates one when it first starts (or run npm run keys:rotate).');
    return;
  }
  const kid = rest[0]!;
  const key = (await keys.list()).find((k) => k.kid === kid);
  if (!key) throw new CommandError(`no key with kid ${kid}. See: npm run keys:list`);
  if (key.status === 'active') throw new CommandError(`${kid} is the active signing key and cannot be retired. Run npm run keys:rotate first.`);
  if (key.status === 'retired') throw new CommandError(`${kid} is already retired.`);
  if (!(await keys.retire(kid))) throw new CommandError(`${kid} could not be retired (did it just become active?).`);
  print(`Retired ${kid}: it is no longer published in the JWKS.`);
});
