import type { Clock } from '../clock.js';
import { randomToken, safeEqual, sha256 } from '../ids.js';
import type { Roles } from '../lti/claims.js';
import { AppError, UnauthorizedError } from '../web/errors.js';
import type { AdminSession, AdminToken, AdminTokenStore } from './admin-token-store.js';

/**
 * Who may use the admin area, and how far their power reaches.
 *
 * - `tool`: someone holding a token from `npm run admin -- token create` (the tool's operator).
 *   Tool-wide: every platform, the signing keys, every LRS target.
 * - `platform`: someone who launched from an LMS with an LTI system or institution Administrator
 *   role (LTI Core §A.2.1, §A.2.2). They administer only the platform the launch came from: its
 *   deployments, the LRS targets registered for it (their queues and dead letters) and its refused
 *   launches. The tool's keys and tool-wide LRS targets serve every platform, and adding or
 *   disabling platforms is the operator's call, so those stay with `tool` admins.
 */
export type AdminScope = { kind: 'tool' } | { kind: 'platform'; platformId: string };

export interface AdminPrincipal {
  scope: AdminScope;
  /** CSRF token for the admin forms (the admin session's, or the launch session's). */
  csrfToken: string;
  /** Launch admins: the launch session token that links and forms carry; null for cookie sessions. */
  sessionToken: string | null;
  /** For the page header: the token's label, or the platform's name. */
  label: string;
}

const SYSTEM_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator';
const INSTITUTION_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator';

/**
 * LTI Core §A.2.1 / §A.2.2: only a system or institution Administrator may administer the
 * platform's use of Threadline. A context (course) Administrator (membership#Administrator) runs a
 * course, not the institution's integration, so it does not count here.
 */
export const isPlatformAdmin = (roles: Pick<Roles, 'raw'>): boolean => roles.raw.some((r) => r === SYSTEM_ADMIN || r === INSTITUTION_ADMIN);

/** Admin tokens start with this, so one pasted in the wrong place is recognisable (and greppable by secret scanners). */
export const ADMIN_TOKEN_PREFIX = 'tla_';

export interface AdminAuthOptions {
  /** Longest an admin browser session lives (never beyond its token's expiry). */
  sessionMs: number;
  /** Failed logins allowed per client within `failureWindowMs`, then 429 until the window passes. */
  maxFailures: number;
  failureWindowMs: number;
}

export const ADMIN_AUTH_DEFAULTS: AdminAuthOptions = { sessionMs: 8 * 3_600_000, maxFailures: 5, failureWindowMs: 15 * 60_000 };

/** "8h", "30m", "7d", "3600s" → ms; null when not understood. Tokens live 1 minute to 90 days. */
export function parseTtl(v: string): number | null {
  const m = /^(\d{1,6})([smhd])$/.exec(v.trim());
  if (!m) return null;
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return ms >= 60_000 && ms <= 90 * 86_400_000 ? ms : null;
}

class TooManyLoginsError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'admin_login_rate_limited', 'Too many failed sign-ins from here.', 'Wait a few minutes before trying again.');
    this.tr('admin:errors.rateLimited', { minutes: Math.ceil(retryAfterSeconds / 60) });
  }
}

export function createAdminAuth(deps: { store: AdminTokenStore; clock: Clock; options?: Partial<AdminAuthOptions> }) {
  const o = { ...ADMIN_AUTH_DEFAULTS, ...deps.options };
  const { store, clock } = deps;
  const state = (t: AdminToken, now: number): 'active' | 'expired' | 'revoked' => (t.revokedAt !== null ? 'revoked' : t.expiresAt <= now ? 'expired' : 'active');
  return {
    state,
    /** A new token: returned once, stored only as its SHA-256. */
    async issue(label: string, ttlMs: number): Promise<{ token: string; record: AdminToken }> {
      const token = `${ADMIN_TOKEN_PREFIX}${randomToken(32)}`;
      const now = clock.now();
      const record = await store.insert({ label: label.slice(0, 100), tokenHash: sha256(token), createdAt: now, expiresAt: now + ttlMs });
      return { token, record };
    },
    list: () => store.list(),
    revoke: (id: string) => store.revoke(id, clock.now()),
    /**
     * Exchanges a token typed into /admin/login for a browser session. Every failure looks the
     * same to the client (unknown, expired and revoked tokens alike) and counts towards its limit.
     */
    async login(token: string, clientKey: string): Promise<{ cookie: string; session: AdminSession }> {
      const now = clock.now();
      const client = sha256(`admin-login:${clientKey}`);
      const failures = await store.failuresSince(client, now - o.failureWindowMs);
      if (failures >= o.maxFailures) throw new TooManyLoginsError(Math.ceil(o.failureWindowMs / 1000));
      const hash = sha256(token.trim());
      const found = token.trim().startsWith(ADMIN_TOKEN_PREFIX) ? await store.findByHash(hash) : null;
      // The lookup is by hash, so the secret itself is never compared; the hashes are compared in
      // constant time all the same, so no timing difference says how close a guess came.
      const ok = found !== null && safeEqual(hash, sha256(token.trim())) && state(found, now) === 'active';
      if (!ok) {
        await store.recordFailure(client, now, o.failureWindowMs);
        throw new UnauthorizedError('admin_token_invalid', 'That admin token is not valid (unknown, expired or revoked).', 'Check the token, or create a new one with: npm run admin -- token create').tr('admin:errors.tokenInvalid');
      }
      const cookie = randomToken(32);
      const session: AdminSession = { tokenHash: sha256(cookie), adminTokenId: found.id, csrfToken: randomToken(24), createdAt: now, expiresAt: Math.min(found.expiresAt, now + o.sessionMs) };
      await store.insertSession(session);
      await store.markUsed(found.id, now);
      return { cookie, session };
    },
    /** The live session for a cookie value (its token still valid), or null. */
    async session(cookie: string) {
      return store.liveSession(sha256(cookie), clock.now());
    },
    logout: (cookie: string) => store.deleteSession(sha256(cookie)),
  };
}

export type AdminAuth = ReturnType<typeof createAdminAuth>;
