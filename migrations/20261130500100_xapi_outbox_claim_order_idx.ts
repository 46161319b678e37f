import type { Knex } from 'knex';

// The sender claims the oldest deliverable rows of one target: WHERE lrs_id = ? AND delivered_at
// IS NULL … ORDER BY created_at, id LIMIT n. The old pending index (lrs_id, available_at) matched
// the filter but not the order, so SQLite read and sorted every pending row of the target on every
// claim (a temp B-tree per batch: the cost grows with the backlog). An index in claim order lets
// both databases walk the oldest rows and stop after n. It replaces the old one, which no query
// needs any more (one fewer index to update per enqueue and ack).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('xapi_outbox', (t) => {
    t.index(['lrs_id', 'created_at', 'id'], 'xapi_outbox_claim_idx', { predicate: knex.whereNull('delivered_at') });
  });
  await knex.schema.alterTable('xapi_outbox', (t) => {
    t.dropIndex(['lrs_id', 'available_at'], 'xapi_outbox_pending_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('xapi_outbox', (t) => {
    t.index(['lrs_id', 'available_at'], 'xapi_outbox_pending_idx', { predicate: knex.whereNull('delivered_at') });
  });
  await knex.schema.alterTable('xapi_outbox', (t) => {
    t.dropIndex(['lrs_id', 'created_at', 'id'], 'xapi_outbox_claim_idx');
  });
}
