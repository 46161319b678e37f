import type { Db } from '../db/knex.js';
import type { PrepState, PrepStatusSource } from '../readiness/prep-status.js';
import type { JourneyStore } from './journey-store.js';
import { prepStatus } from './prep-completion.js';

/** whereIn lists stay below every engine's bound-parameter limit. */
const CHUNK = 500;

export interface JourneyPrepStatusDeps {
  db: Db;
  journey: Pick<JourneyStore, 'settings'>;
  /** Activity facts (answered X of Y, other posts, last activity): the prompt-based source already reads them. */
  activity: PrepStatusSource;
}

/**
 * "Prepared" by the journey's own rule (issue 5: the instructor's prep completion rule on the
 * space — required prompts, and replies to peers when asked for), so the readiness roster, its
 * CSV and participation grading agree with the learner's own checklist:
 * - prepared: the completion was recorded (it is final once reached before the event), or the
 *   rule is met now (e.g. the space has no event, or the rule was met after it);
 * - in progress: some activity in the space (an answer or any post), rule not met;
 * - not started: nothing.
 * A rule with nothing to do (no required prompts and no replies asked) prepares nobody, as on
 * the learner's checklist (prep-completion.ts).
 */
export function createJourneyPrepStatusSource(deps: JourneyPrepStatusDeps): PrepStatusSource {
  const { db } = deps;
  return {
    async statuses(spaceId, userIds) {
      const base = await deps.activity.statuses(spaceId, userIds);
      const { rule } = await deps.journey.settings(spaceId);
      const required: Array<{ thread_id: string; title: string }> = await db('prompt_details as d')
        .join('threads as t', 't.id', 'd.thread_id')
        .where({ 'd.space_id': spaceId, 'd.required': true })
        .select('d.thread_id', 't.title');
      const answered = new Map<string, Set<string>>();
      const replies = new Map<string, number>();
      const completed = new Set<string>();
      for (let i = 0; i < userIds.length; i += CHUNK) {
        const ids = userIds.slice(i, i + CHUNK);
        // Live answers to required prompts (a deleted answer no longer counts, as in journey-store).
        const rows: Array<{ user_id: string; thread_id: string }> = await db('prompt_answers as pa')
          .join('prompt_details as d', 'd.thread_id', 'pa.thread_id')
          .join('posts as p', 'p.id', 'pa.post_id')
          .where({ 'd.space_id': spaceId, 'd.required': true })
          .whereNull('p.deleted_at')
          .whereIn('pa.user_id', ids)
          .select('pa.user_id', 'pa.thread_id');
        for (const r of rows) answered.set(r.user_id, (answered.get(r.user_id) ?? new Set()).add(r.thread_id));
        if (rule.minPeerReplies > 0) {
          // Replies to someone else's post (prompt answers excluded), as journey-store peerReplies counts them for one learner.
          const counts: Array<{ author_id: string; n: number | string }> = await db('posts as p')
            .join('threads as t', 't.id', 'p.thread_id')
            .join('posts as parent', 'parent.id', 'p.parent_post_id')
            .leftJoin('prompt_answers as pa', 'pa.post_id', 'p.id')
            .whereNull('pa.post_id')
            .where('t.space_id', spaceId)
            .whereNull('p.deleted_at')
            .whereIn('p.author_id', ids)
            .where((q) => q.whereRaw('parent.author_id <> p.author_id').orWhereNull('parent.author_id'))
            .groupBy('p.author_id')
            .select('p.author_id', db.raw('count(*) as n'));
          for (const c of counts) replies.set(c.author_id, Number(c.n));
        }
        const done: Array<{ user_id: string }> = await db('journey_prep_completions').where({ space_id: spaceId }).whereIn('user_id', ids).select('user_id');
        for (const d of done) completed.add(d.user_id);
      }
      const byUser = new Map(
        [...base.byUser].map(([userId, s]) => {
          const met = prepStatus(rule, { requiredPrompts: required.map((r) => ({ id: r.thread_id, title: r.title })), answeredPromptIds: answered.get(userId) ?? new Set(), peerReplies: replies.get(userId) ?? 0 }).complete;
          const state: PrepState = completed.has(userId) || met ? 'prepared' : s.answered > 0 || s.posts > 0 ? 'in_progress' : 'not_started';
          return [userId, { ...s, state }];
        }),
      );
      return { prompts: base.prompts, byUser };
    },
  };
}
