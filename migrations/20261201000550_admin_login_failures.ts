import type { Knex } from 'knex';

// Failed admin logins, counted per client (a hash of its address) to rate-limit guessing; kept in
// the database so every instance counts the same failures. Old rows are pruned on each failure.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_login_failures', (t) => {
    t.string('id', 36).primary();
    t.string('client_hash', 64).notNullable();
    t.bigInteger('at').notNullable();
    t.index(['client_hash', 'at'], 'admin_login_failures_client_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_login_failures');
}
