import crypto from 'node:crypto';
import type { Clock } from '../../clock.js';
import { dbClient, type Db } from '../../db/knex.js';
import { sha256 } from '../../ids.js';
import { canonicalActivity } from './activity-definition.js';
import type { AttachmentContent } from './attachments.js';
import { idsFormat, indexStatement } from './ifi.js';
import { badRequest, LrsError } from './lrs-errors.js';
import type { LrsStatementStore, NewStatementRow, StatementQuery } from './statement-store.js';
import { statementProblems } from './validate.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * xAPI 1.0.3 Data §2.4.6.2: a contextActivities value may be a single Activity; the LRS stores and
 * returns it as an array of one. Applied to the statement and to a SubStatement object, before
 * validation and before the content hash used for conflict checks.
 */
export function arrayContextActivities(statement: Json): void {
  for (const holder of [statement, isObj(statement.object) ? statement.object : null]) {
    const ctx = holder && isObj(holder.context) ? holder.context : null;
    const ca = ctx && isObj(ctx.contextActivities) ? ctx.contextActivities : null;
    if (!ca) continue;
    for (const [k, v] of Object.entries(ca)) if (isObj(v)) ca[k] = [v];
  }
}

/** Most statements one GET returns (a client asking for more, or for 0 = "server maximum", gets this). */
export const MAX_PAGE = 500;
/** Most statements one POST may carry. */
export const MAX_BATCH = 1000;

export type StatementFormat = 'exact' | 'ids' | 'canonical';

export interface StatementPage {
  statements: Json[];
  /** Cursor for the next page, or null when this was the last. */
  next: string | null;
}

export interface EmbeddedLrsService {
  /**
   * Stores statements all-or-nothing (xAPI 1.0.3 Communication §2.1.2): any invalid statement or
   * duplicate id in the batch → 400; an id already stored with other content → 409; with the
   * same content → a no-op. Returns every statement's id, in order.
   */
  store(statements: unknown[], authority: Json, attachments?: AttachmentContent[]): Promise<string[]>;
  /** Stored attachment contents by sha2 (those the LRS has). */
  attachments(sha2s: string[]): Promise<AttachmentContent[]>;
  get(id: string, opts: { voided: boolean; format: StatementFormat }): Promise<Json | null>;
  query(q: StatementQuery, format: StatementFormat): Promise<StatementPage>;
  /** Every statement stored at or before this instant is visible to queries (ISO 8601). */
  consistentThrough(): string;
  /** The canonical Activity (Communication §2.5), merged from the statements that mention it. */
  activity(activityId: string): Promise<Json>;
}

/** Most statements read to build one canonical Activity (the newest ones). */
const ACTIVITY_SOURCES = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObj(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const isUniqueViolation = (err: unknown): boolean => {
  const e = err as { code?: string; errno?: number; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT' || /UNIQUE constraint failed/.test(e?.message ?? '');
};

export function createEmbeddedLrsService(deps: { db: Db; store: LrsStatementStore; clock: Clock }): EmbeddedLrsService {
  const { db, store, clock } = deps;
  const isSqlite = dbClient(db) === 'sqlite';
  /** stored values of writes not yet committed (counted), for X-Experience-API-Consistent-Through. */
  const inFlight = new Map<number, number>();
  let lastStored = 0;

  const render = (raw: string, format: StatementFormat): Json => {
    const s = JSON.parse(raw) as Json;
    return format === 'ids' ? idsFormat(s) : s;
  };

  /**
   * SQLite has one writer at a time. Concurrent POSTs that each BEGIN IMMEDIATE wait for the lock in
   * SQLite's busy handler, which sleeps in growing steps (1, 2, 5 … 100 ms) instead of waking when
   * the lock is free: under 4 concurrent POSTs most of the wall time was those sleeps (the tool
   * process was idle 55% of an ingest run). Queueing our own writes here hands the lock over at
   * once; other writers of the database (the app's own transactions) still meet busy_timeout.
   * PostgreSQL locks rows, so its writes run side by side.
   */
  let writeQueue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(fn: () => Promise<T>): Promise<T> => {
    if (!isSqlite) return fn();
    const run = writeQueue.then(fn, fn);
    writeQueue = run.catch(() => undefined);
    return run;
  };

  function attempt(list: Json[], hashes: string[], authority: Json, attachments: AttachmentContent[]): Promise<void> {
    return serialised(() => write(list, hashes, authority, attachments));
  }

  async function write(list: Json[], hashes: string[], authority: Json, attachments: AttachmentContent[]): Promise<void> {
    // Strictly increasing within the process, so `more` paging and since/until never tie oddly.
    const stored = Math.max(clock.now(), lastStored + 1);
    lastStored = stored;
    inFlight.set(stored, (inFlight.get(stored) ?? 0) + 1);
    try {
      await db.transaction(async (trx) => {
        // SQLite: take the write lock first. A transaction that reads and then writes cannot wait
        // for the lock (busy_timeout does not apply to the upgrade) and fails with SQLITE_BUSY.
        if (isSqlite) await trx.raw('update lrs_statements set voided = voided where 1 = 0');
        const existing = await store.existing(trx, list.map((s) => s.id as string));
        const fresh: NewStatementRow[] = [];
        const storedIso = new Date(stored).toISOString();
        list.forEach((s, i) => {
          const id = s.id as string;
          const known = existing.get(id);
          if (known !== undefined) {
            if (known !== hashes[i]) throw new LrsError(409, 'xapi_conflict', `Statement ${id} already exists with different content.`);
            return;
          }
          const full: Json = {
            ...s,
            timestamp: s.timestamp ?? storedIso,
            stored: storedIso,
            authority: s.authority ?? authority,
            version: s.version ?? '1.0.0',
          };
          fresh.push({ id, statement: JSON.stringify(full), contentHash: hashes[i]!, stored, timestamp: String(full.timestamp), index: indexStatement(full) });
        });
        await store.insert(trx, fresh);
        if (fresh.length) await store.insertAttachments(trx, attachments, stored);
      });
    } finally {
      const n = (inFlight.get(stored) ?? 1) - 1;
      if (n <= 0) inFlight.delete(stored);
      else inFlight.set(stored, n);
    }
  }

  return {
    async store(statements, authority, attachments = []) {
      if (statements.length === 0) throw badRequest('No statements were sent.');
      if (statements.length > MAX_BATCH) throw new LrsError(413, 'xapi_too_large', `At most ${MAX_BATCH} statements per request.`);
      const list: Json[] = [];
      const problems: string[] = [];
      statements.forEach((raw, i) => {
        if (!isObj(raw)) {
          problems.push(`[${i}] is not a JSON object`);
          return;
        }
        const s: Json = { ...raw };
        if (s.id === undefined) s.id = crypto.randomUUID();
        if (typeof s.id !== 'string' || !UUID.test(s.id)) {
          problems.push(`[${i}] id must be a UUID`);
          return;
        }
        s.id = s.id.toLowerCase();
        arrayContextActivities(s);
        for (const p of statementProblems(s)) problems.push(`[${i}] ${p}`);
        // Only an LRS sets `stored`; a client's value is ignored (it is replaced) rather than rejected.
        delete s.stored;
        list.push(s);
      });
      if (problems.length) throw badRequest(`Invalid statement(s): ${problems.slice(0, 20).join('; ')}`);
      const ids = list.map((s) => s.id as string);
      if (new Set(ids).size !== ids.length) throw badRequest('The batch holds the same statement id more than once.');
      const hashes = list.map((s) => sha256(canonicalJson(s)));
      try {
        await attempt(list, hashes, authority, attachments);
      } catch (err) {
        // Another request stored one of these ids between our check and insert: check again.
        if (!isUniqueViolation(err)) throw err;
        await attempt(list, hashes, authority, attachments);
      }
      return ids;
    },

    async get(id, opts) {
      if (!UUID.test(id)) throw badRequest('statementId / voidedStatementId must be a UUID.');
      const row = await store.get(id, opts.voided);
      return row ? render(row.statement, opts.format) : null;
    },

    async query(q, format) {
      const limit = q.limit <= 0 || q.limit > MAX_PAGE ? MAX_PAGE : q.limit;
      const rows = await store.query({ ...q, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        statements: page.map((r) => render(r.statement, format)),
        next: rows.length > limit && last ? JSON.stringify({ stored: last.stored, id: last.id }) : null,
      };
    },

    consistentThrough() {
      const pending = [...inFlight.keys()];
      const t = pending.length ? Math.min(...pending) - 1 : clock.now();
      return new Date(t).toISOString();
    },

    attachments: (sha2s) => store.attachments(sha2s),

    async activity(activityId) {
      const raw = await store.mentioningActivity(activityId, ACTIVITY_SOURCES);
      return canonicalActivity(activityId, raw.map((r) => JSON.parse(r) as Json));
    },
  };
}
