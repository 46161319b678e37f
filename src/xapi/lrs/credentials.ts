import type { Clock } from '../../clock.js';
import type { Db } from '../../db/knex.js';
import { randomToken } from '../../ids.js';

export interface EmbeddedLrsCredentials {
  key: string;
  /** Not enumerable: never appears when the object is logged or serialised. */
  readonly secret: string;
  /** env: EMBEDDED_LRS_KEY/SECRET; generated: created on this start; stored: created on an earlier start. */
  source: 'env' | 'generated' | 'stored';
}

const KEY = 'embedded_lrs_key';
const SECRET = 'embedded_lrs_secret';

function creds(key: string, secret: string, source: EmbeddedLrsCredentials['source']): EmbeddedLrsCredentials {
  const c = { key, source } as EmbeddedLrsCredentials;
  Object.defineProperty(c, 'secret', { value: secret, enumerable: false });
  return Object.freeze(c);
}

/**
 * The embedded LRS's basic-auth credentials: from the environment when set, else generated on the
 * first start and kept in lrs_settings (so they survive restarts and are shared by every process).
 * Cached after the first call.
 */
export function embeddedLrsCredentials(db: Db, clock: Clock, fromEnv: { key: string; secret: string } | null): () => Promise<EmbeddedLrsCredentials> {
  let cached: Promise<EmbeddedLrsCredentials> | null = null;
  const load = async (): Promise<EmbeddedLrsCredentials> => {
    if (fromEnv) return creds(fromEnv.key, fromEnv.secret, 'env');
    const read = async () => {
      const rows = (await db('lrs_settings').whereIn('key', [KEY, SECRET])) as Array<{ key: string; value: string }>;
      const m = new Map(rows.map((r) => [r.key, r.value]));
      return m.has(KEY) && m.has(SECRET) ? { key: m.get(KEY)!, secret: m.get(SECRET)! } : null;
    };
    const found = await read();
    if (found) return creds(found.key, found.secret, 'stored');
    const now = clock.now();
    const key = `tl-${randomToken(9)}`;
    const secret = randomToken(24);
    // Two processes starting at once: the first insert wins, the other reads the winner's pair.
    await db.transaction(async (trx) => {
      await trx('lrs_settings').insert([{ key: KEY, value: key, created_at: now }, { key: SECRET, value: secret, created_at: now }]).onConflict('key').ignore();
    });
    const after = await read();
    if (!after) throw new Error('could not store the embedded LRS credentials');
    return creds(after.key, after.secret, after.key === key ? 'generated' : 'stored');
  };
  return () => {
    cached ??= load().catch((err: unknown) => {
      cached = null;
      throw err;
    });
    return cached;
  };
}
