import type { Clock } from '../clock.js';
import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';
import type { Logger } from '../log.js';
import { BadRequestError, NotFoundError } from '../web/errors.js';
import type { PrivacyStore, PrivacyUser } from './privacy-store.js';

/** Bumped when the export's shape changes, so whoever reads an export knows which one it is. */
export const EXPORT_SCHEMA = 'https://threadline.dev/schemas/user-export';
export const EXPORT_VERSION = 1;

/** How a user is named: our id, or their LTI identity (platform issuer [+ client id] and sub). */
export type UserRef = { userId: string } | { issuer: string; clientId?: string | null; sub: string };

export interface UserExport {
  schema: string;
  version: number;
  exportedAt: string;
  user: Record<string, unknown>;
  /** One array per table or feature; every timestamp ISO 8601 UTC, post words as Markdown. */
  data: Record<string, Array<Record<string, unknown>>>;
}

export interface ErasureResult {
  userId: string;
  /** False when the user had already been erased (nothing was done this time). */
  erasedNow: boolean;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  counts: Record<string, number>;
}

export interface RetentionRun {
  /** Users erased because their platform's retention period passed since their last launch. */
  erased: number;
  prunedOutbox: number;
  prunedLoginStates: number;
  prunedSessions: number;
}

export interface PrivacyService {
  /** Finds the user or throws NotFound (or BadRequest when an issuer has several client ids). */
  resolve(ref: UserRef): Promise<PrivacyUser>;
  exportUser(userId: string): Promise<UserExport>;
  /**
   * Erases the user in one transaction: profile and personal rows deleted, posts and threads kept
   * without an author, xAPI statements anonymised. Idempotent: a second call reports the first.
   */
  eraseUser(userId: string, o: { by: string; reason?: 'request' | 'retention' }): Promise<ErasureResult>;
  erasure(userId: string): Promise<ErasureResult | null>;
  setRetention(issuer: string, clientId: string | null, days: number | null): Promise<Array<{ issuer: string; clientId: string; retentionDays: number | null }>>;
  /** Every platform with its retention period (null: kept until erased). */
  retentionList(): Promise<Array<{ issuer: string; clientId: string; retentionDays: number | null }>>;
  /** One pass of the retention job: erase users past their platform's period, prune operational rows. */
  runRetention(): Promise<RetentionRun>;
}

export interface PrivacyDeps {
  db: Db;
  store: PrivacyStore;
  clock: Clock;
  /** The install's base URL: home page of the anonymous xAPI accounts. */
  publicUrl: string;
  /** Days a delivered xAPI outbox row is kept (for `npm run xapi -- replay`) before it is pruned. */
  outboxKeepDays: number;
  log?: Logger;
  /**
   * Called after an erasure commits, to drop in-process copies of the user's data (the session
   * cache). Another server instance's cache forgets them within its TTL (30 s).
   */
  onErased?: (userId: string) => void;
}

const DAY = 86_400_000;
/** Users erased per platform per retention pass: a first pass on a big old install stays bounded. */
const RETENTION_BATCH = 200;

/** Epoch-ms columns → ISO 8601; JSON text columns → values; the rest as stored. */
function shape(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const camel = k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if ((/_at$/.test(k) || k === 'stored' || k === 'updated') && v !== null && v !== undefined && !Number.isNaN(Number(v))) out[camel] = new Date(Number(v)).toISOString();
    else if (['roles', 'expertise', 'statement', 'launch'].includes(k) && typeof v === 'string') out[camel] = safeJson(v);
    else if (k === 'content' && v instanceof Uint8Array) out[camel] = Buffer.from(v).toString('utf8');
    else if (typeof v === 'boolean' || k === 'voided' || k === 'open_to_mentoring') out[camel] = Boolean(v);
    else out[camel] = v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function createPrivacyService(deps: PrivacyDeps): PrivacyService {
  const { db, store, clock } = deps;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const toResult = (r: { userId: string; erasedAt: number; erasedBy: string; reason: string; counts: Record<string, number> }, erasedNow: boolean): ErasureResult => ({
    userId: r.userId,
    erasedNow,
    erasedAt: iso(r.erasedAt),
    erasedBy: r.erasedBy,
    reason: r.reason,
    counts: r.counts,
  });

  const service: PrivacyService = {
    async resolve(ref) {
      if ('userId' in ref) {
        const u = await store.findUser(ref.userId);
        if (!u) throw new NotFoundError('No user with that id.').tr('privacy:errors.no_user');
        return u;
      }
      const found = await store.findUserBySub(ref.issuer, ref.clientId ?? null, ref.sub);
      if (found.length === 0) throw new NotFoundError('No user with that platform and LTI sub.').tr('privacy:errors.no_user');
      if (found.length > 1) throw new BadRequestError('ambiguous_platform', 'Several platforms share that issuer; name the client id too.').tr('privacy:errors.ambiguous_platform');
      return found[0]!;
    },

    async exportUser(userId) {
      const user = await service.resolve({ userId });
      const raw = await store.collect(user);
      return {
        schema: EXPORT_SCHEMA,
        version: EXPORT_VERSION,
        exportedAt: iso(clock.now()),
        user: { ...shape(raw.user), platform: { issuer: user.issuer, clientId: user.clientId } },
        data: Object.fromEntries(Object.entries(raw.tables).map(([k, rows]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), rows.map(shape)])),
      };
    },

    async eraseUser(userId, o) {
      const done = await store.erasure(userId);
      if (done) return toResult(done, false);
      const user = await service.resolve({ userId });
      const now = clock.now();
      // A fresh random account per erasure: statements stay countable per learner (analytics
      // still sees one person's activity as one actor) but nothing links them to the person.
      const anon = { homePage: `${deps.publicUrl}/former-member`, name: newId() };
      const reason = o.reason ?? 'request';
      const counts = await db.transaction(async (trx) => {
        const c = await store.erase(trx, user, anon);
        await store.recordErasure(trx, { userId, platformId: user.platformId, reason, erasedBy: o.by, counts: c, erasedAt: now });
        return c;
      });
      deps.onErased?.(userId);
      // Ids and counts only: the log never carries the person's name or sub.
      deps.log?.info({ userId, reason, counts }, 'user erased');
      return toResult({ userId, erasedAt: now, erasedBy: o.by, reason, counts }, true);
    },

    async erasure(userId) {
      const r = await store.erasure(userId);
      return r ? toResult(r, false) : null;
    },

    async setRetention(issuer, clientId, days) {
      if (days !== null && (!Number.isInteger(days) || days < 1 || days > 36_500)) throw new BadRequestError('bad_retention', 'Retention must be a whole number of days from 1 to 36500.').tr('privacy:errors.bad_retention');
      const list = await store.findPlatforms(issuer, clientId);
      if (list.length === 0) throw new NotFoundError('No platform with that issuer.').tr('privacy:errors.no_platform');
      if (list.length > 1) throw new BadRequestError('ambiguous_platform', 'Several platforms share that issuer; name the client id too.').tr('privacy:errors.ambiguous_platform');
      await store.setRetention(list[0]!.id, days);
      return list.map((p) => ({ issuer: p.issuer, clientId: p.clientId, retentionDays: days }));
    },

    async retentionList() {
      return (await store.findPlatforms(null, null)).map(({ issuer, clientId, retentionDays }) => ({ issuer, clientId, retentionDays }));
    },

    async runRetention() {
      const now = clock.now();
      let erased = 0;
      for (const p of await store.retentionPlatforms()) {
        const stale = await store.inactiveUsers(p.id, now - p.retentionDays * DAY, RETENTION_BATCH);
        for (const id of stale) {
          await service.eraseUser(id, { by: 'retention', reason: 'retention' });
          erased++;
        }
      }
      // Operational rows with no reason to outlive their use: expired login states (a minute of
      // grace, as the server's own purge), expired sessions, and delivered statements older than
      // the replay window.
      const prunedOutbox = await store.pruneOutbox(now - deps.outboxKeepDays * DAY);
      const prunedLoginStates = await store.pruneLoginStates(now - 60_000);
      const prunedSessions = await store.pruneSessions(now);
      return { erased, prunedOutbox, prunedLoginStates, prunedSessions };
    },
  };
  return service;
}
