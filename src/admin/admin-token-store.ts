import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

/** An admin token as listed: never the token, only its label, times and state. */
export interface AdminToken {
  id: string;
  label: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface AdminSession {
  tokenHash: string;
  adminTokenId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

/** Admin tokens (hashed), the browser sessions they open, and failed logins for rate limiting. */
export interface AdminTokenStore {
  insert(t: { label: string; tokenHash: string; createdAt: number; expiresAt: number }): Promise<AdminToken>;
  findByHash(tokenHash: string): Promise<AdminToken | null>;
  get(id: string): Promise<AdminToken | null>;
  list(): Promise<AdminToken[]>;
  /** Revokes the token and ends its sessions; false when there is no such token or it was already revoked. */
  revoke(id: string, now: number): Promise<boolean>;
  markUsed(id: string, now: number): Promise<void>;
  insertSession(s: AdminSession): Promise<void>;
  /** The session, with its token, when both are still live at `now`. */
  liveSession(tokenHash: string, now: number): Promise<(AdminSession & { token: AdminToken }) | null>;
  deleteSession(tokenHash: string): Promise<void>;
  recordFailure(clientHash: string, now: number, keepMs: number): Promise<void>;
  failuresSince(clientHash: string, since: number): Promise<number>;
}

interface TokenRow {
  id: string;
  label: string;
  token_hash: string;
  created_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  last_used_at: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
const fromRow = (r: TokenRow): AdminToken => ({
  id: r.id,
  label: r.label,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  revokedAt: num(r.revoked_at),
  lastUsedAt: num(r.last_used_at),
});

export function createAdminTokenStore(db: Db): AdminTokenStore {
  const tokens = () => db<TokenRow>('admin_tokens');
  return {
    async insert(t) {
      const id = newId();
      await db('admin_tokens').insert({ id, label: t.label, token_hash: t.tokenHash, created_at: t.createdAt, expires_at: t.expiresAt, revoked_at: null, last_used_at: null });
      return { id, label: t.label, createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: null, lastUsedAt: null };
    },
    async findByHash(tokenHash) {
      const r = await tokens().where({ token_hash: tokenHash }).first();
      return r ? fromRow(r) : null;
    },
    async get(id) {
      const r = await tokens().where({ id }).first();
      return r ? fromRow(r) : null;
    },
    async list() {
      return (await tokens().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])).map(fromRow);
    },
    async revoke(id, now) {
      return db.transaction(async (trx) => {
        const n = await trx('admin_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: now });
        await trx('admin_sessions').where({ admin_token_id: id }).delete();
        return n === 1;
      });
    },
    async markUsed(id, now) {
      await db('admin_tokens').where({ id }).update({ last_used_at: now });
    },
    async insertSession(s) {
      await db('admin_sessions').insert({ token_hash: s.tokenHash, admin_token_id: s.adminTokenId, csrf_token: s.csrfToken, created_at: s.createdAt, expires_at: s.expiresAt });
    },
    async liveSession(tokenHash, now) {
      const r = (await db('admin_sessions as s')
        .join('admin_tokens as t', 't.id', 's.admin_token_id')
        .select('s.token_hash as s_hash', 's.csrf_token', 's.created_at as s_created', 's.expires_at as s_expires', 't.*')
        .where('s.token_hash', tokenHash)
        .where('s.expires_at', '>', now)
        .where('t.expires_at', '>', now)
        .whereNull('t.revoked_at')
        .first()) as (TokenRow & { s_hash: string; csrf_token: string; s_created: number | string; s_expires: number | string }) | undefined;
      if (!r) return null;
      return { tokenHash: r.s_hash, adminTokenId: r.id, csrfToken: r.csrf_token, createdAt: Number(r.s_created), expiresAt: Number(r.s_expires), token: fromRow(r) };
    },
    async deleteSession(tokenHash) {
      await db('admin_sessions').where({ token_hash: tokenHash }).delete();
    },
    async recordFailure(clientHash, now, keepMs) {
      await db('admin_login_failures').insert({ id: newId(), client_hash: clientHash, at: now });
      await db('admin_login_failures').where('at', '<', now - keepMs).delete();
    },
    async failuresSince(clientHash, since) {
      const r = (await db('admin_login_failures').where({ client_hash: clientHash }).where('at', '>=', since).count({ n: '*' }).first()) as { n: number | string } | undefined;
      return Number(r?.n ?? 0);
    },
  };
}
