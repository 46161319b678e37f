import type { Clock } from '../clock.js';
import { requireStaff, viewerOf } from '../discussion/discussion-policy.js';
import type { Roster, RefreshMode } from '../journey/roster-service.js';
import type { RosterMember } from '../journey/roster-store.js';
import { DEFAULT_FOLLOW_UP_DAYS, eventOf, followUpDueAt } from '../journey/journey-time.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { NotFoundError } from '../web/errors.js';
import { barrierKey, contributorScore, dayName, dayNumber, offsetSegments, percentile, type OffsetSegment } from './analytics-math.js';
import type { BarrierCount, Contributor, Dashboard, DashboardScope, EngagementDay, PrepRatePoint, ResponseTimes, TransferPoint, TrendingTag } from './analytics-model.js';
import type { ActivityDay, AnalyticsStore, ScopeSpace } from './analytics-store.js';

/**
 * The instructor dashboard (issue 5, Analytics). Both entry points start from the launch: the
 * viewer must be staff (instructor, TA, admin) of the launch's course; a learner or a mentor gets
 * 403, a space of another course 404 (the same as one that does not exist).
 */
export interface AnalyticsService {
  /** One space of the launch's course. 404 for an unknown space or one of another course; 403 for non-staff. */
  spaceDashboard(launch: LaunchContext, spaceId: string): Promise<Dashboard>;
  /** Every space of the launch's course together. 403 for non-staff; 404 without a course. */
  courseDashboard(launch: LaunchContext): Promise<Dashboard>;
}

export interface AnalyticsDeps {
  store: AnalyticsStore;
  /** The course's people (NRPS roster joined with launches); the dashboard never refreshes it itself. */
  roster: { roster(launch: LaunchContext, mode?: RefreshMode): Promise<Roster> };
  clock: Clock;
}

/** How many rows the ranked lists keep. */
export const TOP = 10;
/** Unanswered questions listed (the count is in `questions - responded`). */
export const MAX_UNANSWERED = 100;
/** Trending tags compare the last 7 × 24 h with the 7 × 24 h before. */
export const TREND_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Learners of the course: the roster's learners who have not left (staff and mentors are never in learner figures). */
const isLearner = (m: RosterMember): boolean => m.primaryRole === 'learner' && m.status !== 'Deleted';

export function createAnalyticsService(deps: AnalyticsDeps): AnalyticsService {
  async function build(launch: LaunchContext, scope: DashboardScope, spaces: ScopeSpace[]): Promise<Dashboard> {
    const now = deps.clock.now();
    const ids = scope.spaceIds;
    // The zone's UTC offsets from the scope's first space to now: what turns instants into local days.
    const start = spaces.length ? Math.min(...spaces.map((s) => s.createdAt)) : now;
    const segments = offsetSegments(Math.min(start, now), now, scope.timeZone);
    // The reads are independent: they run side by side on the pool's connections.
    const [roster, completions, activity, questions, followUps, reflections, applied, barrierRows, contributorRows, tagRows] = await Promise.all([
      deps.roster.roster(launch, 'never'),
      deps.store.prepCompletions(ids),
      deps.store.activity(ids, segments),
      deps.store.questions(ids),
      deps.store.followUps(ids),
      deps.store.reflections(ids),
      deps.store.firstApplied(ids),
      deps.store.barriers(ids),
      deps.store.contributors(ids),
      deps.store.tagWindows(ids, now - 2 * TREND_WINDOW_MS, now - TREND_WINDOW_MS, now),
    ]);
    const members = roster.members.filter(isLearner);
    const learners = members.length;
    const learnerIds = new Set(members.flatMap((m) => (m.userId ? [m.userId] : [])));
    const names = new Map(members.flatMap((m) => (m.userId ? [[m.userId, m.name ?? m.sub] as const] : [])));

    // Prep: a learner is prepared from their first completion in any space of the scope.
    const prepAt = completions.filter((c) => learnerIds.has(c.userId)).map((c) => c.at).sort((a, b) => a - b);
    const prepRate = prepRateOf(scope, spaces, prepAt, learners, now, segments);

    return {
      scope,
      generatedAt: now,
      learners,
      prepared: prepAt.length,
      prepRate,
      response: responseOf(questions),
      engagement: engagementOf(activity, dayNumber(segments, now)),
      transfer: transferOf(spaces, followUps, reflections, applied, learnerIds, learners),
      barriers: barriersOf(barrierRows, learnerIds),
      contributors: contributorsOf(contributorRows, learnerIds, names),
      trendingTags: tagsOf(tagRows),
    };
  }

  return {
    async spaceDashboard(launch, spaceId) {
      const v = viewerOf(launch);
      // 404 before 403: an id from another course says nothing about whether it exists.
      const [space] = await deps.store.spaces(v.contextId, [spaceId]);
      if (!space) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
      requireStaff(v);
      const scope: DashboardScope = { kind: 'space', contextId: v.contextId, spaceIds: [space.id], title: space.title, eventAt: space.eventAt, timeZone: space.timeZone };
      return build(launch, scope, [space]);
    },

    async courseDashboard(launch) {
      const v = viewerOf(launch);
      requireStaff(v);
      const [spaces, title] = await Promise.all([deps.store.spaces(v.contextId), deps.store.courseTitle(v.contextId)]);
      // The course's days are counted where its first event happens (else its first space's zone).
      const withEvent = spaces.filter((s) => s.eventAt !== null).sort((a, b) => a.eventAt! - b.eventAt!);
      const lead = withEvent[0] ?? spaces[0];
      const scope: DashboardScope = {
        kind: 'course',
        contextId: v.contextId,
        spaceIds: spaces.map((s) => s.id),
        title: title ?? launch.context?.title ?? '',
        eventAt: withEvent[0]?.eventAt ?? null,
        timeZone: lead?.timeZone ?? 'UTC',
      };
      return build(launch, scope, spaces);
    },
  };
}

/**
 * One point per local day from the day the first space of the scope was created to the event's
 * day (or today, if that comes first; today when there is no event).
 */
export function prepRateOf(scope: DashboardScope, spaces: ScopeSpace[], prepAt: number[], learners: number, now: number, segments: OffsetSegment[]): PrepRatePoint[] {
  if (!spaces.length) return [];
  const start = Math.min(...spaces.map((s) => s.createdAt));
  const end = Math.max(start, scope.eventAt !== null ? Math.min(now, scope.eventAt) : now);
  const prepDays = prepAt.map((t) => dayNumber(segments, t));
  const out: PrepRatePoint[] = [];
  let i = 0;
  for (let day = dayNumber(segments, start); day <= dayNumber(segments, end); day++) {
    while (i < prepDays.length && prepDays[i]! <= day) i++;
    out.push({ day: dayName(day), prepared: i, learners, rate: learners ? i / learners : 0 });
  }
  return out;
}

export function responseOf(questions: Array<{ threadId: string; spaceId: string; title: string; askedAt: number; firstResponseAt: number | null }>): ResponseTimes {
  const waits = questions.flatMap((q) => (q.firstResponseAt !== null ? [q.firstResponseAt - q.askedAt] : []));
  const open = questions.filter((q) => q.firstResponseAt === null);
  return {
    questions: questions.length,
    responded: waits.length,
    medianMs: percentile(waits, 0.5),
    p90Ms: percentile(waits, 0.9),
    unanswered: open.slice(0, MAX_UNANSWERED).map((q) => ({ threadId: q.threadId, spaceId: q.spaceId, title: q.title, askedAt: q.askedAt })),
  };
}

/** Every local day from the first day with activity to today (`today`: its day number), quiet days included as zeros. */
export function engagementOf(days: ActivityDay[], today: number): EngagementDay[] {
  if (!days.length) return [];
  const by = new Map(days.map((d) => [d.day, d]));
  const out: EngagementDay[] = [];
  for (let day = days[0]!.day; day <= Math.max(today, days[days.length - 1]!.day); day++) {
    const d = by.get(day);
    out.push({ day: dayName(day), posts: d?.posts ?? 0, replies: d?.replies ?? 0, reactions: d?.reactions ?? 0 });
  }
  return out;
}

/**
 * Transfer at each follow-up offset of the scope's spaces (spaces with an event and no schedule yet
 * have the default +7/+30/+90). "Applied at +N": the learner reported an action plan as tried or
 * worked before the next follow-up falls due (no later follow-up: up to now), in a space of the scope.
 */
export function transferOf(
  spaces: ScopeSpace[],
  followUps: Array<{ spaceId: string; days: number }>,
  reflections: Array<{ days: number; userId: string }>,
  applied: Array<{ spaceId: string; userId: string; at: number }>,
  learnerIds: Set<string>,
  learners: number,
): TransferPoint[] {
  const withEvent = spaces.filter((s) => s.eventAt !== null);
  if (!withEvent.length) return [];
  const scheduled = new Map<string, number[]>();
  for (const f of followUps) scheduled.set(f.spaceId, [...(scheduled.get(f.spaceId) ?? []), f.days]);
  const offsets = [...new Set(withEvent.flatMap((s) => scheduled.get(s.id) ?? DEFAULT_FOLLOW_UP_DAYS))].sort((a, b) => a - b);
  const events = new Map(withEvent.map((s) => [s.id, eventOf(s, s.eventEndAt)!]));
  return offsets.map((days, i) => {
    const next = offsets[i + 1];
    const reflected = new Set(reflections.filter((r) => r.days === days && learnerIds.has(r.userId)).map((r) => r.userId));
    const did = new Set(
      applied.filter((a) => learnerIds.has(a.userId) && events.has(a.spaceId) && (next === undefined || a.at < followUpDueAt(events.get(a.spaceId)!, next))).map((a) => a.userId),
    );
    const dueAt = Math.min(...[...events.values()].map((e) => followUpDueAt(e, days)));
    return { days, learners, reflected: reflected.size, applied: did.size, share: learners ? did.size / learners : 0, dueAt };
  });
}

/** Barriers by how many learners reported them (normalised text), most first; shown as first written. */
export function barriersOf(rows: Array<{ userId: string; barrier: string; at: number }>, learnerIds: Set<string>): BarrierCount[] {
  const by = new Map<string, { first: string; at: number; users: Set<string> }>();
  for (const r of rows) {
    if (!learnerIds.has(r.userId)) continue;
    const key = barrierKey(r.barrier);
    if (!key) continue;
    const e = by.get(key);
    if (!e) by.set(key, { first: r.barrier.trim(), at: r.at, users: new Set([r.userId]) });
    else {
      e.users.add(r.userId);
      if (r.at < e.at) Object.assign(e, { first: r.barrier.trim(), at: r.at });
    }
  }
  return [...by.entries()]
    .map(([key, e]) => ({ key, barrier: e.first, count: e.users.size }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, TOP)
    .map(({ barrier, count }) => ({ barrier, count }));
}

export function contributorsOf(rows: Array<{ userId: string; posts: number; replies: number; helpful: number; endorsements: number; accepted: number }>, learnerIds: Set<string>, names: Map<string, string>): Contributor[] {
  return rows
    .filter((r) => learnerIds.has(r.userId))
    .map((r) => ({ ...r, name: names.get(r.userId) ?? '', score: contributorScore(r) }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId))
    .slice(0, TOP);
}

/** Tags used in the last week, most used first; rising ones (more than the week before) break ties. */
export function tagsOf(rows: Array<{ label: string; recent: number; previous: number }>): TrendingTag[] {
  return rows
    .map((r) => ({ tag: r.label, recent: r.recent, previous: r.previous }))
    .sort((a, b) => b.recent - a.recent || b.recent - b.previous - (a.recent - a.previous) || a.tag.localeCompare(b.tag))
    .slice(0, TOP);
}

