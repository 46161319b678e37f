import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { mountCoursePage } from './course-page.js';
import { mountRegistration } from './registration.js';
import { mountServices } from './services.js';

/**
 * A real LTI 1.3 platform over HTTP with real RSA keys, for tests and benchmarks: OIDC auth
 * endpoint, JWKS, token endpoint, NRPS, AGS, deep-link return and dynamic registration.
 * It checks what the tool sends as strictly as a certified platform would.
 */

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const ROLE = {
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  ta: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  mentor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor',
  admin: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
} as const;

export interface EmulatorKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface LaunchSpec {
  /** The user's LTI sub; null for an anonymous launch. */
  sub?: string | null;
  name?: string;
  email?: string;
  roles?: string[];
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest' | string;
  contextId?: string | null;
  contextTitle?: string;
  resourceLinkId?: string | null;
  resourceLinkTitle?: string;
  deploymentId?: string;
  custom?: Record<string, string>;
  mentees?: string[];
  locale?: string;
  /** Extra claims merged last (a value of undefined deletes the claim). */
  claims?: Record<string, unknown>;
  deepLinking?: { acceptTypes?: string[]; acceptMultiple?: boolean | string; acceptTargets?: string[]; data?: string };
}

export interface AuthRequest {
  params: Record<string, string>;
  spec: LaunchSpec;
}

/** Received deep-linking responses, verified or not (tests check `verified`). */
export interface DeepLinkReturn {
  jwt: string;
}

export class PlatformEmulator {
  readonly app: Express = express();
  url = '';
  clientId = 'threadline-test-client';
  deploymentId = 'deployment-1';
  /** Where the tool's launch/redirect endpoint is; the auth endpoint only accepts this redirect_uri. */
  toolLaunchUrl = '';
  toolJwksUrl = '';
  key!: EmulatorKey;
  /** Keys still published (after rotation the old one stays until dropped). */
  published: EmulatorKey[] = [];
  jwksFetches = 0;
  authRequests: AuthRequest[] = [];
  deepLinkReturns: DeepLinkReturn[] = [];
  private specs = new Map<string, LaunchSpec>();
  private server?: Server;

  get issuer(): string {
    return this.url;
  }
  get authEndpoint(): string {
    return `${this.url}/auth`;
  }
  get tokenEndpoint(): string {
    return `${this.url}/token`;
  }
  get jwksUri(): string {
    return `${this.url}/jwks`;
  }
  get deepLinkReturnUrl(): string {
    return `${this.url}/deep-link-return`;
  }

  static async start(opts: { toolUrl?: string; clientId?: string } = {}): Promise<PlatformEmulator> {
    const emu = new PlatformEmulator();
    if (opts.clientId) emu.clientId = opts.clientId;
    emu.key = await PlatformEmulator.newKey();
    emu.published = [emu.key];
    emu.mount();
    await new Promise<void>((resolve) => {
      emu.server = emu.app.listen(0, '127.0.0.1', () => resolve());
    });
    emu.url = `http://127.0.0.1:${(emu.server!.address() as AddressInfo).port}`;
    if (opts.toolUrl) emu.setTool(opts.toolUrl);
    return emu;
  }

  setTool(toolUrl: string): void {
    this.toolLaunchUrl = `${toolUrl}/lti/launch`;
    this.toolJwksUrl = `${toolUrl}/.well-known/jwks.json`;
  }

  static async newKey(): Promise<EmulatorKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = crypto.randomUUID();
    return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  }

  /** Rotates the platform signing key; the old key stays in the JWKS unless `dropOld`. */
  async rotateKey(dropOld = false): Promise<void> {
    this.key = await PlatformEmulator.newKey();
    this.published = dropOld ? [this.key] : [...this.published, this.key];
  }

  /** Registers what the next launch with this login_hint should say; returns the login_hint. */
  prepare(spec: LaunchSpec): string {
    const hint = crypto.randomUUID();
    this.specs.set(hint, spec);
    return hint;
  }

  /** The claims an honest platform would send for `spec`. */
  claimsFor(spec: LaunchSpec, nonce: string): JWTPayload {
    const messageType = spec.messageType ?? 'LtiResourceLinkRequest';
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      aud: this.clientId,
      azp: this.clientId,
      iat: now,
      exp: now + 300,
      nonce,
      [`${LTI}message_type`]: messageType,
      [`${LTI}version`]: '1.3.0',
      [`${LTI}deployment_id`]: spec.deploymentId ?? this.deploymentId,
      [`${LTI}target_link_uri`]: this.toolLaunchUrl,
      [`${LTI}roles`]: spec.roles ?? [ROLE.learner],
      [`${LTI}tool_platform`]: { guid: 'emulator', name: 'Threadline test platform', product_family_code: 'emulator', version: '1' },
      [`${LTI}launch_presentation`]: { document_target: 'iframe', return_url: `${this.url}/return`, locale: spec.locale ?? 'en-US' },
    };
    if (spec.sub !== null) claims.sub = spec.sub ?? 'learner-1';
    if (spec.name) claims.name = spec.name;
    if (spec.email) claims.email = spec.email;
    if (spec.contextId !== null) {
      claims[`${LTI}context`] = { id: spec.contextId ?? 'course-1', label: 'C1', title: spec.contextTitle ?? 'Course One', type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'] };
      claims['https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice'] = {
        context_memberships_url: `${this.url}/nrps/${encodeURIComponent(spec.contextId ?? 'course-1')}/memberships`,
        service_versions: ['2.0'],
      };
    }
    if (messageType === 'LtiResourceLinkRequest' && spec.resourceLinkId !== null) {
      claims[`${LTI}resource_link`] = { id: spec.resourceLinkId ?? 'link-1', title: spec.resourceLinkTitle ?? 'Week 1 prep' };
      const ctx = encodeURIComponent(spec.contextId ?? 'course-1');
      claims['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] = {
        scope: [
          'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
          'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
          'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        ],
        lineitems: `${this.url}/ags/${ctx}/lineitems`,
      };
    }
    if (messageType === 'LtiDeepLinkingRequest') {
      const dl = spec.deepLinking ?? {};
      claims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'] = {
        deep_link_return_url: this.deepLinkReturnUrl,
        accept_types: dl.acceptTypes ?? ['ltiResourceLink'],
        accept_presentation_document_targets: dl.acceptTargets ?? ['iframe', 'window'],
        accept_multiple: dl.acceptMultiple ?? false,
        data: dl.data ?? 'opaque-platform-data',
      };
    }
    if (spec.custom) claims[`${LTI}custom`] = spec.custom;
    if (spec.mentees) claims[`${LTI}role_scope_mentor`] = spec.mentees;
    for (const [k, v] of Object.entries(spec.claims ?? {})) {
      if (v === undefined) delete claims[k];
      else claims[k] = v;
    }
    return claims as JWTPayload;
  }

  /** Signs an id_token with the current key (or `key`), RS256, kid in the header. */
  async sign(claims: JWTPayload, opts: { key?: EmulatorKey; kid?: string | null; typ?: string } = {}): Promise<string> {
    const key = opts.key ?? this.key;
    const header: Record<string, unknown> = { alg: 'RS256', typ: opts.typ ?? 'JWT' };
    if (opts.kid !== null) header.kid = opts.kid ?? key.kid;
    return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
  }

  private mount(): void {
    const app = this.app;
    app.use(express.urlencoded({ extended: false }));
    app.use(express.json({ type: ['application/json', 'application/*+json'] }));

    app.get('/jwks', (_req, res) => {
      this.jwksFetches++;
      res.json({ keys: this.published.map((k) => k.publicJwk) });
    });

    // OIDC authorisation endpoint (Security Framework §5.1.1.2): checks the request strictly, then
    // answers with the auto-submitting form_post a browser would see.
    app.get('/auth', async (req, res) => {
      const q = req.query as Record<string, string>;
      const problems: string[] = [];
      if (q.scope !== 'openid') problems.push('scope must be openid');
      if (q.response_type !== 'id_token') problems.push('response_type must be id_token');
      if (q.response_mode !== 'form_post') problems.push('response_mode must be form_post');
      if (q.prompt !== 'none') problems.push('prompt must be none');
      if (q.client_id !== this.clientId) problems.push('unknown client_id');
      if (q.redirect_uri !== this.toolLaunchUrl) problems.push(`redirect_uri ${q.redirect_uri} is not registered`);
      if (!q.nonce) problems.push('nonce missing');
      if (!q.state) problems.push('state missing');
      const spec = q.login_hint ? this.specs.get(q.login_hint) : undefined;
      if (!spec) problems.push('unknown login_hint');
      if (problems.length) {
        res.status(400).type('text/plain').send(problems.join('; '));
        return;
      }
      this.authRequests.push({ params: q, spec: spec! });
      const idToken = await this.sign(this.claimsFor(spec!, q.nonce!));
      res.type('html').send(autoPostForm(q.redirect_uri!, { id_token: idToken, state: q.state! }));
    });

    app.post('/deep-link-return', (req, res) => {
      const jwt = (req.body as Record<string, string>).JWT ?? '';
      this.deepLinkReturns.push({ jwt });
      res.type('html').send('<!doctype html><title>Returned</title><p>Content added.</p>');
    });

    mountServices(app, this);
    mountRegistration(app, this);
    mountCoursePage(app, this);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function autoPostForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  return `<!doctype html><html><body><form id="f" method="post" action="${esc(action)}">${inputs}<button>Continue</button></form><script>document.getElementById('f').submit()</script></body></html>`;
}
