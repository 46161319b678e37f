import crypto from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { PlatformEmulator } from './platform-emulator.js';

/**
 * Token endpoint, NRPS and AGS of the emulator. Checks what the tool sends as strictly as the
 * pickiest real platform: Canvas (User-Agent), Blackboard ("Bearer", iat + exp), Brightspace (own
 * token audience, scores ≤ maximum), plus replayed jti and exact media types.
 * State lives here, keyed by emulator; tests read and steer it through the exported helpers.
 */

export const SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

export const MEDIA = {
  nrps: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
} as const;

const ACTIVITY = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];

export interface EmulatorMember {
  user_id: string;
  roles: string[];
  status?: 'Active' | 'Inactive' | 'Deleted';
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  picture?: string;
  lis_person_sourcedid?: string;
}

export interface EmulatorLineItem {
  /** The line item URL. */
  id: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
}

export interface ReceivedScore {
  contextId: string;
  lineItemId: string;
  contentType: string;
  authorization: string;
  /** The query string the score URL carried (e.g. Moodle's ?type_id=…). */
  query: string;
  body: Record<string, unknown>;
}

export interface TokenRequest {
  ok: boolean;
  error?: string;
  scopes: string[];
  userAgent?: string;
  header?: Record<string, unknown>;
  claims?: JWTPayload;
}

export interface ServiceRequest {
  method: string;
  path: string;
  authorization: string;
  accept: string;
  contentType: string;
}

export interface ServicesConfig {
  /** The audience the token endpoint expects in client assertions; null means its own URL. */
  audience: string | null;
  expiresIn: number;
  allowedScopes: string[];
  /** When set, the token endpoint refuses every request with this answer. */
  tokenError: { status: number; body: Record<string, string> } | null;
  /** Default page size of NRPS and line item containers. */
  pageSize: number;
  /** Accept scoreGiven above scoreMaximum (Brightspace's "Can exceed"). */
  allowExceed: boolean;
}

interface IssuedToken {
  scopes: string[];
  expiresAt: number;
}

export interface ServicesState {
  config: ServicesConfig;
  tokenRequests: TokenRequest[];
  serviceRequests: ServiceRequest[];
  tokens: Map<string, IssuedToken>;
  usedJtis: Set<string>;
  memberships: Map<string, { context: { id: string; label?: string; title?: string }; members: EmulatorMember[] }>;
  lineItems: Map<string, EmulatorLineItem[]>;
  scores: ReceivedScore[];
  nextLineItem: number;
  jwks?: { url: string; set: ReturnType<typeof createRemoteJWKSet> };
}

const defaultConfig = (): ServicesConfig => ({
  audience: null,
  expiresIn: 3600,
  allowedScopes: Object.values(SCOPE),
  tokenError: null,
  pageSize: 10,
  allowExceed: false,
});

const states = new WeakMap<PlatformEmulator, ServicesState>();

/** The services state of `emu` (created on first use). */
export function services(emu: PlatformEmulator): ServicesState {
  let s = states.get(emu);
  if (!s) {
    s = {
      config: defaultConfig(),
      tokenRequests: [],
      serviceRequests: [],
      tokens: new Map(),
      usedJtis: new Set(),
      memberships: new Map(),
      lineItems: new Map(),
      scores: [],
      nextLineItem: 1,
    };
    states.set(emu, s);
  }
  return s;
}

export function configureServices(emu: PlatformEmulator, patch: Partial<ServicesConfig>): void {
  Object.assign(services(emu).config, patch);
}

/** Back to defaults; forgets issued tokens and recorded requests, keeps members and line items. */
export function resetServices(emu: PlatformEmulator): void {
  const s = services(emu);
  s.config = defaultConfig();
  s.tokens.clear();
  s.tokenRequests.length = 0;
  s.serviceRequests.length = 0;
  s.scores.length = 0;
}

/** Every issued token stops working (the platform restarted or revoked them). */
export function revokeTokens(emu: PlatformEmulator): void {
  services(emu).tokens.clear();
}

export function setMembers(emu: PlatformEmulator, contextId: string, members: EmulatorMember[], context: { label?: string; title?: string } = {}): void {
  services(emu).memberships.set(contextId, { context: { id: contextId, ...context }, members });
}

export const lineItemsUrl = (emu: PlatformEmulator, contextId: string): string => `${emu.url}/ags/${encodeURIComponent(contextId)}/lineitems`;
export const membershipsUrl = (emu: PlatformEmulator, contextId: string): string => `${emu.url}/nrps/${encodeURIComponent(contextId)}/memberships`;

/** Adds a line item as if an instructor had made the gradebook column; returns it with its URL. */
export function addLineItem(emu: PlatformEmulator, contextId: string, item: Omit<EmulatorLineItem, 'id'>): EmulatorLineItem {
  const s = services(emu);
  const created: EmulatorLineItem = { id: `${lineItemsUrl(emu, contextId)}/${s.nextLineItem++}`, ...item };
  s.lineItems.set(contextId, [...(s.lineItems.get(contextId) ?? []), created]);
  return created;
}

export const lineItemsOf = (emu: PlatformEmulator, contextId: string): EmulatorLineItem[] => services(emu).lineItems.get(contextId) ?? [];

// ---------------------------------------------------------------------------------------------

const oauthError = (res: Response, status: number, error: string, description: string): void => {
  res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
};

const mediaType = (req: Request): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
const accepts = (req: Request, type: string): boolean => (req.headers.accept ?? '').toLowerCase().includes(type);

/** The next-page Link for a paged answer, keeping the request's filters. */
function pageLinks(req: Request, emu: PlatformEmulator, total: number, page: number, limit: number): string | null {
  if (page * limit >= total) return null;
  const next = new URL(req.originalUrl, emu.url);
  next.searchParams.set('page', String(page + 1));
  next.searchParams.set('limit', String(limit));
  return `<${next.toString()}>; rel="next"`;
}

function paging(req: Request, s: ServicesState): { page: number; limit: number } {
  const q = req.query as Record<string, string | undefined>;
  const limit = Math.min(Math.max(Number.parseInt(q.limit ?? '', 10) || s.config.pageSize, 1), 1000);
  const page = Math.max(Number.parseInt(q.page ?? '', 10) || 1, 1);
  return { page, limit };
}

export function mountServices(app: Express, emu: PlatformEmulator): void {
  const s = services(emu);

  const jwks = () => {
    if (!s.jwks || s.jwks.url !== emu.toolJwksUrl) s.jwks = { url: emu.toolJwksUrl, set: createRemoteJWKSet(new URL(emu.toolJwksUrl)) };
    return s.jwks.set;
  };

  // Security Framework §4.1 / RFC 7523: client credentials grant with a JWT client assertion.
  app.post('/token', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const scopes = (body.scope ?? '').split(' ').filter(Boolean);
    const record: TokenRequest = { ok: false, scopes, userAgent: req.headers['user-agent'] };
    s.tokenRequests.push(record);
    const fail = (status: number, error: string, description: string) => {
      record.error = `${error}: ${description}`;
      oauthError(res, status, error, description);
    };
    // Canvas answers service calls without a User-Agent with an error.
    if (!req.headers['user-agent']) return fail(400, 'invalid_request', 'a User-Agent header is required');
    if (s.config.tokenError) {
      record.error = s.config.tokenError.body.error;
      res.status(s.config.tokenError.status).json(s.config.tokenError.body);
      return;
    }
    if (mediaType(req) !== 'application/x-www-form-urlencoded') return fail(400, 'invalid_request', 'form encoding required');
    if (body.grant_type !== 'client_credentials') return fail(400, 'unsupported_grant_type', `grant_type ${body.grant_type ?? '(none)'}`);
    if (body.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return fail(400, 'invalid_request', 'bad client_assertion_type');
    const assertion = body.client_assertion;
    if (!assertion) return fail(400, 'invalid_request', 'client_assertion missing');
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion) as Record<string, unknown>;
    } catch {
      return fail(400, 'invalid_client', 'client_assertion is not a JWT');
    }
    record.header = header;
    if (header.alg !== 'RS256') return fail(400, 'invalid_client', 'alg must be RS256');
    if (typeof header.kid !== 'string' || !header.kid) return fail(400, 'invalid_client', 'kid missing');
    let claims: JWTPayload;
    try {
      const verified = await jwtVerify(assertion, jwks(), {
        algorithms: ['RS256'],
        issuer: emu.clientId,
        subject: emu.clientId,
        audience: s.config.audience ?? emu.tokenEndpoint,
        requiredClaims: ['iat', 'exp', 'jti'],
        clockTolerance: 60,
      });
      claims = verified.payload;
    } catch (err) {
      return fail(400, 'invalid_client', err instanceof Error ? err.message : 'assertion not valid');
    }
    record.claims = claims;
    const now = Math.floor(Date.now() / 1000);
    if (claims.iat! > now + 60) return fail(400, 'invalid_client', 'iat is in the future');
    if (claims.exp! - claims.iat! > 600) return fail(400, 'invalid_client', 'assertion lives longer than 10 minutes');
    if (Array.isArray(claims.aud)) return fail(400, 'invalid_client', 'aud must be a single string');
    // RFC 7523 §3 item 7: a jti may be used only once.
    if (s.usedJtis.has(claims.jti!)) return fail(400, 'invalid_grant', 'jti already used');
    s.usedJtis.add(claims.jti!);
    if (scopes.length === 0) return fail(400, 'invalid_scope', 'no scope requested');
    const refused = scopes.filter((sc) => !s.config.allowedScopes.includes(sc));
    if (refused.length) return fail(400, 'invalid_scope', `not allowed: ${refused.join(' ')}`);
    const token = crypto.randomBytes(24).toString('base64url');
    s.tokens.set(token, { scopes, expiresAt: Date.now() + s.config.expiresIn * 1000 });
    record.ok = true;
    res.set('Cache-Control', 'no-store').json({ access_token: token, token_type: 'Bearer', expires_in: s.config.expiresIn, scope: scopes.join(' ') });
  });

  /** RFC 6750 §2.1 and §3.1: "Bearer" exactly (Blackboard's spelling), a live token with one of `anyOf`. */
  const bearer =
    (...anyOf: string[]) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const authorization = req.headers.authorization ?? '';
      s.serviceRequests.push({ method: req.method, path: req.originalUrl, authorization: authorization.replace(/ .*/, ' …'), accept: req.headers.accept ?? '', contentType: req.headers['content-type'] ?? '' });
      const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
      const issued = m ? s.tokens.get(m[1]!) : undefined;
      if (!issued || issued.expiresAt <= Date.now()) {
        res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
        return;
      }
      if (!anyOf.some((sc) => issued.scopes.includes(sc))) {
        res.status(403).set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${anyOf.join(' ')}"`).json({ error: 'insufficient_scope' });
        return;
      }
      next();
    };

  // NRPS 2.0: the membership container, paged with limit and Link rel="next".
  app.get('/nrps/:context/memberships', bearer(SCOPE.nrps), (req, res) => {
    if (!accepts(req, MEDIA.nrps)) {
      res.status(406).json({ error: `Accept must include ${MEDIA.nrps}` });
      return;
    }
    const contextId = String(req.params.context);
    const m = s.memberships.get(contextId) ?? { context: { id: contextId }, members: [] };
    const role = typeof req.query.role === 'string' ? req.query.role : undefined;
    const members = role ? m.members.filter((x) => x.roles.some((r) => r === role || r.endsWith(`#${role}`))) : m.members;
    const { page, limit } = paging(req, s);
    const links = [`<${membershipsUrl(emu, contextId)}?since=${Date.now()}>; rel="differences"`];
    const next = pageLinks(req, emu, members.length, page, limit);
    if (next) links.push(next);
    res.set('Link', links.join(', ')).type(MEDIA.nrps).send(
      JSON.stringify({ id: new URL(req.originalUrl, emu.url).toString(), context: m.context, members: members.slice((page - 1) * limit, page * limit) }),
    );
  });

  // AGS 2.0 §3.2: line item container, filtered by resource_link_id, resource_id and tag.
  app.get('/ags/:context/lineitems', bearer(SCOPE.lineItem, SCOPE.lineItemReadonly), (req, res) => {
    if (!accepts(req, MEDIA.lineItemContainer)) {
      res.status(406).json({ error: `Accept must include ${MEDIA.lineItemContainer}` });
      return;
    }
    const q = req.query as Record<string, string | undefined>;
    const items = lineItemsOf(emu, String(req.params.context)).filter(
      (li) => (!q.resource_link_id || li.resourceLinkId === q.resource_link_id) && (!q.tag || li.tag === q.tag) && (!q.resource_id || li.resourceId === q.resource_id),
    );
    const { page, limit } = paging(req, s);
    const next = pageLinks(req, emu, items.length, page, limit);
    if (next) res.set('Link', next);
    res.type(MEDIA.lineItemContainer).send(JSON.stringify(items.slice((page - 1) * limit, page * limit)));
  });

  app.post('/ags/:context/lineitems', bearer(SCOPE.lineItem), (req, res) => {
    if (mediaType(req) !== MEDIA.lineItem) {
      res.status(415).json({ error: `Content-Type must be ${MEDIA.lineItem}` });
      return;
    }
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.label !== 'string' || !b.label.trim() || typeof b.scoreMaximum !== 'number' || !(b.scoreMaximum > 0)) {
      res.status(400).json({ error: 'label and scoreMaximum > 0 are required' });
      return;
    }
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const item = addLineItem(emu, String(req.params.context), {
      label: b.label,
      scoreMaximum: b.scoreMaximum,
      ...(str(b.resourceLinkId) && { resourceLinkId: str(b.resourceLinkId) }),
      ...(str(b.resourceId) && { resourceId: str(b.resourceId) }),
      ...(str(b.tag) && { tag: str(b.tag) }),
    });
    res.status(201).type(MEDIA.lineItem).send(JSON.stringify(item));
  });

  const findItem = (req: Request): EmulatorLineItem | undefined =>
    lineItemsOf(emu, String(req.params.context)).find((li) => li.id === `${lineItemsUrl(emu, String(req.params.context))}/${String(req.params.id)}`);

  app.get('/ags/:context/lineitems/:id', bearer(SCOPE.lineItem, SCOPE.lineItemReadonly), (req, res) => {
    const item = findItem(req);
    if (!item) {
      res.status(404).json({ error: 'no such line item' });
      return;
    }
    res.type(MEDIA.lineItem).send(JSON.stringify(item));
  });

  // AGS 2.0 §3.4: score publish service at <line item URL>/scores.
  app.post('/ags/:context/lineitems/:id/scores', bearer(SCOPE.score), (req, res) => {
    if (mediaType(req) !== MEDIA.score) {
      res.status(415).json({ error: `Content-Type must be ${MEDIA.score}` });
      return;
    }
    const item = findItem(req);
    if (!item) {
      res.status(404).json({ error: 'no such line item' });
      return;
    }
    const b = (req.body ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof b.userId !== 'string' || !b.userId) problems.push('userId required');
    if (typeof b.activityProgress !== 'string' || !ACTIVITY.includes(b.activityProgress)) problems.push('activityProgress invalid');
    if (typeof b.gradingProgress !== 'string' || !GRADING.includes(b.gradingProgress)) problems.push('gradingProgress invalid');
    if (typeof b.timestamp !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,}(Z|[+-]\d{2}:\d{2})$/.test(b.timestamp)) problems.push('timestamp must be ISO 8601 with milliseconds');
    if (b.scoreGiven !== undefined) {
      if (typeof b.scoreGiven !== 'number' || b.scoreGiven < 0) problems.push('scoreGiven must be a number >= 0');
      if (typeof b.scoreMaximum !== 'number' || !(b.scoreMaximum > 0)) problems.push('scoreMaximum > 0 required with scoreGiven');
      else if (!s.config.allowExceed && typeof b.scoreGiven === 'number' && b.scoreGiven > b.scoreMaximum) problems.push('scoreGiven exceeds scoreMaximum');
    }
    if (b.comment !== undefined && typeof b.comment !== 'string') problems.push('comment must be a string');
    if (problems.length) {
      res.status(400).json({ error: problems.join('; ') });
      return;
    }
    s.scores.push({
      contextId: String(req.params.context),
      lineItemId: item.id,
      contentType: req.headers['content-type'] ?? '',
      authorization: (req.headers.authorization ?? '').replace(/ .*/, ' …'),
      query: new URL(req.originalUrl, emu.url).search,
      body: b,
    });
    res.status(204).end();
  });
}
