import crypto from 'node:crypto';
import type { Express, Request } from 'express';
import type { PlatformEmulator } from './platform-emulator.js';

/**
 * Dynamic Registration 1.0, platform side: the OpenID configuration (§3.4) and the registration
 * endpoint (§3.5.2), which checks the tool's request as strictly as a certified platform would.
 * Tests steer it through `registrationControls(emu)`; the state lives here, not on the emulator.
 */

const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

export const EMULATOR_SCOPES = [
  'openid',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

export interface ReceivedRegistration {
  authorization: string | undefined;
  contentType: string | undefined;
  body: Record<string, unknown>;
  /** What the emulator found wrong with it; empty when it was accepted. */
  problems: string[];
}

export interface RegistrationControls {
  /** The registration token POST /register requires as `Authorization: Bearer …`. */
  token: string;
  productFamily: string;
  /** Shallow overrides of the OpenID configuration; a value of undefined deletes the field. */
  configOverrides: Record<string, unknown>;
  /** When set, POST /register answers with this instead of registering. */
  failWith: { status: number; body: unknown } | null;
  /** What the next successful registration issues. */
  issueClientId: string;
  /** null: the answer carries no deployment_id. */
  issueDeploymentId: string | null;
  /** Every registration request received, accepted or not. */
  registrations: ReceivedRegistration[];
  /** Authorization headers seen on configuration requests. */
  configRequests: Array<{ authorization: string | undefined }>;
}

const controls = new WeakMap<PlatformEmulator, RegistrationControls>();

function freshControls(): RegistrationControls {
  return {
    token: `reg-${crypto.randomBytes(12).toString('base64url')}`,
    productFamily: 'emulator',
    configOverrides: {},
    failWith: null,
    issueClientId: `dyn-client-${crypto.randomBytes(4).toString('hex')}`,
    issueDeploymentId: 'dyn-deployment-1',
    registrations: [],
    configRequests: [],
  };
}

export function registrationControls(emu: PlatformEmulator): RegistrationControls {
  let c = controls.get(emu);
  if (!c) {
    c = freshControls();
    controls.set(emu, c);
  }
  return c;
}

/** Back to defaults (new token, new client id), e.g. between test cases. */
export function resetRegistration(emu: PlatformEmulator): RegistrationControls {
  const c = freshControls();
  controls.set(emu, c);
  return c;
}

export function openIdConfiguration(emu: PlatformEmulator): Record<string, unknown> {
  const c = registrationControls(emu);
  const config: Record<string, unknown> = {
    issuer: emu.issuer,
    authorization_endpoint: emu.authEndpoint,
    token_endpoint: emu.tokenEndpoint,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    jwks_uri: emu.jwksUri,
    registration_endpoint: `${emu.url}/register`,
    scopes_supported: EMULATOR_SCOPES,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'aud', 'sub', 'name', 'given_name', 'family_name', 'email', 'locale'],
    [PLATFORM_CONFIGURATION]: {
      product_family_code: c.productFamily,
      version: '1.0',
      messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }],
    },
  };
  for (const [k, v] of Object.entries(c.configOverrides)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  return config;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sameList = (v: unknown, want: string[]): boolean => Array.isArray(v) && v.length === want.length && want.every((w) => v.includes(w));

/** Checks a registration request against §3.5.2 and what this tool must send. */
function checkRegistration(emu: PlatformEmulator, body: Record<string, unknown>, config: Record<string, unknown>): { error: string; problems: string[] } | null {
  const problems: string[] = [];
  const toolBase = emu.toolLaunchUrl.replace(/\/lti\/launch$/, '');
  if (body.application_type !== 'web') problems.push('application_type must be web');
  if (!sameList(body.response_types, ['id_token'])) problems.push('response_types must be [id_token]');
  if (!sameList(body.grant_types, ['implicit', 'client_credentials'])) problems.push('grant_types must be [implicit, client_credentials]');
  if (body.initiate_login_uri !== `${toolBase}/lti/login`) problems.push(`initiate_login_uri ${String(body.initiate_login_uri)} is not the tool's login URL`);
  if (body.jwks_uri !== emu.toolJwksUrl) problems.push(`jwks_uri ${String(body.jwks_uri)} is not the tool's JWKS`);
  if (body.token_endpoint_auth_method !== 'private_key_jwt') problems.push('token_endpoint_auth_method must be private_key_jwt');
  if (typeof body.client_name !== 'string' || !body.client_name) problems.push('client_name missing');
  if (body.logo_uri !== undefined && (typeof body.logo_uri !== 'string' || !body.logo_uri.startsWith(`${toolBase}/`))) problems.push('logo_uri invalid');
  if (typeof body.scope !== 'string') problems.push('scope must be a space-separated string');
  else {
    const supported = (config.scopes_supported as string[] | undefined) ?? [];
    for (const s of body.scope.split(' ').filter(Boolean)) if (!supported.includes(s)) problems.push(`scope ${s} is not supported`);
  }
  const tc = body[TOOL_CONFIGURATION];
  if (!isObj(tc)) problems.push(`${TOOL_CONFIGURATION} missing`);
  else {
    if (tc.domain !== new URL(toolBase).host) problems.push(`domain ${String(tc.domain)} is not the tool's host`);
    if (tc.target_link_uri !== emu.toolLaunchUrl) problems.push('target_link_uri is not the tool launch URL');
    if (!Array.isArray(tc.claims) || !tc.claims.includes('iss') || !tc.claims.includes('sub')) problems.push('claims must include iss and sub');
    const supported = ((config[PLATFORM_CONFIGURATION] as Record<string, unknown> | undefined)?.messages_supported as Array<{ type: string; placements?: string[] }> | undefined) ?? [];
    if (!Array.isArray(tc.messages)) problems.push('messages must be a list');
    else {
      for (const m of tc.messages as unknown[]) {
        if (!isObj(m) || typeof m.type !== 'string') {
          problems.push('message without type');
          continue;
        }
        const offered = supported.find((s) => s.type === m.type);
        if (!offered) problems.push(`message type ${m.type} is not supported`);
        if (typeof m.target_link_uri !== 'string' || !m.target_link_uri.startsWith(`${toolBase}/`)) problems.push(`message ${m.type} target_link_uri invalid`);
        if (m.placements !== undefined) {
          const bad = Array.isArray(m.placements) ? m.placements.filter((p) => !(offered?.placements ?? []).includes(String(p))) : ['(not a list)'];
          if (bad.length) problems.push(`message ${m.type} placements not offered: ${bad.join(', ')}`);
        }
      }
    }
  }
  const redirects = body.redirect_uris;
  if (!Array.isArray(redirects) || !redirects.includes(emu.toolLaunchUrl)) {
    return { error: 'invalid_redirect_uri', problems: [`redirect_uris must include ${emu.toolLaunchUrl}`, ...problems] };
  }
  return problems.length ? { error: 'invalid_client_metadata', problems } : null;
}

export function mountRegistration(app: Express, emu: PlatformEmulator): void {
  // §3.4: the platform's OpenID configuration.
  app.get('/.well-known/openid-configuration', (req, res) => {
    registrationControls(emu).configRequests.push({ authorization: req.get('authorization') });
    res.json(openIdConfiguration(emu));
  });

  // §3.5.2: the registration endpoint (OAuth 2.0 Dynamic Client Registration, RFC 7591).
  app.post('/register', (req: Request, res) => {
    const c = registrationControls(emu);
    const body = isObj(req.body) ? req.body : {};
    const received: ReceivedRegistration = { authorization: req.get('authorization'), contentType: req.get('content-type'), body, problems: [] };
    c.registrations.push(received);
    if (received.authorization !== `Bearer ${c.token}`) {
      received.problems.push('bad registration token');
      res.status(401).json({ error: 'invalid_token', error_description: 'The registration token is missing or invalid.' });
      return;
    }
    if (!req.is('application/json')) {
      received.problems.push('not JSON');
      res.status(400).json({ error: 'invalid_client_metadata', error_description: 'Send application/json.' });
      return;
    }
    if (c.failWith) {
      received.problems.push('failWith');
      res.status(c.failWith.status).json(c.failWith.body);
      return;
    }
    const refused = checkRegistration(emu, body, openIdConfiguration(emu));
    if (refused) {
      received.problems.push(...refused.problems);
      res.status(400).json({ error: refused.error, error_description: refused.problems.join('; ') });
      return;
    }
    // The answer echoes the registration with the client id and, in the tool configuration, the deployment.
    const toolConfig = { ...(body[TOOL_CONFIGURATION] as Record<string, unknown>) };
    if (c.issueDeploymentId !== null) toolConfig.deployment_id = c.issueDeploymentId;
    res.json({ ...body, client_id: c.issueClientId, registration_client_uri: `${emu.url}/register/${c.issueClientId}`, [TOOL_CONFIGURATION]: toolConfig });
  });
}
