import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import type { InTransaction } from '../discussion/thread-store.js';

export const FLAG_REASONS = ['spam', 'off_topic', 'abusive', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];
export const MODERATION_ACTIONS = ['hide', 'restore', 'lock', 'dismiss'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export type Resolution = 'hidden' | 'restored' | 'locked' | 'dismissed';
export const RESOLUTION_OF: Record<ModerationAction, Resolution> = { hide: 'hidden', restore: 'restored', lock: 'locked', dismiss: 'dismissed' };

export interface Flag {
  id: string;
  postId: string;
  /** Who flagged: for the store and staff tools only, never put on a learner's page. */
  userId: string;
  reason: FlagReason;
  note: string | null;
  createdAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolvedByName: string | null;
  resolution: Resolution | null;
}

/** A flag with the post and thread it is on, for the moderation queue. */
export interface FlagOnPost extends Flag {
  threadId: string;
  threadTitle: string;
  postDepth: number;
  postAuthorName: string | null;
  postMarkdown: string;
  postHiddenAt: number | null;
  postDeletedAt: number | null;
  threadLocked: boolean;
}

export interface FlagStore {
  /** Adds an open flag, in one transaction that `also` joins; false (and no `also`) when this user already has one open on the post. */
  add(flag: { postId: string; userId: string; reason: FlagReason; note: string | null }, now: number, also?: InTransaction<{ flagId: string }>): Promise<boolean>;
  /** Open (or resolved) flags on posts in the space, scoped by context; newest first. */
  inSpace(contextId: string, spaceId: string, opts: { open: boolean; limit: number }): Promise<FlagOnPost[]>;
  openCount(contextId: string, spaceId: string): Promise<number>;
  /**
   * Applies a moderator's action to the post (hide / restore) or its thread (lock), and resolves
   * every open flag on the post with it, in one transaction. Returns how many flags it resolved.
   */
  moderate(post: { id: string; threadId: string }, action: ModerationAction, by: string, now: number): Promise<number>;
}

interface FlagRow {
  id: string;
  post_id: string;
  user_id: string;
  reason: FlagReason;
  note: string | null;
  created_at: number | string;
  resolved_at: number | string | null;
  resolved_by: string | null;
  resolved_by_name: string | null;
  resolution: Resolution | null;
  thread_id: string;
  thread_title: string;
  post_depth: number | string;
  post_author_name: string | null;
  post_markdown: string;
  post_hidden_at: number | string | null;
  post_deleted_at: number | string | null;
  thread_locked: boolean | number;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** SQLite says "UNIQUE constraint failed", PostgreSQL sends SQLSTATE 23505. */
const isUniqueViolation = (e: unknown): boolean => {
  const x = e as { code?: string; message?: string };
  return x?.code === '23505' || x?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(x?.message ?? '');
};

export function createFlagStore(db: Db): FlagStore {
  const scoped = (contextId: string, spaceId: string) =>
    db('post_flags as f')
      .join('posts as p', 'p.id', 'f.post_id')
      .join('threads as t', 't.id', 'p.thread_id')
      .join('spaces as s', function () {
        this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [contextId]));
      })
      .where('t.space_id', spaceId);

  return {
    async add(flag, now, also) {
      const flagId = newId();
      try {
        return await db.transaction(async (trx) => {
          const open = await trx('post_flags').where({ post_id: flag.postId, user_id: flag.userId }).whereNull('resolved_at').first('id');
          if (open) return false;
          // The partial unique index catches a concurrent second flag that passed the check above.
          await trx('post_flags').insert({ id: flagId, post_id: flag.postId, user_id: flag.userId, reason: flag.reason, note: flag.note, created_at: now });
          if (also) await also(trx, { flagId });
          return true;
        });
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },

    async inSpace(contextId, spaceId, { open, limit }) {
      const q = scoped(contextId, spaceId).leftJoin('users as ru', 'ru.id', 'f.resolved_by').leftJoin('users as pu', 'pu.id', 'p.author_id');
      if (open) q.whereNull('f.resolved_at');
      else q.whereNotNull('f.resolved_at');
      const rows = await q
        .orderBy([
          { column: open ? 'f.created_at' : 'f.resolved_at', order: 'desc' },
          { column: 'f.id', order: 'desc' },
        ])
        .limit(limit)
        .select<FlagRow[]>([
          'f.id',
          'f.post_id',
          'f.user_id',
          'f.reason',
          'f.note',
          'f.created_at',
          'f.resolved_at',
          'f.resolved_by',
          'ru.name as resolved_by_name',
          'f.resolution',
          't.id as thread_id',
          't.title as thread_title',
          't.locked as thread_locked',
          'p.depth as post_depth',
          'pu.name as post_author_name',
          'p.body_markdown as post_markdown',
          'p.hidden_at as post_hidden_at',
          'p.deleted_at as post_deleted_at',
        ]);
      return rows.map((r) => ({
        id: r.id,
        postId: r.post_id,
        userId: r.user_id,
        reason: r.reason,
        note: r.note,
        createdAt: Number(r.created_at),
        resolvedAt: num(r.resolved_at),
        resolvedBy: r.resolved_by,
        resolvedByName: r.resolved_by_name,
        resolution: r.resolution,
        threadId: r.thread_id,
        threadTitle: r.thread_title,
        threadLocked: Boolean(r.thread_locked),
        postDepth: Number(r.post_depth),
        postAuthorName: r.post_author_name,
        postMarkdown: r.post_markdown,
        postHiddenAt: num(r.post_hidden_at),
        postDeletedAt: num(r.post_deleted_at),
      }));
    },

    async openCount(contextId, spaceId) {
      const r = await scoped(contextId, spaceId).whereNull('f.resolved_at').count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },

    async moderate(post, action, by, now) {
      return db.transaction(async (trx) => {
        if (action === 'hide') await trx('posts').where({ id: post.id }).whereNull('hidden_at').update({ hidden_at: now, hidden_by: by });
        if (action === 'restore') await trx('posts').where({ id: post.id }).update({ hidden_at: null, hidden_by: null });
        if (action === 'lock') await trx('threads').where({ id: post.threadId }).update({ locked: true, updated_at: now });
        return await trx('post_flags').where({ post_id: post.id }).whereNull('resolved_at').update<number>({ resolved_at: now, resolved_by: by, resolution: RESOLUTION_OF[action] });
      });
    },
  };
}
