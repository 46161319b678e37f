import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../../migrations/index.js';

// Epoch-millisecond columns are bigint; pg returns those as strings unless told otherwise.
// Our values stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Db = Knex;
export type DbClient = 'sqlite' | 'pg';

export function dbClient(db: Db): DbClient {
  return db.client.config.client === 'pg' ? 'pg' : 'sqlite';
}

/** sqlite:./data/x.sqlite, file:x.sqlite, ./x.sqlite or :memory: → file path */
export function sqlitePath(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '').replace(/^file:/, '');
}

export function createDb(databaseUrl: string): Db {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return knexFactory({
      client: 'pg',
      connection: databaseUrl,
      pool: { min: 0, max: 10 },
    });
  }
  const filename = sqlitePath(databaseUrl);
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  return beginImmediate(knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // WAL lets readers run beside the one writer, so a few connections let concurrent requests'
    // reads overlap (each node-sqlite3 query is a thread-pool round trip); writers queue on
    // SQLite's lock, waited out by busy_timeout.
    pool: {
      min: 1,
      max: Number(process.env.SQLITE_POOL_SIZE ?? 4),
      afterCreate(conn: { run(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        const pragmas = ['PRAGMA journal_mode = WAL', 'PRAGMA foreign_keys = ON', 'PRAGMA busy_timeout = 5000', 'PRAGMA synchronous = NORMAL'];
        const next = (i: number): void => {
          if (i === pragmas.length) return done(null, conn);
          conn.run(pragmas[i]!, (err) => (err ? done(err, conn) : next(i + 1)));
        };
        next(0);
      },
    },
  }));
}

type TrxInternals = { begin(conn: unknown): Promise<unknown>; query(conn: unknown, sql: string): Promise<unknown> };

/**
 * SQLite transactions start with BEGIN IMMEDIATE instead of knex's plain BEGIN (deferred).
 * A deferred transaction that reads and then writes cannot wait for a writer that committed in
 * between: SQLite answers SQLITE_BUSY at once, ignoring busy_timeout (https://sqlite.org/lang_transaction.html,
 * "SQLITE_BUSY_SNAPSHOT"), which under concurrent requests surfaced as failed writes. Taking the
 * write lock up front makes every transaction queue on busy_timeout instead. Our transactions
 * all write, so nothing that could run beside a writer is serialised by this.
 */
function beginImmediate(db: Db): Db {
  const client = db.client as unknown as { transaction(...args: unknown[]): TrxInternals };
  const make = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = make(...args);
    trx.begin = (conn) => trx.query(conn, 'BEGIN IMMEDIATE;');
    return trx;
  };
  return db;
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** True when every migration we ship has been applied (used by readiness checks). */
export async function migrationsCurrent(db: Db): Promise<boolean> {
  const [, pending] = (await db.migrate.list({ migrationSource })) as [unknown[], unknown[]];
  return pending.length === 0;
}
