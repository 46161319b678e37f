import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { AppError } from '../web/errors.js';

/**
 * Per-user write rate limits. Counted from the rows the writes themselves leave (posts, flags,
 * reactions) rather than an in-memory counter, so every instance behind a load balancer sees the
 * same count and a restart resets nothing.
 */
export type WriteKind = 'post' | 'flag' | 'reaction';

export interface RateWindow {
  /** At most `max` writes in any `windowMs`. */
  max: number;
  windowMs: number;
}

export type RateLimits = Readonly<Record<WriteKind, readonly RateWindow[]>>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Env → limits, with defaults; one place for the numbers (README's configuration table lists them). */
const envSchema = z.object({
  RATE_POSTS_PER_MINUTE: z.coerce.number().int().min(1).default(6),
  RATE_POSTS_PER_HOUR: z.coerce.number().int().min(1).default(60),
  RATE_FLAGS_PER_HOUR: z.coerce.number().int().min(1).default(20),
  RATE_REACTIONS_PER_HOUR: z.coerce.number().int().min(1).default(120),
});

export function rateLimitsFrom(env: Record<string, string | undefined>): RateLimits {
  const v = envSchema.parse(Object.fromEntries(Object.entries(env).filter(([k, x]) => k.startsWith('RATE_') && x !== undefined && x !== '')));
  return Object.freeze({
    // Threads and replies share one budget: both are posts (a thread is its opening post).
    post: [
      { max: v.RATE_POSTS_PER_MINUTE, windowMs: MINUTE },
      { max: v.RATE_POSTS_PER_HOUR, windowMs: HOUR },
    ],
    flag: [{ max: v.RATE_FLAGS_PER_HOUR, windowMs: HOUR }],
    reaction: [{ max: v.RATE_REACTIONS_PER_HOUR, windowMs: HOUR }],
  });
}

export const DEFAULT_RATE_LIMITS: RateLimits = rateLimitsFrom({});

/** 429 with when to try again; `retryAt` is epoch ms, `retryAfterSeconds` goes in Retry-After. */
export class RateLimitedError extends AppError {
  constructor(
    readonly kind: WriteKind,
    readonly retryAt: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      429,
      'rate_limited',
      `You are ${kind === 'post' ? 'posting' : kind === 'flag' ? 'flagging posts' : 'reacting'} faster than this course allows. You can try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}, at ${new Date(retryAt).toISOString().slice(11, 19)} UTC.`,
      'What you wrote is kept: wait, then send it again.',
    );
    this.tr(`errors:rate_limited.${kind}`, { count: retryAfterSeconds, time: new Date(retryAt).toISOString().slice(11, 19) });
  }
}

/** The times of a user's most recent writes of a kind, newest first. */
export interface WriteLog {
  recent(kind: WriteKind, userId: string, since: number, limit: number): Promise<number[]>;
}

export function createWriteLog(db: Db): WriteLog {
  const source: Record<WriteKind, { table: string; user: string }> = {
    post: { table: 'posts', user: 'author_id' },
    flag: { table: 'post_flags', user: 'user_id' },
    reaction: { table: 'post_reactions', user: 'user_id' },
  };
  return {
    async recent(kind, userId, since, limit) {
      const s = source[kind];
      const rows = await db(s.table).where(s.user, userId).where('created_at', '>', since).orderBy('created_at', 'desc').limit(limit).select<{ created_at: number | string }[]>('created_at');
      return rows.map((r) => Number(r.created_at));
    },
  };
}

export interface WriteLimiter {
  /** Throws RateLimitedError when one more write of `kind` would break a limit. Staff are exempt from post limits. */
  check(kind: WriteKind, who: { userId: string; staff: boolean }, now: number): Promise<void>;
}

export function createWriteLimiter(log: WriteLog, limits: RateLimits = DEFAULT_RATE_LIMITS): WriteLimiter {
  return {
    async check(kind, who, now) {
      // Instructors and TAs post announcements and answer many questions in a burst.
      if (kind === 'post' && who.staff) return;
      let retryAt = 0;
      for (const w of limits[kind]) {
        const times = await log.recent(kind, who.userId, now - w.windowMs, w.max);
        // Full window (rows newer than now - windowMs): the next write is allowed once the oldest of the last `max` leaves it.
        if (times.length >= w.max) retryAt = Math.max(retryAt, times[w.max - 1]! + w.windowMs);
      }
      if (retryAt > now) throw new RateLimitedError(kind, retryAt, Math.max(1, Math.ceil((retryAt - now) / 1000)));
    },
  };
}

/** A fake write log for unit tests: the times recorded per kind and user. */
export class FakeWriteLog implements WriteLog {
  readonly times = new Map<string, number[]>();
  add(kind: WriteKind, userId: string, at: number): void {
    const k = `${kind} ${userId}`;
    this.times.set(k, [...(this.times.get(k) ?? []), at]);
  }
  async recent(kind: WriteKind, userId: string, since: number, limit: number): Promise<number[]> {
    return (this.times.get(`${kind} ${userId}`) ?? [])
      .filter((t) => t > since)
      .sort((a, b) => b - a)
      .slice(0, limit);
  }
}
