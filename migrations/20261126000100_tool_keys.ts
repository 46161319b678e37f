import type { Knex } from 'knex';

// The tool's RS256 signing keys. Times are epoch milliseconds (bigint) everywhere: portable and sortable.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tool_keys', (t) => {
    t.string('kid', 64).primary();
    t.text('private_jwk').notNullable();
    t.text('public_jwk').notNullable();
    // active: signs; published: still in the JWKS for verifiers holding older tokens; retired: gone.
    t.string('status', 16).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('retired_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tool_keys');
}
