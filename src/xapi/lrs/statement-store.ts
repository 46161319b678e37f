import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import type { StatementIndex } from './ifi.js';

/** The xAPI verb whose statements void their StatementRef target (xAPI 1.0.3 Data §2.2.8). */
export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';

export interface NewStatementRow {
  id: string;
  statement: string;
  contentHash: string;
  stored: number;
  timestamp: string;
  index: StatementIndex;
}

export interface StatementQuery {
  agent?: string;
  verb?: string;
  activity?: string;
  registration?: string;
  relatedActivities: boolean;
  relatedAgents: boolean;
  /** Exclusive lower bound on stored, epoch ms. */
  since?: number;
  /** Inclusive upper bound on stored, epoch ms. */
  until?: number;
  ascending: boolean;
  /** Resume strictly after this (stored, id) in the chosen order. */
  after?: { stored: number; id: string };
  limit: number;
}

export interface StoredRow {
  id: string;
  statement: string;
  stored: number;
}

export interface LrsStatementStore {
  /** Content hashes of the statements that already exist, by id. */
  existing(trx: Knex | Knex.Transaction, ids: string[]): Promise<Map<string, string>>;
  /** Inserts new statements and their index rows, then applies voiding; inside the caller's transaction. */
  insert(trx: Knex.Transaction, rows: NewStatementRow[]): Promise<void>;
  get(id: string, voided: boolean): Promise<StoredRow | null>;
  query(q: StatementQuery): Promise<StoredRow[]>;
  /** Statements that mention the activity anywhere (object, context, sub-statement), oldest first. */
  mentioningActivity(activityId: string, limit: number): Promise<string[]>;
}

const CHUNK = 50;

async function insertChunked(trx: Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await trx(table).insert(rows.slice(i, i + CHUNK));
}

export function createLrsStatementStore(db: Db): LrsStatementStore {
  return {
    async existing(trx, ids) {
      const out = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = (await trx('lrs_statements').select('id', 'content_hash').whereIn('id', ids.slice(i, i + 500))) as Array<{ id: string; content_hash: string }>;
        for (const r of rows) out.set(r.id, r.content_hash);
      }
      return out;
    },

    async insert(trx, rows) {
      if (rows.length === 0) return;
      await insertChunked(
        trx,
        'lrs_statements',
        rows.map((r) => ({
          id: r.id,
          statement: r.statement,
          content_hash: r.contentHash,
          verb_id: r.index.verbId,
          actor_key: r.index.actorKey,
          activity_id: r.index.activityId,
          object_statement_id: r.index.objectStatementId,
          registration: r.index.registration,
          stored: r.stored,
          timestamp: r.timestamp,
          voided: false,
        })),
      );
      await insertChunked(trx, 'lrs_statement_activities', rows.flatMap((r) => r.index.activities.map(([activity_id, related]) => ({ statement_id: r.id, activity_id, related }))));
      await insertChunked(trx, 'lrs_statement_agents', rows.flatMap((r) => r.index.agents.map(([agent_key, related]) => ({ statement_id: r.id, agent_key, related }))));
      // Voiding (xAPI 1.0.3 Data §2.2.8): a voiding statement hides its target from ordinary
      // queries; a voiding statement itself can never be voided. The target may arrive after the
      // voiding statement, so new statements are checked against stored voiding statements too.
      const targets = rows.filter((r) => r.index.verbId === VOIDED_VERB && r.index.objectStatementId).map((r) => r.index.objectStatementId!);
      if (targets.length) await trx('lrs_statements').whereIn('id', targets).whereNot('verb_id', VOIDED_VERB).update({ voided: true });
      const fresh = rows.filter((r) => r.index.verbId !== VOIDED_VERB).map((r) => r.id);
      if (fresh.length) {
        await trx('lrs_statements')
          .whereIn('id', fresh)
          .whereExists((q) => q.select(trx.raw('1')).from('lrs_statements as v').where('v.verb_id', VOIDED_VERB).whereRaw('v.object_statement_id = lrs_statements.id'))
          .update({ voided: true });
      }
    },

    async get(id, voided) {
      const r = (await db('lrs_statements').select('id', 'statement', 'stored').where({ id: id.toLowerCase(), voided }).first()) as StoredRow | undefined;
      return r ? { ...r, stored: Number(r.stored) } : null;
    },

    async query(q) {
      const s = db('lrs_statements as s').select('s.id', 's.statement', 's.stored').where('s.voided', false);
      if (q.verb !== undefined) s.where('s.verb_id', q.verb);
      if (q.registration !== undefined) s.where('s.registration', q.registration.toLowerCase());
      if (q.agent !== undefined) {
        const key = q.agent;
        s.whereExists((w) => {
          w.select(db.raw('1')).from('lrs_statement_agents as a').whereRaw('a.statement_id = s.id').where('a.agent_key', key);
          if (!q.relatedAgents) w.where('a.related', false);
        });
      }
      if (q.activity !== undefined) {
        const id = q.activity;
        s.whereExists((w) => {
          w.select(db.raw('1')).from('lrs_statement_activities as a').whereRaw('a.statement_id = s.id').where('a.activity_id', id);
          if (!q.relatedActivities) w.where('a.related', false);
        });
      }
      if (q.since !== undefined) s.where('s.stored', '>', q.since);
      if (q.until !== undefined) s.where('s.stored', '<=', q.until);
      const dir = q.ascending ? 'asc' : 'desc';
      if (q.after) {
        const { stored, id } = q.after;
        const op = q.ascending ? '>' : '<';
        s.where((w) => w.where('s.stored', op, stored).orWhere((x) => x.where('s.stored', stored).where('s.id', op, id)));
      }
      const rows = (await s.orderBy([{ column: 's.stored', order: dir }, { column: 's.id', order: dir }]).limit(q.limit)) as StoredRow[];
      return rows.map((r) => ({ ...r, stored: Number(r.stored) }));
    },

    async mentioningActivity(activityId, limit) {
      const rows = (await db('lrs_statements as s')
        .select('s.statement')
        .whereIn('s.id', (w) => w.select('a.statement_id').from('lrs_statement_activities as a').where('a.activity_id', activityId))
        .orderBy([{ column: 's.stored', order: 'desc' }, { column: 's.id', order: 'desc' }])
        .limit(limit)) as Array<{ statement: string }>;
      return rows.map((r) => r.statement).reverse();
    },
  };
}
