import { z } from 'zod';
import type { Clock } from '../clock.js';
import { httpRequest, parseJson, safeHost, type HttpFetch } from '../http-client.js';
import { AppError, BadRequestError, UpstreamError } from '../web/errors.js';
import type { Platform, PlatformStore } from './platform-store.js';
import { PLATFORM_CONFIGURATION_KEY, registrationRequest, TOOL_CONFIGURATION_KEY, type ClientRegistrationRequest } from './tool-configuration.js';

/**
 * LTI Dynamic Registration 1.0, tool side: §3.3 initiation → §3.4 discovery → §3.5 client
 * registration → store the platform. §3.6 (telling the platform window to close) is the view's job.
 */

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why `value` cannot be a platform endpoint, or null when it can. Platform endpoints carry
 * id_tokens and access tokens, so they must be https; plain http is allowed only on this machine,
 * for development and tests.
 */
export function platformUrlProblem(value: string): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (u.username || u.password) return 'must not contain a user name or password';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname)) return null;
  return 'must use https (http is accepted only for localhost and 127.0.0.1)';
}

// --- §3.4 the platform's OpenID configuration ------------------------------------------------

const missingOr = (what: string) => (i: { input: unknown }) => (i.input === undefined ? 'is missing' : `must be ${what}`);
const text = (max: number) => z.string({ error: missingOr('a string') }).min(1, 'is empty').max(max, `is longer than ${max} characters`);
const endpoint = () =>
  text(1024).superRefine((v, ctx) => {
    const problem = platformUrlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const strings = () => z.array(z.string(), { error: missingOr('a list of strings') });
const including = (value: string) => strings().refine((l) => l.includes(value), `must include ${value}`);

const messageSupported = z.union([
  z.string().transform((type) => ({ type, placements: [] as string[] })),
  z.object({ type: z.string(), placements: z.array(z.string()).optional() }).transform((m) => ({ type: m.type, placements: m.placements ?? [] })),
]);

/** §3.4: the platform configuration, i.e. the OpenID fields we depend on plus the LTI extension. */
const openIdConfigurationSchema = z.object({
  issuer: text(512).superRefine((v, ctx) => {
    const problem = platformUrlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (new URL(v).search || new URL(v).hash) ctx.addIssue({ code: 'custom', message: 'must not contain a query or fragment' });
  }),
  authorization_endpoint: endpoint(),
  token_endpoint: endpoint(),
  jwks_uri: endpoint(),
  registration_endpoint: endpoint(),
  // The platform's audience for our client assertions, when it is not the token endpoint.
  authorization_server: z.string().max(1024).optional(),
  // We authenticate to the token endpoint with a signed JWT (Security Framework §4.1) …
  token_endpoint_auth_methods_supported: including('private_key_jwt'),
  // … and verify id_tokens with RS256 only (Security Framework §6.1).
  id_token_signing_alg_values_supported: including('RS256'),
  scopes_supported: strings(),
  [PLATFORM_CONFIGURATION_KEY]: z.object(
    {
      product_family_code: text(64),
      version: z.string().optional(),
      messages_supported: z.array(messageSupported, { error: missingOr('a list') }),
    },
    { error: missingOr('an object') },
  ),
});

type OpenIdConfiguration = z.infer<typeof openIdConfigurationSchema>;

/** A zod path as an admin would read it: the long LTI key shortened, array indices bracketed. */
function fieldName(path: PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p) === PLATFORM_CONFIGURATION_KEY ? 'lti-platform-configuration' : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

// --- §3.5 the platform's answer to our registration -------------------------------------------

const idValue = z.union([z.string().min(1).max(255), z.number()]).transform(String);
const registrationAnswerSchema = z.object({
  client_id: idValue,
  [TOOL_CONFIGURATION_KEY]: z.object({ deployment_id: idValue.optional() }).optional(),
});

const FAMILY_NAMES: Record<string, string> = {
  moodle: 'Moodle',
  canvas: 'Canvas',
  desire2learn: 'Brightspace',
  sakai: 'Sakai',
  blackboard: 'Blackboard',
  schoology: 'Schoology',
};

// Instructure Cloud Canvas issues as one of these for every school, while each school's
// openid_configuration lives on its own *.instructure.com host.
const CANVAS_CLOUD_ISSUERS = new Set(['https://canvas.instructure.com', 'https://canvas.beta.instructure.com', 'https://canvas.test.instructure.com']);

export interface RegistrationInput {
  openidConfiguration?: string;
  registrationToken?: string;
}

export interface RegistrationOutcome {
  platform: Platform;
  /** The deployment the platform created for us, when it said. */
  deploymentId: string | null;
  productFamily: string;
  /** Moodle keeps dynamically registered tools Pending until a site admin activates them. */
  needsActivation: boolean;
  /** What we asked for, e.g. to show the granted scopes. */
  request: ClientRegistrationRequest;
}

export interface RegistrationServiceDeps {
  platforms: PlatformStore;
  clock: Clock;
  fetch: HttpFetch;
  publicUrl: string;
}

const RETRY_HINT = 'Start the registration again from your LMS. If it keeps failing, register Threadline manually (see the home page of this site).';

export function createRegistrationService(deps: RegistrationServiceDeps) {
  return {
    async register(input: RegistrationInput): Promise<RegistrationOutcome> {
      const configUrl = initiation(input);
      const token = input.registrationToken || undefined;
      const config = await discover(configUrl, token, deps.fetch);
      checkIssuer(config.issuer, configUrl);
      const platformConfig = config[PLATFORM_CONFIGURATION_KEY];
      const request = registrationRequest(deps.publicUrl, {
        scopesSupported: config.scopes_supported,
        messagesSupported: new Map(platformConfig.messages_supported.map((m) => [m.type, m.placements])),
      });
      const answer = await registerClient(config.registration_endpoint, request, token, deps.fetch);
      const productFamily = platformConfig.product_family_code;
      const platform = await store(deps, config, answer.clientId, productFamily);
      if (answer.deploymentId) await deps.platforms.addDeployment(platform.id, answer.deploymentId, deps.clock.now());
      return { platform, deploymentId: answer.deploymentId, productFamily, needsActivation: productFamily === 'moodle', request };
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;

/** §3.3: the platform opens our registration URL with openid_configuration (+ registration_token). */
function initiation(input: RegistrationInput): string {
  const url = input.openidConfiguration;
  if (!url) {
    throw new BadRequestError(
      'registration_params_invalid',
      'This is the Dynamic Registration address of Threadline: it is meant to be opened by your LMS, which adds an openid_configuration parameter.',
      'In your LMS, choose to add an LTI 1.3 tool by registration URL (Dynamic Registration) and paste this address there.',
    );
  }
  const problem = platformUrlProblem(url);
  if (problem) throw new BadRequestError('registration_params_invalid', `The openid_configuration address sent by the LMS ${problem}.`, RETRY_HINT);
  return url;
}

/** §3.4: fetch and check the platform's OpenID configuration. */
async function discover(configUrl: string, token: string | undefined, fetchImpl: HttpFetch): Promise<OpenIdConfiguration> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Some platforms (Canvas) want the registration token on the configuration request as well.
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await httpRequest(configUrl, { headers, maxBytes: 512 * 1024 }, fetchImpl);
  const host = safeHost(configUrl);
  if (res.status >= 500) throw new UpstreamError('openid_configuration_unavailable', `${host} could not send its configuration (HTTP ${res.status}).`, RETRY_HINT);
  if (res.status !== 200) {
    throw new BadRequestError('openid_configuration_refused', `${host} refused to send its configuration (HTTP ${res.status}).`, tokenHint(res.status));
  }
  const parsed = openIdConfigurationSchema.safeParse(parseJson(res, `The configuration from ${host}`));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${fieldName(i.path)} ${i.message}`);
    throw new BadRequestError('openid_configuration_invalid', `The LMS configuration from ${host} cannot be used: ${problems.join('; ')}.`, 'Threadline needs an LTI 1.3 platform that supports Dynamic Registration 1.0. Register it manually if your LMS cannot.');
  }
  return parsed.data;
}

/**
 * §3.5.1: the issuer must match the host the configuration came from, or anyone could publish a
 * configuration claiming another platform's issuer.
 */
function checkIssuer(issuer: string, configUrl: string): void {
  const i = new URL(issuer);
  const c = new URL(configUrl);
  if (i.origin === c.origin) return;
  if (CANVAS_CLOUD_ISSUERS.has(i.origin) && c.protocol === 'https:' && c.hostname.endsWith('.instructure.com')) return;
  throw new BadRequestError(
    'issuer_mismatch',
    `The LMS configuration names the issuer ${issuer}, which does not match the address it came from (${c.origin}).`,
    'For safety Threadline only accepts a configuration published by the platform it describes (LTI Dynamic Registration §3.5.1). Check the LMS address, or register Threadline manually.',
  );
}

/** §3.5.2: POST the registration request; the answer carries our client_id, or an OAuth registration error. */
async function registerClient(endpointUrl: string, request: ClientRegistrationRequest, token: string | undefined, fetchImpl: HttpFetch): Promise<{ clientId: string; deploymentId: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await httpRequest(endpointUrl, { method: 'POST', headers, body: JSON.stringify(request), maxBytes: 512 * 1024 }, fetchImpl);
  const host = safeHost(endpointUrl);
  if (res.status < 200 || res.status > 299) {
    const detail = refusalDetail(res.text);
    const message = `${host} refused the registration (HTTP ${res.status}${detail ? `: ${detail}` : ''}).`;
    if (res.status >= 500) throw new UpstreamError('registration_failed', message, RETRY_HINT);
    throw new BadRequestError('registration_refused', message, tokenHint(res.status));
  }
  const parsed = registrationAnswerSchema.safeParse(parseJson(res, `The registration answer from ${host}`));
  if (!parsed.success) {
    throw new UpstreamError('registration_answer_invalid', `${host} accepted the registration but its answer has no usable client_id.`, RETRY_HINT);
  }
  return { clientId: parsed.data.client_id, deploymentId: parsed.data[TOOL_CONFIGURATION_KEY]?.deployment_id ?? null };
}

function tokenHint(status: number): string {
  return status === 401 || status === 403
    ? 'The registration token was missing, wrong or expired (it is valid once, for a short time). Start the registration again from your LMS.'
    : RETRY_HINT;
}

/** The platform's reason, from an OAuth error (RFC 7591 §3.2.2) or Canvas's `errors` list; plain text, short. */
function refusalDetail(body: string): string {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return '';
  }
  if (!j || typeof j !== 'object') return '';
  const o = j as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof o.error === 'string') parts.push(o.error);
  if (typeof o.error_description === 'string') parts.push(o.error_description);
  if (Array.isArray(o.errors)) {
    for (const e of o.errors) {
      if (typeof e === 'string') parts.push(e);
      else if (e && typeof e === 'object') {
        const { field, message } = e as Record<string, unknown>;
        if (typeof message === 'string') parts.push(typeof field === 'string' ? `${field} ${message}` : message);
      }
    }
  }
  return parts.join(': ').replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}

/**
 * Saves the platform. A registration never silently replaces the endpoints of a platform we
 * already trust under the same issuer + client id: whoever answered the registration chose that
 * client id, and new endpoints (a new JWKS) would let them sign launches as that platform.
 */
async function store(deps: RegistrationServiceDeps, config: OpenIdConfiguration, clientId: string, productFamily: string): Promise<Platform> {
  const existing = await deps.platforms.findByIssuerAndClient(config.issuer, clientId);
  const same =
    existing &&
    existing.authEndpoint === config.authorization_endpoint &&
    existing.tokenEndpoint === config.token_endpoint &&
    existing.jwksUri === config.jwks_uri;
  if (existing && !same) {
    throw new AppError(
      409,
      'platform_conflict',
      `A platform with issuer ${config.issuer} and client id ${clientId} is already registered with other endpoints, so it was left unchanged.`,
      `If the LMS really moved, remove the old registration first: npm run platform -- remove --issuer '${config.issuer}' --client-id '${clientId}'`,
    );
  }
  const issuerHost = new URL(config.issuer).host;
  return deps.platforms.upsert(
    {
      issuer: config.issuer,
      clientId,
      name: `${FAMILY_NAMES[productFamily] ?? productFamily} (${issuerHost})`.slice(0, 255),
      productFamily,
      authEndpoint: config.authorization_endpoint,
      tokenEndpoint: config.token_endpoint,
      jwksUri: config.jwks_uri,
      // §3.4 authorization_server: the aud for our client assertions when it differs from the token endpoint.
      tokenAudience: config.authorization_server || null,
      // A re-run of the same registration must not re-enable a platform an admin disabled.
      source: existing?.source ?? 'dynamic',
      status: existing?.status,
    },
    deps.clock.now(),
  );
}
