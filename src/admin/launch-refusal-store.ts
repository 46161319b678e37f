import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

/** One refused launch, as the admin area lists it: ids and a reason, never the token or personal data. */
export interface LaunchRefusalRecord {
  id: string;
  at: number;
  /** Ours, from the login state; null when the launch never named a platform we know. */
  platformId: string | null;
  issuer: string | null;
  clientId: string | null;
  deploymentId: string | null;
  /** LaunchRefusal code (lti/launch-errors.ts). */
  reason: string;
  detail: string | null;
}

export type NewLaunchRefusal = Omit<LaunchRefusalRecord, 'id' | 'at'>;

export interface LaunchRefusalFilter {
  /** Only this platform's refusals (a platform admin always passes theirs). */
  platformId?: string;
  reason?: string;
  limit?: number;
}

export interface LaunchRefusalStore {
  /** Records one refusal and prunes: older than the retention, or beyond the newest `perPlatform`. */
  record(r: NewLaunchRefusal, now: number): Promise<void>;
  /** Newest first. */
  list(f?: LaunchRefusalFilter): Promise<LaunchRefusalRecord[]>;
  /** The reason codes present (for the filter), optionally of one platform. */
  reasons(platformId?: string): Promise<string[]>;
}

export const REFUSAL_RETENTION_MS = 30 * 86_400_000;
export const REFUSALS_PER_PLATFORM = 1000;

interface Row {
  id: string;
  at: number | string;
  platform_id: string | null;
  issuer: string | null;
  client_id: string | null;
  deployment_id: string | null;
  reason: string;
  detail: string | null;
}

const TABLE = 'launch_refusals';
const cut = (v: string | null, n: number): string | null => (v === null ? null : v.slice(0, n));

export function createLaunchRefusalStore(db: Db, opts: { retentionMs?: number; perPlatform?: number } = {}): LaunchRefusalStore {
  const retentionMs = opts.retentionMs ?? REFUSAL_RETENTION_MS;
  const perPlatform = opts.perPlatform ?? REFUSALS_PER_PLATFORM;
  const samePlatform = (q: ReturnType<typeof db>, platformId: string | null) => (platformId === null ? q.whereNull('platform_id') : q.where({ platform_id: platformId }));
  return {
    async record(r, now) {
      await db(TABLE).insert({
        id: newId(),
        at: now,
        platform_id: r.platformId,
        // Claimed values may be anything an attacker sent: bounded here, escaped when shown.
        issuer: cut(r.issuer, 256),
        client_id: cut(r.clientId, 256),
        deployment_id: cut(r.deploymentId, 256),
        reason: r.reason.slice(0, 64),
        detail: cut(r.detail, 300),
      });
      await db(TABLE).where('at', '<', now - retentionMs).delete();
      // Keep at most `perPlatform` rows per platform (a flood of bad launches cannot fill the disk):
      // find the time of the oldest row to keep and drop the ones before it.
      const edge = (await samePlatform(db(TABLE).select('at'), r.platformId).orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).offset(perPlatform - 1).first()) as { at: number | string } | undefined;
      if (edge) await samePlatform(db(TABLE), r.platformId).where('at', '<', Number(edge.at)).delete();
    },
    async list(f = {}) {
      const q = db(TABLE).select('*').orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(f.limit ?? 200);
      if (f.platformId) q.where({ platform_id: f.platformId });
      if (f.reason) q.where({ reason: f.reason });
      return ((await q) as Row[]).map((r) => ({
        id: r.id,
        at: Number(r.at),
        platformId: r.platform_id,
        issuer: r.issuer,
        clientId: r.client_id,
        deploymentId: r.deployment_id,
        reason: r.reason,
        detail: r.detail,
      }));
    },
    async reasons(platformId) {
      const q = db(TABLE).distinct('reason').orderBy('reason');
      if (platformId) q.where({ platform_id: platformId });
      return ((await q) as Array<{ reason: string }>).map((r) => r.reason);
    },
  };
}
