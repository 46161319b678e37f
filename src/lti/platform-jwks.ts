import { importJWK, type JSONWebKeySet, type JWK, type CryptoKey } from 'jose';
import type { Clock } from '../clock.js';
import { httpRequest, parseJson, type HttpFetch } from '../http-client.js';
import type { Platform } from './platform-store.js';

const CACHE_TTL_MS = 60 * 60 * 1000;
const UNKNOWN_KID_TTL_MS = 60 * 1000;

interface Entry {
  keys: JWK[];
  fetchedAt: number;
  /** Imported keys by kid, so a launch does not re-import the same JWK. */
  imported: Map<string, CryptoKey>;
}

/**
 * Platform public keys (Security Framework §6.3: the platform publishes them at its JWKS URL).
 * Cached per platform; a kid we don't know triggers exactly one refetch (platforms rotate keys),
 * and a kid still unknown after that is remembered for a minute so junk kids can't make us
 * hammer the platform.
 */
export class PlatformJwks {
  private cache = new Map<string, Entry>();
  private inflight = new Map<string, Promise<Entry>>();
  private missing = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly fetchImpl: HttpFetch = fetch,
  ) {}

  /** Returns the RS256 key for `kid`, or null when the platform does not publish it. */
  async key(platform: Platform, kid: string): Promise<CryptoKey | null> {
    let entry = this.cache.get(platform.id);
    if (!entry || this.clock.now() - entry.fetchedAt > CACHE_TTL_MS) entry = await this.refresh(platform);
    let jwk = entry.keys.find((k) => k.kid === kid);
    if (!jwk) {
      const missKey = `${platform.id} ${kid}`;
      const missedAt = this.missing.get(missKey);
      if (missedAt !== undefined && this.clock.now() - missedAt < UNKNOWN_KID_TTL_MS) return null;
      entry = await this.refresh(platform);
      jwk = entry.keys.find((k) => k.kid === kid);
      if (!jwk) {
        this.missing.set(missKey, this.clock.now());
        return null;
      }
    }
    if (jwk.kty !== 'RSA') return null;
    let key = entry.imported.get(kid);
    if (!key) {
      key = (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey;
      entry.imported.set(kid, key);
    }
    return key;
  }

  forget(platformId: string): void {
    this.cache.delete(platformId);
  }

  private refresh(platform: Platform): Promise<Entry> {
    const running = this.inflight.get(platform.id);
    if (running) return running;
    const p = (async () => {
      const res = await httpRequest(platform.jwksUri, { headers: { accept: 'application/json' } }, this.fetchImpl);
      const body = res.status === 200 ? parseJson<JSONWebKeySet>(res, 'The platform JWKS') : { keys: [] };
      const entry: Entry = { keys: Array.isArray(body.keys) ? body.keys : [], fetchedAt: this.clock.now(), imported: new Map() };
      this.cache.set(platform.id, entry);
      return entry;
    })().finally(() => this.inflight.delete(platform.id));
    this.inflight.set(platform.id, p);
    return p;
  }
}
