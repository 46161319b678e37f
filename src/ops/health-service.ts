import { migrationSource } from '../../migrations/index.js';
import type { Db } from '../db/knex.js';

/** Why the instance should not get traffic; stable codes a load balancer's logs can show. */
export type NotReadyReason = 'shutting_down' | 'database_unreachable' | 'migrations_pending';

export type Readiness = { ready: true } | { ready: false; reason: NotReadyReason };

export interface HealthService {
  /** Can this instance serve requests: database answering, every shipped migration applied, not draining. */
  readiness(): Promise<Readiness>;
  /** From now on readiness() says `shutting_down`, so a load balancer stops sending traffic here. */
  startDraining(): void;
  readonly draining: boolean;
}

export function createHealthService(o: { db: Db; timeoutMs?: number }): HealthService {
  const timeoutMs = o.timeoutMs ?? 2_000;
  let draining = false;
  let shipped: string[] | null = null;

  /**
   * The migrations listed in migrations/index.ts that knex_migrations does not record. One plain
   * read: knex's own migrate.list() would also check (and create) its tables and lock row on every probe.
   */
  const pendingMigrations = async (): Promise<string[]> => {
    shipped ??= (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    const applied = new Set(((await o.db('knex_migrations').select('name')) as Array<{ name: string }>).map((r) => r.name));
    return shipped.filter((name) => !applied.has(name));
  };

  /** A probe must answer quickly even when the pool is exhausted or the server hangs. */
  const within = async <T>(p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async readiness() {
      if (draining) return { ready: false, reason: 'shutting_down' };
      try {
        await within(o.db.raw('select 1'));
      } catch {
        return { ready: false, reason: 'database_unreachable' };
      }
      try {
        if ((await within(pendingMigrations())).length > 0) return { ready: false, reason: 'migrations_pending' };
      } catch {
        // The database answered `select 1` but has no knex_migrations: never migrated.
        return { ready: false, reason: 'migrations_pending' };
      }
      return { ready: true };
    },
    startDraining() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
