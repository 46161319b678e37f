import { expect } from 'chai';
import { createDb, type Db } from '../../src/db/knex.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

/**
 * Transactions that read and then write, many at once: none may fail. On SQLite a deferred
 * BEGIN made some of them fail at once with SQLITE_BUSY (busy_timeout does not apply to a
 * read lock that must become a write lock); src/db/knex.ts begins them IMMEDIATE.
 */
describe(`database transactions under concurrency (${testDbKind()})`, function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let db: Db;

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await db.schema.createTable('counter_probe', (t) => {
      t.integer('id').primary();
      t.integer('n').notNullable();
    });
    await db('counter_probe').insert({ id: 1, n: 0 });
  });
  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('runs 40 concurrent read-then-write transactions without an error', async () => {
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        try {
          await db.transaction(async (trx) => {
            const row = await trx('counter_probe').where({ id: 1 }).forUpdate().first();
            await new Promise((r) => setTimeout(r, 2));
            await trx('counter_probe').where({ id: 1 }).update({ n: Number(row.n) + 1 });
          });
        } catch (err) {
          errors.push((err as Error).message);
        }
      }),
    );
    expect(errors).to.deep.equal([]);
    // Serialised (SQLite's write lock, PostgreSQL's FOR UPDATE): no update was lost.
    expect(Number((await db('counter_probe').where({ id: 1 }).first()).n)).to.equal(40);
  });
});
