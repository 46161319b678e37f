import type { Knex } from 'knex';

// Indexes that match the "most helpful" orders exactly, found with bench/discussion (EXPLAIN
// QUERY PLAN / EXPLAIN ANALYZE on spaces of 100 to 10,000 posts):
// - a thread's replies, most helpful first: reaction_count DESC, then oldest first (created_at,
//   id ASC). The old index had every column ascending, so neither database could read that mixed
//   order from it: each page sorted every reply with the same count (most replies have none),
//   and later pages sorted more. A DESC key column (SQLite and PostgreSQL both honour it) lets
//   the page walk the index in order and stop.
// - a space's threads, most helpful: pinned, reaction_count, then last_activity_at, id, all
//   DESC. The old index lacked last_activity_at (the tie-break), so ties were sorted in a temp
//   b-tree. All-descending orders are read by scanning an ascending index backwards.
// Both keep their names, so 20261129000100_post_reactions' down still finds what it drops.
// Raw CREATE INDEX because the knex schema builder cannot say DESC for one column; the SQL is
// the same on both databases.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('posts', (t) => {
    t.dropIndex([], 'posts_thread_helpful_idx');
  });
  await knex.raw('create index posts_thread_helpful_idx on posts (thread_id, depth, reaction_count desc, created_at, id)');
  await knex.schema.alterTable('threads', (t) => {
    t.dropIndex([], 'threads_space_helpful_idx');
  });
  await knex.schema.alterTable('threads', (t) => {
    t.index(['space_id', 'pinned', 'reaction_count', 'last_activity_at', 'id'], 'threads_space_helpful_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('threads', (t) => {
    t.dropIndex([], 'threads_space_helpful_idx');
  });
  await knex.schema.alterTable('threads', (t) => {
    t.index(['space_id', 'pinned', 'reaction_count', 'id'], 'threads_space_helpful_idx');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.dropIndex([], 'posts_thread_helpful_idx');
  });
  await knex.schema.alterTable('posts', (t) => {
    t.index(['thread_id', 'depth', 'reaction_count', 'created_at', 'id'], 'posts_thread_helpful_idx');
  });
}
