import type { JWK } from 'jose';
import type { Db } from '../db/knex.js';

export type ToolKeyStatus = 'active' | 'published' | 'retired';

export interface ToolKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  status: ToolKeyStatus;
  createdAt: number;
  retiredAt: number | null;
}

export interface ToolKeyStore {
  list(): Promise<ToolKey[]>;
  insert(key: ToolKey): Promise<void>;
  /** Makes `kid` the only active key; the previously active ones stay published. */
  activate(kid: string): Promise<void>;
  retire(kid: string, at: number): Promise<boolean>;
}

interface Row {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  status: ToolKeyStatus;
  created_at: number;
  retired_at: number | null;
}

const fromRow = (r: Row): ToolKey => ({
  kid: r.kid,
  privateJwk: JSON.parse(r.private_jwk) as JWK,
  publicJwk: JSON.parse(r.public_jwk) as JWK,
  status: r.status,
  createdAt: Number(r.created_at),
  retiredAt: r.retired_at === null ? null : Number(r.retired_at),
});

export function createToolKeyStore(db: Db): ToolKeyStore {
  return {
    async list() {
      const rows = await db<Row>('tool_keys').select('*').orderBy('created_at', 'desc');
      return rows.map(fromRow);
    },
    async insert(key) {
      await db('tool_keys').insert({
        kid: key.kid,
        private_jwk: JSON.stringify(key.privateJwk),
        public_jwk: JSON.stringify(key.publicJwk),
        status: key.status,
        created_at: key.createdAt,
        retired_at: key.retiredAt,
      });
    },
    async activate(kid) {
      await db.transaction(async (trx) => {
        await trx('tool_keys').where({ status: 'active' }).whereNot({ kid }).update({ status: 'published' });
        await trx('tool_keys').where({ kid }).update({ status: 'active' });
      });
    },
    async retire(kid, at) {
      const n = await db('tool_keys').where({ kid }).whereNot({ status: 'active' }).whereNot({ status: 'retired' }).update({ status: 'retired', retired_at: at });
      return n === 1;
    },
  };
}
