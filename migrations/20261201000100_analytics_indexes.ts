import type { Knex } from 'knex';

// The instructor dashboard (src/analytics) aggregates a course's posts three ways (per 15-minute
// bucket, per author, per question) and its reactions per bucket. Through the existing thread
// indexes every post found costs a lookup in the posts table, whose rows carry the Markdown and
// HTML bodies: on 20,000 posts that is most of the dashboard's time. These two indexes hold every
// column those queries read, so SQLite answers them from the index alone ("USING COVERING INDEX";
// PostgreSQL can do index-only scans). Measured with bench/analytics.ts (docs/analytics.md).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('posts', (t) => {
    t.index(['thread_id', 'depth', 'created_at', 'author_id', 'deleted_at', 'hidden_at', 'reaction_count', 'endorsed_at', 'id'], 'posts_analytics_idx');
  });
  await knex.schema.alterTable('post_reactions', (t) => {
    t.index(['post_id', 'created_at'], 'post_reactions_post_time_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('post_reactions', (t) => {
    t.dropIndex(['post_id', 'created_at'], 'post_reactions_post_time_idx');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.dropIndex([], 'posts_analytics_idx');
  });
}
