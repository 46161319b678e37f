import type { Clock } from '../clock.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { NrpsClient } from '../lti/nrps-client.js';
import type { PlatformStore } from '../lti/platform-store.js';
import type { Logger } from '../log.js';
import type { RosterMember, RosterStore, RosterSync } from './roster-store.js';

/** How long a roster read stays good before a page asks NRPS again. */
export const ROSTER_MAX_AGE_MS = 15 * 60 * 1000;

export interface Roster {
  members: RosterMember[];
  sync: RosterSync | null;
  /** The launch carries an NRPS claim, so the roster can be read from the platform. */
  available: boolean;
  /** This call tried to refresh and failed: the members are from the last good read (or launches). */
  refreshError: string | null;
}

export type RefreshMode = 'never' | 'if-stale' | 'force';

export interface RosterServiceDeps {
  store: RosterStore;
  nrps: NrpsClient;
  platforms: Pick<PlatformStore, 'get'>;
  clock: Clock;
  log: Pick<Logger, 'warn'>;
  maxAgeMs?: number;
}

/**
 * The people of a course: the platform's roster (NRPS 2.0, paged; read on demand and kept for a
 * while) joined with who has launched. A roster that can't be read never breaks a page: the
 * last good reading (or the launches alone) is returned with the reason.
 */
export function createRosterService(deps: RosterServiceDeps) {
  const maxAge = deps.maxAgeMs ?? ROSTER_MAX_AGE_MS;
  // One NRPS read per course at a time in this process; concurrent callers share it.
  const inFlight = new Map<string, Promise<string | null>>();

  async function read(launch: LaunchContext & { context: NonNullable<LaunchContext['context']>; nrps: NonNullable<LaunchContext['nrps']> }): Promise<string | null> {
    const contextId = launch.context.id;
    try {
      const platform = await deps.platforms.get(launch.platform.id);
      if (!platform) throw new Error('platform no longer registered');
      const m = await deps.nrps.members(platform, launch.nrps.contextMembershipsUrl);
      await deps.store.replace(contextId, m.members, m.pages, deps.clock.now());
      return null;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      deps.log.warn({ contextId, err: reason }, 'roster refresh failed');
      await deps.store.recordFailure(contextId, reason, deps.clock.now());
      return reason;
    }
  }

  return {
    async roster(launch: LaunchContext, mode: RefreshMode = 'if-stale'): Promise<Roster> {
      if (!launch.context) return { members: [], sync: null, available: false, refreshError: null };
      const context = launch.context;
      const nrps = launch.nrps;
      let sync = await deps.store.lastSync(context.id);
      let refreshError: string | null = null;
      const stale = !sync?.syncedAt || deps.clock.now() - sync.syncedAt > maxAge;
      if (nrps && (mode === 'force' || (mode === 'if-stale' && stale))) {
        let p = inFlight.get(context.id);
        if (!p) {
          p = read({ ...launch, context, nrps }).finally(() => inFlight.delete(context.id));
          inFlight.set(context.id, p);
        }
        refreshError = await p;
        sync = await deps.store.lastSync(context.id);
      }
      return { members: await deps.store.members(context.id), sync, available: nrps !== null, refreshError };
    },
  };
}

export type RosterService = ReturnType<typeof createRosterService>;
