import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../clock.js';
import { dbClient, type Db } from '../../db/knex.js';
import type { DocumentScope, LrsDocument, LrsDocumentStore } from './document-store.js';
import { badRequest, LrsError } from './lrs-errors.js';

/** The request's If-Match / If-None-Match headers, as sent (xAPI 1.0.3 Communication §3.1). */
export interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

export interface DocumentWrite {
  content: Buffer;
  contentType: string;
}

export interface LrsDocumentService {
  get(scope: DocumentScope, documentId: string): Promise<LrsDocument | null>;
  ids(scope: DocumentScope, since?: number): Promise<string[]>;
  /** Stores the document as sent (replacing any), after the precondition checks. */
  put(scope: DocumentScope, documentId: string, doc: DocumentWrite, pre: Preconditions): Promise<LrsDocument>;
  /** Stores the document, or merges it into the stored one when both are JSON objects (§2.2). */
  post(scope: DocumentScope, documentId: string, doc: DocumentWrite, pre: Preconditions): Promise<LrsDocument>;
  remove(scope: DocumentScope, documentId: string, pre: Preconditions): Promise<void>;
  removeAll(scope: DocumentScope): Promise<void>;
}

export const isJsonType = (contentType: string): boolean => /^application\/json\s*(;|$)/i.test(contentType.trim());

/** xAPI 1.0.3 Communication §3.1: the ETag is the SHA-1 hex digest of the content. */
export const etagOf = (content: Buffer): string => crypto.createHash('sha1').update(content).digest('hex');

/** Entity tags of an If-Match / If-None-Match list, unquoted, without the weak prefix. */
function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
}

/**
 * RFC 7232 §3.1–3.2 as xAPI 1.0.3 Communication §3.1 asks: If-Match fails (412) unless the document
 * exists and matches (`*`: exists); If-None-Match fails unless it does not match (`*`: no document).
 */
function checkPreconditions(current: LrsDocument | null, pre: Preconditions): void {
  const failed = (): LrsError => new LrsError(412, 'xapi_precondition_failed', 'The document has changed (If-Match / If-None-Match did not hold); fetch it again.');
  if (pre.ifMatch !== undefined) {
    const list = tags(pre.ifMatch);
    if (!current) throw failed();
    if (!list.includes('*') && !list.includes(current.etag)) throw failed();
  }
  if (pre.ifNoneMatch !== undefined) {
    const list = tags(pre.ifNoneMatch);
    if (current && (list.includes('*') || list.includes(current.etag))) throw failed();
  }
}

function jsonObject(content: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(content.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createLrsDocumentService(deps: { db: Db; store: LrsDocumentStore; clock: Clock }): LrsDocumentService {
  const { db, store, clock } = deps;
  const isSqlite = dbClient(db) === 'sqlite';
  let last = 0;
  // Strictly increasing, so `since` (exclusive) never hides a change made in the same millisecond.
  const now = (): number => (last = Math.max(clock.now(), last + 1));

  async function write<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return db.transaction(async (trx) => {
      // SQLite: take the write lock before reading (see lrs-service.ts), so read-check-write is atomic.
      if (isSqlite) await trx.raw('update lrs_documents set updated = updated where 1 = 0');
      return fn(trx);
    });
  }

  function make(documentId: string, doc: DocumentWrite): LrsDocument {
    return { documentId, contentType: doc.contentType, content: doc.content, etag: etagOf(doc.content), updated: now() };
  }

  return {
    get: (scope, documentId) => store.get(db, scope, documentId),
    ids: (scope, since) => store.ids(scope, since),

    async put(scope, documentId, doc, pre) {
      if (isJsonType(doc.contentType)) {
        try {
          JSON.parse(doc.content.toString('utf8'));
        } catch {
          throw badRequest('The document is sent as application/json but is not valid JSON.');
        }
      }
      return write(async (trx) => {
        const current = await store.get(trx, scope, documentId);
        checkPreconditions(current, pre);
        // §3.1: a PUT that would overwrite an Activity or Agent Profile document without either
        // precondition header is refused with 409, so no client overwrites a change it never saw.
        // Without a document, the ADL conformance suite (XAPI-00273, Communication §2.6/§2.7)
        // expects 400: a profile PUT must always say which version it means (If-None-Match: *).
        if (scope.kind !== 'state' && pre.ifMatch === undefined && pre.ifNoneMatch === undefined) {
          if (current) throw new LrsError(409, 'xapi_conflict', 'The document exists: check its current content and send If-Match with its ETag to overwrite it.');
          throw badRequest('A PUT to a profile document needs If-None-Match: * (new document) or If-Match with its ETag.');
        }
        const next = make(documentId, doc);
        await store.save(trx, scope, next);
        return next;
      });
    },

    async post(scope, documentId, doc, pre) {
      const incoming = isJsonType(doc.contentType) ? jsonObject(doc.content) : null;
      // §2.2 (Document Merging): JSON content that is not an object cannot be merged.
      if (isJsonType(doc.contentType) && !incoming) throw badRequest('A POSTed application/json document must be a JSON object.');
      return write(async (trx) => {
        const current = await store.get(trx, scope, documentId);
        checkPreconditions(current, pre);
        if (!current) {
          const next = make(documentId, doc);
          await store.save(trx, scope, next);
          return next;
        }
        // §2.2: a POST to an existing document merges when both are JSON objects (top-level keys
        // of the new document replace the old ones); otherwise the LRS answers 400.
        const stored = isJsonType(current.contentType) ? jsonObject(current.content) : null;
        if (!incoming || !stored) throw badRequest('POST merges only JSON objects: the stored document or the one sent is not an application/json object. Use PUT to replace it.');
        const next = make(documentId, { contentType: 'application/json', content: Buffer.from(JSON.stringify({ ...stored, ...incoming })) });
        await store.save(trx, scope, next);
        return next;
      });
    },

    async remove(scope, documentId, pre) {
      await write(async (trx) => {
        const current = await store.get(trx, scope, documentId);
        checkPreconditions(current, pre);
        await store.remove(trx, scope, documentId);
      });
    },

    removeAll: (scope) => store.removeAll(scope),
  };
}
