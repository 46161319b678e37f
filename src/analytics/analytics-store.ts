import type { Db } from '../db/knex.js';
import type { OffsetSegment } from './analytics-math.js';

/**
 * The dashboard's reads. Every figure is aggregated in SQL (GROUP BY) so a course with tens of
 * thousands of posts returns hundreds of rows, not its posts; every query is plain SQL that runs
 * the same on SQLite and PostgreSQL (no time-zone functions: see `activity`). Column lists of
 * posts/post_reactions match the covering indexes of migration 20261201000100.
 *
 * What counts (docs/analytics.md has the same rules with their xAPI queries):
 * - a post is "visible" when it is neither deleted nor hidden; nothing deleted or hidden is counted
 *   anywhere (a hidden post's reactions, endorsement and acceptance go with it);
 * - a prompt's own opening post is the instructor's question, not a contribution: never counted;
 * - "posts" are opening posts of discussion and question threads plus prompt answers (depth 1 in a
 *   prompt thread); "replies" are every other post.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ScopeSpace {
  id: string;
  title: string;
  kind: 'prep' | 'post_event';
  eventAt: number | null;
  eventEndAt: number | null;
  timeZone: string;
  createdAt: number;
}

export interface ActivityDay {
  /** Local day number (days since 1970-01-01 in the scope's zone: analytics-math dayNumber). */
  day: number;
  posts: number;
  replies: number;
  reactions: number;
}

export interface QuestionRow {
  threadId: string;
  spaceId: string;
  title: string;
  askedAt: number;
  /** The first visible reply by someone other than the asker, epoch ms. */
  firstResponseAt: number | null;
}

export interface ContributorRow {
  userId: string;
  posts: number;
  replies: number;
  helpful: number;
  endorsements: number;
  accepted: number;
}

export interface TagWindowRow {
  key: string;
  label: string;
  recent: number;
  previous: number;
}

export interface AnalyticsStore {
  /** Spaces of the course (all, or the ones named), oldest first, with the journey's event end. */
  spaces(contextId: string, spaceIds?: string[]): Promise<ScopeSpace[]>;
  courseTitle(contextId: string): Promise<string | null>;
  /** Each user's first prep completion in the spaces. */
  prepCompletions(spaceIds: string[]): Promise<Array<{ userId: string; at: number }>>;
  /** Posts, replies and reactions (on visible posts) per local day of the zone whose offsets `segments` lists, by everyone. */
  activity(spaceIds: string[], segments: OffsetSegment[]): Promise<ActivityDay[]>;
  questions(spaceIds: string[]): Promise<QuestionRow[]>;
  followUps(spaceIds: string[]): Promise<Array<{ spaceId: string; days: number }>>;
  /** Who reflected on a follow-up of each offset (one row per offset and user). */
  reflections(spaceIds: string[]): Promise<Array<{ days: number; userId: string }>>;
  /** Each user's first report of a plan as tried or worked, per space. */
  firstApplied(spaceIds: string[]): Promise<Array<{ spaceId: string; userId: string; at: number }>>;
  /** Each user's first report of each barrier text (as written). */
  barriers(spaceIds: string[]): Promise<Array<{ userId: string; barrier: string; at: number }>>;
  contributors(spaceIds: string[]): Promise<ContributorRow[]>;
  /** Tags applied to visible threads in (split - window, split] (previous) and (split, until] (recent). */
  tagWindows(spaceIds: string[], since: number, split: number, until: number): Promise<TagWindowRow[]>;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

// A post counts as a "post" (not a reply) when it opens a thread or answers a prompt.
const IS_POST = "(p.depth = 0 or (t.kind = 'prompt' and p.depth = 1))";
const COUNTED = "p.deleted_at is null and p.hidden_at is null and not (t.kind = 'prompt' and p.depth = 0)";

export function createAnalyticsStore(db: Db): AnalyticsStore {
  const marks = (ids: string[]) => ids.map(() => '?').join(', ');

  return {
    async spaces(contextId, spaceIds) {
      const q = db('spaces as s')
        .leftJoin('journey_settings as j', 'j.space_id', 's.id')
        .where('s.context_id', contextId)
        .orderBy([{ column: 's.created_at' }, { column: 's.id' }])
        .select('s.id', 's.title', 's.kind', 's.event_at', 's.time_zone', 's.created_at', 'j.event_end_at');
      if (spaceIds) q.whereIn('s.id', spaceIds);
      const rows: Array<{ id: string; title: string; kind: ScopeSpace['kind']; event_at: unknown; time_zone: string; created_at: unknown; event_end_at: unknown }> = await q;
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        kind: r.kind,
        eventAt: r.event_at === null ? null : Number(r.event_at),
        eventEndAt: r.event_end_at === null || r.event_end_at === undefined ? null : Number(r.event_end_at),
        timeZone: r.time_zone,
        createdAt: Number(r.created_at),
      }));
    },

    async courseTitle(contextId) {
      const r = await db('contexts').where({ id: contextId }).first('title', 'label');
      return r ? (r.title ?? r.label ?? null) : null;
    },

    async prepCompletions(spaceIds) {
      if (!spaceIds.length) return [];
      const rows: Array<{ user_id: string; at: unknown }> = await db('journey_prep_completions').whereIn('space_id', spaceIds).groupBy('user_id').select('user_id', db.raw('min(completed_at) as at'));
      return rows.map((r) => ({ userId: r.user_id, at: n(r.at) }));
    },

    async activity(spaceIds, segments) {
      if (!spaceIds.length) return [];
      // The local day in SQL: (instant + the zone's offset then) / one day, integer division on both
      // databases; a CASE picks the offset of the instant's segment (DST changes split them).
      const [postDay, postArgs] = dayOf('p.created_at', segments);
      const [reactionDay, reactionArgs] = dayOf('r.created_at', segments);
      const [posts, reactions] = await Promise.all([
        db.raw(
          `select ${postDay} as d, sum(case when ${IS_POST} then 1 else 0 end) as posts, sum(case when ${IS_POST} then 0 else 1 end) as replies
           from threads t join posts p on p.thread_id = t.id
           where t.space_id in (${marks(spaceIds)}) and ${COUNTED}
           group by 1`,
          [...postArgs, ...spaceIds],
        ),
        db.raw(
          `select ${reactionDay} as d, count(*) as reactions
           from threads t join posts p on p.thread_id = t.id join post_reactions r on r.post_id = p.id
           where t.space_id in (${marks(spaceIds)}) and ${COUNTED}
           group by 1`,
          [...reactionArgs, ...spaceIds],
        ),
      ]);
      const byDay = new Map<number, ActivityDay>();
      const at = (d: unknown) => {
        const k = n(d);
        let e = byDay.get(k);
        if (!e) byDay.set(k, (e = { day: k, posts: 0, replies: 0, reactions: 0 }));
        return e;
      };
      for (const r of rowsOf(posts)) {
        const e = at(r.d);
        e.posts += n(r.posts);
        e.replies += n(r.replies);
      }
      for (const r of rowsOf(reactions)) at(r.d).reactions += n(r.reactions);
      return [...byDay.values()].sort((a, b) => a.day - b.day);
    },

    async questions(spaceIds) {
      if (!spaceIds.length) return [];
      // The asker is the thread's author; a reply by anyone else (learner or staff) is a response.
      const res = await db.raw(
        `select t.id, t.space_id, t.title, t.created_at,
           (select min(r.created_at) from posts r
             where r.thread_id = t.id and r.depth > 0 and r.deleted_at is null and r.hidden_at is null
               and (r.author_id is null or t.author_id is null or r.author_id <> t.author_id)) as first_at
         from threads t join posts o on o.thread_id = t.id and o.depth = 0
         where t.space_id in (${marks(spaceIds)}) and t.kind = 'question' and o.deleted_at is null and o.hidden_at is null`,
        spaceIds,
      );
      return rowsOf(res)
        .map((r) => ({ threadId: String(r.id), spaceId: String(r.space_id), title: String(r.title), askedAt: n(r.created_at), firstResponseAt: r.first_at === null ? null : n(r.first_at) }))
        .sort((a, b) => a.askedAt - b.askedAt || a.threadId.localeCompare(b.threadId));
    },

    async followUps(spaceIds) {
      if (!spaceIds.length) return [];
      const rows: Array<{ space_id: string; days: unknown }> = await db('journey_follow_ups').whereIn('space_id', spaceIds).select('space_id', 'days');
      return rows.map((r) => ({ spaceId: r.space_id, days: n(r.days) }));
    },

    async reflections(spaceIds) {
      if (!spaceIds.length) return [];
      const rows: Array<{ days: unknown; user_id: string }> = await db('journey_reflections as r')
        .join('journey_follow_ups as f', 'f.id', 'r.follow_up_id')
        .whereIn('f.space_id', spaceIds)
        .distinct('f.days', 'r.user_id');
      return rows.map((r) => ({ days: n(r.days), userId: r.user_id }));
    },

    async firstApplied(spaceIds) {
      if (!spaceIds.length) return [];
      const rows: Array<{ space_id: string; user_id: string; at: unknown }> = await db('journey_action_plan_changes as c')
        .join('journey_action_plans as p', 'p.id', 'c.plan_id')
        .whereIn('p.space_id', spaceIds)
        .whereIn('c.status', ['tried', 'worked'])
        .groupBy('p.space_id', 'p.user_id')
        .select('p.space_id', 'p.user_id', db.raw('min(c.changed_at) as at'));
      return rows.map((r) => ({ spaceId: r.space_id, userId: r.user_id, at: n(r.at) }));
    },

    async barriers(spaceIds) {
      if (!spaceIds.length) return [];
      const rows: Array<{ user_id: string; barrier: string; at: unknown }> = await db('journey_action_plan_changes as c')
        .join('journey_action_plans as p', 'p.id', 'c.plan_id')
        .whereIn('p.space_id', spaceIds)
        .whereNot('c.barrier', '')
        .groupBy('p.user_id', 'c.barrier')
        .select('p.user_id', 'c.barrier', db.raw('min(c.changed_at) as at'));
      return rows.map((r) => ({ userId: r.user_id, barrier: r.barrier, at: n(r.at) }));
    },

    async contributors(spaceIds) {
      if (!spaceIds.length) return [];
      // reaction_count is kept on the post in each reaction's own transaction (see the
      // post_reactions migration), so "helpful received" is a sum, not a join over reactions.
      const res = await db.raw(
        `select p.author_id,
           sum(case when ${IS_POST} then 1 else 0 end) as posts,
           sum(case when ${IS_POST} then 0 else 1 end) as replies,
           sum(p.reaction_count) as helpful,
           sum(case when p.endorsed_at is not null then 1 else 0 end) as endorsements,
           sum(case when t.accepted_post_id = p.id then 1 else 0 end) as accepted
         from threads t join posts p on p.thread_id = t.id
         where t.space_id in (${marks(spaceIds)}) and ${COUNTED} and p.author_id is not null
         group by p.author_id`,
        spaceIds,
      );
      return rowsOf(res).map((r) => ({ userId: String(r.author_id), posts: n(r.posts), replies: n(r.replies), helpful: n(r.helpful), endorsements: n(r.endorsements), accepted: n(r.accepted) }));
    },

    async tagWindows(spaceIds, since, split, until) {
      if (!spaceIds.length) return [];
      // Tags of one label in several spaces are one tag on a course dashboard (label_key is the
      // lowercased label). Grouped by label too, and merged here: which of "Tools" / "tools" is
      // min() depends on the PostgreSQL collation, while JavaScript's order is the same everywhere.
      const res = await db.raw(
        `select st.label_key as k, st.label as label,
           sum(case when tt.created_at > ? then 1 else 0 end) as recent,
           sum(case when tt.created_at > ? then 0 else 1 end) as previous
         from space_tags st join thread_tags tt on tt.tag_id = st.id
           join posts o on o.thread_id = tt.thread_id and o.depth = 0
         where st.space_id in (${marks(spaceIds)}) and tt.created_at > ? and tt.created_at <= ? and o.deleted_at is null and o.hidden_at is null
         group by st.label_key, st.label`,
        [split, split, ...spaceIds, since, until],
      );
      const byKey = new Map<string, TagWindowRow>();
      for (const r of rowsOf(res)) {
        const key = String(r.k);
        const label = String(r.label);
        const e = byKey.get(key);
        if (!e) byKey.set(key, { key, label, recent: n(r.recent), previous: n(r.previous) });
        else Object.assign(e, { label: label < e.label ? label : e.label, recent: e.recent + n(r.recent), previous: e.previous + n(r.previous) });
      }
      return [...byKey.values()];
    },
  };
}

/** SQL for the local day number of an epoch-ms column, and its bindings (integers only). */
function dayOf(column: string, segments: OffsetSegment[]): [string, number[]] {
  const day = `(${column} + ?) / ${DAY_MS}`;
  const last = segments[segments.length - 1]!;
  if (segments.length === 1) return [day, [last.offsetMs]];
  const whens = segments.slice(0, -1).map(() => `when ${column} < ? then ${day}`);
  return [`(case ${whens.join(' ')} else ${day} end)`, [...segments.slice(0, -1).flatMap((s) => [s.until!, s.offsetMs]), last.offsetMs]];
}

/** knex.raw answers with an array on SQLite and a result object with `rows` on PostgreSQL. */
function rowsOf(res: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(res)) return res as Array<Record<string, unknown>>;
  return ((res as { rows?: Array<Record<string, unknown>> }).rows ?? []) as Array<Record<string, unknown>>;
}
