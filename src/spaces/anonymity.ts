import type { Db } from '../db/knex.js';
import { isStaff, mapRoles } from '../lti/claims.js';
import type { SpaceViewer } from './space-policy.js';
import type { Space } from './space-store.js';

/** What anonymity needs to know of an author in a space: staff (always named) or a learner's number. */
export interface AuthorInfo {
  staff: boolean;
  pseudonym: number | null;
}

export interface AnonymityStore {
  /**
   * For each of `userIds`: staff in the space's course (from their last launch's roles), or else
   * their pseudonym number in the space, assigned now if they have none yet.
   */
  authors(contextId: string, spaceId: string, userIds: string[]): Promise<Map<string, AuthorInfo>>;
}

/** Anything that prints an author: post views, thread list entries. */
export interface Authored {
  authorId: string | null;
  authorName: string | null;
  /** Set when this viewer sees the author as "Anonymous learner N". */
  pseudonym?: number | null;
  /** Set for staff (and the author): the name shown is hidden from other learners. */
  anonymousToPeers?: boolean;
}

/**
 * Anonymity 'peers': other learners' names become pseudonyms for learners (and mentors); staff
 * see real names with a hint; authors see their own name ("you"); staff authors stay named.
 * Only what is printed changes; xAPI keeps the LTI account as actor.
 */
export async function applyAnonymity(store: AnonymityStore | undefined, v: SpaceViewer & { contextId: string }, space: Pick<Space, 'id' | 'anonymity'>, items: Authored[]): Promise<void> {
  if (!store || space.anonymity !== 'peers') return;
  const ids = [...new Set(items.map((i) => i.authorId).filter((id): id is string => id !== null))];
  if (ids.length === 0) return;
  const info = await store.authors(v.contextId, space.id, ids);
  for (const item of items) {
    const a = item.authorId ? info.get(item.authorId) : undefined;
    if (!a || a.staff) continue;
    if (v.staff || item.authorId === v.userId) {
      item.anonymousToPeers = true;
    } else {
      item.authorName = null;
      item.pseudonym = a.pseudonym;
    }
  }
}

export function createAnonymityStore(db: Db): AnonymityStore {
  return {
    async authors(contextId, spaceId, userIds) {
      const out = new Map<string, AuthorInfo>();
      const enrolled = await db('enrolments').where({ context_id: contextId }).whereIn('user_id', userIds).select<Array<{ user_id: string; roles: string }>>('user_id', 'roles');
      const staff = new Set(enrolled.filter((e) => isStaff(mapRoles(safeRoles(e.roles)))).map((e) => e.user_id));
      const learners = userIds.filter((id) => !staff.has(id));
      for (const id of staff) out.set(id, { staff: true, pseudonym: null });
      if (learners.length === 0) return out;
      const known = async () => new Map((await db('space_pseudonyms').where({ space_id: spaceId }).whereIn('user_id', learners).select<Array<{ user_id: string; number: number | string }>>('user_id', 'number')).map((r) => [r.user_id, Number(r.number)]));
      let numbers = await known();
      for (const id of learners.filter((l) => !numbers.has(l))) {
        // One statement picks the next number and inserts it; a concurrent insert that took the
        // same number makes the unique index refuse this one, so try again (a few times).
        for (let attempt = 0; attempt < 5; attempt++) {
          try {
            await db.raw(
              'insert into space_pseudonyms (space_id, user_id, number) select ?, ?, coalesce(max(number), 0) + 1 from space_pseudonyms where space_id = ? on conflict (space_id, user_id) do nothing',
              [spaceId, id, spaceId],
            );
            break;
          } catch (e) {
            if (attempt === 4) throw e;
          }
        }
      }
      if (learners.some((l) => !numbers.has(l))) numbers = await known();
      for (const id of learners) out.set(id, { staff: false, pseudonym: numbers.get(id) ?? null });
      return out;
    },
  };
}

function safeRoles(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}
