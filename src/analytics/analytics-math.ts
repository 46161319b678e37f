import { DateTime } from 'luxon';

/**
 * Pure helpers of the dashboard: local calendar days, the percentiles of response times and the
 * normalisation of barriers. No clock, no I/O, so the unit tests pin them down exactly.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A stretch of time over which a zone keeps one UTC offset: from the previous segment's `until`
 * (or the start) up to `until` (exclusive; null: open-ended).
 */
export interface OffsetSegment {
  until: number | null;
  offsetMs: number;
}

/**
 * The zone's offset segments from `from` to `to`. Within one, the local day of an instant t is the
 * whole number of days in t + offset (a "day number"), which SQL computes on both databases with
 * integer division, so activity is grouped per local day in the query itself, DST-safe, without
 * time-zone functions (SQLite has none). Offsets are read a week apart (no zone changes its offset
 * twice within a week) and a change is bisected to the millisecond.
 */
export function offsetSegments(from: number, to: number, zone: string): OffsetSegment[] {
  let z = DateTime.fromMillis(from, { zone }).zone;
  if (!z.isValid) z = DateTime.fromMillis(from, { zone: 'UTC' }).zone;
  const out: OffsetSegment[] = [];
  let t = from;
  let o = z.offset(t);
  while (t < to) {
    const next = Math.min(t + 7 * DAY_MS, to);
    if (z.offset(next) === o) {
      t = next;
      continue;
    }
    let lo = t;
    let hi = next;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (z.offset(mid) === o) lo = mid;
      else hi = mid;
    }
    out.push({ until: hi, offsetMs: o * 60_000 });
    o = z.offset(hi);
    t = hi;
  }
  out.push({ until: null, offsetMs: o * 60_000 });
  return out;
}

/** The local day number (days since 1970-01-01 in local time) of an instant. */
export function dayNumber(segments: OffsetSegment[], at: number): number {
  const seg = segments.find((s) => s.until === null || at < s.until)!;
  return Math.floor((at + seg.offsetMs) / DAY_MS);
}

/** yyyy-mm-dd of a day number. */
export function dayName(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The local day name of an instant. */
export function localDay(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate()!;
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
