import type { z } from 'zod';
import type { Translate } from '../i18n/i18n.js';
import type { ThreadUnread } from '../mentions/read-store.js';
import type { Authored } from '../spaces/anonymity.js';
import type { Thread } from '../discussion/discussion-model.js';
import type { PostLocation, RevisionView } from '../discussion/post-service.js';
import type { PostView } from '../discussion/post-view.js';
import type { SpacePage, ThreadListEntry, ThreadPage } from '../discussion/thread-service.js';
import type { SpaceUnread } from '../mentions/mention-service.js';
import type { Space } from '../spaces/space-store.js';
import type { PaginationJson, PostJsonType, PostLocationJson, RevisionJson, SpaceJson, SpacePageJson, ThreadJson, ThreadPageJson, ThreadSummaryJson } from './api-schemas.js';

/**
 * Domain → JSON, field by field. Explicit on purpose: a new column in a store (an author id, an
 * email, a context id) reaches no client until someone adds it here and to the schema.
 */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/**
 * An author as the pages print one (views/discussion/post.ejs, spaces/space.ejs): a pseudonym
 * replaces the name with "Anonymous learner N" in the caller's language. The service already
 * decided who sees what (spaces/anonymity.ts applyAnonymity); this only prints it.
 */
export function authorJson(t: Translate, a: Pick<Authored, 'authorName' | 'pseudonym' | 'anonymousToPeers'>): { authorName: string | null; pseudonym: number | null; anonymousToPeers: boolean } {
  const pseudonym = a.pseudonym ?? null;
  return { authorName: pseudonym !== null ? t('spaces:anon.learner', { n: pseudonym }) : a.authorName, pseudonym, anonymousToPeers: a.anonymousToPeers ?? false };
}

export const spaceJson = (s: Space): z.input<typeof SpaceJson> => ({ id: s.id, kind: s.kind, title: s.title, eventAt: isoOrNull(s.eventAt), timeZone: s.timeZone });

export const threadSummaryJson = (tr: Translate, t: ThreadListEntry, unread: ThreadUnread | null): z.input<typeof ThreadSummaryJson> => ({
  id: t.id,
  title: t.title,
  kind: t.kind,
  pinned: t.pinned,
  locked: t.locked,
  hidden: t.hidden,
  ...authorJson(tr, t),
  replyCount: t.replyCount,
  reactionCount: t.reactionCount,
  answered: t.answered,
  createdAt: iso(t.createdAt),
  lastActivityAt: iso(t.lastActivityAt),
  tags: t.tags.map((g) => ({ id: g.id, label: g.label })),
  unread,
});

/**
 * `displayTitle` is what this caller may read of the title (null when hidden from them); `author`
 * is the opening post's author as this caller sees it (a pseudonym in an anonymous space): the
 * thread row itself always holds the real name.
 */
export const threadJson = (t: Thread, displayTitle: string | null, author: ReturnType<typeof authorJson>): z.input<typeof ThreadJson> => ({
  id: t.id,
  spaceId: t.spaceId,
  title: displayTitle,
  kind: t.kind,
  pinned: t.pinned,
  locked: t.locked,
  ...author,
  replyCount: t.replyCount,
  reactionCount: t.reactionCount,
  acceptedPostId: t.acceptedPostId,
  createdAt: iso(t.createdAt),
  lastActivityAt: iso(t.lastActivityAt),
});

/** A post as the caller may see it (the policy already decided html/markdown), replies nested. */
export function postJson(t: Translate, p: PostView): PostJsonType {
  return {
    id: p.id,
    threadId: p.threadId,
    parentId: p.parentId,
    depth: p.depth,
    ...authorJson(t, p),
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
    replies: p.children.map((c) => postJson(t, c)),
    moreReplies: p.moreReplies,
  };
}

export const locationJson = (l: PostLocation): z.input<typeof PostLocationJson> => ({ threadId: l.threadId, postId: l.postId, page: l.page, focusId: l.focusId });

/** `unread` is the mention service's view of the same page (mentions/mention-service.ts spacePage). */
export const spacePageJson = (t: Translate, p: SpacePage, unread: SpaceUnread): z.input<typeof SpacePageJson> => ({
  space: spaceJson(p.space),
  sort: p.sort,
  tag: p.tag ? { id: p.tag.id, label: p.tag.label } : null,
  threads: p.threads.map((e) => threadSummaryJson(t, e, unread.bell === null ? null : (unread.threads[e.id] ?? { unread: 0, fresh: false }))),
  canCreate: p.canCreate,
  unreadNotifications: unread.bell,
  pagination: { page: p.page, pageCount: p.pageCount, pageSize: p.pageSize, total: p.threadCount },
});

export const threadPageJson = (t: Translate, p: ThreadPage, newPostIds: string[] = []): z.input<typeof ThreadPageJson> => ({
  space: spaceJson(p.space),
  thread: threadJson(p.thread, p.thread.displayTitle, authorJson(t, p.opening)),
  opening: postJson(t, p.opening),
  focus: p.focus ? { post: postJson(t, p.focus.post) } : null,
  accepted: p.accepted ? postJson(t, p.accepted) : null,
  sort: p.sort,
  can: { ...p.can },
  pagination: { page: p.page, pageCount: p.pageCount, pageSize: p.pageSize, total: p.replyTotal },
  tags: p.tags.map((g) => ({ id: g.id, label: g.label })),
  prompt: p.prompt
    ? { myAnswerId: p.prompt.myAnswerId, answerCount: p.prompt.answerCount, peersHidden: p.prompt.peersHidden, canAnswer: p.prompt.canAnswer, required: p.prompt.required, materials: p.prompt.materials.map((m) => ({ label: m.label, url: m.url })) }
    : null,
  newPostIds,
});

/** Every post of a page's tree, for the unread marks (as the thread page collects them). */
export function shownPosts(p: ThreadPage): PostView[] {
  const out: PostView[] = [];
  const walk = (v: PostView): void => {
    out.push(v);
    v.children.forEach(walk);
  };
  walk(p.opening);
  if (p.focus) walk(p.focus.post);
  return out;
}

export const revisionJson = (r: RevisionView): z.input<typeof RevisionJson> => ({ id: r.id, title: r.title, html: r.html, writtenAt: iso(r.writtenAt), replacedAt: iso(r.replacedAt) });
