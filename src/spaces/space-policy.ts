import { isStaff, type Roles } from '../lti/claims.js';
import { ForbiddenError } from '../web/errors.js';
import type { Space } from './space-store.js';

/**
 * Space-wide rules: who may post when, who reads read-only, and who sees peers' prompt answers.
 * Pure functions of the viewer, the space and the time, so routes, services, search and the API
 * can all ask the same question and get the same answer.
 */

/** What space rules need to know of a viewer (a discussion-policy Viewer fits). */
export interface SpaceViewer {
  userId: string | null;
  staff: boolean;
  readOnly?: boolean;
}

/**
 * LIS Mentor with no staff or learner role: read-only in discussion. (A learner who is also a
 * mentor of someone posts as the learner they are.) Scoping to mentees via role_scope_mentor
 * comes with the journey issue.
 */
export const isReadOnlyRole = (roles: Roles): boolean => roles.has.mentor && !roles.has.learner && !isStaff(roles);

export type PostingState = 'open' | 'not_yet_open' | 'closed' | 'locked';

/** Whether learners may post in the space at `now`: locked beats dates; both ends are optional. */
export function postingState(space: Pick<Space, 'locked' | 'opensAt' | 'closesAt'>, now: number): PostingState {
  if (space.locked) return 'locked';
  if (space.opensAt !== null && now < space.opensAt) return 'not_yet_open';
  if (space.closesAt !== null && now >= space.closesAt) return 'closed';
  return 'open';
}

/** Staff post whatever the window (to seed prompts, answer late questions); learners only while it is open. */
export const canPostNow = (v: SpaceViewer, space: Pick<Space, 'locked' | 'opensAt' | 'closesAt'>, now: number): boolean =>
  v.userId !== null && !v.readOnly && (v.staff || postingState(space, now) === 'open');

// The catalogue formats the date in the reader's language with the same Intl options as fmt.
const when = (ms: number, zone: string) => ({ when: new Date(ms), zone, formatParams: { when: { timeZone: zone, dateStyle: 'full', timeStyle: 'short' } } });
const fmt = (ms: number, zone: string): string => new Date(ms).toLocaleString('en', { timeZone: zone, dateStyle: 'full', timeStyle: 'short' }) + ` (${zone})`;

/** Throws 403 with the reason (and when it opens or closed) unless the viewer may post now. */
export function assertCanPostNow(v: SpaceViewer, space: Pick<Space, 'locked' | 'opensAt' | 'closesAt' | 'timeZone'>, now: number): void {
  if (v.staff) return;
  switch (postingState(space, now)) {
    case 'locked':
      throw new ForbiddenError('space_locked', 'This space is locked: you can read it, but not post in it.', 'Your instructor can unlock it.').tr('errors:space_locked');
    case 'not_yet_open':
      throw new ForbiddenError('space_not_open', `This space opens for posting on ${fmt(space.opensAt!, space.timeZone)}.`, 'You can read it until then.').tr('errors:space_not_open', when(space.opensAt!, space.timeZone));
    case 'closed':
      throw new ForbiddenError('space_closed', `This space closed for posting on ${fmt(space.closesAt!, space.timeZone)}.`, 'You can still read it.').tr('errors:space_closed', when(space.closesAt!, space.timeZone));
    default:
  }
}

/**
 * Post-first: may this viewer see other people's answers to a prompt? Always for staff and
 * mentors (they review, they do not answer), always when post-first is off or the thread is not a
 * prompt, and for a learner once they have answered it. The one rule every route (thread page,
 * /posts/:id, ?focus=, search, API) must ask before showing an answer's text or author.
 */
export function canSeePeerAnswers(v: SpaceViewer, space: Pick<Space, 'postFirst'>, thread: { kind: string }, answered: boolean): boolean {
  return thread.kind !== 'prompt' || !space.postFirst || v.staff || v.readOnly === true || answered;
}

/**
 * May this viewer see this post of a prompt thread? The prompt itself (depth 0) and one's own
 * posts always; anything else only once canSeePeerAnswers holds.
 */
export function canSeePromptPost(
  v: SpaceViewer,
  space: Pick<Space, 'postFirst'>,
  thread: { kind: string },
  post: { depth: number; authorId: string | null },
  answered: boolean,
): boolean {
  return post.depth === 0 || (v.userId !== null && post.authorId === v.userId) || canSeePeerAnswers(v, space, thread, answered);
}
