import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import type { Person } from './mention-parse.js';
import type { NewNotification, NotificationItem, NotificationStore, Recipient } from './notification-store.js';
import type { PeopleStore } from './people-store.js';
import type { ReadStore, SpaceVisit, ThreadUnread } from './read-store.js';

/** In-memory people, notifications and read marks with the knex stores' behaviour, for unit tests. */
export class FakeMentionStores {
  /** Members by context id. */
  readonly members = new Map<string, Person[]>();
  readonly notificationRows: Array<NewNotification & { id: string; createdAt: number; readAt: number | null }> = [];
  readonly visits = new Map<string, SpaceVisit>();
  readonly reads = new Map<string, number>();
  /** Posts the fake read store counts: thread, author and time. */
  readonly posts: Array<{ threadId: string; authorId: string | null; createdAt: number }> = [];
  /** What each transaction handed to addIn, to check it ran inside the act's. */
  readonly trxSeen: Db[] = [];

  readonly people: PeopleStore = {
    inCourse: async (contextId, limit = 5000) => (this.members.get(contextId) ?? []).slice(0, limit),
  };

  readonly notifications: NotificationStore = {
    addIn: async (trx, rows, now) => {
      this.trxSeen.push(trx);
      for (const r of rows) {
        if (this.notificationRows.some((n) => n.userId === r.userId && n.postId === r.postId && n.kind === r.kind)) continue;
        this.notificationRows.push({ ...r, id: newId(), createdAt: now, readAt: null });
      }
    },
    list: async (r, { limit, offset }) => this.mine(r).slice(offset, offset + limit).map((n): NotificationItem => ({ id: n.id, kind: n.kind, postId: n.postId, threadId: 't', threadTitle: 'T', actorId: n.actorId, actorName: null, spaceId: 's', spaceAnonymity: 'off', createdAt: n.createdAt, readAt: n.readAt })),
    count: async (r) => this.mine(r).length,
    countUnread: async (r) => this.mine(r).filter((n) => n.readAt === null).length,
    markRead: async (r, id, now) => {
      const n = this.mine(r).find((x) => x.id === id);
      if (!n) return false;
      n.readAt ??= now;
      return true;
    },
    markAllRead: async (r, now) => {
      const open = this.mine(r).filter((n) => n.readAt === null);
      for (const n of open) n.readAt = now;
      return open.length;
    },
  };

  readonly readStore: ReadStore = {
    spaceVisit: async (u, s) => this.visits.get(`${u} ${s}`) ?? null,
    saveSpaceVisit: async (u, s, v) => void this.visits.set(`${u} ${s}`, { ...v }),
    threadRead: async (u, t) => this.reads.get(`${u} ${t}`) ?? null,
    markThreadRead: async (u, t, at) => void this.reads.set(`${u} ${t}`, Math.max(at, this.reads.get(`${u} ${t}`) ?? -Infinity)),
    unreadIn: async (u, threadIds, since) => {
      const out = new Map<string, ThreadUnread>();
      for (const t of threadIds) {
        const others = this.posts.filter((p) => p.threadId === t && p.authorId !== u);
        const last = this.reads.get(`${u} ${t}`);
        const unread = others.filter((p) => last === undefined || p.createdAt > last).length;
        const fresh = since !== null && others.some((p) => p.createdAt > since);
        if (unread > 0 || fresh) out.set(t, { unread, fresh });
      }
      return out;
    },
  };

  private mine(r: Recipient) {
    return this.notificationRows.filter((n) => n.userId === r.userId && n.contextId === r.contextId).sort((a, b) => b.createdAt - a.createdAt);
  }
}
