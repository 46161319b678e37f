import type { LaunchContext } from '../lti/launch-context.js';
import type { Dashboard } from './analytics-model.js';

/**
 * The instructor dashboard (issue 5, Analytics). Both entry points start from the launch: the
 * viewer must be staff (instructor, TA, admin) of the launch's course; a learner or a mentor gets
 * 403, a space of another course 404 (the same as one that does not exist).
 */
export interface AnalyticsService {
  /** One space of the launch's course. 404 for an unknown space or one of another course; 403 for non-staff. */
  spaceDashboard(launch: LaunchContext, spaceId: string): Promise<Dashboard>;
  /** Every space of the launch's course together. 403 for non-staff; 404 without a course. */
  courseDashboard(launch: LaunchContext): Promise<Dashboard>;
}
