import { parseArgs } from 'node:util';
import type { Platform, PlatformStore } from '../lti/platform-store.js';
import { registerManualPlatform } from '../lti/manual-registration.js';
import { platformUrlProblem } from '../lti/registration-service.js';
import { asUsageError, CommandError, print, runCli, table, UsageError } from './cli-support.js';

/**
 * Manual platform registration, for LMSs without Dynamic Registration (or when an admin prefers
 * it): npm run platform -- <command> [options].
 */

const USAGE = `Usage: npm run platform -- <command> [options]

Commands:
  add --issuer URL --client-id ID --auth-url URL --token-url URL --jwks-url URL
      [--name TEXT] [--token-audience AUD] [--product-family CODE] [--deployment-id ID ...]
                          register a platform (or update the endpoints of an existing one)
  list                    show the registered platforms and their deployments
  remove --issuer URL --client-id ID
                          remove a platform and its deployments
  deployment add    --issuer URL --client-id ID --deployment-id ID
  deployment remove --issuer URL --client-id ID --deployment-id ID

URLs must be https (http only for localhost and 127.0.0.1).
--token-audience: the aud of client assertions when it is not the token URL (Brightspace).
--deployment-id may be repeated.`;

const OPTIONS = {
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'auth-url': { type: 'string' },
  'token-url': { type: 'string' },
  'jwks-url': { type: 'string' },
  name: { type: 'string' },
  'token-audience': { type: 'string' },
  'product-family': { type: 'string' },
  'deployment-id': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseRaw(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return asUsageError(err);
  }
}

type OptionName = keyof typeof OPTIONS;
type Values = ReturnType<typeof parseRaw>['values'];

/** Which options each command takes, so a misplaced one is reported instead of ignored. */
const ALLOWED: Record<string, OptionName[]> = {
  add: ['issuer', 'client-id', 'auth-url', 'token-url', 'jwks-url', 'name', 'token-audience', 'product-family', 'deployment-id'],
  list: [],
  remove: ['issuer', 'client-id'],
  'deployment add': ['issuer', 'client-id', 'deployment-id'],
  'deployment remove': ['issuer', 'client-id', 'deployment-id'],
};

function parse(argv: string[]): { command: string; values: Values } {
  const parsed = parseRaw(argv);
  const values = parsed.values;
  const command = parsed.positionals.join(' ');
  if (values.help || command === 'help' || command === '') return { command: 'help', values };
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command "${command}".`);
  const extra = (Object.keys(values) as OptionName[]).filter((k) => !allowed.includes(k));
  if (extra.length) throw new UsageError(`${extra.map((k) => `--${k}`).join(', ')} cannot be used with "${command}".`);
  return { command, values };
}

function required(values: Values, ...names: Array<Exclude<OptionName, 'deployment-id' | 'help'>>): void {
  const missing = names.filter((n) => !values[n]);
  if (missing.length) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}.`);
}

/** Every problem at once, so the admin fixes the command in one go. */
function checkUrls(values: Values, names: Array<'issuer' | 'auth-url' | 'token-url' | 'jwks-url'>): void {
  const problems: string[] = [];
  for (const n of names) {
    const v = values[n];
    if (!v) continue;
    const problem = platformUrlProblem(v);
    if (problem) problems.push(`--${n} ${problem}: ${v}`);
    else if (n === 'issuer' && (new URL(v).search || new URL(v).hash)) problems.push(`--issuer must not contain a query or fragment: ${v}`);
  }
  if (problems.length) throw new UsageError(problems.join('\n       '));
}

function checkLength(label: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) throw new UsageError(`--${label} is longer than ${max} characters.`);
}

async function findPlatform(platforms: PlatformStore, values: Values): Promise<Platform> {
  const p = await platforms.findByIssuerAndClient(values.issuer!, values['client-id']!);
  if (!p) throw new CommandError(`no platform with issuer ${values.issuer} and client id ${values['client-id']}. See: npm run platform -- list`);
  return p;
}

function describe(p: Platform, deployments: string[]): string {
  return [
    `  name:         ${p.name}`,
    `  issuer:       ${p.issuer}`,
    `  client id:    ${p.clientId}`,
    `  auth URL:     ${p.authEndpoint}`,
    `  token URL:    ${p.tokenEndpoint}`,
    `  JWKS URL:     ${p.jwksUri}`,
    ...(p.tokenAudience ? [`  token aud:    ${p.tokenAudience}`] : []),
    `  deployments:  ${deployments.length ? deployments.join(', ') : '(none yet: add one with "deployment add")'}`,
  ].join('\n');
}

await runCli(USAGE, async (open) => {
  const { command, values } = parse(process.argv.slice(2));
  if (command === 'help') {
    print(USAGE);
    return;
  }
  if (command !== 'list') required(values, 'issuer', 'client-id');
  if (command === 'add') {
    required(values, 'issuer', 'client-id', 'auth-url', 'token-url', 'jwks-url');
    checkUrls(values, ['issuer', 'auth-url', 'token-url', 'jwks-url']);
    checkLength('client-id', values['client-id'], 255);
    checkLength('name', values.name, 255);
    checkLength('product-family', values['product-family'], 64);
    checkLength('token-audience', values['token-audience'], 1024);
  }
  if (command.startsWith('deployment')) required(values, 'issuer', 'client-id');
  const deploymentIds = values['deployment-id'] ?? [];
  for (const d of deploymentIds) checkLength('deployment-id', d, 255);
  if (command.startsWith('deployment') && deploymentIds.length !== 1) throw new UsageError('give exactly one --deployment-id.');

  const { container } = await open();
  const { platforms, clock } = container;

  switch (command) {
    case 'add': {
      const { platform: p, updated } = await registerManualPlatform(
        platforms,
        {
          issuer: values.issuer!,
          clientId: values['client-id']!,
          name: values.name,
          productFamily: values['product-family'],
          authEndpoint: values['auth-url']!,
          tokenEndpoint: values['token-url']!,
          jwksUri: values['jwks-url']!,
          tokenAudience: values['token-audience'],
          deploymentIds,
        },
        clock.now(),
      );
      const deployments = (await platforms.listDeployments(p.id)).map((d) => d.deploymentId);
      print(`${updated ? 'Updated' : 'Added'} platform:\n${describe(p, deployments)}`);
      return;
    }
    case 'list': {
      const all = await platforms.list();
      if (!all.length) {
        print('No platforms registered. Add one with: npm run platform -- add --help');
        return;
      }
      const rows = await Promise.all(
        all.map(async (p) => [p.issuer, p.clientId, p.name, p.source, p.status, (await platforms.listDeployments(p.id)).map((d) => (d.status === 'disabled' ? `${d.deploymentId} (disabled)` : d.deploymentId)).join(', ') || '-']),
      );
      print(table(['ISSUER', 'CLIENT ID', 'NAME', 'SOURCE', 'STATUS', 'DEPLOYMENTS'], rows));
      return;
    }
    case 'remove': {
      const p = await findPlatform(platforms, values);
      const n = (await platforms.listDeployments(p.id)).length;
      await platforms.remove(p.id);
      print(`Removed platform ${p.name} (issuer ${p.issuer}, client id ${p.clientId}) and its ${n} deployment${n === 1 ? '' : 's'}.`);
      return;
    }
    case 'deployment add': {
      const p = await findPlatform(platforms, values);
      const existed = await platforms.findDeployment(p.id, deploymentIds[0]!);
      await platforms.addDeployment(p.id, deploymentIds[0]!, clock.now());
      print(existed ? `Deployment ${deploymentIds[0]} was already registered for ${p.name}.` : `Added deployment ${deploymentIds[0]} to ${p.name}.`);
      return;
    }
    case 'deployment remove': {
      const p = await findPlatform(platforms, values);
      if (!(await platforms.removeDeployment(p.id, deploymentIds[0]!))) throw new CommandError(`${p.name} has no deployment ${deploymentIds[0]}.`);
      print(`Removed deployment ${deploymentIds[0]} from ${p.name}.`);
      return;
    }
  }
});
