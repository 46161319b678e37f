import type { Knex } from 'knex';

// "Helpful" reactions on posts: one per user per post (the primary key says so; a second click
// is an un-react, not a second row). Counts are kept on the post and, summed, on its thread, in
// the reaction's own transaction, so the "most helpful" orders read one indexed column instead
// of counting rows on every page.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('post_reactions', (t) => {
    t.string('post_id', 36).notNullable().references('posts.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.string('id', 36).notNullable().unique(); // the act's id (its xAPI statement id derives from it)
    t.bigInteger('created_at').notNullable();
    t.primary(['post_id', 'user_id']);
    t.index(['user_id'], 'post_reactions_user_idx');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.integer('reaction_count').notNullable().defaultTo(0);
    t.bigInteger('endorsed_at').nullable();
    t.string('endorsed_by', 36).nullable();
  });
  await knex.schema.alterTable('posts', (t) => {
    // A thread's replies, most helpful first (then oldest first, as the default order).
    t.index(['thread_id', 'depth', 'reaction_count', 'created_at', 'id'], 'posts_thread_helpful_idx');
  });
  await knex.schema.alterTable('threads', (t) => {
    // Reactions on all of the thread's posts; the space list's "most helpful" order.
    t.integer('reaction_count').notNullable().defaultTo(0);
    // For a question: the reply its asker (or staff) accepted as the answer.
    t.string('accepted_post_id', 36).nullable();
  });
  await knex.schema.alterTable('threads', (t) => {
    t.index(['space_id', 'pinned', 'reaction_count', 'id'], 'threads_space_helpful_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('threads', (t) => {
    t.dropIndex([], 'threads_space_helpful_idx');
  });
  await knex.schema.alterTable('threads', (t) => {
    t.dropColumn('accepted_post_id');
    t.dropColumn('reaction_count');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.dropIndex([], 'posts_thread_helpful_idx');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.dropColumn('endorsed_by');
    t.dropColumn('endorsed_at');
    t.dropColumn('reaction_count');
  });
  await knex.schema.dropTable('post_reactions');
}
