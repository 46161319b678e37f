import type { Knex } from 'knex';
import { indexPostIn } from '../src/search/search-index.js';

/**
 * Data only (the schema is 20261130000410): indexes the posts written before search existed,
 * through the same function every post write uses, so old and new posts are indexed alike.
 * Batches keyed by id keep memory flat however many posts there are. Safe to run twice: the
 * index function replaces a post's document.
 */
export async function up(knex: Knex): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await knex('posts').whereNull('deleted_at').where('id', '>', after).orderBy('id').limit(500).pluck<string[]>('id');
    if (rows.length === 0) return;
    for (const id of rows) await indexPostIn(knex, id);
    after = rows[rows.length - 1]!;
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') await knex.raw('delete from search_fts');
  await knex('search_documents').delete();
}
