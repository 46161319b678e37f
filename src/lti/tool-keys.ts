import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type JWK, type JSONWebKeySet, type CryptoKey } from 'jose';
import type { Clock } from '../clock.js';
import { AppError } from '../web/errors.js';
import type { ToolKey, ToolKeyStore } from './tool-key-store.js';

export interface SigningKey {
  kid: string;
  key: CryptoKey;
}

/**
 * The tool's RS256 keys (LTI Security Framework §6: the tool publishes its public keys as a JWKS).
 * Rotation adds a new active key and keeps the older ones published until an admin retires them,
 * so platforms holding a cached JWKS can still verify what we signed before.
 */
export class ToolKeys {
  private signing: SigningKey | null = null;

  constructor(
    private readonly store: ToolKeyStore,
    private readonly clock: Clock,
  ) {}

  /** Creates the first key on first start. Safe when several instances start at once. */
  async ensureKey(): Promise<void> {
    const keys = await this.store.list();
    if (keys.some((k) => k.status === 'active')) return;
    try {
      await this.rotate();
    } catch (err) {
      // Another instance won the race and inserted its key: that one is as good as ours.
      const again = await this.store.list();
      if (!again.some((k) => k.status === 'active')) throw err;
    }
  }

  async rotate(): Promise<ToolKey> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const key: ToolKey = {
      kid,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
      publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' },
      status: 'published',
      createdAt: this.clock.now(),
      retiredAt: null,
    };
    await this.store.insert(key);
    await this.store.activate(kid);
    this.signing = null;
    return { ...key, status: 'active' };
  }

  async retire(kid: string): Promise<boolean> {
    return this.store.retire(kid, this.clock.now());
  }

  list(): Promise<ToolKey[]> {
    return this.store.list();
  }

  async jwks(): Promise<JSONWebKeySet> {
    const keys = await this.store.list();
    return { keys: keys.filter((k) => k.status !== 'retired').map((k) => k.publicJwk) };
  }

  /** The active key. Cached per process; a rotation made by another process is picked up within a minute. */
  async signingKey(): Promise<SigningKey> {
    if (this.signing && this.clock.now() - this.loadedAt < 60_000) return this.signing;
    const active = (await this.store.list()).find((k) => k.status === 'active');
    if (!active) throw new AppError(500, 'no_signing_key', 'The tool has no signing key. Restart it, or run `npm run keys:rotate`.');
    this.signing = { kid: active.kid, key: (await importJWK(active.privateJwk, 'RS256')) as CryptoKey };
    this.loadedAt = this.clock.now();
    return this.signing;
  }

  private loadedAt = 0;
}

export type { JWK };
