import crypto from 'node:crypto';
import knexFactory from 'knex';

/**
 * A fresh database for one test server: a temp SQLite file by default, or (when
 * TEST_DATABASE_URL is a postgres:// URL, as in CI's second pass) a fresh PostgreSQL schema.
 */
export interface TestDatabase {
  url: string;
  kind: 'sqlite' | 'pg';
  drop(): Promise<void>;
}

export const testDbKind = (): 'sqlite' | 'pg' => (/^postgres/.test(process.env.TEST_DATABASE_URL ?? '') ? 'pg' : 'sqlite');

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (base && /^postgres/.test(base)) {
    const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: base });
    await admin.raw(`create schema ${schema}`);
    await admin.destroy();
    const u = new URL(base);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return {
      url: u.toString(),
      kind: 'pg',
      async drop() {
        const a = knexFactory({ client: 'pg', connection: base });
        await a.raw(`drop schema if exists ${schema} cascade`);
        await a.destroy();
      },
    };
  }
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'threadline-test-'));
  return {
    url: `sqlite:${path.join(dir, 'db.sqlite')}`,
    kind: 'sqlite',
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
