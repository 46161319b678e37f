import type { Knex } from 'knex';

// A discussion space: what a Deep Linking item or a first instructor launch creates.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('spaces', (t) => {
    t.string('id', 36).primary();
    t.string('context_id', 36).notNullable().references('contexts.id').onDelete('CASCADE');
    // Bound on the first launch of the link that the deep-linking item became.
    t.string('resource_link_id', 36).nullable().references('resource_links.id').onDelete('SET NULL');
    t.string('kind', 16).notNullable(); // prep | post_event
    t.string('title', 255).notNullable();
    t.bigInteger('event_at').nullable();
    t.string('time_zone', 64).notNullable().defaultTo('UTC');
    t.string('created_by', 36).nullable().references('users.id').onDelete('SET NULL');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['resource_link_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('spaces');
}
