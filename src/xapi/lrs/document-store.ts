import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import { sha256 } from '../../ids.js';

/** The three document resources of xAPI 1.0.3 Communication (§2.3, §2.6, §2.7). */
export type DocumentKind = 'state' | 'activity_profile' | 'agent_profile';

/** What a document belongs to; a GET without a document id lists every document of one scope. */
export interface DocumentScope {
  kind: DocumentKind;
  activityId: string | null;
  /** Normalised IFI (ifi.ts agentKey). */
  agentKey: string | null;
  registration: string | null;
}

export interface LrsDocument {
  documentId: string;
  contentType: string;
  content: Buffer;
  /** SHA-1 hex of the content, unquoted. */
  etag: string;
  /** Epoch ms of the last change. */
  updated: number;
}

export interface LrsDocumentStore {
  get(trx: Knex | Knex.Transaction, scope: DocumentScope, documentId: string): Promise<LrsDocument | null>;
  /** Document ids of the scope, changed strictly after `since` when given. */
  ids(scope: DocumentScope, since?: number): Promise<string[]>;
  /** Inserts or replaces the document. */
  save(trx: Knex.Transaction, scope: DocumentScope, doc: LrsDocument): Promise<void>;
  remove(trx: Knex | Knex.Transaction, scope: DocumentScope, documentId: string): Promise<void>;
  /** Every document of the scope (State DELETE without stateId, §2.3). */
  removeAll(scope: DocumentScope): Promise<void>;
}

const scopeHash = (s: DocumentScope): string => sha256(JSON.stringify([s.kind, s.activityId, s.agentKey, s.registration]));
const rowId = (s: DocumentScope, documentId: string): string => sha256(JSON.stringify([scopeHash(s), documentId]));

interface Row {
  document_id: string;
  content_type: string;
  content: Buffer | Uint8Array;
  etag: string;
  updated: number | string;
}

export function createLrsDocumentStore(db: Db): LrsDocumentStore {
  return {
    async get(trx, scope, documentId) {
      const r = (await trx('lrs_documents').select('document_id', 'content_type', 'content', 'etag', 'updated').where('id', rowId(scope, documentId)).first()) as Row | undefined;
      if (!r) return null;
      return { documentId: r.document_id, contentType: r.content_type, content: Buffer.from(r.content), etag: r.etag, updated: Number(r.updated) };
    },

    async ids(scope, since) {
      const q = db('lrs_documents').select('document_id').where('scope', scopeHash(scope));
      if (since !== undefined) q.where('updated', '>', since);
      const rows = (await q.orderBy('document_id')) as Array<{ document_id: string }>;
      return rows.map((r) => r.document_id);
    },

    async save(trx, scope, doc) {
      const row = {
        id: rowId(scope, doc.documentId),
        scope: scopeHash(scope),
        kind: scope.kind,
        activity_id: scope.activityId,
        agent_key: scope.agentKey,
        registration: scope.registration,
        document_id: doc.documentId,
        content_type: doc.contentType,
        content: doc.content,
        etag: doc.etag,
        updated: doc.updated,
      };
      await trx('lrs_documents').insert(row).onConflict('id').merge(['content_type', 'content', 'etag', 'updated']);
    },

    async remove(trx, scope, documentId) {
      await trx('lrs_documents').where('id', rowId(scope, documentId)).del();
    },

    async removeAll(scope) {
      await db('lrs_documents').where('scope', scopeHash(scope)).del();
    },
  };
}
