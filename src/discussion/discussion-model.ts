/** The discussion domain as stores return it: plain data, epoch-ms times, our own row ids. */

export const THREAD_KINDS = ['discussion', 'question'] as const;
/** What users choose when they start a thread; staff also create 'prompt' threads (spaces/prompt-service.ts). */
export type UserThreadKind = (typeof THREAD_KINDS)[number];
export type ThreadKind = UserThreadKind | 'prompt';

export type ThreadSort = 'active' | 'newest' | 'helpful';
/** How a thread's depth-1 replies are ordered: oldest first (the default) or most helpful first. */
export type ReplySort = 'oldest' | 'helpful';

/** The one reaction there is: "helpful". One per user per post. */
export const REACTION = 'helpful';

export interface Thread {
  id: string;
  spaceId: string;
  authorId: string | null;
  /** The author's name as the platform last sent it; null when it never did (or the user is gone). */
  authorName: string | null;
  title: string;
  kind: ThreadKind;
  pinned: boolean;
  locked: boolean;
  /** Replies ever posted (tombstones included, so the count matches what the page lists). */
  replyCount: number;
  /** "Helpful" reactions on all of the thread's posts. */
  reactionCount: number;
  /** For a question: the reply accepted as its answer. */
  acceptedPostId: string | null;
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
}

/** A thread in a space's list, with what the list needs to know about its opening post. */
export interface ThreadListItem extends Thread {
  openingHidden: boolean;
  openingDeleted: boolean;
}

export interface Post {
  id: string;
  threadId: string;
  /** Null only for the opening post. */
  parentId: string | null;
  /** The depth-1 reply this post hangs under (itself at depth 1); null for the opening post. */
  branchId: string | null;
  /** 0 for the opening post, 1 for a reply to it, 2 for a reply to a reply… */
  depth: number;
  authorId: string | null;
  authorName: string | null;
  bodyMarkdown: string;
  bodyHtml: string;
  renderVersion: number;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  hiddenAt: number | null;
  hiddenBy: string | null;
  /** "Helpful" reactions on this post. */
  reactionCount: number;
  /** When an instructor endorsed it; null when no one has (or the endorsement was withdrawn). */
  endorsedAt: number | null;
  endorsedBy: string | null;
}

/** A version a post had before an edit replaced it. */
export interface PostRevision {
  id: string;
  postId: string;
  /** The thread title then, for an opening post. */
  title: string | null;
  bodyMarkdown: string;
  writtenAt: number;
  replacedAt: number;
  replacedBy: string | null;
}

/** Markdown with its sanitized HTML, as the renderer made it. */
export interface RenderedBody {
  bodyMarkdown: string;
  bodyHtml: string;
  renderVersion: number;
}
