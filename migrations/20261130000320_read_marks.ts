import type { Knex } from 'knex';

// What each person has seen: per space their previous and current visit ("new since your last
// visit"), per thread when they last read it (unread counts). One small row each, rewritten by
// one upsert per page view.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('space_visits', (t) => {
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.bigInteger('previous_visit_at').nullable();
    t.bigInteger('current_visit_at').notNullable();
    t.primary(['user_id', 'space_id']);
  });
  await knex.schema.createTable('thread_reads', (t) => {
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.string('thread_id', 36).notNullable().references('threads.id').onDelete('CASCADE');
    t.bigInteger('last_read_at').notNullable();
    t.primary(['user_id', 'thread_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('thread_reads');
  await knex.schema.dropTable('space_visits');
}
