import type { Knex } from 'knex';
import type { Viewer } from '../discussion/discussion-policy.js';

/**
 * Which indexed posts a viewer may find: the one place search decides visibility, applied to a
 * query over `posts as p` joined to its thread's opening post `op`.
 *
 * - Deleted posts are never found (their words are also gone from the index; this is the second wall).
 * - Learners never find hidden posts, nor anything in a hidden thread (its opening post hidden),
 *   matching discussion-policy canSeeContent. Staff find hidden ones; results mark them.
 *
 * - Post-first (spaces/space-policy.ts canSeePromptPost): a learner finds peers' answers to a
 *   prompt only once they have answered it; the prompt itself and their own posts always. The
 *   same rule as the prompt page and /posts/:id, written as SQL.
 */
export function applySearchVisibility(q: Knex.QueryBuilder, viewer: Pick<Viewer, 'staff' | 'userId' | 'readOnly'>): Knex.QueryBuilder {
  q.whereNull('p.deleted_at');
  if (!viewer.staff) q.whereNull('p.hidden_at').whereNull('op.hidden_at');
  return applyPostFirst(q, viewer);
}

/**
 * Post-first as SQL, for any query over posts `p` in threads `t` of spaces `s` (search, "most
 * useful"): the same rule as spaces/space-policy.ts canSeePromptPost. Staff and read-only mentors
 * review answers and never answer, so it hides nothing from them.
 */
export function applyPostFirst(q: Knex.QueryBuilder, viewer: Pick<Viewer, 'staff' | 'userId' | 'readOnly'>): Knex.QueryBuilder {
  if (viewer.staff || viewer.readOnly) return q;
  const userId = viewer.userId;
  return q.where(function () {
    this.whereNot('t.kind', 'prompt').orWhere('s.post_first', false).orWhere('p.depth', 0);
    if (userId !== null) {
      this.orWhere('p.author_id', userId).orWhereExists(function () {
        this.select(1).from('prompt_answers as pa').whereRaw('pa.thread_id = t.id').andWhere('pa.user_id', userId);
      });
    }
  });
}
