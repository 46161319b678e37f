import type { Knex } from 'knex';

// Per-user write rate limits count a user's own recent rows (posts, reactions); these indexes
// make "this user's rows since T" an index range scan instead of a table scan.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('posts', (t) => {
    t.index(['author_id', 'created_at'], 'posts_author_time_idx');
  });
  await knex.schema.alterTable('post_reactions', (t) => {
    t.index(['user_id', 'created_at'], 'post_reactions_user_time_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('post_reactions', (t) => {
    t.dropIndex([], 'post_reactions_user_time_idx');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.dropIndex([], 'posts_author_time_idx');
  });
}
