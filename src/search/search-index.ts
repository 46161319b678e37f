import { dbClient, type Db } from '../db/knex.js';
import { plainText } from './search-text.js';

/**
 * Brings one post's search document in step with the post as `trx` sees it: indexed (body as
 * plain text; the thread's title too, for an opening post), re-indexed after an edit, removed
 * once deleted. Hidden posts stay indexed, because staff may find them: who sees what is decided
 * when searching (search-visibility.ts), so hiding and restoring touch no index.
 *
 * Called by the post and thread stores inside each write's own transaction (a rollback takes the
 * index change with it), rather than by database triggers: stripping Markdown needs JavaScript,
 * and one code path keeps SQLite and PostgreSQL alike. Both branches of the dialect live here.
 */
export async function indexPostIn(trx: Db, postId: string): Promise<void> {
  const post = await trx('posts as p')
    .join('threads as t', 't.id', 'p.thread_id')
    .where('p.id', postId)
    .first<{ depth: number | string; deleted_at: number | null; body_markdown: string; title: string } | undefined>('p.depth', 'p.deleted_at', 'p.body_markdown', 't.title');
  const existing = await trx('search_documents').where({ post_id: postId }).first<{ doc_no: number } | undefined>('doc_no');
  const sqlite = dbClient(trx) === 'sqlite';
  if (!post || post.deleted_at !== null) {
    if (!existing) return;
    if (sqlite) await trx.raw('delete from search_fts where rowid = ?', [existing.doc_no]);
    await trx('search_documents').where({ doc_no: existing.doc_no }).delete();
    return;
  }
  const doc = { title: Number(post.depth) === 0 ? plainText(post.title) : '', body: plainText(post.body_markdown) };
  let docNo: number;
  if (existing) {
    docNo = existing.doc_no;
    await trx('search_documents').where({ doc_no: docNo }).update(doc);
    if (sqlite) await trx.raw('delete from search_fts where rowid = ?', [docNo]);
  } else {
    const [row] = await trx('search_documents').insert({ post_id: postId, ...doc }, ['doc_no']);
    docNo = Number(typeof row === 'object' ? (row as { doc_no: number }).doc_no : row);
  }
  if (sqlite) await trx.raw('insert into search_fts (rowid, title, body) values (?, ?, ?)', [docNo, doc.title, doc.body]);
}
