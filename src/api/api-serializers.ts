import type { z } from 'zod';
import type { Thread } from '../discussion/discussion-model.js';
import type { PostLocation, RevisionView } from '../discussion/post-service.js';
import type { PostView } from '../discussion/post-view.js';
import type { SpacePage, ThreadListEntry, ThreadPage } from '../discussion/thread-service.js';
import type { Space } from '../spaces/space-store.js';
import type { PaginationJson, PostJsonType, PostLocationJson, RevisionJson, SpaceJson, SpacePageJson, ThreadJson, ThreadPageJson, ThreadSummaryJson } from './api-schemas.js';

/**
 * Domain → JSON, field by field. Explicit on purpose: a new column in a store (an author id, an
 * email, a context id) reaches no client until someone adds it here and to the schema.
 */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const spaceJson = (s: Space): z.input<typeof SpaceJson> => ({ id: s.id, kind: s.kind, title: s.title, eventAt: isoOrNull(s.eventAt), timeZone: s.timeZone });

export const threadSummaryJson = (t: ThreadListEntry): z.input<typeof ThreadSummaryJson> => ({
  id: t.id,
  title: t.title,
  kind: t.kind,
  pinned: t.pinned,
  locked: t.locked,
  hidden: t.hidden,
  authorName: t.authorName,
  replyCount: t.replyCount,
  reactionCount: t.reactionCount,
  answered: t.answered,
  createdAt: iso(t.createdAt),
  lastActivityAt: iso(t.lastActivityAt),
});

/** `displayTitle` is what this caller may read of the title (null when hidden from them). */
export const threadJson = (t: Thread, displayTitle: string | null): z.input<typeof ThreadJson> => ({
  id: t.id,
  spaceId: t.spaceId,
  title: displayTitle,
  kind: t.kind,
  pinned: t.pinned,
  locked: t.locked,
  authorName: t.authorName,
  replyCount: t.replyCount,
  reactionCount: t.reactionCount,
  acceptedPostId: t.acceptedPostId,
  createdAt: iso(t.createdAt),
  lastActivityAt: iso(t.lastActivityAt),
});

/** A post as the caller may see it (the policy already decided html/markdown), replies nested. */
export function postJson(p: PostView): PostJsonType {
  return {
    id: p.id,
    threadId: p.threadId,
    parentId: p.parentId,
    depth: p.depth,
    authorName: p.authorName,
    mine: p.mine,
    createdAt: iso(p.createdAt),
    editedAt: isoOrNull(p.editedAt),
    state: p.state,
    html: p.html,
    // The source goes with the HTML: whoever may not read one may not read the other.
    markdown: p.html === null ? null : p.markdown,
    reactionCount: p.reactionCount,
    reactedByMe: p.reactedByMe,
    endorsed: p.endorsed,
    accepted: p.accepted,
    can: { ...p.can },
    replies: p.children.map(postJson),
    moreReplies: p.moreReplies,
  };
}

export const locationJson = (l: PostLocation): z.input<typeof PostLocationJson> => ({ threadId: l.threadId, postId: l.postId, page: l.page, focusId: l.focusId });

export const spacePageJson = (p: SpacePage): z.input<typeof SpacePageJson> => ({
  space: spaceJson(p.space),
  sort: p.sort,
  threads: p.threads.map(threadSummaryJson),
  canCreate: p.canCreate,
  pagination: { page: p.page, pageCount: p.pageCount, pageSize: p.pageSize, total: p.threadCount },
});

export const threadPageJson = (p: ThreadPage): z.input<typeof ThreadPageJson> => ({
  space: spaceJson(p.space),
  thread: threadJson(p.thread, p.thread.displayTitle),
  opening: postJson(p.opening),
  focus: p.focus ? { post: postJson(p.focus.post) } : null,
  accepted: p.accepted ? postJson(p.accepted) : null,
  sort: p.sort,
  can: { ...p.can },
  pagination: { page: p.page, pageCount: p.pageCount, pageSize: p.pageSize, total: p.replyTotal },
});

export const revisionJson = (r: RevisionView): z.input<typeof RevisionJson> => ({ id: r.id, title: r.title, html: r.html, writtenAt: iso(r.writtenAt), replacedAt: iso(r.replacedAt) });
