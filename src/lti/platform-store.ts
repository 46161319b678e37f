import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

export interface Platform {
  id: string;
  issuer: string;
  clientId: string;
  name: string;
  productFamily: string | null;
  authEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Audience for our client assertion when it is not the token endpoint (Brightspace). */
  tokenAudience: string | null;
  source: 'dynamic' | 'manual';
  status: 'active' | 'disabled';
}

export interface Deployment {
  id: string;
  platformId: string;
  deploymentId: string;
  /** 'disabled': launches through it are refused (launch-service.ts). */
  status: 'active' | 'disabled';
}

export type NewPlatform = Omit<Platform, 'id' | 'status'> & { status?: Platform['status'] };

export interface PlatformStore {
  findByIssuerAndClient(issuer: string, clientId: string): Promise<Platform | null>;
  findByIssuer(issuer: string): Promise<Platform[]>;
  get(id: string): Promise<Platform | null>;
  list(): Promise<Platform[]>;
  /** Inserts, or updates the endpoints of the platform with the same issuer + client id. */
  upsert(p: NewPlatform, now: number): Promise<Platform>;
  remove(id: string): Promise<boolean>;
  findDeployment(platformId: string, deploymentId: string): Promise<Deployment | null>;
  listDeployments(platformId: string): Promise<Deployment[]>;
  addDeployment(platformId: string, deploymentId: string, now: number): Promise<Deployment>;
  removeDeployment(platformId: string, deploymentId: string): Promise<boolean>;
  /** Admin area: disable or enable a platform (launches from a disabled one are refused). */
  setStatus(id: string, status: Platform['status'], now: number): Promise<boolean>;
  /** Admin area: disable or enable one deployment of a platform. */
  setDeploymentStatus(platformId: string, deploymentId: string, status: Deployment['status']): Promise<boolean>;
  /** Deployments per platform id (platforms with none are absent). */
  deploymentCounts(): Promise<Map<string, number>>;
  /** The last time a named user launched, per platform id (from users.updated_at, written by every launch). */
  lastLaunches(): Promise<Map<string, number>>;
}

interface PlatformRow {
  id: string;
  issuer: string;
  client_id: string;
  name: string;
  product_family: string | null;
  auth_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  token_audience: string | null;
  source: Platform['source'];
  status: Platform['status'];
}

const fromRow = (r: PlatformRow): Platform => ({
  id: r.id,
  issuer: r.issuer,
  clientId: r.client_id,
  name: r.name,
  productFamily: r.product_family,
  authEndpoint: r.auth_endpoint,
  tokenEndpoint: r.token_endpoint,
  jwksUri: r.jwks_uri,
  tokenAudience: r.token_audience,
  source: r.source,
  status: r.status,
});

interface DeploymentRow {
  id: string;
  platform_id: string;
  deployment_id: string;
  status: Deployment['status'];
}
const depFromRow = (r: DeploymentRow): Deployment => ({ id: r.id, platformId: r.platform_id, deploymentId: r.deployment_id, status: r.status ?? 'active' });

/**
 * Every launch reads its platform and deployment; caching them briefly saves two queries per
 * launch. Writes through this store invalidate at once; changes made by another process (the
 * CLI, another instance) are seen within `ttlMs`. Unknown ids are not cached, so a just-added
 * deployment works on the next launch.
 */
export function cachedPlatformStore(inner: PlatformStore, now: () => number, ttlMs = 5_000): PlatformStore & { generation(): number } {
  const cache = new Map<string, { at: number; value: unknown }>();
  async function cached<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.value as T;
    const value = await load();
    if (value !== null) cache.set(key, { at: now(), value });
    return value;
  }
  let generation = 0;
  const clear = <T>(v: T): T => {
    cache.clear();
    generation++;
    return v;
  };
  return {
    ...inner,
    /** Bumped by every write through this store, so derived caches know to refresh. */
    generation: () => generation,
    findByIssuerAndClient: (issuer, clientId) => cached(`ic ${issuer} ${clientId}`, () => inner.findByIssuerAndClient(issuer, clientId)),
    get: (id) => cached(`id ${id}`, () => inner.get(id)),
    findDeployment: (platformId, deploymentId) => cached(`dep ${platformId} ${deploymentId}`, () => inner.findDeployment(platformId, deploymentId)),
    upsert: async (p, at) => clear(await inner.upsert(p, at)),
    remove: async (id) => clear(await inner.remove(id)),
    addDeployment: async (platformId, deploymentId, at) => clear(await inner.addDeployment(platformId, deploymentId, at)),
    removeDeployment: async (platformId, deploymentId) => clear(await inner.removeDeployment(platformId, deploymentId)),
    setStatus: async (id, status, at) => clear(await inner.setStatus(id, status, at)),
    setDeploymentStatus: async (platformId, deploymentId, status) => clear(await inner.setDeploymentStatus(platformId, deploymentId, status)),
  };
}

export function createPlatformStore(db: Db): PlatformStore {
  const platforms = () => db<PlatformRow>('platforms');
  return {
    async findByIssuerAndClient(issuer, clientId) {
      const r = await platforms().where({ issuer, client_id: clientId }).first();
      return r ? fromRow(r) : null;
    },
    async findByIssuer(issuer) {
      return (await platforms().where({ issuer })).map(fromRow);
    },
    async get(id) {
      const r = await platforms().where({ id }).first();
      return r ? fromRow(r) : null;
    },
    async list() {
      return (await platforms().orderBy(['issuer', 'client_id'])).map(fromRow);
    },
    async upsert(p, now) {
      const values = {
        name: p.name,
        product_family: p.productFamily,
        auth_endpoint: p.authEndpoint,
        token_endpoint: p.tokenEndpoint,
        jwks_uri: p.jwksUri,
        token_audience: p.tokenAudience,
        source: p.source,
        status: p.status ?? 'active',
        updated_at: now,
      };
      const id = newId();
      await db('platforms')
        .insert({ id, issuer: p.issuer, client_id: p.clientId, created_at: now, ...values })
        .onConflict(['issuer', 'client_id'])
        .merge(values);
      const saved = await this.findByIssuerAndClient(p.issuer, p.clientId);
      if (!saved) throw new Error('platform upsert lost its row');
      return saved;
    },
    async remove(id) {
      return (await platforms().where({ id }).delete()) === 1;
    },
    async findDeployment(platformId, deploymentId) {
      const r = await db<DeploymentRow>('deployments').where({ platform_id: platformId, deployment_id: deploymentId }).first();
      return r ? depFromRow(r) : null;
    },
    async listDeployments(platformId) {
      return (await db<DeploymentRow>('deployments').where({ platform_id: platformId }).orderBy('deployment_id')).map(depFromRow);
    },
    async addDeployment(platformId, deploymentId, now) {
      await db('deployments')
        .insert({ id: newId(), platform_id: platformId, deployment_id: deploymentId, created_at: now })
        .onConflict(['platform_id', 'deployment_id'])
        .ignore();
      const d = await this.findDeployment(platformId, deploymentId);
      if (!d) throw new Error('deployment insert lost its row');
      return d;
    },
    async removeDeployment(platformId, deploymentId) {
      return (await db('deployments').where({ platform_id: platformId, deployment_id: deploymentId }).delete()) === 1;
    },
    async setStatus(id, status, now) {
      return (await db('platforms').where({ id }).update({ status, updated_at: now })) === 1;
    },
    async setDeploymentStatus(platformId, deploymentId, status) {
      return (await db('deployments').where({ platform_id: platformId, deployment_id: deploymentId }).update({ status })) === 1;
    },
    async deploymentCounts() {
      const rows = (await db('deployments').select('platform_id').count({ n: '*' }).groupBy('platform_id')) as Array<{ platform_id: string; n: number | string }>;
      return new Map(rows.map((r) => [r.platform_id, Number(r.n)]));
    },
    async lastLaunches() {
      const rows = (await db('users').select('platform_id').max({ at: 'updated_at' }).groupBy('platform_id')) as Array<{ platform_id: string; at: number | string | null }>;
      return new Map(rows.filter((r) => r.at !== null).map((r) => [r.platform_id, Number(r.at)]));
    },
  };
}
