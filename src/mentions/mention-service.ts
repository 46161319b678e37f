import type { Clock } from '../clock.js';
import { requireUser, viewerOf, type Viewer } from '../discussion/discussion-policy.js';
import { loadSpace } from '../discussion/thread-service.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { NotFoundError } from '../web/errors.js';
import { foldName } from './mention-parse.js';
import type { NotificationItem, NotificationStore, Recipient } from './notification-store.js';
import type { PeopleStore } from './people-store.js';
import type { ReadStore, SpaceVisit, ThreadUnread } from './read-store.js';
import { applyAnonymity, type AnonymityStore } from '../spaces/anonymity.js';

/** A pause longer than this starts a new visit: reloads and clicks within one visit keep its "new" markers. */
export const VISIT_GAP_MS = 30 * 60 * 1000;
export const PEOPLE_RESULTS = 10;
export const NOTIFICATIONS_PAGE = 20;

/**
 * The visit a page view makes. Within VISIT_GAP_MS of the last view it is the same visit (only
 * `current` moves); after a longer pause the last visit becomes `previous`, the baseline for
 * "new since your last visit".
 */
export function nextVisit(prev: SpaceVisit | null, now: number, gap = VISIT_GAP_MS): SpaceVisit {
  if (!prev) return { previous: null, current: now };
  if (now - prev.current > gap) return { previous: prev.current, current: now };
  return { previous: prev.previous, current: Math.max(now, prev.current) };
}

/** Which shown posts are new to the reader: written by others after they last read the thread. */
export function newPostIds(posts: Array<{ id: string; createdAt: number; mine: boolean; state: string }>, lastRead: number | null): string[] {
  if (lastRead === null) return [];
  return posts
    .filter((p) => !p.mine && p.state !== 'deleted' && p.createdAt > lastRead)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((p) => p.id);
}

export interface MentionServiceDeps {
  spaces: Pick<SpaceStore, 'get'>;
  people: PeopleStore;
  notifications: NotificationStore;
  reads: ReadStore;
  clock: Clock;
  /** Pseudonyms for spaces with anonymity to peers: a notification names its actor as pages do. */
  anonymity?: AnonymityStore;
}

export interface NotificationsPage {
  space: Space;
  /** With the actor as pages print them: `pseudonym` set (and `actorName` null) in an anonymous space. */
  items: Array<NotificationItem & { pseudonym: number | null }>;
  unread: number;
  page: number;
  pageCount: number;
}

export interface SpaceUnread {
  /** Unread notifications; null for an anonymous reader, who has none (and no bell). */
  bell: number | null;
  threads: Record<string, ThreadUnread>;
  /** When the previous visit was: null on a first visit (nothing is "new" then, only unread). */
  since: number | null;
}

export interface ThreadUnreadView {
  bell: number | null;
  newIds: string[];
  firstNewId: string | null;
}

const recipient = (v: Viewer): Recipient | null => (v.userId ? { userId: v.userId, contextId: v.contextId, staff: v.staff, readOnly: v.readOnly ?? false } : null);

export function createMentionService(deps: MentionServiceDeps) {
  async function bell(v: Viewer): Promise<number> {
    const r = recipient(v);
    return r ? deps.notifications.countUnread(r) : 0;
  }

  return {
    /**
     * Course members whose name matches `q` (case- and accent-insensitive, any word start), for
     * the autocomplete: names and opaque ids only, at most PEOPLE_RESULTS.
     */
    async people(launch: LaunchContext, spaceId: string, q: string): Promise<Array<{ id: string; name: string }>> {
      const v = viewerOf(launch);
      await loadSpace(deps, v, spaceId);
      // Only someone who can post has anyone to mention.
      requireUser(v);
      const needle = foldName(q);
      const all = await deps.people.inCourse(v.contextId);
      const hits = all.filter((p) => {
        const f = foldName(p.name);
        return needle === '' || f.startsWith(needle) || f.includes(` ${needle}`);
      });
      // The viewer last: one rarely mentions oneself.
      hits.sort((a, b) => Number(a.id === v.userId) - Number(b.id === v.userId));
      return hits.slice(0, PEOPLE_RESULTS).map((p) => ({ id: p.id, name: p.name }));
    },

    async notifications(launch: LaunchContext, spaceId: string, page: number): Promise<NotificationsPage> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireUser(v);
      const r = recipient(v)!;
      const total = await deps.notifications.count(r);
      const pageCount = Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE));
      const p = Math.min(Math.max(1, page), pageCount);
      const listed = await deps.notifications.list(r, { limit: NOTIFICATIONS_PAGE, offset: (p - 1) * NOTIFICATIONS_PAGE });
      const items = listed.map((n) => ({ ...n, authorId: n.actorId, authorName: n.actorName, pseudonym: null as number | null }));
      for (const spaceOf of new Set(items.filter((n) => n.spaceAnonymity === 'peers').map((n) => n.spaceId))) {
        await applyAnonymity(deps.anonymity, v, { id: spaceOf, anonymity: 'peers' }, items.filter((n) => n.spaceId === spaceOf));
      }
      for (const n of items) n.actorName = n.authorName;
      return { space, items, unread: await deps.notifications.countUnread(r), page: p, pageCount };
    },

    async markRead(launch: LaunchContext, spaceId: string, id: string): Promise<Space> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireUser(v);
      if (!(await deps.notifications.markRead(recipient(v)!, id, deps.clock.now()))) throw new NotFoundError('This notification does not exist.').tr('errors:no_notification');
      return space;
    },

    async markAllRead(launch: LaunchContext, spaceId: string): Promise<Space> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      requireUser(v);
      await deps.notifications.markAllRead(recipient(v)!, deps.clock.now());
      return space;
    },

    /**
     * For the space page (already authorised by the thread service): records this visit (one
     * upsert) and says, per listed thread, how many posts are unread and whether any is new since
     * the previous visit; plus the bell's count.
     */
    async spacePage(launch: LaunchContext, space: Space, threadIds: string[]): Promise<SpaceUnread> {
      const v = viewerOf(launch);
      if (!v.userId) return { bell: null, threads: {}, since: null };
      const visit = nextVisit(await deps.reads.spaceVisit(v.userId, space.id), deps.clock.now());
      await deps.reads.saveSpaceVisit(v.userId, space.id, visit);
      const unread = await deps.reads.unreadIn(v.userId, threadIds, visit.previous);
      return { bell: await bell(v), threads: Object.fromEntries(unread), since: visit.previous };
    },

    /** For the thread page: which shown posts are new to the reader; then the thread counts as read (one upsert). */
    async threadPage(launch: LaunchContext, threadId: string, shown: Array<{ id: string; createdAt: number; mine: boolean; state: string }>): Promise<ThreadUnreadView> {
      const v = viewerOf(launch);
      if (!v.userId) return { bell: null, newIds: [], firstNewId: null };
      const lastRead = await deps.reads.threadRead(v.userId, threadId);
      await deps.reads.markThreadRead(v.userId, threadId, deps.clock.now());
      const ids = newPostIds(shown, lastRead);
      return { bell: await bell(v), newIds: ids, firstNewId: ids[0] ?? null };
    },
  };
}

export type MentionService = ReturnType<typeof createMentionService>;
