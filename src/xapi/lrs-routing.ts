import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { LrsTarget } from './lrs-sender.js';
import type { LrsTargetRecord, LrsTargetStore } from './lrs-target-store.js';
import { EMBEDDED_LRS_ID } from './outbox-store.js';

/** Outbox target id of the LRS configured by XAPI_LRS_ENDPOINT. */
export const PRIMARY_LRS_ID = 'primary';

/** Which LRSs a statement is queued for, and which of them the HTTP sender delivers to. */
export interface TargetRouting {
  /**
   * Target ids for a statement from `platformId` (null: not tied to a platform). A platform with
   * targets of its own sends to those INSTEAD of the defaults, so an institution that wants its
   * learners' data in its own LRS only gets exactly that; every other platform sends to the
   * default LRS (XAPI_LRS_ENDPOINT, else the embedded one) and every all-platform target.
   * `q` is the caller's transaction: the act's own, so no second connection is needed.
   */
  forPlatform(q: Knex, platformId: string | null): Promise<string[]>;
  /** Every target id, for the admin's status (an idle target is listed at zero). */
  all(q?: Knex): Promise<string[]>;
  /** The HTTP targets to deliver to now: the default external LRS and every active added target. */
  senderTargets(): Promise<LrsTarget[]>;
  /** Display names by target id. */
  names(): Promise<Map<string, string>>;
}

/** A fixed list of targets for every platform (tests, benchmarks; createOutboxStore also takes a plain list). */
export function staticRouting(ids: string[], targets: LrsTarget[] = []): TargetRouting {
  if (ids.length === 0) throw new Error('The outbox needs at least one target LRS.');
  return {
    forPlatform: async () => ids,
    all: async () => ids,
    senderTargets: async () => targets,
    names: async () => new Map(ids.map((id) => [id, id])),
  };
}

/**
 * Routing from the default LRS plus the lrs_targets table. Targets are cached for `ttlMs` (an
 * admin's `npm run lrs` change reaches running servers within that), read through the caller's
 * connection when stale.
 */
export function createTargetRouting(o: { store: LrsTargetStore; primary: LrsTarget | null; clock: Clock; ttlMs?: number }): TargetRouting {
  const ttlMs = o.ttlMs ?? 5_000;
  const defaultId = o.primary ? PRIMARY_LRS_ID : EMBEDDED_LRS_ID;
  let cache: { at: number; list: LrsTargetRecord[] } | null = null;

  async function load(q?: Knex): Promise<LrsTargetRecord[]> {
    const now = o.clock.now();
    if (!cache || now - cache.at >= ttlMs) cache = { at: now, list: await o.store.list(q) };
    return cache.list;
  }

  return {
    async forPlatform(q, platformId) {
      const list = await load(q);
      const own = platformId === null ? [] : list.filter((t) => t.platformId === platformId);
      if (own.length) return own.map((t) => t.id);
      return [defaultId, ...list.filter((t) => t.platformId === null).map((t) => t.id)];
    },
    async all(q) {
      return [defaultId, ...(await load(q)).map((t) => t.id)];
    },
    async senderTargets() {
      const added = (await load()).filter((t) => t.status === 'active').map((t): LrsTarget => {
        const target = { id: t.id, endpoint: t.endpoint, username: t.username } as LrsTarget;
        Object.defineProperty(target, 'password', { value: t.password, enumerable: false });
        return target;
      });
      return o.primary ? [o.primary, ...added] : added;
    },
    async names() {
      const m = new Map<string, string>([[defaultId, defaultId]]);
      for (const t of await load()) m.set(t.id, t.name);
      return m;
    },
  };
}
