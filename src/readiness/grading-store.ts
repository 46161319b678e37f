import type { Db } from '../db/knex.js';

export interface GradingSettings {
  enabled: boolean;
  weightPrep: number;
  weightReplies: number;
  weightReflections: number;
  /** Replies (posts other than prompt answers) that earn the full replies share. */
  repliesTarget: number;
}

export interface GradingTarget {
  platformId: string | null;
  lineItemUrl: string | null;
}

export type GradeSyncStatus = 'pending' | 'synced' | 'failed';

export interface GradeSync {
  userId: string;
  sub: string;
  score: number;
  status: GradeSyncStatus;
  error: string | null;
  attempts: number;
  nextAttemptAt: number | null;
  syncedAt: number | null;
}

export interface DueGrade extends GradeSync {
  spaceId: string;
  platformId: string;
  lineItemUrl: string;
}

export const DEFAULT_GRADING: GradingSettings = { enabled: false, weightPrep: 60, weightReplies: 40, weightReflections: 0, repliesTarget: 3 };

export interface GradingStore {
  settings(spaceId: string): Promise<(GradingSettings & GradingTarget) | null>;
  saveSettings(spaceId: string, s: GradingSettings, now: number): Promise<void>;
  setTarget(spaceId: string, t: { platformId: string; lineItemUrl: string }, now: number): Promise<void>;
  syncs(spaceId: string): Promise<Map<string, GradeSync>>;
  /** Records a computed score; a changed score (or a new learner) is pending again, to be sent. */
  putScore(spaceId: string, g: { userId: string; sub: string; score: number }, now: number): Promise<void>;
  markSynced(spaceId: string, userId: string, score: number, now: number): Promise<void>;
  markFailed(spaceId: string, userId: string, error: string, nextAttemptAt: number, now: number): Promise<void>;
  /** Pending and failed scores whose time has come, of enabled spaces with a line item; oldest first. */
  due(now: number, limit: number, spaceId?: string): Promise<DueGrade[]>;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const syncOf = (r: Record<string, unknown>): GradeSync => ({
  userId: String(r.user_id),
  sub: String(r.sub),
  score: Number(r.score),
  status: r.status as GradeSyncStatus,
  error: (r.error as string | null) ?? null,
  attempts: Number(r.attempts),
  nextAttemptAt: n(r.next_attempt_at),
  syncedAt: n(r.synced_at),
});

export function createGradingStore(db: Db): GradingStore {
  return {
    async settings(spaceId) {
      const r = await db('grading_settings').where({ space_id: spaceId }).first();
      if (!r) return null;
      return {
        enabled: Boolean(r.enabled),
        weightPrep: Number(r.weight_prep),
        weightReplies: Number(r.weight_replies),
        weightReflections: Number(r.weight_reflections),
        repliesTarget: Number(r.replies_target),
        platformId: r.platform_id ?? null,
        lineItemUrl: r.line_item_url ?? null,
      };
    },

    async saveSettings(spaceId, s, now) {
      const row = { enabled: s.enabled, weight_prep: s.weightPrep, weight_replies: s.weightReplies, weight_reflections: s.weightReflections, replies_target: s.repliesTarget, updated_at: now };
      await db('grading_settings').insert({ space_id: spaceId, ...row }).onConflict('space_id').merge(Object.keys(row));
      // New weights mean new scores: everything is sent again at the next sync.
      await db('grade_syncs').where({ space_id: spaceId }).update({ status: 'pending', attempts: 0, next_attempt_at: now, error: null, updated_at: now });
    },

    async setTarget(spaceId, t, now) {
      await db('grading_settings').where({ space_id: spaceId }).update({ platform_id: t.platformId, line_item_url: t.lineItemUrl, updated_at: now });
    },

    async syncs(spaceId) {
      const rows: Array<Record<string, unknown>> = await db('grade_syncs').where({ space_id: spaceId });
      return new Map(rows.map((r) => [String(r.user_id), syncOf(r)]));
    },

    async putScore(spaceId, g, now) {
      const fresh = { space_id: spaceId, user_id: g.userId, sub: g.sub, score: g.score, status: 'pending', error: null, attempts: 0, next_attempt_at: now, synced_at: null, updated_at: now };
      // Insert, or re-queue only when the score moved: an unchanged synced score is not re-sent.
      const changed = await db('grade_syncs').where({ space_id: spaceId, user_id: g.userId }).whereNot({ score: g.score }).update({ score: g.score, sub: g.sub, status: 'pending', attempts: 0, next_attempt_at: now, error: null, updated_at: now });
      if (changed === 0) await db('grade_syncs').insert(fresh).onConflict(['space_id', 'user_id']).ignore();
    },

    async markSynced(spaceId, userId, score, now) {
      // Only if the score is still the one sent: a newer score stays pending.
      await db('grade_syncs').where({ space_id: spaceId, user_id: userId, score }).update({ status: 'synced', error: null, next_attempt_at: null, synced_at: now, updated_at: now });
    },

    async markFailed(spaceId, userId, error, nextAttemptAt, now) {
      await db('grade_syncs')
        .where({ space_id: spaceId, user_id: userId })
        .update({ status: 'failed', error: error.slice(0, 500), attempts: db.raw('?? + 1', ['attempts']), next_attempt_at: nextAttemptAt, updated_at: now });
    },

    async due(now, limit, spaceId) {
      const q = db('grade_syncs as g')
        .join('grading_settings as s', 's.space_id', 'g.space_id')
        .whereIn('g.status', ['pending', 'failed'])
        .where('g.next_attempt_at', '<=', now)
        .where('s.enabled', true)
        .whereNotNull('s.platform_id')
        .whereNotNull('s.line_item_url')
        .orderBy([{ column: 'g.next_attempt_at' }, { column: 'g.user_id' }])
        .limit(limit)
        .select('g.*', 's.platform_id', 's.line_item_url');
      if (spaceId) q.where('g.space_id', spaceId);
      const rows: Array<Record<string, unknown>> = await q;
      return rows.map((r) => ({ ...syncOf(r), spaceId: String(r.space_id), platformId: String(r.platform_id), lineItemUrl: String(r.line_item_url) }));
    },
  };
}
