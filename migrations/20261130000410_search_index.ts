import type { Knex } from 'knex';

/**
 * Full-text search over posts (plain text, Markdown stripped) and thread titles (on the opening
 * post's row). One `search_documents` row per searchable post, on both databases, written by the
 * stores in the same transaction as the post write (src/search/search-index.ts), not by
 * triggers: the text is Markdown that only JavaScript can strip, and one code path keeps SQLite
 * and PostgreSQL alike. `doc_no` is an integer because FTS5 rows are keyed by integer rowid;
 * `post_id` is the real key.
 *
 * SQLite: an FTS5 table (`search_fts`, rowid = doc_no) with the unicode61 tokenizer and
 * remove_diacritics 2, so "café" and "cafe" are one token. No porter stemmer: posts are English
 * and Spanish, and porter is an English stemmer that would mangle Spanish words (and PostgreSQL's
 * config below does not stem either, so both databases find the same posts).
 *
 * PostgreSQL: a generated tsvector column with a GIN index, under a `threadline_search` text
 * search configuration: `simple` (lower-case, no stemming, no stop words: language-neutral, so
 * English and Spanish alike) behind `unaccent` (diacritics folded, as in SQLite). Title words
 * weigh A, body words B, so ts_rank puts a title match first (bm25 weights do this in SQLite).
 * PostgreSQL's parser reads `<…>` as an HTML tag and skips what is inside <script>…</script>, but
 * our text is plain text where `<` is a character, so `<` becomes chr(1) (a control character
 * plain text never holds: search-text.ts strips them) before parsing, here and in ts_headline.
 */
export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  await knex.schema.createTable('search_documents', (t) => {
    t.increments('doc_no');
    t.string('post_id', 36).notNullable().unique().references('posts.id').onDelete('CASCADE');
    t.text('title').notNullable().defaultTo('');
    t.text('body').notNullable();
  });
  if (!pg) {
    // A regular (not external-content) FTS5 table: deletes by rowid need no copy of the old text.
    // AUTOINCREMENT doc_no is never reused, so a row orphaned by a cascade delete of its post
    // (a deleted space) can never be joined to another post; search joins on search_documents.
    await knex.raw(`create virtual table search_fts using fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')`);
    return;
  }
  const dict = await unaccentDictionary(knex);
  await knex.raw('create text search configuration threadline_search (copy = pg_catalog.simple)');
  await knex.raw(`alter text search configuration threadline_search alter mapping for hword, hword_part, word with ${dict}, pg_catalog.simple`);
  await knex.raw(
    `alter table search_documents add column document tsvector generated always as
       (setweight(to_tsvector('threadline_search'::regconfig, replace(title, '<', chr(1))), 'A') || setweight(to_tsvector('threadline_search'::regconfig, replace(body, '<', chr(1))), 'B')) stored`,
  );
  await knex.raw('create index search_documents_document_idx on search_documents using gin (document)');
}

export async function down(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  if (!pg) await knex.raw('drop table if exists search_fts');
  await knex.schema.dropTableIfExists('search_documents');
  // The unaccent extension stays: it is database-wide and others may use it.
  if (pg) await knex.raw('drop text search configuration if exists threadline_search');
}

/**
 * The unaccent dictionary, schema-qualified. The extension (trusted since PostgreSQL 13, so a
 * database owner may install it) goes into `public`, visible from every schema; if it is already
 * installed elsewhere, that copy is used. A concurrent install by another migrator is tolerated.
 */
async function unaccentDictionary(knex: Knex): Promise<string> {
  const where = async (): Promise<string | null> => {
    const r = await knex.raw<{ rows: Array<{ schema: string }> }>(`select extnamespace::regnamespace::text as schema from pg_extension where extname = 'unaccent'`);
    return r.rows[0]?.schema ?? null;
  };
  let schema = await where();
  if (!schema) {
    try {
      // A savepoint, so a lost race does not abort the migration's transaction.
      await knex.transaction((sp) => sp.raw('create extension if not exists unaccent with schema public'));
    } catch (e) {
      if (!(await where())) throw e;
    }
    schema = (await where()) ?? 'public';
  }
  return `${schema.replace(/[^A-Za-z0-9_]/g, '')}.unaccent`;
}
