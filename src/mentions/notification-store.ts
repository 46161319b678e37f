import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import { applyPostFirst } from '../search/search-visibility.js';

export const NOTIFICATION_KINDS = ['mention', 'reply', 'accepted', 'endorsed'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NewNotification {
  userId: string;
  contextId: string;
  postId: string;
  actorId: string | null;
  kind: NotificationKind;
}

export interface NotificationItem {
  id: string;
  kind: NotificationKind;
  postId: string;
  threadId: string;
  threadTitle: string;
  actorId: string | null;
  actorName: string | null;
  /** The post's space and its anonymity setting: pages print a pseudonym for 'peers'. */
  spaceId: string;
  spaceAnonymity: 'off' | 'peers';
  createdAt: number;
  readAt: number | null;
}

/** Whose notifications, in which course; `staff` may still see posts a moderator hid. */
export interface Recipient {
  userId: string;
  contextId: string;
  staff: boolean;
  /** A read-only mentor (spaces/space-policy.ts): post-first hides nothing from them. */
  readOnly?: boolean;
}

export interface NotificationStore {
  /** Inside the post's own transaction; a person already notified of that post and kind is skipped. */
  addIn(trx: Db, rows: NewNotification[], now: number): Promise<void>;
  /** Newest first. Posts since deleted, or hidden (from non-staff), are left out. */
  list(r: Recipient, page: { limit: number; offset: number }): Promise<NotificationItem[]>;
  count(r: Recipient): Promise<number>;
  countUnread(r: Recipient): Promise<number>;
  /** False when there is no such notification for this person in this course. */
  markRead(r: Recipient, id: string, now: number): Promise<boolean>;
  markAllRead(r: Recipient, now: number): Promise<number>;
}

interface Row {
  id: string;
  kind: NotificationKind;
  post_id: string;
  thread_id: string;
  thread_title: string;
  actor_id: string | null;
  actor_name: string | null;
  space_id: string;
  space_anonymity: string;
  created_at: number | string;
  read_at: number | string | null;
}

export function createNotificationStore(db: Db): NotificationStore {
  /** The recipient's notifications whose post they can still see. */
  const visible = (r: Recipient) => {
    const q = db('notifications as n')
      .join('posts as p', 'p.id', 'n.post_id')
      .join('threads as t', 't.id', 'p.thread_id')
      .join('spaces as s', 's.id', 't.space_id')
      .where({ 'n.user_id': r.userId, 'n.context_id': r.contextId })
      .whereNull('p.deleted_at');
    if (!r.staff) q.whereNull('p.hidden_at');
    // A mention in a peer's prompt answer stays out of sight until this learner answers (post-first).
    return applyPostFirst(q, { staff: r.staff, userId: r.userId, readOnly: r.readOnly ?? false });
  };

  return {
    async addIn(trx, rows, now) {
      if (rows.length === 0) return;
      await trx('notifications')
        .insert(rows.map((n) => ({ id: newId(), user_id: n.userId, context_id: n.contextId, post_id: n.postId, actor_id: n.actorId, kind: n.kind, created_at: now, read_at: null })))
        .onConflict(['user_id', 'post_id', 'kind'])
        .ignore();
    },

    async list(r, { limit, offset }) {
      const rows = await visible(r)
        .leftJoin('users as a', 'a.id', 'n.actor_id')
        .orderBy([
          { column: 'n.created_at', order: 'desc' },
          { column: 'n.id', order: 'desc' },
        ])
        .limit(limit)
        .offset(offset)
        .select<Row[]>('n.id', 'n.kind', 'n.post_id', 'p.thread_id', 't.title as thread_title', 'n.actor_id', 'a.name as actor_name', 's.id as space_id', 's.anonymity as space_anonymity', 'n.created_at', 'n.read_at');
      return rows.map((x) => ({
        id: x.id,
        kind: x.kind,
        postId: x.post_id,
        threadId: x.thread_id,
        threadTitle: x.thread_title,
        actorId: x.actor_id,
        actorName: x.actor_name,
        spaceId: x.space_id,
        spaceAnonymity: x.space_anonymity === 'peers' ? 'peers' : 'off',
        createdAt: Number(x.created_at),
        readAt: x.read_at === null ? null : Number(x.read_at),
      }));
    },

    async count(r) {
      const [row] = await visible(r).count<{ n: number | string }[]>({ n: '*' });
      return Number(row?.n ?? 0);
    },

    async countUnread(r) {
      const [row] = await visible(r).whereNull('n.read_at').count<{ n: number | string }[]>({ n: '*' });
      return Number(row?.n ?? 0);
    },

    async markRead(r, id, now) {
      const row = await db('notifications').where({ id, user_id: r.userId, context_id: r.contextId }).first<{ read_at: number | null } | undefined>('read_at');
      if (!row) return false;
      // Read stays read: a second click keeps the first time.
      await db('notifications').where({ id, user_id: r.userId, context_id: r.contextId }).whereNull('read_at').update({ read_at: now });
      return true;
    },

    async markAllRead(r, now) {
      return db('notifications').where({ user_id: r.userId, context_id: r.contextId }).whereNull('read_at').update({ read_at: now });
    },
  };
}
