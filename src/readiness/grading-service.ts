import { z } from 'zod';
import type { Clock } from '../clock.js';
import { requireStaff, viewerOf } from '../discussion/discussion-policy.js';
import type { Roster, RefreshMode } from '../journey/roster-service.js';
import type { AgsClient } from '../lti/ags-client.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { PlatformStore } from '../lti/platform-store.js';
import type { Logger } from '../log.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { AppError, NotFoundError } from '../web/errors.js';
import { DEFAULT_GRADING, type GradeSync, type GradingSettings, type GradingStore } from './grading-store.js';
import type { PrepStatus, PrepStatusSource } from './prep-status.js';

export const SCORE_MAXIMUM = 100;
const MINUTE = 60_000;
/** Backoff after the nth failure: 1, 2, 4 … minutes, at most an hour. */
export const retryDelay = (attempts: number): number => Math.min(MINUTE * 2 ** Math.max(0, attempts - 1), 60 * MINUTE);

/**
 * The participation score, 0–100: each part is a fraction of 1, weighted. Prep is 1 when prepared,
 * else the share of prompts answered; replies count up to the target. Reflections are 0 until the
 * timeline (journey) supplies them: the `reflections` seam is there for it.
 */
export function scoreOf(s: Pick<GradingSettings, 'weightPrep' | 'weightReplies' | 'weightReflections' | 'repliesTarget'>, prep: Pick<PrepStatus, 'state' | 'answered' | 'prompts' | 'posts'>, reflections = 0): number {
  const total = s.weightPrep + s.weightReplies + s.weightReflections;
  if (total <= 0) return 0;
  const prepPart = prep.state === 'prepared' ? 1 : prep.prompts > 0 ? Math.min(prep.answered / prep.prompts, 1) : 0;
  const repliesPart = s.repliesTarget > 0 ? Math.min(prep.posts / s.repliesTarget, 1) : 0;
  const raw = (s.weightPrep * prepPart + s.weightReplies * repliesPart + s.weightReflections * Math.min(Math.max(reflections, 0), 1)) / total;
  return Math.round(raw * SCORE_MAXIMUM * 100) / 100;
}

const weight = z.coerce.number({ error: 'errors.weight' }).int('errors.weight').min(0, 'errors.weight').max(100, 'errors.weight');
const settingsSchema = z
  .object({
    enabled: z.literal('on', { error: 'errors.checkbox' }).optional(),
    weight_prep: weight,
    weight_replies: weight,
    weight_reflections: weight,
    replies_target: z.coerce.number({ error: 'errors.target' }).int('errors.target').min(1, 'errors.target').max(1000, 'errors.target'),
  })
  .refine((v) => v.weight_prep + v.weight_replies + v.weight_reflections > 0, { message: 'errors.weightsZero', path: ['weight_prep'] });

export type GradingField = 'enabled' | 'weight_prep' | 'weight_replies' | 'weight_reflections' | 'replies_target';
export type GradingValues = Partial<Record<GradingField, string>>;
export type GradingErrors = Partial<Record<GradingField, string>>;
const FIELDS: GradingField[] = ['enabled', 'weight_prep', 'weight_replies', 'weight_reflections', 'replies_target'];

/** The grading form → settings; errors are `readiness:` catalogue keys, and keep what was typed. */
export function parseGrading(raw: Record<string, unknown>): { ok: true; value: GradingSettings } | { ok: false; errors: GradingErrors; values: GradingValues } {
  const values: GradingValues = {};
  for (const f of FIELDS) if (typeof raw[f] === 'string') values[f] = (raw[f] as string).slice(0, 20);
  const r = settingsSchema.safeParse(raw);
  if (!r.success) {
    const errors: GradingErrors = {};
    for (const i of r.error.issues) errors[i.path[0] as GradingField] ??= i.message;
    return { ok: false, errors, values };
  }
  const v = r.data;
  return { ok: true, value: { enabled: v.enabled === 'on', weightPrep: v.weight_prep, weightReplies: v.weight_replies, weightReflections: v.weight_reflections, repliesTarget: v.replies_target } };
}

export const gradingValues = (s: GradingSettings): GradingValues => ({
  ...(s.enabled ? { enabled: 'on' } : {}),
  weight_prep: String(s.weightPrep),
  weight_replies: String(s.weightReplies),
  weight_reflections: String(s.weightReflections),
  replies_target: String(s.repliesTarget),
});

export interface GradingDeps {
  store: GradingStore;
  spaces: Pick<SpaceStore, 'get'>;
  roster: { roster(launch: LaunchContext, mode?: RefreshMode): Promise<Roster> };
  prep: PrepStatusSource;
  ags: Pick<AgsClient, 'findOrCreateLineItem' | 'postScore'>;
  platforms: Pick<PlatformStore, 'get'>;
  clock: Clock;
  log: Pick<Logger, 'warn'>;
}

/**
 * Participation grading through AGS 2.0: scores computed from the learner's activity, sent to the
 * line item of the space's resource link, each learner's sync status kept so failures are retried
 * (retryDue, called by the server's timer) with backoff.
 */
export function createGradingService(deps: GradingDeps) {
  async function staffSpace(launch: LaunchContext, spaceId: string): Promise<Space> {
    const v = viewerOf(launch);
    const space = await deps.spaces.get(v.contextId, spaceId);
    if (!space) throw new NotFoundError('This discussion space does not exist in this course.');
    requireStaff(v);
    return space;
  }

  async function send(list: Array<GradeSync & { spaceId: string; platformId: string; lineItemUrl: string }>): Promise<{ synced: number; failed: number }> {
    let synced = 0;
    let failed = 0;
    for (const g of list) {
      const now = deps.clock.now();
      try {
        const platform = await deps.platforms.get(g.platformId);
        if (!platform) throw new Error('platform no longer registered');
        // AGS 2.0 §3.4: Completed + FullyGraded makes the score final-as-of-now; later sends replace it.
        await deps.ags.postScore(platform, g.lineItemUrl, { userId: g.sub, scoreGiven: g.score, scoreMaximum: SCORE_MAXIMUM, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: now });
        await deps.store.markSynced(g.spaceId, g.userId, g.score, deps.clock.now());
        synced++;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        deps.log.warn({ spaceId: g.spaceId, userId: g.userId, err: reason }, 'grade sync failed');
        await deps.store.markFailed(g.spaceId, g.userId, reason, now + retryDelay(g.attempts + 1), now);
        failed++;
      }
    }
    return { synced, failed };
  }

  return {
    async forSettings(launch: LaunchContext, spaceId: string): Promise<{ space: Space; settings: GradingSettings }> {
      const space = await staffSpace(launch, spaceId);
      return { space, settings: (await deps.store.settings(space.id)) ?? DEFAULT_GRADING };
    },

    async saveSettings(launch: LaunchContext, spaceId: string, s: GradingSettings): Promise<Space> {
      const space = await staffSpace(launch, spaceId);
      await deps.store.saveSettings(space.id, s, deps.clock.now());
      return space;
    },

    /** Sync status per learner (userId → sync), or null when grading is off for the space. */
    async statusOf(spaceId: string): Promise<Map<string, GradeSync> | null> {
      const s = await deps.store.settings(spaceId);
      return s?.enabled ? deps.store.syncs(spaceId) : null;
    },

    /**
     * "Sync now" (staff): finds or creates the line item from this launch's AGS claim, computes
     * every learner's score, and sends what changed or failed before.
     */
    async syncNow(launch: LaunchContext, spaceId: string): Promise<{ space: Space; synced: number; failed: number }> {
      const space = await staffSpace(launch, spaceId);
      const settings = await deps.store.settings(space.id);
      if (!settings?.enabled) throw new AppError(409, 'grading_off', 'Participation grading is off for this space: turn it on first.');
      if (!launch.ags || !launch.resourceLink) throw new AppError(409, 'ags_unavailable', 'This launch carries no gradebook access (AGS), so scores cannot be sent.', 'Open Threadline from a link the LMS grades, or ask the LMS administrator to enable Assignment and Grade Services.');
      const platform = await deps.platforms.get(launch.platform.id);
      if (!platform) throw new NotFoundError('This platform is no longer registered.');
      const now = deps.clock.now();
      // AGS 2.0 §3.1: the launch's own line item when it has one, else ours for this resource link.
      // Once known, the column is reused: a sync while the platform is down then records per-learner
      // failures (to retry) instead of failing as a whole.
      const known = settings.platformId === platform.id && settings.lineItemUrl && !launch.ags.lineItem ? settings.lineItemUrl : null;
      const ref = known ? { url: known } : await deps.ags.findOrCreateLineItem(platform, launch.ags, launch.resourceLink.resourceLinkId, { label: `${space.title}: participation`, scoreMaximum: SCORE_MAXIMUM, tag: 'threadline-participation' });
      if (!known) await deps.store.setTarget(space.id, { platformId: platform.id, lineItemUrl: ref.url }, now);
      const roster = await deps.roster.roster(launch, 'if-stale');
      const learners = roster.members.filter((m) => m.primaryRole === 'learner' && m.status !== 'Deleted' && m.userId);
      const statuses = await deps.prep.statuses(space.id, learners.map((m) => m.userId!));
      for (const m of learners) {
        const st = statuses.byUser.get(m.userId!);
        if (st) await deps.store.putScore(space.id, { userId: m.userId!, sub: m.sub, score: scoreOf(settings, st) }, now);
      }
      // Everything of this space that is not synced, failures included: staff asked for it now.
      const pending = [...(await deps.store.syncs(space.id)).values()].filter((g) => g.status !== 'synced');
      const r = await send(pending.map((g) => ({ ...g, spaceId: space.id, platformId: platform.id, lineItemUrl: ref.url })));
      return { space, ...r };
    },

    /** For the server's periodic timer: sends pending and failed scores whose retry time has come. */
    async retryDue(limit = 50): Promise<{ synced: number; failed: number }> {
      return send(await deps.store.due(deps.clock.now(), limit));
    },
  };
}

export type GradingService = ReturnType<typeof createGradingService>;
