import type { Clock } from '../clock.js';
import { registerManualPlatform } from '../lti/manual-registration.js';
import type { Deployment, Platform, PlatformStore } from '../lti/platform-store.js';
import type { ToolKey } from '../lti/tool-key-store.js';
import type { ToolKeys } from '../lti/tool-keys.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../web/errors.js';
import type { TargetRouting } from '../xapi/lrs-routing.js';
import type { LrsTargetRecord, LrsTargetStore } from '../xapi/lrs-target-store.js';
import type { DeadLetter, LrsStats, OutboxStore } from '../xapi/outbox-store.js';
import type { AdminScope } from './admin-auth.js';
import type { LrsInput, PlatformInput } from './admin-input.js';
import type { LaunchRefusalRecord, LaunchRefusalStore } from './launch-refusal-store.js';

export interface AdminServiceDeps {
  platforms: PlatformStore;
  keys: ToolKeys;
  lrsTargets: LrsTargetStore;
  lrsRouting: TargetRouting;
  outbox: OutboxStore;
  refusals: LaunchRefusalStore;
  clock: Clock;
}

export interface PlatformRow {
  platform: Platform;
  deployments: number;
  lastLaunchAt: number | null;
}

/** An LRS target as the admin area shows it: never its password, only whether one is set. */
export interface LrsRow {
  id: string;
  name: string;
  endpoint: string | null;
  username: string | null;
  hasPassword: boolean;
  /** Null: every platform's statements (or a built-in default). */
  platformId: string | null;
  platformName: string | null;
  status: 'active' | 'disabled';
  builtIn: boolean;
  stats: LrsStats;
}

const toolOnly = (scope: AdminScope): void => {
  if (scope.kind !== 'tool') throw new ForbiddenError('admin_tool_only', 'Only the tool administrator can do this.', 'Sign in at /admin/login with an admin token.').tr('admin:errors.toolOnly');
};

const emptyStats = (lrsId: string): LrsStats => ({ lrsId, depth: 0, oldestPendingAgeMs: null, retrying: 0, dead: 0, delivered: 0 });

/**
 * Everything the admin area does, in one place, scoped by who asks (admin-auth.ts AdminScope).
 * A platform admin asking about another platform, or another platform's LRS target, dead letter
 * or refusal, gets "not found": nothing says it exists. The CLIs use the same stores.
 */
export function createAdminService(deps: AdminServiceDeps) {
  const { platforms, clock } = deps;

  async function platformIn(scope: AdminScope, id: string): Promise<Platform> {
    if (scope.kind === 'platform' && scope.platformId !== id) throw new NotFoundError();
    const p = await platforms.get(id);
    if (!p) throw new NotFoundError();
    return p;
  }

  /** The LRS targets this admin may see: tool admins all of them, platform admins their platform's own. */
  async function visibleTargets(scope: AdminScope): Promise<LrsTargetRecord[]> {
    const all = await deps.lrsTargets.list();
    return scope.kind === 'tool' ? all : all.filter((t) => t.platformId === scope.platformId);
  }

  async function targetIn(scope: AdminScope, id: string): Promise<LrsTargetRecord> {
    const t = (await visibleTargets(scope)).find((x) => x.id === id);
    if (!t) throw new NotFoundError();
    return t;
  }

  /** Outbox target ids this admin may act on (the built-in defaults carry every platform: tool admins only). */
  async function visibleLrsIds(scope: AdminScope): Promise<Set<string>> {
    if (scope.kind === 'tool') return new Set(await deps.lrsRouting.all());
    return new Set((await visibleTargets(scope)).map((t) => t.id));
  }

  return {
    async listPlatforms(scope: AdminScope): Promise<PlatformRow[]> {
      const [all, counts, last] = await Promise.all([platforms.list(), platforms.deploymentCounts(), platforms.lastLaunches()]);
      return all
        .filter((p) => scope.kind === 'tool' || p.id === scope.platformId)
        .map((p) => ({ platform: p, deployments: counts.get(p.id) ?? 0, lastLaunchAt: last.get(p.id) ?? null }));
    },

    async platform(scope: AdminScope, id: string): Promise<{ platform: Platform; deployments: Deployment[] }> {
      const platform = await platformIn(scope, id);
      return { platform, deployments: await platforms.listDeployments(platform.id) };
    },

    /** Manual registration, as `npm run platform -- add` does; an existing issuer + client id keeps its status. */
    async addPlatform(scope: AdminScope, input: PlatformInput): Promise<Platform> {
      toolOnly(scope);
      const { platform: p } = await registerManualPlatform(
        platforms,
        {
          issuer: input.issuer,
          clientId: input.client_id,
          name: input.name,
          authEndpoint: input.auth_url,
          tokenEndpoint: input.token_url,
          jwksUri: input.jwks_url,
          tokenAudience: input.token_audience,
          deploymentIds: input.deployment_id ? [input.deployment_id] : [],
        },
        clock.now(),
      );
      return p;
    },

    async setPlatformStatus(scope: AdminScope, id: string, status: Platform['status']): Promise<Platform> {
      toolOnly(scope);
      const p = await platformIn(scope, id);
      await platforms.setStatus(p.id, status, clock.now());
      return { ...p, status };
    },

    async addDeployment(scope: AdminScope, platformId: string, deploymentId: string): Promise<Deployment> {
      const p = await platformIn(scope, platformId);
      return platforms.addDeployment(p.id, deploymentId, clock.now());
    },

    async setDeploymentStatus(scope: AdminScope, platformId: string, deploymentId: string, status: Deployment['status']): Promise<void> {
      const p = await platformIn(scope, platformId);
      if (!(await platforms.setDeploymentStatus(p.id, deploymentId, status))) throw new NotFoundError();
    },

    async listKeys(scope: AdminScope): Promise<ToolKey[]> {
      toolOnly(scope);
      return deps.keys.list();
    },

    /** The new key signs from now on; the old one stays in the JWKS until retired (Security Framework §6). */
    async rotateKey(scope: AdminScope): Promise<ToolKey> {
      toolOnly(scope);
      return deps.keys.rotate();
    },

    async retireKey(scope: AdminScope, kid: string): Promise<void> {
      toolOnly(scope);
      const key = (await deps.keys.list()).find((k) => k.kid === kid);
      if (!key) throw new NotFoundError();
      if (key.status === 'active') throw new BadRequestError('key_active', 'The active signing key cannot be retired: rotate first.').tr('admin:errors.keyActive');
      if (key.status === 'retired') return;
      await deps.keys.retire(kid);
    },

    /** Targets with their queues. Tool admins also see the built-in default (primary or embedded). */
    async listLrs(scope: AdminScope): Promise<LrsRow[]> {
      const [targets, stats, all, names] = await Promise.all([visibleTargets(scope), deps.outbox.stats(clock.now()), platforms.list(), deps.lrsRouting.names()]);
      const statsOf = new Map(stats.map((s) => [s.lrsId, s]));
      const platformName = new Map(all.map((p) => [p.id, p.name]));
      const rows: LrsRow[] = [];
      if (scope.kind === 'tool') {
        const added = new Set(targets.map((t) => t.id));
        for (const id of await deps.lrsRouting.all()) {
          if (added.has(id)) continue;
          rows.push({ id, name: names.get(id) ?? id, endpoint: null, username: null, hasPassword: false, platformId: null, platformName: null, status: 'active', builtIn: true, stats: statsOf.get(id) ?? emptyStats(id) });
        }
      }
      for (const t of targets) {
        rows.push({
          id: t.id,
          name: t.name,
          endpoint: t.endpoint,
          username: t.username,
          hasPassword: t.password !== null && t.password !== '',
          platformId: t.platformId,
          platformName: t.platformId ? (platformName.get(t.platformId) ?? null) : null,
          status: t.status,
          builtIn: false,
          stats: statsOf.get(t.id) ?? emptyStats(t.id),
        });
      }
      return rows;
    },

    /**
     * As `npm run lrs -- add`: tool admins only. Anyone can become a platform admin (dynamic
     * registration of their own LMS, then an Administrator launch), and a target is a URL the
     * sender POSTs to and whose answer lands in the dead letters: letting platform admins add one
     * would let anyone make the server call internal addresses (SSRF) and read the replies.
     */
    async addLrs(scope: AdminScope, input: LrsInput): Promise<LrsTargetRecord> {
      toolOnly(scope);
      const platformId: string | null = input.platform_id || null;
      if (platformId) await platformIn(scope, platformId);
      if (await deps.lrsTargets.findByName(input.name)) throw new BadRequestError('lrs_name_taken', 'An LRS with that name already exists.').tr('admin:errors.lrsNameTaken');
      return deps.lrsTargets.add({ name: input.name, endpoint: input.endpoint, username: input.username || null, password: input.username ? input.password : null, platformId }, clock.now());
    },

    async setLrsStatus(scope: AdminScope, id: string, status: LrsTargetRecord['status']): Promise<void> {
      const t = await targetIn(scope, id);
      await deps.lrsTargets.setStatus(t.id, status, clock.now());
    },

    async deadLetters(scope: AdminScope, lrsId?: string): Promise<DeadLetter[]> {
      const ids = await visibleLrsIds(scope);
      if (lrsId !== undefined && !ids.has(lrsId)) throw new NotFoundError();
      const list = await deps.outbox.deadLetters({ lrsId, limit: lrsId ? 500 : 2000 });
      return list.filter((d) => ids.has(d.lrsId)).slice(0, 500);
    },

    async deadLetter(scope: AdminScope, id: string): Promise<DeadLetter & { json: string }> {
      const d = await deps.outbox.findDeadLetter(id);
      if (!d || !(await visibleLrsIds(scope)).has(d.lrsId)) throw new NotFoundError();
      return d;
    },

    async retryDeadLetter(scope: AdminScope, id: string): Promise<number> {
      const d = await this.deadLetter(scope, id);
      return deps.outbox.retryDead({ ids: [d.id] });
    },

    async retryAllDead(scope: AdminScope, lrsId: string): Promise<number> {
      if (!(await visibleLrsIds(scope)).has(lrsId)) throw new NotFoundError();
      return deps.outbox.retryDead({ all: true, lrsId });
    },

    lrsNames: () => deps.lrsRouting.names(),

    async refusals(scope: AdminScope, f: { platformId?: string; reason?: string }): Promise<{ list: LaunchRefusalRecord[]; reasons: string[] }> {
      // A platform admin's filter is always their own platform, whatever the query says.
      const platformId = scope.kind === 'platform' ? scope.platformId : f.platformId;
      const [list, reasons] = await Promise.all([deps.refusals.list({ platformId, reason: f.reason }), deps.refusals.reasons(scope.kind === 'platform' ? scope.platformId : undefined)]);
      return { list, reasons };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
