import type { Viewer } from '../discussion/discussion-policy.js';

/**
 * Whose journey (prep checklist, reflections, action plans) a viewer may read. A learner sees
 * their own; staff see everyone's in their course (every lookup is already scoped by the
 * viewer's course); a mentor sees their mentees' only. `menteeUserIds` is the mentor's mentees
 * resolved to user ids (LTI Core §5.4.5 role_scope_mentor, read from a Mentor launch only: see
 * readiness-service menteesOf); every journey read goes through this one check.
 */
export function canSeeLearnerJourney(viewer: Viewer, learnerUserId: string, menteeUserIds: ReadonlySet<string> = new Set()): boolean {
  if (viewer.staff) return true;
  if (menteeUserIds.has(learnerUserId)) return true;
  return viewer.userId !== null && viewer.userId === learnerUserId;
}
