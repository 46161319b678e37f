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
 * TODO(prompts, post-first rule): when the prompts branch lands, a learner must not find peers'
 * answers to a prompt they have not answered yet. Add that condition here (e.g. exclude
 * `p.thread_id` of prompt threads without a visible answer by `viewer.userId`, for non-staff),
 * reusing the prompts feature's own predicate, so search and the thread page agree.
 */
export function applySearchVisibility(q: Knex.QueryBuilder, viewer: Pick<Viewer, 'staff' | 'userId'>): Knex.QueryBuilder {
  q.whereNull('p.deleted_at');
  if (!viewer.staff) q.whereNull('p.hidden_at').whereNull('op.hidden_at');
  return q;
}
