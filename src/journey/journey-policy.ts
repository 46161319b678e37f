import type { Viewer } from '../discussion/discussion-policy.js';

/**
 * Whose journey (prep checklist, reflections, action plans) a viewer may read. A learner sees
 * their own; staff see everyone's in their course (every lookup is already scoped by the
 * viewer's course). This is the one seam for mentors: scoping a mentor to their mentees
 * (launch.mentees, LTI role_scope_mentor) belongs here, and every journey read goes through it.
 */
export function canSeeLearnerJourney(viewer: Viewer, learnerUserId: string): boolean {
  if (viewer.staff) return true;
  return viewer.userId !== null && viewer.userId === learnerUserId;
}
