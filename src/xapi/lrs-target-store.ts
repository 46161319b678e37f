import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

/**
 * LRSs added by an admin (npm run lrs), besides the default one from XAPI_LRS_ENDPOINT. The
 * password is kept in the database (which already holds the tool's private keys) and is never
 * enumerable on the objects handed out, so logging or printing a target cannot leak it.
 */
export interface LrsTargetRecord {
  /** Also the outbox's lrs_id for this target. */
  id: string;
  name: string;
  endpoint: string;
  username: string | null;
  /** Not enumerable. */
  password: string | null;
  /** Null: every platform's statements; otherwise only this platform's (instead of the defaults). */
  platformId: string | null;
  /** 'disabled': statements are queued for it but not sent until it is enabled. */
  status: 'active' | 'disabled';
  createdAt: number;
}

export type NewLrsTarget = Pick<LrsTargetRecord, 'name' | 'endpoint' | 'username' | 'password' | 'platformId'>;

export interface LrsTargetStore {
  list(q?: Knex): Promise<LrsTargetRecord[]>;
  findByName(name: string): Promise<LrsTargetRecord | null>;
  add(t: NewLrsTarget, now: number): Promise<LrsTargetRecord>;
  setStatus(id: string, status: LrsTargetRecord['status'], now: number): Promise<boolean>;
  /** Removes the target and every outbox row queued for it (they could never be delivered). Returns the rows removed, or null when there was no such target. */
  remove(id: string): Promise<{ outboxRows: number } | null>;
}

interface Row {
  id: string;
  name: string;
  endpoint: string;
  username: string | null;
  password: string | null;
  platform_id: string | null;
  status: LrsTargetRecord['status'];
  created_at: number | string;
}

const TABLE = 'lrs_targets';

function fromRow(r: Row): LrsTargetRecord {
  const t = {
    id: r.id,
    name: r.name,
    endpoint: r.endpoint,
    username: r.username,
    platformId: r.platform_id,
    status: r.status,
    createdAt: Number(r.created_at),
  } as LrsTargetRecord;
  Object.defineProperty(t, 'password', { value: r.password, enumerable: false });
  return t;
}

export function createLrsTargetStore(db: Db): LrsTargetStore {
  return {
    async list(q = db) {
      return ((await q(TABLE).select('*').orderBy('name')) as Row[]).map(fromRow);
    },
    async findByName(name) {
      const r = (await db(TABLE).where({ name }).first()) as Row | undefined;
      return r ? fromRow(r) : null;
    },
    async add(t, now) {
      const row: Row = {
        id: newId(),
        name: t.name,
        endpoint: t.endpoint,
        username: t.username,
        password: t.password,
        platform_id: t.platformId,
        status: 'active',
        created_at: now,
      };
      await db(TABLE).insert({ ...row, updated_at: now });
      return fromRow(row);
    },
    async setStatus(id, status, now) {
      return (await db(TABLE).where({ id }).update({ status, updated_at: now })) > 0;
    },
    async remove(id) {
      return db.transaction(async (trx) => {
        const n = await trx(TABLE).where({ id }).del();
        if (!n) return null;
        return { outboxRows: await trx('xapi_outbox').where({ lrs_id: id }).del() };
      });
    },
  };
}
