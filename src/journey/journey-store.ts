import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import type { PlanStatus } from '../xapi/statement-builder.js';
import { DEFAULT_FOLLOW_UP_DAYS } from './journey-time.js';
import { DEFAULT_PREP_RULE, type PrepRule } from './prep-completion.js';

/**
 * The journey's rows: per-space event end and prep rule, the follow-up schedule, prep
 * completions, reflections and action plans with their status history. Every read is scoped by
 * space id; the service only passes ids of spaces it has already authorised for the launch.
 */

export interface JourneySettings {
  eventEndAt: number | null;
  rule: PrepRule;
}
export interface FollowUp {
  id: string;
  spaceId: string;
  days: number;
}
export interface ReflectionAnswers {
  appliedMarkdown: string;
  helpedMarkdown: string;
  hinderedMarkdown: string;
}
export interface Reflection extends ReflectionAnswers {
  id: string;
  followUpId: string;
  userId: string;
  createdAt: number;
  updatedAt: number;
}
export interface PlanInput {
  goal: string;
  situation: string;
  targetDate: string | null;
  status: PlanStatus;
  barrier: string;
}
export interface ActionPlan extends PlanInput {
  id: string;
  spaceId: string;
  userId: string;
  createdAt: number;
  updatedAt: number;
}
export interface PlanChange {
  id: string;
  planId: string;
  status: PlanStatus;
  barrier: string;
  changedAt: number;
}

/** A mentor's "applied on the job" confirmation of a mentee's plan (one per mentor per plan; editable). */
export interface PlanConfirmation {
  id: string;
  planId: string;
  mentorUserId: string;
  /** The mentor's display name from their launches; null when the platform sends none. */
  mentorName: string | null;
  comment: string;
  confirmedAt: number;
  updatedAt: number;
}
/** Who a user is, for staff and mentor pages (staff always see names, whatever a space's anonymity). */
export interface JourneyPerson {
  id: string;
  sub: string;
  name: string | null;
}

export interface JourneyStore {
  /** `q`: the transaction to read in, when the caller holds one (see journey-service prepIn). */
  settings(spaceId: string, q?: Db): Promise<JourneySettings>;
  saveSettings(spaceId: string, s: JourneySettings, now: number): Promise<void>;
  /** The space's follow-ups by offset; a space never edited gets the default +7/+30/+90 on first read. */
  schedule(spaceId: string, now: number): Promise<FollowUp[]>;
  addFollowUp(spaceId: string, days: number, now: number): Promise<FollowUp>;
  /** Removes a follow-up only while nobody has reflected on it (reflections are never lost by a schedule edit). */
  removeFollowUp(spaceId: string, followUpId: string): Promise<boolean>;
  /** Records the first completion in `trx`; true only for the call that recorded it. */
  recordPrepCompletion(trx: Db, spaceId: string, userId: string, at: number): Promise<boolean>;
  prepCompletedAt(spaceId: string, userId: string): Promise<number | null>;
  /**
   * The space's required prompts and which of them `userId` has a live answer to, read through
   * `trx` so the answer being written in the same transaction counts.
   */
  requiredPrompts(trx: Db, spaceId: string, userId: string): Promise<Array<{ id: string; title: string; answered: boolean }>>;
  /** Replies `userId` wrote (not deleted) to posts by someone else in the space's threads; prompt answers are not peer replies. */
  peerReplies(trx: Db, spaceId: string, userId: string): Promise<number>;
  reflectionOf(followUpId: string, userId: string): Promise<Reflection | null>;
  /** Creates or edits the one reflection per learner per follow-up; `created` says which. */
  saveReflection(trx: Db, followUpId: string, userId: string, a: ReflectionAnswers, now: number): Promise<{ reflection: Reflection; created: boolean }>;
  reflectionsInSpace(spaceId: string, userId?: string): Promise<Reflection[]>;
  createPlan(trx: Db, spaceId: string, userId: string, p: PlanInput, now: number): Promise<ActionPlan>;
  plan(spaceId: string, planId: string): Promise<ActionPlan | null>;
  /** Updates a plan and appends a history row when status or barrier changed. */
  updatePlan(trx: Db, plan: ActionPlan, p: PlanInput, now: number): Promise<ActionPlan>;
  plansInSpace(spaceId: string, userId?: string): Promise<ActionPlan[]>;
  planHistory(planId: string): Promise<PlanChange[]>;
  /** Creates or edits `mentorUserId`'s one confirmation of the plan; `created` says which. */
  confirmPlan(trx: Db, planId: string, mentorUserId: string, comment: string, now: number): Promise<{ confirmation: PlanConfirmation; created: boolean }>;
  /** Confirmations of the given plans, oldest first. */
  confirmations(planIds: string[]): Promise<PlanConfirmation[]>;
  /** Users of one platform by LTI sub (LTI Core §5.4.5: role_scope_mentor lists subs). */
  peopleBySub(platformId: string, subs: string[]): Promise<JourneyPerson[]>;
  /** Users by id, for names on staff pages. */
  people(userIds: string[]): Promise<Map<string, JourneyPerson>>;
}

/** whereIn lists stay below every engine's bound-parameter limit. */
const CHUNK = 500;
const chunks = <T>(list: T[]): T[][] => Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));

interface ConfirmationRow {
  id: string;
  plan_id: string;
  mentor_user_id: string;
  mentor_name: string | null;
  comment: string;
  confirmed_at: number | string;
  updated_at: number | string;
}
const confirmationFromRow = (r: ConfirmationRow): PlanConfirmation => ({
  id: r.id,
  planId: r.plan_id,
  mentorUserId: r.mentor_user_id,
  mentorName: r.mentor_name,
  comment: r.comment,
  confirmedAt: Number(r.confirmed_at),
  updatedAt: Number(r.updated_at),
});

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

interface ReflectionRow {
  id: string;
  follow_up_id: string;
  user_id: string;
  applied_markdown: string;
  helped_markdown: string;
  hindered_markdown: string;
  created_at: number | string;
  updated_at: number | string;
}
const reflectionFromRow = (r: ReflectionRow): Reflection => ({
  id: r.id,
  followUpId: r.follow_up_id,
  userId: r.user_id,
  appliedMarkdown: r.applied_markdown,
  helpedMarkdown: r.helped_markdown,
  hinderedMarkdown: r.hindered_markdown,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

interface PlanRow {
  id: string;
  space_id: string;
  user_id: string;
  goal: string;
  situation: string;
  target_date: string | null;
  status: string;
  barrier: string;
  created_at: number | string;
  updated_at: number | string;
}
const planFromRow = (r: PlanRow): ActionPlan => ({
  id: r.id,
  spaceId: r.space_id,
  userId: r.user_id,
  goal: r.goal,
  situation: r.situation,
  targetDate: r.target_date,
  status: r.status as PlanStatus,
  barrier: r.barrier,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export function createJourneyStore(db: Db): JourneyStore {
  const followUps = async (spaceId: string): Promise<FollowUp[]> =>
    (await db('journey_follow_ups').where({ space_id: spaceId }).orderBy('days').select<Array<{ id: string; space_id: string; days: number | string }>>('id', 'space_id', 'days')).map((r) => ({
      id: r.id,
      spaceId: r.space_id,
      days: Number(r.days),
    }));

  return {
    async settings(spaceId, q = db) {
      const r = await q('journey_settings').where({ space_id: spaceId }).first<{ event_end_at: number | string | null; require_required_prompts: boolean | number; min_peer_replies: number | string } | undefined>();
      if (!r) return { eventEndAt: null, rule: { ...DEFAULT_PREP_RULE } };
      // SQLite hands booleans back as 0/1.
      return { eventEndAt: num(r.event_end_at), rule: { requireRequiredPrompts: Boolean(r.require_required_prompts), minPeerReplies: Number(r.min_peer_replies) } };
    },

    async saveSettings(spaceId, s, now) {
      const row = { event_end_at: s.eventEndAt, require_required_prompts: s.rule.requireRequiredPrompts, min_peer_replies: s.rule.minPeerReplies, updated_at: now };
      await db('journey_settings').insert({ space_id: spaceId, ...row }).onConflict('space_id').merge(row);
    },

    async schedule(spaceId, now) {
      const existing = await followUps(spaceId);
      if (existing.length > 0) return existing;
      // Materialised on first read so reflections can reference a row; the unique (space, days)
      // key makes two first readers at once insert the defaults only once.
      await db('journey_follow_ups')
        .insert(DEFAULT_FOLLOW_UP_DAYS.map((days) => ({ id: newId(), space_id: spaceId, days, created_at: now })))
        .onConflict(['space_id', 'days'])
        .ignore();
      return followUps(spaceId);
    },

    async addFollowUp(spaceId, days, now) {
      await db('journey_follow_ups').insert({ id: newId(), space_id: spaceId, days, created_at: now }).onConflict(['space_id', 'days']).ignore();
      return (await followUps(spaceId)).find((f) => f.days === days)!;
    },

    async removeFollowUp(spaceId, followUpId) {
      const n = await db('journey_follow_ups')
        .where({ id: followUpId, space_id: spaceId })
        .whereNotExists(db('journey_reflections').where('follow_up_id', followUpId).select(db.raw('1')))
        .delete();
      return n > 0;
    },

    async recordPrepCompletion(trx, spaceId, userId, at) {
      const rows = await trx('journey_prep_completions').insert({ space_id: spaceId, user_id: userId, completed_at: at }).onConflict(['space_id', 'user_id']).ignore().returning('user_id');
      return rows.length > 0;
    },

    async prepCompletedAt(spaceId, userId) {
      const r = await db('journey_prep_completions').where({ space_id: spaceId, user_id: userId }).first<{ completed_at: number | string } | undefined>('completed_at');
      return r ? Number(r.completed_at) : null;
    },

    async requiredPrompts(trx, spaceId, userId) {
      const rows = await trx('prompt_details as d')
        .join('threads as t', 't.id', 'd.thread_id')
        .leftJoin('prompt_answers as pa', function () {
          this.on('pa.thread_id', '=', 'd.thread_id').andOn('pa.user_id', '=', trx.raw('?', [userId]));
        })
        .leftJoin('posts as ap', 'ap.id', 'pa.post_id')
        .where({ 'd.space_id': spaceId, 'd.required': true })
        .orderBy([{ column: 'd.position' }, { column: 'd.thread_id' }])
        .select<Array<{ thread_id: string; title: string; post_id: string | null; deleted_at: number | string | null }>>('d.thread_id', 't.title', 'ap.id as post_id', 'ap.deleted_at');
      // A deleted answer no longer counts (as in prompt-store's liveAnswers).
      return rows.map((r) => ({ id: r.thread_id, title: r.title, answered: r.post_id !== null && r.deleted_at === null }));
    },

    async peerReplies(trx, spaceId, userId) {
      const r = await trx('posts as p')
        .join('threads as t', 't.id', 'p.thread_id')
        .join('posts as parent', 'parent.id', 'p.parent_post_id')
        // An answer to a prompt is a reply to the instructor's prompt post, not to a peer: it
        // counts as the prompt, never twice (once as an answer, once as a peer reply).
        .leftJoin('prompt_answers as pa', 'pa.post_id', 'p.id')
        .whereNull('pa.post_id')
        .where({ 't.space_id': spaceId, 'p.author_id': userId })
        .whereNull('p.deleted_at')
        .where((q) => q.whereNot('parent.author_id', userId).orWhereNull('parent.author_id'))
        .count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },

    async reflectionOf(followUpId, userId) {
      const r = await db<ReflectionRow>('journey_reflections').where({ follow_up_id: followUpId, user_id: userId }).first();
      return r ? reflectionFromRow(r) : null;
    },

    async saveReflection(trx, followUpId, userId, a, now) {
      const answers = { applied_markdown: a.appliedMarkdown, helped_markdown: a.helpedMarkdown, hindered_markdown: a.hinderedMarkdown };
      const inserted = await trx('journey_reflections')
        .insert({ id: newId(), follow_up_id: followUpId, user_id: userId, ...answers, created_at: now, updated_at: now })
        .onConflict(['follow_up_id', 'user_id'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) await trx('journey_reflections').where({ follow_up_id: followUpId, user_id: userId }).update({ ...answers, updated_at: now });
      const row = await trx<ReflectionRow>('journey_reflections').where({ follow_up_id: followUpId, user_id: userId }).first();
      return { reflection: reflectionFromRow(row!), created: inserted.length > 0 };
    },

    async reflectionsInSpace(spaceId, userId) {
      const q = db('journey_reflections as r').join('journey_follow_ups as f', 'f.id', 'r.follow_up_id').where('f.space_id', spaceId);
      if (userId) q.where('r.user_id', userId);
      return (await q.orderBy([{ column: 'f.days' }, { column: 'r.created_at' }, { column: 'r.id' }]).select<ReflectionRow[]>('r.*')).map(reflectionFromRow);
    },

    async createPlan(trx, spaceId, userId, p, now) {
      const id = newId();
      await trx('journey_action_plans').insert({ id, space_id: spaceId, user_id: userId, goal: p.goal, situation: p.situation, target_date: p.targetDate, status: p.status, barrier: p.barrier, created_at: now, updated_at: now });
      await trx('journey_action_plan_changes').insert({ id: newId(), plan_id: id, status: p.status, barrier: p.barrier, changed_at: now });
      return { id, spaceId, userId, ...p, createdAt: now, updatedAt: now };
    },

    async plan(spaceId, planId) {
      const r = await db<PlanRow>('journey_action_plans').where({ id: planId, space_id: spaceId }).first();
      return r ? planFromRow(r) : null;
    },

    async updatePlan(trx, plan, p, now) {
      await trx('journey_action_plans').where({ id: plan.id }).update({ goal: p.goal, situation: p.situation, target_date: p.targetDate, status: p.status, barrier: p.barrier, updated_at: now });
      // History records how the plan went over time (status and barrier), not wording edits.
      if (p.status !== plan.status || p.barrier !== plan.barrier) {
        await trx('journey_action_plan_changes').insert({ id: newId(), plan_id: plan.id, status: p.status, barrier: p.barrier, changed_at: now });
      }
      return { ...plan, ...p, updatedAt: now };
    },

    async plansInSpace(spaceId, userId) {
      const q = db<PlanRow>('journey_action_plans').where({ space_id: spaceId });
      if (userId) q.where({ user_id: userId });
      return (await q.orderBy([{ column: 'created_at' }, { column: 'id' }])).map(planFromRow);
    },

    async planHistory(planId) {
      const rows = await db('journey_action_plan_changes').where({ plan_id: planId }).orderBy([{ column: 'changed_at' }, { column: 'id' }]).select<Array<{ id: string; plan_id: string; status: string; barrier: string; changed_at: number | string }>>('*');
      return rows.map((r) => ({ id: r.id, planId: r.plan_id, status: r.status as PlanStatus, barrier: r.barrier, changedAt: Number(r.changed_at) }));
    },

    async confirmPlan(trx, planId, mentorUserId, comment, now) {
      // The unique (plan, mentor) key makes two confirmations at once insert only one row.
      const inserted = await trx('journey_plan_confirmations')
        .insert({ id: newId(), plan_id: planId, mentor_user_id: mentorUserId, comment, confirmed_at: now, updated_at: now })
        .onConflict(['plan_id', 'mentor_user_id'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) await trx('journey_plan_confirmations').where({ plan_id: planId, mentor_user_id: mentorUserId }).update({ comment, updated_at: now });
      const row = await trx('journey_plan_confirmations as c')
        .leftJoin('users as u', 'u.id', 'c.mentor_user_id')
        .where({ 'c.plan_id': planId, 'c.mentor_user_id': mentorUserId })
        .first<ConfirmationRow>('c.*', 'u.name as mentor_name');
      return { confirmation: confirmationFromRow(row), created: inserted.length > 0 };
    },

    async confirmations(planIds) {
      const out: PlanConfirmation[] = [];
      for (const ids of chunks(planIds)) {
        const rows = await db('journey_plan_confirmations as c')
          .leftJoin('users as u', 'u.id', 'c.mentor_user_id')
          .whereIn('c.plan_id', ids)
          .orderBy([{ column: 'c.confirmed_at' }, { column: 'c.id' }])
          .select<ConfirmationRow[]>('c.*', 'u.name as mentor_name');
        out.push(...rows.map(confirmationFromRow));
      }
      return out.sort((a, b) => a.confirmedAt - b.confirmedAt || a.id.localeCompare(b.id));
    },

    async peopleBySub(platformId, subs) {
      const out: JourneyPerson[] = [];
      for (const list of chunks([...new Set(subs)])) {
        out.push(...(await db('users').where({ platform_id: platformId }).whereIn('sub', list).select<JourneyPerson[]>('id', 'sub', 'name')));
      }
      return out;
    },

    async people(userIds) {
      const out = new Map<string, JourneyPerson>();
      for (const list of chunks([...new Set(userIds)])) {
        for (const p of await db('users').whereIn('id', list).select<JourneyPerson[]>('id', 'sub', 'name')) out.set(p.id, p);
      }
      return out;
    },
  };
}
