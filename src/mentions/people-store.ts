import type { Db } from '../db/knex.js';
import type { Person } from './mention-parse.js';

/**
 * The people of a course: who can be mentioned. Today that is everyone with an enrolment in the
 * context, which launches write (lti/launch-store). This is the seam for the roster: when NRPS
 * membership sync lands (journey issue), it adds its members here (a roster table joined in, or
 * enrolment rows it writes) and mentions, the people search and notifications follow.
 */
export interface PeopleStore {
  /** Members of the context with a name (no name, nothing to mention), at most `limit`. */
  inCourse(contextId: string, limit?: number): Promise<Person[]>;
}

/** A course bigger than this is searched in its first N members by name; see the report. */
export const PEOPLE_LIMIT = 5000;

export function createPeopleStore(db: Db): PeopleStore {
  return {
    async inCourse(contextId, limit = PEOPLE_LIMIT) {
      const rows = await db('enrolments as e')
        .join('users as u', 'u.id', 'e.user_id')
        .where('e.context_id', contextId)
        .whereNotNull('u.name')
        .whereNot('u.name', '')
        .orderBy([
          { column: 'u.name', order: 'asc' },
          { column: 'u.id', order: 'asc' },
        ])
        .limit(limit)
        .select<Array<{ id: string; name: string; sub: string }>>('u.id', 'u.name', 'u.sub');
      return rows.map((r) => ({ id: r.id, name: r.name, sub: r.sub }));
    },
  };
}
