import type { Knex } from 'knex';

// One session per launch. The browser carries the token (not a third-party cookie); we keep only
// its sha256, so a database leak does not hand out live sessions.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.string('token_hash', 64).primary();
    t.string('platform_id', 36).notNullable().references('platforms.id').onDelete('CASCADE');
    t.string('deployment_id', 36).notNullable().references('deployments.id').onDelete('CASCADE');
    t.string('user_id', 36).nullable().references('users.id').onDelete('CASCADE');
    t.string('context_id', 36).nullable().references('contexts.id').onDelete('CASCADE');
    t.string('resource_link_id', 36).nullable().references('resource_links.id').onDelete('CASCADE');
    t.text('launch').notNullable(); // the LaunchContext as JSON
    t.string('csrf_token', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
}
