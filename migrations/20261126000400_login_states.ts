import type { Knex } from 'knex';

// OIDC login state, kept in the database so any instance can finish a login another one started.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_states', (t) => {
    t.string('state', 64).primary();
    t.string('nonce', 64).notNullable();
    // sha256 of the secret given to the browser (cookie and/or platform storage): binds the state to it.
    t.string('binding_hash', 64).notNullable();
    t.string('platform_id', 36).notNullable().references('platforms.id').onDelete('CASCADE');
    t.string('target_link_uri', 2048).notNullable();
    t.string('storage_target', 255).nullable();
    // The login request, kept to restart it in a new window when the browser blocks our cookie.
    t.text('login_params').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable().index();
    t.bigInteger('used_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_states');
}
