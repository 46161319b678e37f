import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { dbClient, type Db } from '../db/knex.js';
import { newId } from '../ids.js';
import type { TargetRouting } from './lrs-routing.js';
import type { XapiStatement } from './statement.js';

/** Target id of the LRS built into Threadline (it arrives later; until then its rows stay pending). */
export const EMBEDDED_LRS_ID = 'embedded';

export interface ClaimedStatement {
  /** Outbox row id (one row per statement per target). */
  id: string;
  statementId: string;
  lrsId: string;
  statement: XapiStatement;
  /** The statement as stored (JSON text), to send without a parse and re-serialise round trip. */
  json: string;
  /** Claims so far, this one included. */
  attempts: number;
}

export interface LrsStats {
  lrsId: string;
  /** Statements waiting to be delivered (not delivered, not dead). */
  depth: number;
  /** Age of the oldest waiting statement, ms; null when nothing waits. */
  oldestPendingAgeMs: number | null;
  /** Waiting statements that failed at least once (transient errors: being retried with backoff). */
  retrying: number;
  dead: number;
  delivered: number;
}

export interface OutboxStore {
  /**
   * Queues statements for every target LRS that applies to `platformId` (see TargetRouting), inside
   * the caller's transaction (the act's own): one row per statement per target.
   */
  enqueue(trx: Knex | Knex.Transaction, statements: XapiStatement[], platformId?: string | null): Promise<void>;
  /**
   * Leases up to `batchSize` deliverable statements for `lrsId` to `workerId` until now + leaseMs.
   * Rows whose lease expired (a sender died mid-batch) are deliverable again.
   */
  claim(lrsId: string, batchSize: number, workerId: string, now: number, leaseMs: number): Promise<ClaimedStatement[]>;
  ack(ids: string[], now: number): Promise<number>;
  retryLater(ids: string[], availableAt: number, error: string): Promise<number>;
  deadLetter(id: string, error: string): Promise<number>;
  /** Gives back every lease a worker holds (a clean shutdown), so another sender need not wait for expiry. */
  release(workerId: string): Promise<number>;
  stats(now: number): Promise<LrsStats[]>;
  /**
   * Waiting statements and the oldest one's age per target, for /metrics on every scrape: reads
   * only undelivered rows (the claim index's partial range), unlike stats() which counts history.
   */
  backlog(now: number): Promise<Array<{ lrsId: string; depth: number; oldestAgeMs: number | null }>>;
  /**
   * Queues statements created in [since, until) again, delivered ones and (with includeDead) dead
   * ones, e.g. after an LRS lost data. Safe: ids are deterministic, so an LRS that still has a
   * statement treats the resend as a no-op (xAPI 1.0.3 Communication §2.1.3).
   */
  replay(since: number, until: number, opts?: { lrsId?: string; includeDead?: boolean }): Promise<number>;
  /** Dead letters (statements an LRS rejected), oldest first. */
  deadLetters(opts?: { lrsId?: string; limit?: number }): Promise<DeadLetter[]>;
  /** One dead letter with the statement as stored (JSON text), for the admin to inspect; null when the row is not dead. */
  findDeadLetter(id: string): Promise<(DeadLetter & { json: string }) | null>;
  /** Queues dead letters again (after the cause was fixed): the given outbox row ids, or every one (of one target). */
  retryDead(which: { ids: string[] } | { all: true; lrsId?: string }): Promise<number>;
}

export interface DeadLetter {
  id: string;
  statementId: string;
  lrsId: string;
  createdAt: number;
  attempts: number;
  error: string | null;
}

interface Row {
  id: string;
  statement_id: string;
  lrs_id: string;
  statement: string;
  created_at: number;
  attempts: number;
}

const TABLE = 'xapi_outbox';
/** Errors are kept for the admin, not as a log: cap them so a huge LRS answer can't bloat the table. */
const MAX_ERROR = 2000;

/** `targets`: a fixed list of target ids for every statement, or the routing that picks them per platform. */
export function createOutboxStore(db: Db, opts: { clock: Clock; targets: string[] | TargetRouting }): OutboxStore {
  const fixed = Array.isArray(opts.targets) ? opts.targets : null;
  if (fixed?.length === 0) throw new Error('The outbox needs at least one target LRS.');
  const routing: Pick<TargetRouting, 'forPlatform' | 'all'> = fixed ? { forPlatform: async () => fixed, all: async () => fixed } : (opts.targets as TargetRouting);
  const isPg = dbClient(db) === 'pg';

  const toClaimed = (r: Row): ClaimedStatement => {
    let parsed: XapiStatement | undefined;
    return {
      id: r.id,
      statementId: r.statement_id,
      lrsId: r.lrs_id,
      json: r.statement,
      // Parsed only when asked for: the HTTP sender posts the stored JSON text as it is.
      get statement() {
        return (parsed ??= JSON.parse(r.statement) as XapiStatement);
      },
      attempts: Number(r.attempts),
    };
  };

  /** What a row must satisfy to be claimed; repeated in the outer UPDATE so a claim never steals a live lease. */
  const claimable = (q: Knex.QueryBuilder, lrsId: string, now: number): Knex.QueryBuilder =>
    q
      .where({ lrs_id: lrsId, dead: false })
      .whereNull('delivered_at')
      .where('available_at', '<=', now)
      .where((w) => w.whereNull('claim_expires_at').orWhere('claim_expires_at', '<=', now));

  return {
    async enqueue(trx, statements, platformId = null) {
      if (statements.length === 0) return;
      const now = opts.clock.now();
      const targets = await routing.forPlatform(trx, platformId);
      const rows = statements.flatMap((s) =>
        targets.map((lrsId) => ({
          id: newId(),
          statement_id: s.id,
          lrs_id: lrsId,
          statement: JSON.stringify(s),
          created_at: now,
          available_at: now,
          attempts: 0,
          dead: false,
        })),
      );
      // Recording the same act twice queues it once: the statement id is derived from the act.
      await trx(TABLE).insert(rows).onConflict(['lrs_id', 'statement_id']).ignore();
    },

    async claim(lrsId, batchSize, workerId, now, leaseMs) {
      // One statement on both databases: pick the oldest claimable ids of this target and lease them.
      // The pick walks xapi_outbox_claim_idx (lrs_id, created_at, id WHERE delivered_at IS NULL) in
      // order and stops after batchSize rows, so its cost does not grow with the backlog.
      const pick = claimable(db(TABLE).select('id'), lrsId, now)
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .limit(batchSize);
      // PostgreSQL: concurrent senders (several processes) must never hold the same row, so the
      // picked rows are locked and rows another transaction has locked are skipped. SQLite has one
      // writer at a time, so its single UPDATE is atomic as it stands, and the claim conditions are
      // checked again on the rows being updated, so a live lease is never stolen.
      const lease = { claimed_by: workerId, claim_expires_at: now + leaseMs, attempts: db.raw('attempts + 1') };
      const returning = ['id', 'statement_id', 'lrs_id', 'statement', 'created_at', 'attempts'];
      let rows: Row[];
      if (isPg) {
        // A CTE that locks rows is evaluated exactly once (an IN (subquery … LIMIT n FOR UPDATE) may
        // be re-run and lease more than n), and joining it by primary key keeps the planner from
        // scanning the pending rows again. FOR UPDATE re-checks the conditions on the row it locks,
        // and the lock is held until the UPDATE commits: no second check is needed.
        rows = (await db(TABLE)
          .with('picked', pick.forUpdate().skipLocked())
          .updateFrom('picked')
          .where(`${TABLE}.id`, db.ref('picked.id'))
          .update(lease)
          .returning(returning.map((c) => `${TABLE}.${c}`))) as Row[];
      } else {
        rows = (await claimable(db(TABLE).whereIn('id', pick), lrsId, now).update(lease).returning(returning)) as Row[];
      }
      return rows
        .sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))
        .map(toClaimed);
    },

    async ack(ids, now) {
      if (ids.length === 0) return 0;
      return db(TABLE).whereIn('id', ids).whereNull('delivered_at').update({ delivered_at: now, claimed_by: null, claim_expires_at: null, last_error: null });
    },

    async retryLater(ids, availableAt, error) {
      if (ids.length === 0) return 0;
      // Never resurrect a row another sender delivered after this one's lease ran out.
      return db(TABLE)
        .whereIn('id', ids)
        .whereNull('delivered_at')
        .update({ available_at: availableAt, claimed_by: null, claim_expires_at: null, last_error: error.slice(0, MAX_ERROR) });
    },

    async deadLetter(id, error) {
      return db(TABLE).where({ id }).whereNull('delivered_at').update({ dead: true, claimed_by: null, claim_expires_at: null, last_error: error.slice(0, MAX_ERROR) });
    },

    async release(workerId) {
      return db(TABLE).where({ claimed_by: workerId }).whereNull('delivered_at').update({ claimed_by: null, claim_expires_at: null });
    },

    async stats(now) {
      const rows = (await db(TABLE)
        .select('lrs_id')
        .select(db.raw('sum(case when delivered_at is null and dead = ? then 1 else 0 end) as depth', [false]))
        .select(db.raw('min(case when delivered_at is null and dead = ? then created_at end) as oldest', [false]))
        .select(db.raw('sum(case when delivered_at is null and dead = ? and last_error is not null then 1 else 0 end) as retrying', [false]))
        .select(db.raw('sum(case when dead = ? then 1 else 0 end) as dead_count', [true]))
        .select(db.raw('sum(case when delivered_at is not null then 1 else 0 end) as delivered'))
        .groupBy('lrs_id')
        .orderBy('lrs_id')) as Array<{ lrs_id: string; depth: number | string | null; oldest: number | string | null; retrying: number | string | null; dead_count: number | string | null; delivered: number | string | null }>;
      const byId = new Map(rows.map((r) => [r.lrs_id, r]));
      // Every target is listed, even before its first statement, so a dashboard shows it at zero.
      const ids = [...new Set([...(await routing.all()), ...byId.keys()])].sort();
      return ids.map((lrsId) => {
        const r = byId.get(lrsId);
        const oldest = r?.oldest === null || r?.oldest === undefined ? null : Number(r.oldest);
        return {
          lrsId,
          depth: Number(r?.depth ?? 0),
          oldestPendingAgeMs: oldest === null ? null : Math.max(0, now - oldest),
          retrying: Number(r?.retrying ?? 0),
          dead: Number(r?.dead_count ?? 0),
          delivered: Number(r?.delivered ?? 0),
        };
      });
    },

    async backlog(now) {
      const rows = (await db(TABLE)
        .select('lrs_id')
        .count({ depth: '*' })
        .min({ oldest: 'created_at' })
        .whereNull('delivered_at')
        .where({ dead: false })
        .groupBy('lrs_id')) as Array<{ lrs_id: string; depth: number | string; oldest: number | string | null }>;
      const byId = new Map(rows.map((r) => [r.lrs_id, r]));
      // Every target is listed, at zero when nothing waits, so an alert on "depth > n" sees it recover.
      const ids = [...new Set([...(await routing.all()), ...byId.keys()])].sort();
      return ids.map((lrsId) => {
        const r = byId.get(lrsId);
        const oldest = r?.oldest === null || r?.oldest === undefined ? null : Number(r.oldest);
        return { lrsId, depth: Number(r?.depth ?? 0), oldestAgeMs: oldest === null ? null : Math.max(0, now - oldest) };
      });
    },

    async replay(since, until, o = {}) {
      const now = opts.clock.now();
      const q = db(TABLE).where('created_at', '>=', since).where('created_at', '<', until);
      if (o.lrsId) q.where({ lrs_id: o.lrsId });
      if (o.includeDead) q.where((w) => w.whereNotNull('delivered_at').orWhere({ dead: true }));
      else q.whereNotNull('delivered_at');
      return q.update({ delivered_at: null, dead: false, available_at: now, attempts: 0, claimed_by: null, claim_expires_at: null, last_error: null });
    },

    async deadLetters(o = {}) {
      const q = db(TABLE).select('id', 'statement_id', 'lrs_id', 'created_at', 'attempts', 'last_error').where({ dead: true }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
      if (o.lrsId) q.where({ lrs_id: o.lrsId });
      if (o.limit) q.limit(o.limit);
      const rows = (await q) as Array<{ id: string; statement_id: string; lrs_id: string; created_at: number | string; attempts: number | string; last_error: string | null }>;
      return rows.map((r) => ({ id: r.id, statementId: r.statement_id, lrsId: r.lrs_id, createdAt: Number(r.created_at), attempts: Number(r.attempts), error: r.last_error }));
    },

    async findDeadLetter(id) {
      const r = (await db(TABLE).select('id', 'statement_id', 'lrs_id', 'statement', 'created_at', 'attempts', 'last_error').where({ id, dead: true }).first()) as
        | { id: string; statement_id: string; lrs_id: string; statement: string; created_at: number | string; attempts: number | string; last_error: string | null }
        | undefined;
      return r ? { id: r.id, statementId: r.statement_id, lrsId: r.lrs_id, createdAt: Number(r.created_at), attempts: Number(r.attempts), error: r.last_error, json: r.statement } : null;
    },
    async retryDead(which) {
      const q = db(TABLE).where({ dead: true }).whereNull('delivered_at');
      if ('ids' in which) {
        if (which.ids.length === 0) return 0;
        q.whereIn('id', which.ids);
      } else if (which.lrsId) q.where({ lrs_id: which.lrsId });
      // The error stays until the next attempt replaces it, so the admin can still see why it died.
      return q.update({ dead: false, available_at: opts.clock.now(), attempts: 0, claimed_by: null, claim_expires_at: null });
    },
  };
}
