import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import type { AttachmentContent } from './attachments.js';
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
  /** Keeps attachment contents (content-addressed: a known sha2 is left as it is). */
  insertAttachments(trx: Knex.Transaction, list: AttachmentContent[], now: number): Promise<void>;
  attachments(sha2s: string[]): Promise<AttachmentContent[]>;
  /** Statements that mention the activity anywhere (object, context, sub-statement), oldest first. */
  mentioningActivity(activityId: string, limit: number): Promise<string[]>;
}

/**
 * Rows per multi-row INSERT. Each statement is a thread-pool round trip on SQLite, so fewer and
 * larger ones (a 100-statement POST has ~500 activity rows) matter. Bounds: knex writes a SQLite
 * multi-row insert as a compound SELECT, limited to 500 terms (SQLITE_MAX_COMPOUND_SELECT); bound
 * parameters stay far below SQLite's 32,766 and PostgreSQL's 65,535 (11 columns × 400).
 */
const CHUNK = 400;

async function insertChunked(trx: Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await trx(table).insert(rows.slice(i, i + CHUNK));
}

const hasContentFilter = (q: StatementQuery): boolean => q.agent !== undefined || q.verb !== undefined || q.activity !== undefined || q.registration !== undefined;

/** The agent/verb/activity/registration filters of a statement query, on the statements aliased `t`. */
function contentFilters(b: Knex.QueryBuilder, t: string, q: StatementQuery): void {
  if (q.verb !== undefined) b.where(`${t}.verb_id`, q.verb);
  if (q.registration !== undefined) b.where(`${t}.registration`, q.registration.toLowerCase());
  // IN (not EXISTS): the planner can then start from the few index rows of one agent or activity
  // and sort those, instead of walking every statement in stored order probing each.
  if (q.agent !== undefined) {
    const key = q.agent;
    b.whereIn(`${t}.id`, (w) => {
      w.select('a.statement_id').from('lrs_statement_agents as a').where('a.agent_key', key);
      if (!q.relatedAgents) w.where('a.related', false);
    });
  }
  if (q.activity !== undefined) {
    const id = q.activity;
    b.whereIn(`${t}.id`, (w) => {
      w.select('a.statement_id').from('lrs_statement_activities as a').where('a.activity_id', id);
      if (!q.relatedActivities) w.where('a.related', false);
    });
  }
}

/** Visible statements of `s` within the time bounds, after the cursor, in order, at most `limit`. */
async function page(s: Knex.QueryBuilder, q: StatementQuery): Promise<StoredRow[]> {
  s.where('s.voided', false);
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
      const direct = await page(db('lrs_statements as s').select('s.id', 's.statement', 's.stored').modify((b) => contentFilters(b, 's', q)), q);
      if (!hasContentFilter(q)) return direct;
      // Communication §2.1.3 (Filter Conditions for StatementRefs): a statement whose object is a
      // StatementRef meets the agent/verb/activity/registration filters when its target does,
      // recursively, even when the target is voided; since/until/limit apply to the referring
      // statement. Both lists are in (stored, id) order from the same cursor, so the page is the
      // first `limit` of their merge.
      const referring = await page(
        db
          .withRecursive('m', ['id'], (base) => {
            base
              .select('t.id')
              .from('lrs_statements as t')
              .whereIn('t.id', db('lrs_statements as x').select('x.object_statement_id').whereNotNull('x.object_statement_id'))
              .modify((b) => contentFilters(b, 't', q))
              .union((u) => u.select('r.id').from('lrs_statements as r').join('m', 'r.object_statement_id', 'm.id'));
          })
          .select('s.id', 's.statement', 's.stored')
          .from('lrs_statements as s')
          .whereIn('s.object_statement_id', db.select('id').from('m')),
        q,
      );
      if (referring.length === 0) return direct;
      const byId = new Map([...direct, ...referring].map((r) => [r.id, r]));
      const sign = q.ascending ? 1 : -1;
      return [...byId.values()].sort((a, b) => sign * (a.stored - b.stored || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))).slice(0, q.limit);
    },

    async insertAttachments(trx, list, now) {
      for (const a of list) {
        await trx('lrs_attachments').insert({ sha2: a.sha2, content_type: a.contentType, content: a.content, created_at: now }).onConflict('sha2').ignore();
      }
    },

    async attachments(sha2s) {
      if (sha2s.length === 0) return [];
      const rows = (await db('lrs_attachments').select('sha2', 'content_type', 'content').whereIn('sha2', sha2s)) as Array<{ sha2: string; content_type: string; content: Uint8Array }>;
      return rows.map((r) => ({ sha2: r.sha2, contentType: r.content_type, content: Buffer.from(r.content) }));
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
