import type { Knex } from 'knex';

// Discussion threads in a space. The opening post (depth 0 in `posts`) carries the body.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('threads', (t) => {
    t.string('id', 36).primary();
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.string('author_id', 36).nullable().references('users.id').onDelete('SET NULL');
    t.string('title', 255).notNullable();
    t.string('kind', 16).notNullable(); // discussion | question
    t.boolean('pinned').notNullable().defaultTo(false);
    t.boolean('locked').notNullable().defaultTo(false);
    t.integer('reply_count').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('last_activity_at').notNullable();
    // The two list orders of a space (pinned first, then newest or most recently active).
    t.index(['space_id', 'pinned', 'last_activity_at', 'id'], 'threads_space_activity_idx');
    t.index(['space_id', 'pinned', 'created_at', 'id'], 'threads_space_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('threads');
}
