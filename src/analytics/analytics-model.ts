/**
 * The instructor dashboard's read model (issue 5, Analytics): what a space's or a course's
 * dashboard shows, as plain data. The analytics service computes it from the stores; the router
 * renders it as SVG charts + data tables and as CSV. Every figure here must also be computable
 * from the xAPI statements Threadline emits (docs/analytics.md gives the query for each).
 *
 * Days are local calendar days (yyyy-mm-dd) in the scope's time zone; instants are epoch ms.
 * Shares are 0..1 (rendered as percentages). Lists are already sorted for display.
 */

export type DashboardScopeKind = 'space' | 'course';

export interface DashboardScope {
  kind: DashboardScopeKind;
  /** Our contexts.id of the course the dashboard belongs to. */
  contextId: string;
  /** The space (kind 'space') or every space of the course (kind 'course'). */
  spaceIds: string[];
  /** The space's title, or the course's title. */
  title: string;
  /** The training event's start, when known (the course view uses its earliest space's event). */
  eventAt: number | null;
  /** IANA zone the days are counted in. */
  timeZone: string;
}

/** Prep rate over time up to the event: the share of enrolled learners prepared by the end of each day. */
export interface PrepRatePoint {
  day: string;
  /** Learners whose prep completion happened on or before this day. */
  prepared: number;
  /** Enrolled learners (roster) on the dashboard. */
  learners: number;
  /** prepared / learners (0 when there are no learners). */
  rate: number;
}

/** A question (Q&A thread or a learner's question thread) still waiting for an answer from someone else. */
export interface UnansweredQuestion {
  threadId: string;
  spaceId: string;
  title: string;
  askedAt: number;
}

export interface ResponseTimes {
  /** Questions asked in scope. */
  questions: number;
  /** Of those, how many got a first response from someone other than the asker. */
  responded: number;
  /** Median / 90th percentile time from question to first response by someone else, ms; null with no responses. */
  medianMs: number | null;
  p90Ms: number | null;
  /** Questions with no response yet, oldest first. */
  unanswered: UnansweredQuestion[];
}

/** Engagement per local day: new threads and prompt answers (posts), replies, reactions. */
export interface EngagementDay {
  day: string;
  posts: number;
  replies: number;
  reactions: number;
}

/** Transfer of training at one follow-up offset (+7/+30/+90 or as the instructor set it). */
export interface TransferPoint {
  days: number;
  /** Learners the follow-up applies to (enrolled learners). */
  learners: number;
  /** Learners who reflected on this follow-up. */
  reflected: number;
  /**
   * Learners who reported applying the training at this follow-up: an action plan of theirs
   * reported as tried or worked before the next follow-up falls due (for the last one: so far).
   */
  applied: number;
  /** applied / learners. */
  share: number;
  /**
   * When this follow-up falls due (its earliest space in the scope), epoch ms: before then
   * `reflected` is 0 and `applied` counts the reports made so far.
   */
  dueAt?: number;
}

export interface BarrierCount {
  /** The barrier as learners wrote it, normalised (trimmed, case-folded) for counting; shown as first written. */
  barrier: string;
  count: number;
}

export interface Contributor {
  userId: string;
  /** Display name as staff see it (anonymous spaces still show names to staff). */
  name: string;
  posts: number;
  replies: number;
  /** "Helpful" reactions their visible posts received (endorsements and accepted answers are counted apart, below). */
  helpful: number;
  endorsements: number;
  accepted: number;
  /** The ranking score (documented in docs/analytics.md). */
  score: number;
}

export interface TrendingTag {
  tag: string;
  /** Posts/threads carrying the tag in the recent window and in the window before it. */
  recent: number;
  previous: number;
}

export interface Dashboard {
  scope: DashboardScope;
  /** When the figures were computed (the injected clock). */
  generatedAt: number;
  /** Enrolled learners on the dashboard (roster; launches when no roster was read). */
  learners: number;
  /** Learners prepared now. */
  prepared: number;
  prepRate: PrepRatePoint[];
  response: ResponseTimes;
  engagement: EngagementDay[];
  transfer: TransferPoint[];
  barriers: BarrierCount[];
  contributors: Contributor[];
  trendingTags: TrendingTag[];
}

/** Each table of the dashboard, by the name its CSV export uses (`/analytics.csv?table=…`). */
export const DASHBOARD_TABLES = ['prep-rate', 'response', 'unanswered', 'engagement', 'transfer', 'barriers', 'contributors', 'tags'] as const;
export type DashboardTable = (typeof DASHBOARD_TABLES)[number];
