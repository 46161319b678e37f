import { expect } from 'chai';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import * as analyticsIndexes from '../../migrations/20261201000100_analytics_indexes.js';
import { createTestDatabase, testDbKind } from '../helpers/test-db.js';

async function indexDefinition(db: Db, name: string): Promise<string | null> {
  if (testDbKind() === 'pg') {
    const r = await db.raw<{ rows: Array<{ indexdef: string }> }>('select indexdef from pg_indexes where indexname = ? and schemaname = current_schema()', [name]);
    return r.rows[0]?.indexdef.toLowerCase() ?? null;
  }
  const r = await db('sqlite_master').where({ type: 'index', name }).first<{ sql: string } | undefined>('sql');
  return r ? r.sql.toLowerCase().replace(/[`"]/g, '') : null;
}

/** The dashboard's covering indexes (bench/analytics): in place after migrating, and the migration goes down and up again. */
describe('analytics indexes migration (real database)', () => {
  it('creates both covering indexes, drops them on down, and creates them again', async () => {
    const fresh = await createTestDatabase();
    const db = createDb(fresh.url);
    try {
      await migrateLatest(db);
      expect(await indexDefinition(db, 'posts_analytics_idx')).to.match(/\(thread_id, depth, created_at, author_id, deleted_at, hidden_at, reaction_count, endorsed_at, id\)/);
      expect(await indexDefinition(db, 'post_reactions_post_time_idx')).to.match(/\(post_id, created_at\)/);
      await analyticsIndexes.down(db);
      expect(await indexDefinition(db, 'posts_analytics_idx')).to.equal(null);
      expect(await indexDefinition(db, 'post_reactions_post_time_idx')).to.equal(null);
      await analyticsIndexes.up(db);
      expect(await indexDefinition(db, 'posts_analytics_idx')).to.not.equal(null);
      expect(await indexDefinition(db, 'post_reactions_post_time_idx')).to.not.equal(null);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
