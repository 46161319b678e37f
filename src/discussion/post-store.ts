import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import { indexPostIn } from '../search/search-index.js';
import type { Post, PostRevision, RenderedBody, ReplySort } from './discussion-model.js';
import type { InTransaction } from './thread-store.js';

export interface NewReply {
  threadId: string;
  /** The post replied to: the reply sits one level below it, in its branch. */
  parent: Pick<Post, 'id' | 'depth' | 'branchId'>;
  authorId: string;
}

export interface PostEdit extends RenderedBody {
  /** For an opening post: the thread's title now and after the edit (kept in the revision). */
  title?: { previous: string; next: string };
}

export interface PostStore {
  /** Scoped by context (through thread and space): an id from another course is not found. */
  get(contextId: string, id: string): Promise<Post | null>;
  opening(threadId: string): Promise<Post | null>;
  /**
   * One page of a thread's depth-1 replies (oldest first) with their descendants down to
   * `maxDepth`, in one list ordered by depth then time.
   */
  page(threadId: string, opts: { limit: number; offset: number; maxDepth: number; order?: ReplySort }): Promise<{ posts: Post[]; hasMore: boolean }>;
  /** `root` and its descendants down to `maxDepth` (absolute depth). */
  subtree(root: Post, maxDepth: number): Promise<Post[]>;
  /** How many depth-1 replies of the thread come before branch `branchId` (for its page number). */
  branchIndex(threadId: string, branchId: string): Promise<number>;
  countDepthOne(threadId: string): Promise<number>;
  /**
   * Inserts the reply and bumps the thread's reply count and activity time, in one transaction
   * (which `also` joins, given the new post's id).
   */
  addReply(reply: NewReply, body: RenderedBody, now: number, also?: InTransaction<{ postId: string }>): Promise<Post>;
  /**
   * Keeps `previous` as a revision and writes the edit, in one transaction (which `also` joins,
   * given the id of the revision the edit made). False when the post changed since `previous` was
   * read (another edit or a delete won the race); `also` then never runs.
   */
  edit(previous: Post, change: PostEdit, editorId: string, now: number, also?: InTransaction<{ revisionId: string }>): Promise<boolean>;
  /** Oldest first. */
  revisions(postId: string): Promise<PostRevision[]>;
  /**
   * Leaves a tombstone: the row stays (replies hang under it), its content and history go. One
   * transaction, which `also` joins; false (and `also` never runs) when it was already deleted.
   */
  tombstone(id: string, now: number, also?: InTransaction<Record<string, never>>): Promise<boolean>;
  setHidden(id: string, hidden: { at: number; by: string } | null): Promise<void>;
  /**
   * Adds `userId`'s "helpful" reaction to the post and bumps the post's and its thread's counts,
   * in one transaction (which `also` joins, given the reaction's id). False (and `also` never
   * runs) when that user had already reacted: one reaction per user per post.
   */
  react(post: Pick<Post, 'id' | 'threadId'>, userId: string, now: number, also?: InTransaction<{ reactionId: string }>): Promise<boolean>;
  /** Takes the reaction back and lowers the counts, in one transaction; false when there was none. */
  unreact(post: Pick<Post, 'id' | 'threadId'>, userId: string): Promise<boolean>;
  /** Which of `postIds` `userId` has reacted to. */
  reactedBy(userId: string, postIds: string[]): Promise<Set<string>>;
  /**
   * Endorses the post (or withdraws the endorsement with null), in one transaction which `also`
   * joins; false (and `also` never runs) when nothing changed.
   */
  setEndorsed(id: string, endorsed: { at: number; by: string } | null, also?: InTransaction<Record<string, never>>): Promise<boolean>;
}

export interface PostRow {
  id: string;
  thread_id: string;
  parent_post_id: string | null;
  branch_id: string | null;
  depth: number | string;
  author_id: string | null;
  author_name: string | null;
  body_markdown: string;
  body_html: string;
  render_version: number | string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  hidden_at: number | null;
  hidden_by: string | null;
  reaction_count: number | string;
  endorsed_at: number | null;
  endorsed_by: string | null;
}

const postColumns = [
  'p.id',
  'p.thread_id',
  'p.parent_post_id',
  'p.branch_id',
  'p.depth',
  'p.author_id',
  'u.name as author_name',
  'p.body_markdown',
  'p.body_html',
  'p.render_version',
  'p.created_at',
  'p.edited_at',
  'p.deleted_at',
  'p.hidden_at',
  'p.hidden_by',
  'p.reaction_count',
  'p.endorsed_at',
  'p.endorsed_by',
];

const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

const postFromRow = (r: PostRow): Post => ({
  id: r.id,
  threadId: r.thread_id,
  parentId: r.parent_post_id,
  branchId: r.branch_id,
  depth: Number(r.depth),
  authorId: r.author_id,
  authorName: r.author_name,
  bodyMarkdown: r.body_markdown,
  bodyHtml: r.body_html,
  renderVersion: Number(r.render_version),
  createdAt: Number(r.created_at),
  editedAt: numOrNull(r.edited_at),
  deletedAt: numOrNull(r.deleted_at),
  hiddenAt: numOrNull(r.hidden_at),
  hiddenBy: r.hidden_by,
  reactionCount: Number(r.reaction_count),
  endorsedAt: numOrNull(r.endorsed_at),
  endorsedBy: r.endorsed_by,
});

interface RevisionRow {
  id: string;
  post_id: string;
  title: string | null;
  body_markdown: string;
  written_at: number;
  replaced_at: number;
  replaced_by: string | null;
}

export function createPostStore(db: Db): PostStore {
  const posts = () => db('posts as p').leftJoin('users as u', 'u.id', 'p.author_id');
  const chronological = [
    { column: 'p.depth', order: 'asc' },
    { column: 'p.created_at', order: 'asc' },
    { column: 'p.id', order: 'asc' },
  ] as const;

  return {
    async get(contextId, id) {
      const r = await posts()
        .join('threads as t', 't.id', 'p.thread_id')
        .join('spaces as s', function () {
          this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
        })
        .where('p.id', id)
        .first<PostRow | undefined>(postColumns);
      return r ? postFromRow(r) : null;
    },

    async opening(threadId) {
      const r = await posts().where({ 'p.thread_id': threadId, 'p.depth': 0 }).first<PostRow | undefined>(postColumns);
      return r ? postFromRow(r) : null;
    },

    async page(threadId, { limit, offset, maxDepth, order = 'oldest' }) {
      // Most helpful: depth-1 replies by reaction count (posts_thread_helpful_idx), ties oldest first.
      const topOrder = order === 'helpful' ? [{ column: 'p.reaction_count', order: 'desc' } as const, ...chronological] : [...chronological];
      // Deferred join: the offset is walked in the index (ids only); then only this page's rows
      // are read, by primary key, and joined to their authors. Reading whole rows to skip them
      // made later pages of a long thread cost more (PostgreSQL sorted every reply;
      // bench/discussion). Two statements, not a subquery, so the second is always a key lookup.
      const ids = await db('posts as p')
        .where({ 'p.thread_id': threadId, 'p.depth': 1 })
        .orderBy(topOrder)
        .limit(limit + 1)
        .offset(offset)
        .pluck<string[]>('p.id');
      const top = ids.length === 0 ? [] : await posts().whereIn('p.id', ids).orderBy(topOrder).select<PostRow[]>(postColumns);
      const hasMore = top.length > limit;
      const branches = top.slice(0, limit);
      if (branches.length === 0 || maxDepth < 2) return { posts: branches.map(postFromRow), hasMore };
      const below = await posts()
        .whereIn(
          'p.branch_id',
          branches.map((b) => b.id),
        )
        .whereBetween('p.depth', [2, maxDepth])
        .orderBy([...chronological])
        .select<PostRow[]>(postColumns);
      return { posts: [...branches, ...below].map(postFromRow), hasMore };
    },

    async subtree(root, maxDepth) {
      // Every descendant shares the root's branch, so one indexed query fetches a superset
      // (the branch at those depths) and the walk below keeps the root's own descendants.
      const branchId = root.branchId ?? root.id;
      const rows =
        root.depth === 0
          ? await posts().where('p.thread_id', root.threadId).whereBetween('p.depth', [1, maxDepth]).orderBy([...chronological]).select<PostRow[]>(postColumns)
          : await posts().where('p.branch_id', branchId).whereBetween('p.depth', [root.depth + 1, maxDepth]).orderBy([...chronological]).select<PostRow[]>(postColumns);
      const inTree = new Set([root.id]);
      const out: Post[] = [root];
      // Ordered by depth, so a parent is always seen before its children.
      for (const r of rows) {
        if (r.parent_post_id !== null && inTree.has(r.parent_post_id)) {
          inTree.add(r.id);
          out.push(postFromRow(r));
        }
      }
      return out;
    },

    async branchIndex(threadId, branchId) {
      const b = await db('posts').where({ id: branchId, thread_id: threadId }).first<{ created_at: number; id: string } | undefined>('created_at', 'id');
      if (!b) return 0;
      const r = await db('posts')
        .where({ thread_id: threadId, depth: 1 })
        .where((q) => q.where('created_at', '<', b.created_at).orWhere((q2) => q2.where('created_at', '=', b.created_at).andWhere('id', '<', b.id)))
        .count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },

    async countDepthOne(threadId) {
      const r = await db('posts').where({ thread_id: threadId, depth: 1 }).count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },

    async addReply(reply, body, now, also) {
      const id = newId();
      const depth = reply.parent.depth + 1;
      const branchId = depth === 1 ? id : reply.parent.branchId;
      await db.transaction(async (trx) => {
        await trx('posts').insert({
          id,
          thread_id: reply.threadId,
          parent_post_id: reply.parent.id,
          branch_id: branchId,
          depth,
          author_id: reply.authorId,
          body_markdown: body.bodyMarkdown,
          body_html: body.bodyHtml,
          render_version: body.renderVersion,
          created_at: now,
        });
        // An atomic increment: concurrent replies never lose a count. Last activity only moves
        // forward: `now` is read before the transaction, so under concurrent replies an older
        // reply can commit after a newer one (the kill -9 fault test saw the thread's last
        // activity trail its newest reply by 0.8 s). CASE, not max()/greatest(): one spelling on both databases.
        const later = trx.raw('case when last_activity_at < ? then ? else last_activity_at end', [now, now]);
        await trx('threads').where({ id: reply.threadId }).increment('reply_count', 1).update({ last_activity_at: later, updated_at: now });
        await indexPostIn(trx, id); // search sees the reply when (and only if) it commits
        if (also) await also(trx, { postId: id });
      });
      const r = await posts().where('p.id', id).first<PostRow>(postColumns);
      return postFromRow(r);
    },

    async edit(previous, change, editorId, now, also) {
      return db.transaction(async (trx) => {
        // Optimistic check: only the version we read may be replaced.
        const q = trx('posts').where({ id: previous.id }).whereNull('deleted_at');
        if (previous.editedAt === null) q.whereNull('edited_at');
        else q.where('edited_at', previous.editedAt);
        const n = await q.update({ body_markdown: change.bodyMarkdown, body_html: change.bodyHtml, render_version: change.renderVersion, edited_at: now });
        if (n !== 1) return false;
        const revisionId = newId();
        await trx('post_revisions').insert({
          id: revisionId,
          post_id: previous.id,
          title: change.title?.previous ?? null,
          body_markdown: previous.bodyMarkdown,
          written_at: previous.editedAt ?? previous.createdAt,
          replaced_at: now,
          replaced_by: editorId,
        });
        if (change.title && change.title.next !== change.title.previous) {
          await trx('threads').where({ id: previous.threadId }).update({ title: change.title.next, updated_at: now });
        }
        await indexPostIn(trx, previous.id); // the new text (and title) replace the old in search
        if (also) await also(trx, { revisionId });
        return true;
      });
    },

    async revisions(postId) {
      const rows = await db<RevisionRow>('post_revisions').where({ post_id: postId }).orderBy([
        { column: 'replaced_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
      return rows.map((r) => ({
        id: r.id,
        postId: r.post_id,
        title: r.title,
        bodyMarkdown: r.body_markdown,
        writtenAt: Number(r.written_at),
        replacedAt: Number(r.replaced_at),
        replacedBy: r.replaced_by,
      }));
    },

    async tombstone(id, now, also) {
      return db.transaction(async (trx) => {
        // A delete is the author's wish to take the words back: the text and its earlier
        // versions go; the row stays so replies keep their place in the tree.
        const n = await trx('posts').where({ id }).whereNull('deleted_at').update({ deleted_at: now, body_markdown: '', body_html: '' });
        if (n !== 1) return false;
        await trx('post_revisions').where({ post_id: id }).delete();
        await indexPostIn(trx, id); // deleted words leave the search index too
        if (also) await also(trx, {});
        return true;
      });
    },

    async react(post, userId, now, also) {
      return db.transaction(async (trx) => {
        const reactionId = newId();
        // The primary key (post, user) keeps it to one; a concurrent second click is ignored here
        // and seen below, so the counts never go up twice.
        await trx('post_reactions').insert({ id: reactionId, post_id: post.id, user_id: userId, created_at: now }).onConflict(['post_id', 'user_id']).ignore();
        const row = await trx('post_reactions').where({ post_id: post.id, user_id: userId }).first<{ id: string } | undefined>('id');
        if (row?.id !== reactionId) return false;
        await trx('posts').where({ id: post.id }).increment('reaction_count', 1);
        await trx('threads').where({ id: post.threadId }).increment('reaction_count', 1);
        if (also) await also(trx, { reactionId });
        return true;
      });
    },

    async unreact(post, userId) {
      return db.transaction(async (trx) => {
        const n = await trx('post_reactions').where({ post_id: post.id, user_id: userId }).delete();
        if (n !== 1) return false;
        await trx('posts').where({ id: post.id }).decrement('reaction_count', 1);
        await trx('threads').where({ id: post.threadId }).decrement('reaction_count', 1);
        return true;
      });
    },

    async reactedBy(userId, postIds) {
      if (postIds.length === 0) return new Set();
      const rows = await db('post_reactions').where({ user_id: userId }).whereIn('post_id', postIds).select<{ post_id: string }[]>('post_id');
      return new Set(rows.map((r) => r.post_id));
    },

    async setEndorsed(id, endorsed, also) {
      return db.transaction(async (trx) => {
        const q = trx('posts').where({ id });
        if (endorsed) q.whereNull('endorsed_at');
        else q.whereNotNull('endorsed_at');
        const n = await q.update(endorsed ? { endorsed_at: endorsed.at, endorsed_by: endorsed.by } : { endorsed_at: null, endorsed_by: null });
        if (n !== 1) return false;
        if (also) await also(trx, {});
        return true;
      });
    },

    async setHidden(id, hidden) {
      await db('posts')
        .where({ id })
        .update(hidden ? { hidden_at: hidden.at, hidden_by: hidden.by } : { hidden_at: null, hidden_by: null });
    },
  };
}
