import type { Db } from '../db/knex.js';
import type { LaunchContext } from '../lti/launch-context.js';

export interface Session {
  tokenHash: string;
  launch: LaunchContext;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  insert(s: Session): Promise<void>;
  get(tokenHash: string): Promise<Session | null>;
  touch(tokenHash: string, expiresAt: number): Promise<void>;
  purgeExpired(before: number): Promise<number>;
  /** Drops a user's sessions from an in-process cache (their rows were deleted: an erasure). */
  forgetUser?(userId: string): void;
}

interface Row {
  token_hash: string;
  launch: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export function createSessionStore(db: Db): SessionStore {
  return {
    async insert(s) {
      const l = s.launch;
      await db('sessions').insert({
        token_hash: s.tokenHash,
        platform_id: l.platform.id,
        deployment_id: l.deployment.id,
        user_id: l.user?.id ?? null,
        context_id: l.context?.id ?? null,
        resource_link_id: l.resourceLink?.id ?? null,
        launch: JSON.stringify(l),
        csrf_token: s.csrfToken,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
      });
    },
    async get(tokenHash) {
      const r = await db<Row>('sessions').where({ token_hash: tokenHash }).first();
      if (!r) return null;
      return {
        tokenHash: r.token_hash,
        launch: JSON.parse(r.launch) as LaunchContext,
        csrfToken: r.csrf_token,
        createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at),
      };
    },
    async touch(tokenHash, expiresAt) {
      await db('sessions').where({ token_hash: tokenHash }).update({ expires_at: expiresAt });
    },
    async purgeExpired(before) {
      return db('sessions').where('expires_at', '<', before).delete();
    },
  };
}

/**
 * Sessions are read on every request and never change after the launch except for their
 * expiry, so a short in-process cache saves a query per request. Bounded in size; a session
 * another instance extended is at worst re-read after `ttlMs`.
 *
 * Sessions can also disappear underneath: removing a platform or deployment (`npm run platform`,
 * another process) deletes its sessions by cascade. Every instance keeps accepting a cached one
 * until its entry is `ttlMs` old, so the TTL is the revocation delay of a whole cluster: 5 s, the
 * same bound as the platform cache (docs/scaling.md), not the 30 s it once was.
 */
export const SESSION_CACHE_TTL_MS = 5_000;

export function cachedSessionStore(inner: SessionStore, now: () => number, ttlMs = SESSION_CACHE_TTL_MS, maxEntries = 10_000): SessionStore {
  const cache = new Map<string, { at: number; session: Session }>();
  return {
    ...inner,
    async get(tokenHash) {
      const hit = cache.get(tokenHash);
      // An entry that looks expired is re-read: another instance may have extended it.
      if (hit && now() - hit.at < ttlMs && hit.session.expiresAt >= now()) return hit.session;
      const session = await inner.get(tokenHash);
      if (session) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
        cache.set(tokenHash, { at: now(), session });
      } else cache.delete(tokenHash);
      return session;
    },
    async touch(tokenHash, expiresAt) {
      await inner.touch(tokenHash, expiresAt);
      const hit = cache.get(tokenHash);
      if (hit) hit.session = { ...hit.session, expiresAt };
    },
    async purgeExpired(before) {
      for (const [k, v] of cache) if (v.session.expiresAt < before) cache.delete(k);
      return inner.purgeExpired(before);
    },
    forgetUser(userId) {
      for (const [k, v] of cache) if (v.session.launch.user?.id === userId) cache.delete(k);
    },
  };
}
