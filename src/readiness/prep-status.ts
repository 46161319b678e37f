import type { Db } from '../db/knex.js';

export type PrepState = 'not_started' | 'in_progress' | 'prepared';

/** One learner's preparation for a space's event, as the readiness roster shows it. */
export interface PrepStatus {
  state: PrepState;
  /** Latest post or prompt answer in the space, epoch ms; null when they wrote nothing. */
  lastActivityAt: number | null;
  /** Prompts they answered, of all the space's prompts (answered X of Y). */
  answered: number;
  prompts: number;
  /** Visible posts of theirs in the space that are not prompt answers (replies, threads). */
  posts: number;
}

/**
 * The seam for "prepared". Today it is computed from prep prompts and posts (below); the timeline
 * (journey: prep completion rule, reflections) will provide its own implementation of this
 * interface, and the readiness roster and grading read whichever the container wires in.
 */
export interface PrepStatusSource {
  /** Status of each of `userIds` in the space (a user with nothing at all still gets an entry), and the space's prompt count. */
  statuses(spaceId: string, userIds: string[]): Promise<PrepStatuses>;
}

export interface PrepStatuses {
  /** Prompts in the space, for "answered X of Y" (also for people who never launched). */
  prompts: number;
  byUser: Map<string, PrepStatus>;
}

/** What the default rule needs to know about one learner. */
export interface PrepFacts {
  prompts: number;
  /** Ids of the prompts that count for "prepared": the required ones, or all when none is required. */
  requiredAnswered: number;
  requiredTotal: number;
  answered: number;
  posts: number;
  lastActivityAt: number | null;
}

/**
 * The default rule: every required prompt answered = prepared; some answer or any post = in
 * progress; nothing = not started. A space without prompts has nothing to prepare against, so
 * nobody there is "prepared" (posting still shows them in progress).
 */
export function prepStateOf(f: Pick<PrepFacts, 'requiredAnswered' | 'requiredTotal' | 'answered' | 'posts'>): PrepState {
  if (f.requiredTotal > 0 && f.requiredAnswered >= f.requiredTotal) return 'prepared';
  if (f.answered > 0 || f.posts > 0) return 'in_progress';
  return 'not_started';
}

/** whereIn lists stay below every engine's bound-parameter limit. */
const CHUNK = 500;

/** The default PrepStatusSource, from prompt_details, prompt_answers and posts. */
export function createPromptPrepStatusSource(db: Db): PrepStatusSource {
  return {
    async statuses(spaceId, userIds) {
      const prompts: Array<{ thread_id: string; required: boolean | number }> = await db('prompt_details').where({ space_id: spaceId }).select('thread_id', 'required');
      const anyRequired = prompts.some((p) => Boolean(p.required));
      // With no prompt marked required, answering all of them is what "prepared" means.
      const counts = new Set(prompts.filter((p) => !anyRequired || Boolean(p.required)).map((p) => p.thread_id));
      const facts = new Map<string, PrepFacts>();
      for (const u of userIds) facts.set(u, { prompts: prompts.length, requiredAnswered: 0, requiredTotal: counts.size, answered: 0, posts: 0, lastActivityAt: null });
      const later = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
      for (let i = 0; i < userIds.length; i += CHUNK) {
        const ids = userIds.slice(i, i + CHUNK);
        // Live answers only: a deleted answer no longer counts as preparation.
        const answers: Array<{ user_id: string; thread_id: string; created_at: number | string }> = await db('prompt_answers as pa')
          .join('prompt_details as d', 'd.thread_id', 'pa.thread_id')
          .join('posts as p', 'p.id', 'pa.post_id')
          .where('d.space_id', spaceId)
          .whereNull('p.deleted_at')
          .whereIn('pa.user_id', ids)
          .select('pa.user_id', 'pa.thread_id', 'p.created_at');
        for (const a of answers) {
          const f = facts.get(a.user_id)!;
          f.answered += 1;
          if (counts.has(a.thread_id)) f.requiredAnswered += 1;
          f.lastActivityAt = later(f.lastActivityAt, Number(a.created_at));
        }
        // Other posts: threads and replies anywhere in the space, prompt answers excluded.
        const posts: Array<{ author_id: string; n: number | string; last: number | string | null }> = await db('posts as p')
          .join('threads as t', 't.id', 'p.thread_id')
          .leftJoin('prompt_answers as pa', 'pa.post_id', 'p.id')
          .where('t.space_id', spaceId)
          .whereNull('p.deleted_at')
          .whereNull('pa.post_id')
          .whereIn('p.author_id', ids)
          .groupBy('p.author_id')
          .select('p.author_id', db.raw('count(*) as n'), db.raw('max(p.created_at) as last'));
        for (const p of posts) {
          const f = facts.get(p.author_id)!;
          f.posts = Number(p.n);
          f.lastActivityAt = later(f.lastActivityAt, p.last === null ? null : Number(p.last));
        }
      }
      return { prompts: prompts.length, byUser: new Map([...facts].map(([u, f]) => [u, { state: prepStateOf(f), lastActivityAt: f.lastActivityAt, answered: f.answered, prompts: f.prompts, posts: f.posts }])) };
    },
  };
}
