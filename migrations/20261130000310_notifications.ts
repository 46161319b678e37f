import type { Knex } from 'knex';

// In-app notifications: someone mentioned you, or replied to your post. One row per person, post
// and kind (the unique key), so an edit that mentions someone again, or a retried write, never
// notifies twice. Scoped by course (context_id): the same LMS user in another course (users rows
// are per platform) never sees these.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.string('context_id', 36).notNullable().references('contexts.id').onDelete('CASCADE');
    t.string('post_id', 36).notNullable().references('posts.id').onDelete('CASCADE');
    t.string('actor_id', 36).nullable().references('users.id').onDelete('SET NULL');
    t.string('kind', 16).notNullable(); // mention | reply | accepted | endorsed
    t.bigInteger('created_at').notNullable();
    t.bigInteger('read_at').nullable();
    t.unique(['user_id', 'post_id', 'kind']);
    // The bell's count and the newest-first page: one person in one course.
    t.index(['user_id', 'context_id', 'created_at'], 'notifications_user_ctx_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notifications');
}
