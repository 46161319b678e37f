import type { Knex } from 'knex';

// Admin tokens issued by `npm run admin -- token create`: only their SHA-256 is stored, with an
// expiry; revoking keeps the row (for `token list`) and ends every session it opened.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_tokens', (t) => {
    t.string('id', 36).primary();
    t.string('label', 100).notNullable().defaultTo('');
    t.string('token_hash', 64).notNullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('revoked_at').nullable();
    t.bigInteger('last_used_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_tokens');
}
