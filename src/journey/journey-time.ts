import { DateTime } from 'luxon';

/**
 * Pure time logic of the journey: where "now" falls around the training event, when each
 * follow-up falls due, and whether it is overdue. No clock is read here: every function takes
 * `now` from the caller's injected Clock, so tests can travel through time.
 *
 * Follow-ups are counted in calendar days in the space's time zone (not in 24 h blocks): "+7 days"
 * means the local day a week after the event ended, from local midnight, so a follow-up does not
 * slide to 23:00 or 01:00 the day before/after when a DST change falls in between.
 */

export type Phase = 'prep' | 'live' | 'post-event';

/** A training event as the journey sees it: start, end (epoch ms) and the IANA zone it is held in. */
export interface JourneyEvent {
  startAt: number;
  endAt: number;
  timeZone: string;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Default follow-up offsets in days after the event ends (issue 5: +7, +30, +90). */
export const DEFAULT_FOLLOW_UP_DAYS: readonly number[] = [7, 30, 90];
/** How many local days a follow-up stays "due" before it is marked overdue. */
export const DEFAULT_GRACE_DAYS = 7;

/**
 * The event of a space. Spaces already carry `event_at` and `time_zone`; the journey adds only an
 * optional end (a one-day workshop has one; a bare date does not), so an event without an end is
 * treated as instantaneous: the prep window closes and the post-event phase opens at the same time.
 */
export function eventOf(space: { eventAt: number | null; timeZone: string }, endAt: number | null): JourneyEvent | null {
  if (space.eventAt === null) return null;
  return { startAt: space.eventAt, endAt: endAt !== null && endAt > space.eventAt ? endAt : space.eventAt, timeZone: validZone(space.timeZone) };
}

/** Prep runs until the event starts; the post-event phase opens when it ends; in between it is live. */
export function phaseAt(event: JourneyEvent, now: number): Phase {
  if (now < event.startAt) return 'prep';
  if (now < event.endAt) return 'live';
  return 'post-event';
}

/**
 * Whole 24 h days between the event start and `at`, negative before it, the same rule the xAPI
 * builder's days-from-event extension uses (so a statement and the page never disagree).
 */
export function daysFromEvent(event: JourneyEvent, at: number): number {
  return Math.trunc((at - event.startAt) / DAY_MS) || 0;
}

/** Local midnight of the day `days` calendar days after the local day the event ended. */
export function followUpDueAt(event: JourneyEvent, days: number): number {
  return DateTime.fromMillis(event.endAt, { zone: event.timeZone }).startOf('day').plus({ days }).toMillis();
}

export type FollowUpState = 'upcoming' | 'due' | 'overdue' | 'done';

/**
 * A follow-up is upcoming before its day, due from local midnight of that day, overdue once
 * `graceDays` local days have passed without a reflection, and done as soon as one exists.
 */
export function followUpState(event: JourneyEvent, days: number, now: number, done: boolean, graceDays = DEFAULT_GRACE_DAYS): FollowUpState {
  if (done) return 'done';
  const due = followUpDueAt(event, days);
  if (now < due) return 'upcoming';
  const overdueAt = DateTime.fromMillis(due, { zone: event.timeZone }).plus({ days: graceDays }).toMillis();
  return now < overdueAt ? 'due' : 'overdue';
}

/** The local calendar date (yyyy-mm-dd) of an instant in a zone: what a learner reads as "the day". */
export function localDate(at: number, timeZone: string): string {
  return DateTime.fromMillis(at, { zone: validZone(timeZone) }).toISODate() ?? '';
}

/** An unknown zone name would make every date Invalid; fall back to UTC rather than show nothing. */
export function validZone(timeZone: string): string {
  return DateTime.local().setZone(timeZone).isValid ? timeZone : 'UTC';
}
