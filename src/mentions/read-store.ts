import type { Db } from '../db/knex.js';

/** A person's visits to a space: the one before this one ("new since") and the latest. */
export interface SpaceVisit {
  previous: number | null;
  current: number;
}

export interface ThreadUnread {
  /** Posts by others the reader has not read: created after they last read the thread. */
  unread: number;
  /** Some post by others came after the reader's previous visit to the space. */
  fresh: boolean;
}

export interface ReadStore {
  spaceVisit(userId: string, spaceId: string): Promise<SpaceVisit | null>;
  /** One upsert. */
  saveSpaceVisit(userId: string, spaceId: string, visit: SpaceVisit): Promise<void>;
  threadRead(userId: string, threadId: string): Promise<number | null>;
  /** One upsert; never moves the time back (a late, slow request cannot un-read newer posts). */
  markThreadRead(userId: string, threadId: string, at: number): Promise<void>;
  /**
   * For each of `threadIds` with posts by others that are neither deleted nor hidden: how many
   * the reader has not read, and whether any came after `since`. Threads with neither are absent.
   */
  unreadIn(userId: string, threadIds: string[], since: number | null): Promise<Map<string, ThreadUnread>>;
}

export function createReadStore(db: Db): ReadStore {
  return {
    async spaceVisit(userId, spaceId) {
      const r = await db('space_visits').where({ user_id: userId, space_id: spaceId }).first<{ previous_visit_at: number | string | null; current_visit_at: number | string } | undefined>('previous_visit_at', 'current_visit_at');
      return r ? { previous: r.previous_visit_at === null ? null : Number(r.previous_visit_at), current: Number(r.current_visit_at) } : null;
    },

    async saveSpaceVisit(userId, spaceId, visit) {
      // INSERT … ON CONFLICT DO UPDATE: the same statement on SQLite (≥ 3.24) and PostgreSQL.
      await db('space_visits')
        .insert({ user_id: userId, space_id: spaceId, previous_visit_at: visit.previous, current_visit_at: visit.current })
        .onConflict(['user_id', 'space_id'])
        .merge(['previous_visit_at', 'current_visit_at']);
    },

    async threadRead(userId, threadId) {
      const r = await db('thread_reads').where({ user_id: userId, thread_id: threadId }).first<{ last_read_at: number | string } | undefined>('last_read_at');
      return r ? Number(r.last_read_at) : null;
    },

    async markThreadRead(userId, threadId, at) {
      // `excluded` is the row we tried to insert, on both databases; the CASE keeps the later time.
      await db('thread_reads')
        .insert({ user_id: userId, thread_id: threadId, last_read_at: at })
        .onConflict(['user_id', 'thread_id'])
        .merge({ last_read_at: db.raw('CASE WHEN excluded.last_read_at > thread_reads.last_read_at THEN excluded.last_read_at ELSE thread_reads.last_read_at END') });
    },

    async unreadIn(userId, threadIds, since) {
      const out = new Map<string, ThreadUnread>();
      if (threadIds.length === 0) return out;
      // One grouped query for the whole page of threads; CASE sums are portable where FILTER is not.
      const rows = await db('posts as p')
        .leftJoin('thread_reads as r', function () {
          this.on('r.thread_id', '=', 'p.thread_id').andOn('r.user_id', '=', db.raw('?', [userId]));
        })
        .whereIn('p.thread_id', threadIds)
        .whereNull('p.deleted_at')
        .whereNull('p.hidden_at')
        .where((q) => q.whereNull('p.author_id').orWhereNot('p.author_id', userId))
        .groupBy('p.thread_id')
        .select<Array<{ thread_id: string; unread: number | string | null; fresh: number | string | null }>>(
          'p.thread_id',
          db.raw('SUM(CASE WHEN r.last_read_at IS NULL OR p.created_at > r.last_read_at THEN 1 ELSE 0 END) AS unread'),
          db.raw('SUM(CASE WHEN p.created_at > ? THEN 1 ELSE 0 END) AS fresh', [since ?? Number.MAX_SAFE_INTEGER]),
        );
      for (const r of rows) {
        const unread = Number(r.unread ?? 0);
        const fresh = since !== null && Number(r.fresh ?? 0) > 0;
        if (unread > 0 || fresh) out.set(r.thread_id, { unread, fresh });
      }
      return out;
    },
  };
}
