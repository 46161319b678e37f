import { expect } from 'chai';
import { cachedPlatformStore, type Deployment, type Platform, type PlatformStore } from '../../src/lti/platform-store.js';
import { cachedSessionStore, SESSION_CACHE_TTL_MS, type Session, type SessionStore } from '../../src/web/session-store.js';

/** A platform store in memory that counts reads, to see what the cache saves. */
function fakePlatforms(): PlatformStore & { reads: number; deployments: Deployment[] } {
  const platform: Platform = { id: 'p1', issuer: 'https://lms', clientId: 'c', name: '', productFamily: null, authEndpoint: 'https://lms/a', tokenEndpoint: 'https://lms/t', jwksUri: 'https://lms/j', tokenAudience: null, source: 'manual', status: 'active' };
  const store = {
    reads: 0,
    deployments: [] as Deployment[],
    async findByIssuerAndClient() {
      store.reads++;
      return platform;
    },
    async findByIssuer() {
      return [platform];
    },
    async get() {
      store.reads++;
      return { ...platform };
    },
    async list() {
      return [platform];
    },
    async upsert() {
      return platform;
    },
    async remove() {
      return true;
    },
    async findDeployment(_p: string, d: string) {
      store.reads++;
      return store.deployments.find((x) => x.deploymentId === d) ?? null;
    },
    async listDeployments() {
      return store.deployments;
    },
    async addDeployment(platformId: string, deploymentId: string) {
      const d = { id: deploymentId, platformId, deploymentId, status: 'active' as const };
      store.deployments.push(d);
      return d;
    },
    async removeDeployment() {
      return true;
    },
    async setStatus() {
      return true;
    },
    async setDeploymentStatus() {
      return true;
    },
    async deploymentCounts() {
      return new Map<string, number>();
    },
    async lastLaunches() {
      return new Map<string, number>();
    },
  };
  return store;
}

describe('cachedPlatformStore', () => {
  it('serves repeated reads from memory until the TTL passes', async () => {
    let t = 0;
    const inner = fakePlatforms();
    const s = cachedPlatformStore(inner, () => t, 5000);
    await s.get('p1');
    await s.get('p1');
    expect(inner.reads).to.equal(1);
    t = 5001;
    await s.get('p1');
    expect(inner.reads).to.equal(2);
  });

  it('does not cache an unknown deployment, so one added elsewhere works at once', async () => {
    const inner = fakePlatforms();
    const s = cachedPlatformStore(inner, () => 0);
    expect(await s.findDeployment('p1', 'd1')).to.equal(null);
    inner.deployments.push({ id: 'd1', platformId: 'p1', deploymentId: 'd1', status: 'active' });
    expect(await s.findDeployment('p1', 'd1')).to.deep.include({ deploymentId: 'd1' });
  });

  it('forgets everything on a write through it', async () => {
    const inner = fakePlatforms();
    const s = cachedPlatformStore(inner, () => 0);
    await s.get('p1');
    await s.upsert({} as never, 0);
    await s.get('p1');
    expect(inner.reads).to.equal(2);
  });
});

describe('cachedSessionStore', () => {
  const session = (expiresAt: number): Session => ({ tokenHash: 'h', launch: {} as Session['launch'], csrfToken: 'c', createdAt: 0, expiresAt });
  function fakeSessions(initial: Session): SessionStore & { reads: number; row: Session } {
    const s = {
      reads: 0,
      row: initial,
      async insert() {},
      async get() {
        s.reads++;
        return s.row;
      },
      async touch(_h: string, expiresAt: number) {
        s.row = { ...s.row, expiresAt };
      },
      async purgeExpired() {
        return 0;
      },
    };
    return s;
  }

  it('reads a session once within the TTL and keeps its expiry current on touch', async () => {
    const t = 1000;
    const inner = fakeSessions(session(10_000));
    const s = cachedSessionStore(inner, () => t);
    await s.get('h');
    await s.touch('h', 20_000);
    const again = await s.get('h');
    expect(inner.reads).to.equal(1);
    expect(again!.expiresAt).to.equal(20_000);
  });

  it('re-reads a session that looks expired, since another instance may have extended it', async () => {
    let t = 1000;
    const inner = fakeSessions(session(2000));
    const s = cachedSessionStore(inner, () => t);
    await s.get('h');
    inner.row = session(100_000); // extended by another instance
    t = 3000;
    expect((await s.get('h'))!.expiresAt).to.equal(100_000);
    expect(inner.reads).to.equal(2);
  });

  it('stops accepting a session another process deleted within the TTL, which is at most 5 s', async () => {
    expect(SESSION_CACHE_TTL_MS).to.be.at.most(5_000);
    let t = 1000;
    const inner = fakeSessions(session(10_000_000));
    const s = cachedSessionStore(inner, () => t);
    expect(await s.get('h')).to.not.equal(null);
    // `npm run platform remove` on another process: the cascade deletes the session row.
    inner.get = async () => {
      inner.reads++;
      return null;
    };
    t += SESSION_CACHE_TTL_MS - 1;
    expect(await s.get('h'), 'still cached just inside the TTL').to.not.equal(null);
    t += 1;
    expect(await s.get('h'), 'refused once the entry is TTL old').to.equal(null);
  });
});
