import type { Knex } from 'knex';

// The xAPI outbox: one row per statement per target LRS, written in the same transaction as the
// act it records, delivered later by the sender (src/xapi/lrs-sender.ts). Times are epoch ms.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('xapi_outbox', (t) => {
    t.string('id', 36).primary();
    t.string('statement_id', 36).notNullable();
    // 'primary' for the LRS configured by XAPI_LRS_ENDPOINT, 'embedded' for the built-in one.
    t.string('lrs_id', 64).notNullable();
    t.text('statement').notNullable();
    t.bigInteger('created_at').notNullable();
    // Not claimable before this (backoff after a failure).
    t.bigInteger('available_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('claimed_by', 128).nullable();
    t.bigInteger('claim_expires_at').nullable();
    t.bigInteger('delivered_at').nullable();
    t.text('last_error').nullable();
    t.boolean('dead').notNullable().defaultTo(false);
    // A statement is queued at most once per target: re-recording the same act is a no-op.
    t.unique(['lrs_id', 'statement_id']);
    t.index(['created_at'], 'xapi_outbox_created_idx');
  });
  // The sender's claim query only ever looks at undelivered rows; a partial index (PostgreSQL and
  // SQLite both have them) stays small however many delivered rows accumulate.
  await knex.schema.alterTable('xapi_outbox', (t) => {
    t.index(['lrs_id', 'available_at'], 'xapi_outbox_pending_idx', { predicate: knex.whereNull('delivered_at') });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('xapi_outbox');
}
