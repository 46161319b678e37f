import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import { indexPostIn } from '../search/search-index.js';
import type { Post, RenderedBody, Thread, ThreadKind, ThreadListItem, ThreadSort } from './discussion-model.js';

export interface NewThread {
  spaceId: string;
  authorId: string;
  title: string;
  kind: ThreadKind;
}

/**
 * Runs inside an act's own transaction, after the act's rows are written, with their ids: what it
 * writes (e.g. the act's xAPI statement in the outbox) commits or rolls back with the act, and a
 * throw rolls the act back. Stores know nothing of what it does.
 */
export type InTransaction<W> = (trx: Db, written: W) => Promise<void>;

export interface ThreadStore {
  /** The thread and its opening post, in one transaction (which `also` joins). */
  create(thread: NewThread, body: RenderedBody, now: number, also?: InTransaction<{ threadId: string; openingId: string }>): Promise<{ thread: Thread; opening: Post }>;
  /** Scoped by context (through the thread's space): an id from another course is not found. */
  get(contextId: string, id: string): Promise<Thread | null>;
  /** Pinned threads first, then by `sort`; ties broken by id so pages never overlap. */
  list(contextId: string, spaceId: string, opts: { sort: ThreadSort; limit: number; offset: number; tagId?: string | null }): Promise<ThreadListItem[]>;
  /** With `tagId`: only threads carrying that tag (curation/tag-store.ts). */
  count(contextId: string, spaceId: string, tagId?: string | null): Promise<number>;
  setFlags(id: string, flags: { pinned?: boolean; locked?: boolean }, now: number): Promise<void>;
  /**
   * Marks `postId` (a reply in the thread) as its accepted answer, replacing any other, or clears
   * it with null; one transaction, which `also` joins. False (and `also` never runs) when nothing
   * changed (that reply was already the answer, or there was none to clear).
   */
  setAccepted(id: string, postId: string | null, now: number, also?: InTransaction<Record<string, never>>): Promise<boolean>;
}

interface ThreadRow {
  id: string;
  space_id: string;
  author_id: string | null;
  author_name: string | null;
  title: string;
  kind: ThreadKind;
  pinned: boolean | number;
  locked: boolean | number;
  reply_count: number | string;
  reaction_count: number | string;
  accepted_post_id: string | null;
  created_at: number;
  updated_at: number;
  last_activity_at: number;
}

const threadColumns = [
  't.id',
  't.space_id',
  't.author_id',
  'u.name as author_name',
  't.title',
  't.kind',
  't.pinned',
  't.locked',
  't.reply_count',
  't.reaction_count',
  't.accepted_post_id',
  't.created_at',
  't.updated_at',
  't.last_activity_at',
];

// SQLite hands booleans back as 0/1 and PostgreSQL as true/false.
const threadFromRow = (r: ThreadRow): Thread => ({
  id: r.id,
  spaceId: r.space_id,
  authorId: r.author_id,
  authorName: r.author_name,
  title: r.title,
  kind: r.kind,
  pinned: Boolean(r.pinned),
  locked: Boolean(r.locked),
  replyCount: Number(r.reply_count),
  reactionCount: Number(r.reaction_count),
  acceptedPostId: r.accepted_post_id,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  lastActivityAt: Number(r.last_activity_at),
});

export function createThreadStore(db: Db): ThreadStore {
  /** threads `t` joined to their space in `contextId`, and their author `u`. */
  const scoped = (contextId: string) =>
    db('threads as t')
      .join('spaces as s', function () {
        this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
      })
      .leftJoin('users as u', 'u.id', 't.author_id');

  const withTag = (q: ReturnType<typeof scoped>, tagId: string | null | undefined) => {
    if (tagId) q.whereExists(db('thread_tags as tt').whereRaw('tt.thread_id = t.id').where('tt.tag_id', tagId));
  };

  return {
    async create(thread, body, now, also) {
      const id = newId();
      const postId = newId();
      await db.transaction(async (trx) => {
        await trx('threads').insert({
          id,
          space_id: thread.spaceId,
          author_id: thread.authorId,
          title: thread.title,
          kind: thread.kind,
          pinned: false,
          locked: false,
          reply_count: 0,
          reaction_count: 0,
          created_at: now,
          updated_at: now,
          last_activity_at: now,
        });
        await trx('posts').insert({
          id: postId,
          thread_id: id,
          parent_post_id: null,
          branch_id: null,
          depth: 0,
          author_id: thread.authorId,
          body_markdown: body.bodyMarkdown,
          body_html: body.bodyHtml,
          render_version: body.renderVersion,
          created_at: now,
        });
        await indexPostIn(trx, postId); // title and opening post become searchable with the thread
        if (also) await also(trx, { threadId: id, openingId: postId });
      });
      const author = await db('users').where({ id: thread.authorId }).first<{ name: string | null } | undefined>('name');
      const authorName = author?.name ?? null;
      return {
        thread: { id, ...thread, authorName, pinned: false, locked: false, replyCount: 0, reactionCount: 0, acceptedPostId: null, createdAt: now, updatedAt: now, lastActivityAt: now },
        opening: {
          id: postId,
          threadId: id,
          parentId: null,
          branchId: null,
          depth: 0,
          authorId: thread.authorId,
          authorName,
          ...body,
          createdAt: now,
          editedAt: null,
          deletedAt: null,
          hiddenAt: null,
          hiddenBy: null,
          reactionCount: 0,
          endorsedAt: null,
          endorsedBy: null,
        },
      };
    },

    async get(contextId, id) {
      const r = await scoped(contextId).where('t.id', id).first<ThreadRow | undefined>(threadColumns);
      return r ? threadFromRow(r) : null;
    },

    async list(contextId, spaceId, { sort, limit, offset, tagId }) {
      // "Most helpful" ties fall back to the most active, so equal counts still read sensibly.
      const order = sort === 'newest' ? 't.created_at' : sort === 'helpful' ? 't.reaction_count' : 't.last_activity_at';
      const orderBy = [
        { column: 't.pinned', order: 'desc' },
        { column: order, order: 'desc' },
        ...(sort === 'helpful' ? [{ column: 't.last_activity_at', order: 'desc' as const }] : []),
        { column: 't.id', order: 'desc' },
      ] as const;
      // Deferred join: the offset is walked in the space's index (ids only); then only the page's
      // threads are read, by primary key, and joined to their author and opening post. Joining
      // every skipped thread made the last page of a big space many times dearer than the first
      // (bench/discussion). Two statements, not a subquery: given a subquery, PostgreSQL hashed
      // it and scanned the whole threads table (every course's) for the page's rows.
      // Prompts are listed in their own order, above the threads (spaces/prompt-store.ts).
      const ids = await db('threads as t')
        .where('t.space_id', spaceId)
        .whereNot('t.kind', 'prompt')
        .modify(withTag, tagId)
        .orderBy([...orderBy])
        .limit(limit)
        .offset(offset)
        .pluck<string[]>('t.id');
      if (ids.length === 0) return [];
      const rows = await scoped(contextId)
        .leftJoin('posts as op', function () {
          this.on('op.thread_id', '=', 't.id').andOn('op.depth', '=', db.raw('0'));
        })
        .whereIn('t.id', ids)
        .orderBy([...orderBy])
        .select<Array<ThreadRow & { op_hidden_at: number | null; op_deleted_at: number | null }>>([...threadColumns, 'op.hidden_at as op_hidden_at', 'op.deleted_at as op_deleted_at']);
      return rows.map((r) => ({ ...threadFromRow(r), openingHidden: r.op_hidden_at !== null, openingDeleted: r.op_deleted_at !== null }));
    },

    async count(contextId, spaceId, tagId) {
      // No author join (scoped() has one): counting needs only the space's index.
      const r = await db('threads as t')
        .join('spaces as s', function () {
          this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
        })
        .where('t.space_id', spaceId)
        .whereNot('t.kind', 'prompt')
        .modify(withTag, tagId)
        .count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },

    async setFlags(id, flags, now) {
      const change: Record<string, unknown> = { updated_at: now };
      if (flags.pinned !== undefined) change.pinned = flags.pinned;
      if (flags.locked !== undefined) change.locked = flags.locked;
      await db('threads').where({ id }).update(change);
    },

    async setAccepted(id, postId, now, also) {
      return db.transaction(async (trx) => {
        const q = trx('threads').where({ id });
        // Only a change counts: accepting the current answer again records nothing.
        if (postId === null) q.whereNotNull('accepted_post_id');
        else q.where((w) => w.whereNull('accepted_post_id').orWhere('accepted_post_id', '<>', postId));
        const n = await q.update({ accepted_post_id: postId, updated_at: now });
        if (n !== 1) return false;
        if (also) await also(trx, {});
        return true;
      });
    },
  };
}
