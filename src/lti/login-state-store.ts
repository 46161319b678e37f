import type { Db } from '../db/knex.js';

export interface LoginState {
  state: string;
  nonce: string;
  bindingHash: string;
  platformId: string;
  targetLinkUri: string;
  storageTarget: string | null;
  loginParams: Record<string, string>;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface LoginStateStore {
  insert(s: LoginState): Promise<void>;
  get(state: string): Promise<LoginState | null>;
  /** Marks the state used. True for exactly one caller, however many race (single use). */
  consume(state: string, now: number): Promise<boolean>;
  purgeExpired(before: number): Promise<number>;
}

interface Row {
  state: string;
  nonce: string;
  binding_hash: string;
  platform_id: string;
  target_link_uri: string;
  storage_target: string | null;
  login_params: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export function createLoginStateStore(db: Db): LoginStateStore {
  return {
    async insert(s) {
      await db('login_states').insert({
        state: s.state,
        nonce: s.nonce,
        binding_hash: s.bindingHash,
        platform_id: s.platformId,
        target_link_uri: s.targetLinkUri,
        storage_target: s.storageTarget,
        login_params: JSON.stringify(s.loginParams),
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        used_at: null,
      });
    },
    async get(state) {
      const r = await db<Row>('login_states').where({ state }).first();
      if (!r) return null;
      return {
        state: r.state,
        nonce: r.nonce,
        bindingHash: r.binding_hash,
        platformId: r.platform_id,
        targetLinkUri: r.target_link_uri,
        storageTarget: r.storage_target,
        loginParams: JSON.parse(r.login_params) as Record<string, string>,
        createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at),
        usedAt: r.used_at === null ? null : Number(r.used_at),
      };
    },
    async consume(state, now) {
      const n = await db('login_states').where({ state }).whereNull('used_at').update({ used_at: now });
      return n === 1;
    },
    async purgeExpired(before) {
      return db('login_states').where('expires_at', '<', before).delete();
    },
  };
}
