import type { Knex } from 'knex';

// Browser sessions opened at /admin/login with an admin token (cookie holds a random secret; we
// keep its SHA-256). A session never outlives its token.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_sessions', (t) => {
    t.string('token_hash', 64).primary();
    t.string('admin_token_id', 36).notNullable().references('admin_tokens.id').onDelete('CASCADE');
    t.string('csrf_token', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_sessions');
}
