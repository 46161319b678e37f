import type { Clock } from '../clock.js';
import { loadSpace } from '../discussion/thread-service.js';
import { spaceRef, statementOf, VIEW_WINDOW_MS, type DiscussionXapi } from '../discussion/discussion-xapi.js';
import { viewerOf } from '../discussion/discussion-policy.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import type { SearchInput, SearchScope } from './search-input.js';
import type { SearchStore } from './search-store.js';
import { escapeHtml, highlightHtml, parseQuery, SENTINEL_OPEN } from './search-text.js';
import { applyAnonymity, type AnonymityStore } from '../spaces/anonymity.js';

export interface SearchDeps {
  spaces: Pick<SpaceStore, 'get'>;
  /** Pseudonyms for spaces with anonymity 'peers'; without it names always show. */
  anonymity?: AnonymityStore;
  search: SearchStore;
  clock: Clock;
  xapi?: DiscussionXapi;
  /** Told when a `searched` statement could not be queued (the page does not wait for it). */
  onRecordError?: (err: unknown) => void;
  pageSize?: number;
}

export const SEARCH_PAGE_SIZE = 20;

export interface SearchResult {
  postId: string;
  threadId: string;
  spaceId: string;
  spaceTitle: string;
  /** Safe HTML: escaped text with <mark> around matches. */
  titleHtml: string;
  snippetHtml: string;
  authorName: string | null;
  /** The author was erased (privacy-service.ts): shown as "former member". */
  formerMember: boolean;
  /** Anonymity 'peers': the learner number printed instead of the name (spaces/anonymity.ts). */
  pseudonym: number | null;
  /** For staff and the author: the name shown is hidden from other learners. */
  anonymousToPeers: boolean;
  createdAt: number;
  isOpening: boolean;
  hidden: boolean;
}

export interface SearchPage {
  space: Space;
  scope: SearchScope;
  /** The query that ran ('' when none did). */
  query: string;
  /** False when there was nothing to run (no query, or only punctuation). */
  ran: boolean;
  results: SearchResult[];
  total: number;
  page: number;
  pageCount: number;
}

/**
 * The act id of a search: one per user, space, scope, query and clock hour (UTC), as viewActId
 * does for views, so reloading or paging through the same results records one `searched`.
 */
export function searchActId(spaceId: string, scope: SearchScope, userId: string, query: string, at: number): string {
  return JSON.stringify(['search', spaceId, scope, userId, query.toLowerCase(), Math.floor(at / VIEW_WINDOW_MS) * VIEW_WINDOW_MS]);
}

export function createSearchService(deps: SearchDeps) {
  const size = deps.pageSize ?? SEARCH_PAGE_SIZE;

  /** Queues the `searched` statement without making the page wait; a failure is reported, not thrown. */
  function record(launch: LaunchContext, space: Space, scope: SearchScope, query: string): void {
    if (!deps.xapi || !launch.user) return;
    const now = deps.clock.now();
    const s = statementOf(deps.xapi, launch, { kind: 'searched', id: searchActId(space.id, scope, launch.user.id, query, now), at: now, space: spaceRef(space), query });
    if (s) deps.xapi.enqueueAlone([s], launch.platform.id).catch((e: unknown) => deps.onRecordError?.(e));
  }

  return {
    /**
     * The space (scoped by the launch's course: another course's id is a 404), and, for a query,
     * a page of ranked results in that space or every space of the course.
     */
    async search(launch: LaunchContext, spaceId: string, input: SearchInput): Promise<SearchPage> {
      const v = viewerOf(launch);
      const space = await loadSpace(deps, v, spaceId);
      const phrases = parseQuery(input.q);
      const empty: SearchPage = { space, scope: input.scope, query: input.q, ran: false, results: [], total: 0, page: 1, pageCount: 1 };
      if (input.q === '') return empty;
      // Only punctuation: a query with no words finds nothing; it is not an error.
      if (phrases.length === 0) return { ...empty, ran: true };
      const req = { contextId: v.contextId, spaceId: input.scope === 'space' ? space.id : null, viewer: v, phrases, limit: size };
      let page = input.page;
      let found = await deps.search.search({ ...req, offset: (page - 1) * size });
      const pageCount = Math.max(1, Math.ceil(found.total / size));
      // Past the last page (an old link, a typed number): show the last one instead of nothing.
      if (page > pageCount) {
        page = pageCount;
        found = await deps.search.search({ ...req, offset: (page - 1) * size });
      }
      record(launch, space, input.scope, input.q);
      // Anonymity is per space; a course-wide search may cross several settings.
      const authored = found.hits.map((h) => ({ authorId: h.authorId, authorName: h.authorName, pseudonym: null as number | null, anonymousToPeers: false, spaceId: h.spaceId, anonymity: h.spaceAnonymity }));
      for (const spaceOf of new Set(authored.filter((a) => a.anonymity === 'peers').map((a) => a.spaceId))) {
        await applyAnonymity(deps.anonymity, v, { id: spaceOf, anonymity: 'peers' }, authored.filter((a) => a.spaceId === spaceOf));
      }
      return {
        ...empty,
        ran: true,
        total: found.total,
        page,
        pageCount,
        results: found.hits.map((h, i) => ({
          postId: h.postId,
          threadId: h.threadId,
          spaceId: h.spaceId,
          spaceTitle: h.spaceTitle,
          titleHtml: h.titleMarked.includes(SENTINEL_OPEN) ? highlightHtml(h.titleMarked) : escapeHtml(h.threadTitle),
          snippetHtml: highlightHtml(h.snippetMarked),
          authorName: authored[i]!.authorName,
          formerMember: h.authorId === null,
          pseudonym: authored[i]!.pseudonym,
          anonymousToPeers: authored[i]!.anonymousToPeers,
          createdAt: h.createdAt,
          isOpening: h.isOpening,
          hidden: h.hidden,
        })),
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
