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
