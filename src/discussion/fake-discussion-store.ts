import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import { DEFAULT_SETTINGS, type Space, type SpaceStore } from '../spaces/space-store.js';
import type { Post, PostRevision, Thread, ThreadListItem } from './discussion-model.js';
import type { PostStore } from './post-store.js';
import type { ThreadStore } from './thread-store.js';

/**
 * Stands in for the transaction an `also` callback joins. Fakes have no database: `also` runs
 * before the fake changes anything, so a throw from it leaves the state as it was (a rollback).
 */
export const FAKE_TRX = Object.freeze({ fake: 'transaction' }) as unknown as Db;

/**
 * In-memory stores with the knex stores' behaviour (context scoping, ordering, counters), for
 * unit tests of the services: no I/O, and the state is open to inspection.
 */
export class FakeDiscussionStore {
  readonly spaceRows = new Map<string, Space>();
  readonly threadRows = new Map<string, Thread>();
  readonly postRows = new Map<string, Post>();
  readonly revisionRows: PostRevision[] = [];
  readonly userNames = new Map<string, string | null>();
  /** Reactions by `${postId} ${userId}`, with the reaction's id. */
  readonly reactionRows = new Map<string, string>();

  addSpace(contextId: string, title = 'Space', id: string = newId()): Space {
    const space: Space = { id, contextId, resourceLinkId: null, kind: 'prep', title, eventAt: null, timeZone: 'UTC', createdBy: null, createdAt: 0, ...DEFAULT_SETTINGS };
    this.spaceRows.set(id, space);
    return space;
  }

  private inContext(contextId: string, threadId: string): Thread | null {
    const t = this.threadRows.get(threadId);
    return t && this.spaceRows.get(t.spaceId)?.contextId === contextId ? t : null;
  }

  private withName<T extends { authorId: string | null }>(row: T): T & { authorName: string | null } {
    return { ...row, authorName: row.authorId ? (this.userNames.get(row.authorId) ?? null) : null };
  }

  private byTime = (a: Post, b: Post): number => a.depth - b.depth || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  private bumpReactions(post: Pick<Post, 'id' | 'threadId'>, by: number): void {
    const p = this.postRows.get(post.id);
    if (p) this.postRows.set(p.id, { ...p, reactionCount: p.reactionCount + by });
    const t = this.threadRows.get(post.threadId);
    if (t) this.threadRows.set(t.id, { ...t, reactionCount: t.reactionCount + by });
  }

  readonly spaces: Pick<SpaceStore, 'get'> = {
    get: async (contextId, id) => {
      const s = this.spaceRows.get(id);
      return s && s.contextId === contextId ? s : null;
    },
  };

  readonly threads: ThreadStore = {
    create: async (thread, body, now, also) => {
      const t: Thread = this.withName({ id: newId(), ...thread, pinned: false, locked: false, replyCount: 0, reactionCount: 0, acceptedPostId: null, createdAt: now, updatedAt: now, lastActivityAt: now });
      const p: Post = this.withName({ id: newId(), threadId: t.id, parentId: null, branchId: null, depth: 0, authorId: thread.authorId, ...body, createdAt: now, editedAt: null, deletedAt: null, hiddenAt: null, hiddenBy: null, reactionCount: 0, endorsedAt: null, endorsedBy: null });
      if (also) await also(FAKE_TRX, { threadId: t.id, openingId: p.id });
      this.threadRows.set(t.id, t);
      this.postRows.set(p.id, p);
      return { thread: t, opening: p };
    },
    get: async (contextId, id) => {
      const t = this.inContext(contextId, id);
      return t ? { ...t } : null;
    },
    list: async (contextId, spaceId, { sort, limit, offset }) => {
      const key = sort === 'newest' ? 'createdAt' : sort === 'helpful' ? 'reactionCount' : 'lastActivityAt';
      return [...this.threadRows.values()]
        .filter((t) => t.spaceId === spaceId && t.kind !== 'prompt' && this.inContext(contextId, t.id))
        .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b[key] - a[key] || (sort === 'helpful' ? b.lastActivityAt - a.lastActivityAt : 0) || (a.id < b.id ? 1 : -1))
        .slice(offset, offset + limit)
        .map((t): ThreadListItem => {
          const op = [...this.postRows.values()].find((p) => p.threadId === t.id && p.depth === 0);
          return { ...t, openingHidden: op?.hiddenAt != null, openingDeleted: op?.deletedAt != null };
        });
    },
    count: async (contextId, spaceId) => [...this.threadRows.values()].filter((t) => t.spaceId === spaceId && t.kind !== 'prompt' && this.inContext(contextId, t.id)).length,
    setFlags: async (id, flags, now) => {
      const t = this.threadRows.get(id);
      if (t) this.threadRows.set(id, { ...t, ...flags, updatedAt: now });
    },
    setAccepted: async (id, postId, now, also) => {
      const t = this.threadRows.get(id);
      if (!t || t.acceptedPostId === postId) return false;
      if (also) await also(FAKE_TRX, {});
      this.threadRows.set(id, { ...t, acceptedPostId: postId, updatedAt: now });
      return true;
    },
  };

  readonly posts: PostStore = {
    get: async (contextId, id) => {
      const p = this.postRows.get(id);
      return p && this.inContext(contextId, p.threadId) ? { ...p } : null;
    },
    opening: async (threadId) => [...this.postRows.values()].find((p) => p.threadId === threadId && p.depth === 0) ?? null,
    page: async (threadId, { limit, offset, maxDepth, order = 'oldest' }) => {
      const all = [...this.postRows.values()].filter((p) => p.threadId === threadId).sort(this.byTime);
      const ones = all.filter((p) => p.depth === 1);
      if (order === 'helpful') ones.sort((a, b) => b.reactionCount - a.reactionCount || this.byTime(a, b));
      const top = ones.slice(offset, offset + limit + 1);
      const branches = top.slice(0, limit);
      const ids = new Set(branches.map((b) => b.id));
      const below = all.filter((p) => p.depth >= 2 && p.depth <= maxDepth && p.branchId !== null && ids.has(p.branchId));
      return { posts: [...branches, ...below], hasMore: top.length > limit };
    },
    subtree: async (root, maxDepth) => {
      const all = [...this.postRows.values()].filter((p) => p.threadId === root.threadId && p.depth > root.depth && p.depth <= maxDepth).sort(this.byTime);
      const inTree = new Set([root.id]);
      const out = [root];
      for (const p of all) {
        if (p.parentId !== null && inTree.has(p.parentId)) {
          inTree.add(p.id);
          out.push(p);
        }
      }
      return out;
    },
    branchIndex: async (threadId, branchId) => {
      const top = [...this.postRows.values()].filter((p) => p.threadId === threadId && p.depth === 1).sort(this.byTime);
      return Math.max(0, top.findIndex((p) => p.id === branchId));
    },
    countDepthOne: async (threadId) => [...this.postRows.values()].filter((p) => p.threadId === threadId && p.depth === 1).length,
    addReply: async (reply, body, now, also) => {
      const id = newId();
      const depth = reply.parent.depth + 1;
      const p: Post = this.withName({ id, threadId: reply.threadId, parentId: reply.parent.id, branchId: depth === 1 ? id : reply.parent.branchId, depth, authorId: reply.authorId, ...body, createdAt: now, editedAt: null, deletedAt: null, hiddenAt: null, hiddenBy: null, reactionCount: 0, endorsedAt: null, endorsedBy: null });
      if (also) await also(FAKE_TRX, { postId: id });
      this.postRows.set(id, p);
      const t = this.threadRows.get(reply.threadId)!;
      this.threadRows.set(t.id, { ...t, replyCount: t.replyCount + 1, lastActivityAt: now, updatedAt: now });
      return p;
    },
    edit: async (previous, change, editorId, now, also) => {
      const cur = this.postRows.get(previous.id);
      if (!cur || cur.deletedAt !== null || cur.editedAt !== previous.editedAt) return false;
      const revisionId = newId();
      if (also) await also(FAKE_TRX, { revisionId });
      this.postRows.set(cur.id, { ...cur, bodyMarkdown: change.bodyMarkdown, bodyHtml: change.bodyHtml, renderVersion: change.renderVersion, editedAt: now });
      this.revisionRows.push({ id: revisionId, postId: cur.id, title: change.title?.previous ?? null, bodyMarkdown: previous.bodyMarkdown, writtenAt: previous.editedAt ?? previous.createdAt, replacedAt: now, replacedBy: editorId });
      if (change.title) {
        const t = this.threadRows.get(cur.threadId)!;
        this.threadRows.set(t.id, { ...t, title: change.title.next, updatedAt: now });
      }
      return true;
    },
    revisions: async (postId) => this.revisionRows.filter((r) => r.postId === postId).sort((a, b) => a.replacedAt - b.replacedAt),
    tombstone: async (id, now, also) => {
      const cur = this.postRows.get(id);
      if (!cur || cur.deletedAt !== null) return false;
      if (also) await also(FAKE_TRX, {});
      this.postRows.set(id, { ...cur, deletedAt: now, bodyMarkdown: '', bodyHtml: '' });
      for (let i = this.revisionRows.length - 1; i >= 0; i--) if (this.revisionRows[i]!.postId === id) this.revisionRows.splice(i, 1);
      return true;
    },
    setHidden: async (id, hidden) => {
      const cur = this.postRows.get(id);
      if (cur) this.postRows.set(id, { ...cur, hiddenAt: hidden?.at ?? null, hiddenBy: hidden?.by ?? null });
    },
    react: async (post, userId, _now, also) => {
      const key = `${post.id} ${userId}`;
      if (this.reactionRows.has(key)) return false;
      const reactionId = newId();
      if (also) await also(FAKE_TRX, { reactionId });
      this.reactionRows.set(key, reactionId);
      this.bumpReactions(post, 1);
      return true;
    },
    unreact: async (post, userId) => {
      if (!this.reactionRows.delete(`${post.id} ${userId}`)) return false;
      this.bumpReactions(post, -1);
      return true;
    },
    reactedBy: async (userId, postIds) => new Set(postIds.filter((id) => this.reactionRows.has(`${id} ${userId}`))),
    setEndorsed: async (id, endorsed, also) => {
      const cur = this.postRows.get(id);
      if (!cur || (cur.endorsedAt !== null) === (endorsed !== null)) return false;
      if (also) await also(FAKE_TRX, {});
      this.postRows.set(id, { ...cur, endorsedAt: endorsed?.at ?? null, endorsedBy: endorsed?.by ?? null });
      return true;
    },
  };
}
