import type { Post, Thread } from './discussion-model.js';
import { canAccept, canDelete, canEdit, canEndorse, canHide, canReact, canReply, canRestore, canSeeContent, canSeeHistory, postState, type PostState, type Viewer } from './discussion-policy.js';
import { RENDER_VERSION, renderMarkdown } from './markdown.js';

/** Reply levels shown under a post before the rest collapse behind a "show more" link. */
export const VISIBLE_LEVELS = 3;

/** A post as one viewer may see it: what to show and which actions to offer. */
export interface PostView {
  id: string;
  threadId: string;
  parentId: string | null;
  depth: number;
  authorId: string | null;
  authorName: string | null;
  /** Anonymity (spaces/anonymity.ts): the pseudonym number shown instead of the name, and the staff hint. */
  pseudonym?: number | null;
  anonymousToPeers?: boolean;
  mine: boolean;
  createdAt: number;
  editedAt: number | null;
  state: PostState;
  /** Sanitized HTML; null when this viewer may not see the words (deleted, or hidden from non-staff). */
  html: string | null;
  /** The Markdown source, null exactly when `html` is (the JSON API gives both). */
  markdown: string | null;
  /** "Helpful" reactions, and whether this viewer gave one (set by markReacted). */
  reactionCount: number;
  reactedByMe: boolean;
  endorsed: boolean;
  /** The accepted answer of its question thread. */
  accepted: boolean;
  can: { reply: boolean; edit: boolean; delete: boolean; hide: boolean; restore: boolean; history: boolean; react: boolean; endorse: boolean; accept: boolean };
  children: PostView[];
  /** Direct replies that exist below the last shown level (behind a "show more" link). */
  moreReplies: number;
}

/** The cached HTML, unless an older renderer made it (then render again; the row is not rewritten here). */
export const htmlOf = (p: Pick<Post, 'bodyHtml' | 'bodyMarkdown' | 'renderVersion'>): string => (p.renderVersion === RENDER_VERSION ? p.bodyHtml : renderMarkdown(p.bodyMarkdown));

export function postView(v: Viewer, t: Thread, p: Post): PostView {
  return {
    id: p.id,
    threadId: p.threadId,
    parentId: p.parentId,
    depth: p.depth,
    authorId: p.authorId,
    authorName: p.authorName,
    mine: v.userId !== null && p.authorId === v.userId,
    createdAt: p.createdAt,
    editedAt: p.editedAt,
    state: postState(p),
    html: canSeeContent(v, p) ? htmlOf(p) : null,
    markdown: canSeeContent(v, p) ? p.bodyMarkdown : null,
    reactionCount: p.reactionCount,
    reactedByMe: false,
    endorsed: p.endorsedAt !== null,
    accepted: t.acceptedPostId === p.id,
    can: {
      react: canReact(v, p),
      endorse: canEndorse(v, p),
      accept: canAccept(v, t, p),
      reply: canReply(v, t, p),
      edit: canEdit(v, t, p),
      delete: canDelete(v, p),
      hide: canHide(v, p),
      restore: canRestore(v, p),
      history: canSeeHistory(v, p),
    },
    children: [],
    moreReplies: 0,
  };
}

/**
 * Nests `posts` (the root first, the rest ordered by depth then time, as the store returns them)
 * under `root`, showing VISIBLE_LEVELS levels below it; posts one level deeper only count
 * towards their parent's `moreReplies`.
 */
export function buildTree(v: Viewer, t: Thread, root: Post, posts: Post[]): PostView {
  const top = postView(v, t, root);
  const byId = new Map<string, PostView>([[root.id, top]]);
  const lastShown = root.depth + VISIBLE_LEVELS;
  for (const p of posts) {
    if (p.id === root.id || p.parentId === null) continue;
    const parent = byId.get(p.parentId);
    if (!parent) continue; // outside the fetched window
    if (p.depth > lastShown) {
      parent.moreReplies++;
      continue;
    }
    const view = postView(v, t, p);
    parent.children.push(view);
    byId.set(p.id, view);
  }
  return top;
}

/** Every post view in `tree`, the root first. */
export function postsIn(tree: PostView): PostView[] {
  const out: PostView[] = [];
  const walk = (p: PostView): void => {
    out.push(p);
    p.children.forEach(walk);
  };
  walk(tree);
  return out;
}
