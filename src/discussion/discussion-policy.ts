import { isStaff } from '../lti/claims.js';
import { isReadOnlyRole } from '../spaces/space-policy.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { AppError, ForbiddenError, NotFoundError } from '../web/errors.js';
import type { Post, Thread } from './discussion-model.js';

/**
 * Who is asking, reduced from the launch to what discussion rules need. Every lookup is scoped
 * by `contextId`, so nothing from another course (or deployment, or platform: context rows are
 * per deployment) can be read or changed.
 */
export interface Viewer {
  contextId: string;
  /** Null for an anonymous launch, which may read but never write. */
  userId: string | null;
  /** Instructor, TA or admin (lti/claims isStaff): moderates, as well as taking part. */
  staff: boolean;
  locale: string;
  /**
   * A mentor (LIS Mentor with no staff or learner role) reads but never writes. Scoping a
   * mentor's view to their mentees (role_scope_mentor, launch.mentees) comes with the journey
   * issue; until then a mentor reads the space as a whole, read-only. See spaces/space-policy.ts.
   */
  readOnly?: boolean;
}

export function viewerOf(launch: LaunchContext): Viewer {
  // Without a course there is no space to find: the same 404 an unknown id gets.
  if (!launch.context) throw new NotFoundError('Discussions belong to a course. Open Threadline from a link inside one.').tr('errors:no_course');
  return { contextId: launch.context.id, userId: launch.user?.id ?? null, staff: isStaff(launch.roles), locale: launch.locale, readOnly: isReadOnlyRole(launch.roles) };
}

export function requireUser(v: Viewer): string {
  // Every act that writes asks for a user first, so this one check makes a mentor read-only.
  if (v.readOnly) throw new ForbiddenError('read_only', 'As a mentor you can read this discussion but not post, react or change anything in it.').tr('errors:read_only');
  if (!v.userId) throw new ForbiddenError('anonymous', 'Your course shares no identity with Threadline, so you can read but not post.', 'Ask your LMS administrator to let this tool receive user ids.').tr('errors:anonymous');
  return v.userId;
}

export function requireStaff(v: Viewer): void {
  if (!v.staff) throw new ForbiddenError('forbidden_role', 'Only instructors and teaching assistants can moderate discussions.').tr('errors:staff_moderate');
}

export type PostState = 'visible' | 'deleted' | 'hidden';

export const postState = (p: Pick<Post, 'deletedAt' | 'hiddenAt'>): PostState => (p.deletedAt !== null ? 'deleted' : p.hiddenAt !== null ? 'hidden' : 'visible');

const isAuthor = (v: Viewer, p: Pick<Post, 'authorId'>): boolean => v.userId !== null && p.authorId === v.userId;

/** A hidden post's words stay visible to staff (to review and restore), no one else. */
export const canSeeContent = (v: Viewer, p: Post): boolean => postState(p) === 'visible' || (postState(p) === 'hidden' && v.staff);

/** Locked threads take replies from staff only; nobody answers a deleted or hidden post. */
export const canReply = (v: Viewer, t: Thread, parent: Post): boolean => v.userId !== null && (!t.locked || v.staff) && postState(parent) === 'visible';

/** Own posts only, while they are visible and the thread is open (staff may edit their own in a locked one). */
export const canEdit = (v: Viewer, t: Thread, p: Post): boolean => isAuthor(v, p) && postState(p) === 'visible' && (!t.locked || v.staff);

/** Own posts only; a hidden post can still be deleted by its author. */
export const canDelete = (v: Viewer, p: Post): boolean => isAuthor(v, p) && p.deletedAt === null;

export const canHide = (v: Viewer, p: Post): boolean => v.staff && postState(p) === 'visible';
export const canRestore = (v: Viewer, p: Post): boolean => v.staff && postState(p) === 'hidden';
export const canSeeHistory = (v: Viewer, p: Post): boolean => v.staff && p.deletedAt === null && p.editedAt !== null;

export function assertCanReply(v: Viewer, t: Thread, parent: Post): void {
  requireUser(v);
  if (t.locked && !v.staff) throw new ForbiddenError('thread_locked', 'This thread is locked: it takes no new replies.').tr('errors:locked_replies');
  if (postState(parent) !== 'visible') throw new AppError(409, 'post_unavailable', 'That post was deleted or hidden, so it takes no replies.', 'Reply to the thread instead.').tr('errors:gone_reply');
}

export function assertCanEdit(v: Viewer, t: Thread, p: Post): void {
  requireUser(v);
  if (!isAuthor(v, p)) throw new ForbiddenError('not_author', 'You can only edit your own posts.').tr('errors:not_author_edit');
  if (postState(p) !== 'visible') throw new AppError(409, 'post_unavailable', 'This post was deleted or hidden, so it can no longer be edited.').tr('errors:gone_edit');
  if (t.locked && !v.staff) throw new ForbiddenError('thread_locked', 'This thread is locked: its posts can no longer be edited.').tr('errors:locked_edits');
}

export function assertCanDelete(v: Viewer, p: Post): void {
  requireUser(v);
  if (!isAuthor(v, p)) throw new ForbiddenError('not_author', 'You can only delete your own posts.').tr('errors:not_author_delete');
  if (p.deletedAt !== null) throw new AppError(409, 'post_unavailable', 'This post was already deleted.').tr('errors:gone_delete');
}

/** "Helpful" is what others found a post: not on one's own, and only on a post one can read. */
export const canReact = (v: Viewer, p: Post): boolean => v.userId !== null && !isAuthor(v, p) && postState(p) === 'visible';
export const canEndorse = (v: Viewer, p: Post): boolean => v.staff && v.userId !== null && postState(p) === 'visible';
/** In a question thread, its asker or staff pick one reply (any depth) as the answer. */
export const canAccept = (v: Viewer, t: Thread, p: Post): boolean =>
  t.kind === 'question' && p.depth > 0 && postState(p) === 'visible' && v.userId !== null && (v.staff || t.authorId === v.userId);

export function assertCanReact(v: Viewer, p: Post): void {
  requireUser(v);
  if (isAuthor(v, p)) throw new ForbiddenError('own_post', 'You cannot mark your own post as helpful.').tr('errors:own_post_react');
  if (postState(p) !== 'visible') throw new AppError(409, 'post_unavailable', 'That post was deleted or hidden, so it takes no reactions.').tr('errors:gone_react');
}

export function assertCanEndorse(v: Viewer, p: Post): void {
  requireUser(v);
  if (!v.staff) throw new ForbiddenError('forbidden_role', 'Only instructors and teaching assistants can endorse posts.').tr('errors:staff_endorse');
  if (postState(p) !== 'visible') throw new AppError(409, 'post_unavailable', 'That post was deleted or hidden, so it cannot be endorsed.').tr('errors:gone_endorse');
}

/** Who may choose (or clear) a question's answer: its asker and staff. */
export function assertCanChooseAnswer(v: Viewer, t: Thread): void {
  requireUser(v);
  if (t.kind !== 'question') throw new AppError(409, 'not_a_question', 'Only question threads have an accepted answer.').tr('errors:not_a_question');
  if (!v.staff && t.authorId !== v.userId) throw new ForbiddenError('not_asker', 'Only the person who asked, or an instructor, can choose the accepted answer.').tr('errors:not_asker');
}

export function assertCanAccept(v: Viewer, t: Thread, p: Post): void {
  assertCanChooseAnswer(v, t);
  if (p.depth === 0) throw new AppError(409, 'not_a_reply', 'The question itself cannot be its answer: choose a reply.').tr('errors:not_a_reply');
  if (postState(p) !== 'visible') throw new AppError(409, 'post_unavailable', 'That post was deleted or hidden, so it cannot be the answer.').tr('errors:gone_answer');
}
