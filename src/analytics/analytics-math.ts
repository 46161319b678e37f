import { DateTime } from 'luxon';

/**
 * Pure helpers of the dashboard: local calendar days, the percentiles of response times and the
 * normalisation of barriers. No clock, no I/O, so the unit tests pin them down exactly.
 */

/** One local calendar day: its yyyy-mm-dd name and the instants [start, end) it spans. */
export interface LocalDay {
  day: string;
  start: number;
  end: number;
}

const MAX_DAYS = 3660;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The local days of `zone` from the day holding `from` to the day holding `to`, both included.
 * Boundaries are local midnights, so a day across a DST change is 23 or 25 hours long rather than
 * a fixed 24 h block (a late-evening post stays on its own local day).
 *
 * luxon is asked for the first day's start. After that, a week that starts at a local midnight and
 * whose two ends have the same UTC offset has seven 24 h days (no zone changes its offset twice
 * within a week); any other day is stepped through luxon (which also knows the zones where a DST
 * change skips midnight itself, like America/Santiago). Asking luxon for every day costs
 * ~0.1–0.3 ms a day (each offset is an Intl call), which a dashboard of a few hundred days cannot afford.
 */
export function localDays(from: number, to: number, zone: string): LocalDay[] {
  if (to < from) return [];
  let first = DateTime.fromMillis(from, { zone }).startOf('day');
  if (!first.isValid) first = DateTime.fromMillis(from, { zone: 'UTC' }).startOf('day');
  const z = first.zone;
  const out: LocalDay[] = [];
  const push = (start: number, end: number) => out.push({ day: new Date(Date.UTC(first.year, first.month - 1, first.day + out.length)).toISOString().slice(0, 10), start, end });
  const atMidnight = (t: number) => {
    const d = DateTime.fromMillis(t, { zone: z });
    return d.hour === 0 && d.minute === 0;
  };
  let start = first.toMillis();
  while (start <= to && out.length < MAX_DAYS) {
    if (atMidnight(start) && z.offset(start + 7 * DAY_MS) === z.offset(start)) {
      for (let i = 0; i < 7 && start <= to; i++, start += DAY_MS) push(start, start + DAY_MS);
      continue;
    }
    const end = DateTime.fromMillis(start, { zone: z }).plus({ days: 1 }).startOf('day').toMillis();
    push(start, end);
    start = end;
  }
  return out;
}

/** The local day name of an instant. */
export function localDay(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate()!;
}

/** Index of the day holding `at` (binary search over the day boundaries), or -1 outside them. */
export function dayIndex(days: LocalDay[], at: number): number {
  let lo = 0;
  let hi = days.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = days[mid]!;
    if (at < d.start) hi = mid - 1;
    else if (at >= d.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * Nearest-rank percentile (the smallest value with at least p of the values at or below it):
 * always a value that occurred, with no interpolation, so the same figure is recomputed exactly
 * from the xAPI statements. Null for no values.
 */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** How barriers are told apart for counting: trimmed, inner whitespace collapsed, case-folded. */
export function barrierKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The ranking score of a contributor (docs/analytics.md): a reply and a post weigh the same; recognition weighs more. */
export function contributorScore(c: { posts: number; replies: number; helpful: number; endorsements: number; accepted: number }): number {
  return c.posts + c.replies + c.helpful + 3 * c.endorsements + 3 * c.accepted;
}
