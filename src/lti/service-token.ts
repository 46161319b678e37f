import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { httpRequest, parseJson, safeHost, type HttpFetch, type HttpResponse } from '../http-client.js';
import { ForbiddenError, UpstreamError } from '../web/errors.js';
import type { Platform } from './platform-store.js';
import type { SigningKey } from './tool-keys.js';

/** RFC 7523 §2.2: the client assertion type for private_key_jwt client authentication. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Lifetime of our client assertion. Security Framework §4.1 wants it short; Blackboard wants iat and exp. */
const ASSERTION_TTL_SECONDS = 300;
/** RFC 6749 §5.1 makes expires_in optional; without it we assume a short life rather than guess long. */
const DEFAULT_EXPIRES_IN_SECONDS = 300;
/** Renew a cached token this long before the platform says it expires (half its life, for short ones). */
const RENEW_MARGIN_MS = 60_000;

export interface AccessToken {
  accessToken: string;
  /** What the platform granted (RFC 6749 §3.3: it may differ from what we asked for); our request when it doesn't say. */
  scopes: string[];
  /** Epoch ms after which we no longer use the token. */
  renewAt: number;
}

export interface ServiceTokenDeps {
  keys: { signingKey(): Promise<SigningKey> };
  clock: Clock;
  fetch?: HttpFetch;
}

// RFC 6749 §5.1. Some platforms send expires_in as a string: accept "3600" as 3600; an unusable
// expires_in or scope is ignored rather than failing a token we can still use.
const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.coerce.number().positive().optional().catch(undefined),
  scope: z.string().optional().catch(undefined),
});

// RFC 6749 §5.2.
const errorResponse = z.object({ error: z.string().optional(), error_description: z.string().optional() });

/** Normalises a scope list: unique, sorted, so equal sets share one cache entry. */
export const normaliseScopes = (scopes: readonly string[]): string[] => [...new Set(scopes.filter(Boolean))].sort();

/**
 * OAuth 2.0 client credentials grant with a signed JWT (1EdTech Security Framework §4.1, RFC 7523
 * §2.2): how a tool gets a bearer token for NRPS and AGS. Tokens are cached per platform and scope
 * set until shortly before they expire, and concurrent requests for the same token share one call.
 *
 * Platform quirks are data on the Platform record, not code here: `tokenAudience` (Brightspace
 * may expect its own audience rather than the token URL); `productFamily` only sharpens the
 * advice in error hints. "Bearer" is always capitalised and every call carries a User-Agent
 * (httpRequest), which suits Blackboard and Canvas without special cases.
 */
export class ServiceTokens {
  private readonly cache = new Map<string, AccessToken>();
  private readonly inflight = new Map<string, Promise<AccessToken>>();
  private readonly fetchImpl: HttpFetch;

  constructor(private readonly deps: ServiceTokenDeps) {
    this.fetchImpl = deps.fetch ?? fetch;
  }

  /** A token for `scopes` on `platform`, from the cache when still fresh. */
  async token(platform: Platform, scopes: readonly string[]): Promise<AccessToken> {
    if (platform.status !== 'active') {
      throw new ForbiddenError('platform_disabled', `The platform ${platform.name} is disabled; Threadline does not call its services.`);
    }
    const wanted = normaliseScopes(scopes);
    if (wanted.length === 0) throw new Error('service token requested without scopes');
    const key = cacheKey(platform, wanted);
    const cached = this.cache.get(key);
    if (cached && this.deps.clock.now() < cached.renewAt) return cached;
    if (cached) this.cache.delete(key);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.request(platform, wanted)
      .then((t) => {
        this.cache.set(key, t);
        return t;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** The Authorization header value. Always "Bearer" with a capital B: Blackboard rejects "bearer". */
  async authorization(platform: Platform, scopes: readonly string[]): Promise<string> {
    return `Bearer ${(await this.token(platform, scopes)).accessToken}`;
  }

  /** Drops a cached token the platform no longer accepts. */
  invalidate(platform: Platform, scopes: readonly string[]): void {
    this.cache.delete(cacheKey(platform, normaliseScopes(scopes)));
  }

  /** Drops every cached token of a platform (e.g. after its registration changed). */
  forget(platformId: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${platformId}\n`)) this.cache.delete(k);
  }

  /**
   * One service call with a bearer token for `scopes`. A 401 means the platform dropped the token
   * early (revoked, restarted): fetch a fresh one and try once more.
   */
  async call(platform: Platform, scopes: readonly string[], url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<HttpResponse> {
    const send = async () =>
      httpRequest(url, { ...init, headers: { ...init.headers, authorization: await this.authorization(platform, scopes) } }, this.fetchImpl);
    const res = await send();
    if (res.status !== 401) return res;
    this.invalidate(platform, scopes);
    return send();
  }

  private async request(platform: Platform, scopes: string[]): Promise<AccessToken> {
    const assertion = await this.assertion(platform);
    // Security Framework §4.1 / RFC 6749 §4.4.2: form-encoded, scope space-separated.
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: assertion,
      scope: scopes.join(' '),
    });
    const startedAt = this.deps.clock.now();
    const res = await httpRequest(
      platform.tokenEndpoint,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString(), maxBytes: 256 * 1024 },
      this.fetchImpl,
    );
    const host = safeHost(platform.tokenEndpoint);
    if (res.status !== 200) throw tokenError(platform, res, assertion);
    const parsed = tokenResponse.safeParse(parseJson(res, `The access token answer from ${host}`));
    // Never echo the body: it holds the token.
    if (!parsed.success) throw new UpstreamError('service_token_invalid', `${host} answered the access token request without a usable access_token.`);
    // RFC 6749 §7.1 / RFC 6750 §1: only bearer tokens are usable here; the type is case-insensitive.
    if (parsed.data.token_type.toLowerCase() !== 'bearer') {
      throw new UpstreamError('service_token_invalid', `${host} issued a "${parsed.data.token_type.slice(0, 20)}" token; only Bearer tokens are supported.`);
    }
    const lifetimeMs = (parsed.data.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS) * 1000;
    return {
      accessToken: parsed.data.access_token,
      scopes: parsed.data.scope ? normaliseScopes(parsed.data.scope.split(/\s+/)) : scopes,
      renewAt: startedAt + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 2),
    };
  }

  /** Security Framework §4.1 / RFC 7523 §3: the signed client assertion. */
  private async assertion(platform: Platform): Promise<string> {
    const { kid, key } = await this.deps.keys.signingKey();
    const now = Math.floor(this.deps.clock.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(platform.clientId)
      .setSubject(platform.clientId)
      // A single string, not an array: Brightspace fails on array audiences.
      .setAudience(assertionAudience(platform))
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_TTL_SECONDS)
      // RFC 7523 §3 item 7: a unique jti lets the platform refuse replays.
      .setJti(crypto.randomUUID())
      .sign(key);
  }
}

/** RFC 7523 §3 item 3: the token endpoint, unless the platform names another audience (Brightspace). */
export const assertionAudience = (platform: Platform): string => platform.tokenAudience ?? platform.tokenEndpoint;

/**
 * Cache key: platform, plus what shapes the token request (endpoint, client, audience) so a
 * re-registration does not keep serving a token from the old settings, plus the scope set.
 */
const cacheKey = (platform: Platform, scopes: string[]): string =>
  [platform.id, platform.tokenEndpoint, platform.clientId, assertionAudience(platform), scopes.join(' ')].join('\n');

/** RFC 6749 §5.2: the platform's error code and description, cleaned, without anything secret. */
function tokenError(platform: Platform, res: HttpResponse, assertion: string): UpstreamError {
  const host = safeHost(platform.tokenEndpoint);
  let error = '';
  let description = '';
  try {
    const body = errorResponse.safeParse(JSON.parse(res.text));
    if (body.success) {
      error = clean(body.data.error ?? '', 60, assertion);
      description = clean(body.data.error_description ?? '', 300, assertion);
    }
  } catch {
    // Not JSON: the status alone has to do.
  }
  const detail = error ? `: ${error}${description ? ` (${description})` : ''}` : '';
  return new UpstreamError('service_token_refused', `${host} refused an access token (HTTP ${res.status})${detail}.`, tokenErrorHint(platform, error));
}

/** What an admin can do about a refusal; the product family only sharpens the advice. */
function tokenErrorHint(platform: Platform, error: string): string | undefined {
  if (error === 'invalid_scope') return `Enable the needed LTI Advantage services for Threadline in ${platform.name}.`;
  if (error !== 'invalid_client' && error !== 'invalid_grant' && error !== 'unauthorized_client') return undefined;
  if (platform.productFamily === 'desire2learn' && !platform.tokenAudience) {
    return `Brightspace expects its own token audience: set the platform's token audience to the "OAuth2 Audience" shown in its tool registration.`;
  }
  return `Check the client id, token URL and token audience registered for ${platform.name}, and that it can read Threadline's JWKS.`;
}

function clean(s: string, max: number, secret: string): string {
  return s.split(secret).join('[assertion]').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, max);
}

/** Maps a failed service answer to a clear error; never echoes the body (it may carry personal data). */
export function checkStatus(res: HttpResponse, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  if (res.status === 401 || res.status === 403) {
    throw new UpstreamError('service_forbidden', `${what}: the platform refused access (HTTP ${res.status}).`, 'Check that the LTI Advantage service is enabled for Threadline in the LMS.');
  }
  if (res.status === 404) throw new UpstreamError('service_not_found', `${what}: the platform has no such resource (HTTP 404).`);
  throw new UpstreamError('service_failed', `${what}: the platform answered HTTP ${res.status}.`);
}
