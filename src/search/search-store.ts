import { dbClient, type Db } from '../db/knex.js';
import type { Viewer } from '../discussion/discussion-policy.js';
import { fts5Match, SENTINEL_CLOSE, SENTINEL_OPEN, websearchQuery, type QueryPhrases } from './search-text.js';
import { applySearchVisibility } from './search-visibility.js';

export interface SearchRequest {
  /** The launch's course: nothing outside it is ever found. */
  contextId: string;
  /** One space, or null for every space of the course. */
  spaceId: string | null;
  viewer: Pick<Viewer, 'staff' | 'userId'>;
  phrases: QueryPhrases;
  limit: number;
  offset: number;
}

/** One found post. Texts marked with SENTINEL_OPEN/CLOSE around matches; never HTML. */
export interface SearchHit {
  postId: string;
  threadId: string;
  spaceId: string;
  spaceTitle: string;
  /** The thread title as stored (plain user text). */
  threadTitle: string;
  /** The title with matches marked, for an opening post; '' for a reply (titles live on the opening post). */
  titleMarked: string;
  snippetMarked: string;
  authorName: string | null;
  authorId: string | null;
  /** The space's anonymity setting (spaces/anonymity.ts): pages print a pseudonym for 'peers'. */
  spaceAnonymity: 'off' | 'peers';
  createdAt: number;
  isOpening: boolean;
  /** The post, or its thread, is hidden (only staff find these). */
  hidden: boolean;
}

export interface SearchStore {
  /** Best match first (bm25 in SQLite, ts_rank in PostgreSQL), ties by post id so pages never overlap. */
  search(req: SearchRequest): Promise<{ hits: SearchHit[]; total: number }>;
}

interface HitRow {
  post_id: string;
  thread_id: string;
  space_id: string;
  space_title: string;
  thread_title: string;
  author_name: string | null;
  author_id: string | null;
  space_anonymity: string;
  created_at: number | string;
  depth: number | string;
  hidden_at: number | null;
  op_hidden_at: number | null;
  title_marked?: string | null;
  snippet_marked?: string | null;
  total_matches?: number | string;
}

const hitColumns = [
  'p.id as post_id',
  'p.thread_id',
  's.id as space_id',
  's.title as space_title',
  't.title as thread_title',
  'u.name as author_name',
  'p.author_id',
  's.anonymity as space_anonymity',
  'p.created_at',
  'p.depth',
  'p.hidden_at',
  'op.hidden_at as op_hidden_at',
];

/** ts_headline options: sentinels as markers, a fragment or two around the matches. */
const HEADLINE = `StartSel=${SENTINEL_OPEN}, StopSel=${SENTINEL_CLOSE}, MaxWords=30, MinWords=12, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "`;
const TITLE_HEADLINE = `StartSel=${SENTINEL_OPEN}, StopSel=${SENTINEL_CLOSE}, HighlightAll=true`;

/**
 * Ranked full-text search, both dialects in one place (SQLite FTS5, PostgreSQL tsvector). The
 * query reaches the database only as a bound parameter built by search-text.ts from plain words,
 * so user input is never FTS syntax; scope is always the launch's course through the space join.
 */
export function createSearchStore(db: Db): SearchStore {
  const sqlite = dbClient(db) === 'sqlite';

  /** Posts in the course (and space), visible to the viewer; `from` supplies `d` (search_documents). */
  function scoped(from: ReturnType<Db>, req: SearchRequest) {
    const q = from
      .join('posts as p', 'p.id', 'd.post_id')
      .join('threads as t', 't.id', 'p.thread_id')
      .join('spaces as s', function () {
        this.on('s.id', '=', 't.space_id').andOn('s.context_id', '=', db.raw('?', [req.contextId]));
      })
      .leftJoin('posts as op', function () {
        this.on('op.thread_id', '=', 't.id').andOn('op.depth', '=', db.raw('0'));
      });
    if (req.spaceId !== null) q.where('t.space_id', req.spaceId);
    applySearchVisibility(q, req.viewer);
    return q;
  }

  const toHit = (r: HitRow, marked?: { title: string; snippet: string }): SearchHit => ({
    postId: r.post_id,
    threadId: r.thread_id,
    spaceId: r.space_id,
    spaceTitle: r.space_title,
    threadTitle: r.thread_title,
    titleMarked: marked?.title ?? r.title_marked ?? '',
    snippetMarked: marked?.snippet ?? r.snippet_marked ?? '',
    authorName: r.author_name,
    authorId: r.author_id,
    spaceAnonymity: r.space_anonymity === 'peers' ? 'peers' : 'off',
    createdAt: Number(r.created_at),
    isOpening: Number(r.depth) === 0,
    hidden: r.hidden_at !== null || r.op_hidden_at !== null,
  });

  /**
   * The count rides on the page query (a window over all matching rows, before LIMIT), so the
   * joins run once. Only a page past the end has no row to carry it: then count on its own.
   */
  const TOTAL = db.raw('count(*) over () as total_matches');
  async function totalOf(rows: Array<{ total_matches?: number | string }>, base: () => ReturnType<Db>): Promise<number> {
    if (rows.length > 0) return Number(rows[0]!.total_matches);
    const [count] = await base().count<{ n: number | string }[]>({ n: '*' });
    return Number(count?.n ?? 0);
  }

  async function searchSqlite(req: SearchRequest) {
    const match = fts5Match(req.phrases);
    // The FTS5 matches first, materialized, then the joins by primary key: left to itself the
    // planner may walk the course's posts and probe the FTS table for each (cost growing with
    // the course, not with the matches).
    const matches = db.raw('select rowid as doc_no, bm25(search_fts, 4.0, 1.0) as rank from search_fts where search_fts match ?', [match]);
    const base = () => scoped(db.withMaterialized('m', matches).from('m').join('search_documents as d', 'd.doc_no', 'm.doc_no'), req);
    const rows = await base()
      .leftJoin('users as u', 'u.id', 'p.author_id')
      // Title matches weigh 4× body matches. bm25 is lower-is-better.
      .select<Array<HitRow & { doc_no: number }>>([...hitColumns, 'd.doc_no', 'm.rank', TOTAL])
      .orderBy([{ column: 'm.rank', order: 'asc' }, { column: 'p.id', order: 'asc' }])
      .limit(req.limit)
      .offset(req.offset);
    const total = await totalOf(rows, base);
    // Highlights only for the page's rows: snippet() re-reads each document, the costly part.
    const marked = new Map<number, { title: string; snippet: string }>();
    if (rows.length > 0) {
      const hl = await db('search_fts')
        .whereRaw('search_fts match ?', [match])
        .whereIn(
          'rowid',
          rows.map((r) => r.doc_no),
        )
        .select<Array<{ doc_no: number; title: string; snippet: string }>>([
          'rowid as doc_no',
          db.raw('highlight(search_fts, 0, char(2), char(3)) as title'),
          db.raw(`snippet(search_fts, 1, char(2), char(3), '…', 24) as snippet`),
        ]);
      for (const h of hl) marked.set(Number(h.doc_no), { title: h.title.includes(SENTINEL_OPEN) ? h.title : '', snippet: h.snippet });
    }
    return { hits: rows.map((r) => toHit(r, marked.get(Number(r.doc_no)))), total };
  }

  async function searchPg(req: SearchRequest) {
    const ws = websearchQuery(req.phrases);
    // The tsquery inline (not a joined function scan), so the planner sees a constant and uses the GIN index.
    const tsq = `websearch_to_tsquery('threadline_search', ?)`;
    const base = () => scoped(db('search_documents as d'), req).whereRaw(`d.document @@ ${tsq}`, [ws]);
    const rows = await base()
      .leftJoin('users as u', 'u.id', 'p.author_id')
      .select<HitRow[]>([...hitColumns, db.raw(`ts_rank(d.document, ${tsq}) as rank`, [ws]), TOTAL])
      .orderBy([{ column: 'rank', order: 'desc' }, { column: 'p.id', order: 'asc' }])
      .limit(req.limit)
      .offset(req.offset);
    const total = await totalOf(rows, base);
    // Headlines only for the page's rows: ts_headline re-parses the text, the costly part.
    const marked = new Map<string, { title: string; snippet: string }>();
    if (rows.length > 0) {
      const hl = await db('search_documents as d')
        .joinRaw(`cross join websearch_to_tsquery('threadline_search', ?) as q(query)`, [ws])
        .whereIn(
          'd.post_id',
          rows.map((r) => r.post_id),
        )
        .select<Array<{ post_id: string; title: string; snippet: string }>>([
          'd.post_id',
          // `<` as chr(1), as in the indexed column (see the migration): plain text, not tags.
          db.raw(`ts_headline('threadline_search', replace(d.title, '<', chr(1)), q.query, ?) as title`, [TITLE_HEADLINE]),
          db.raw(`ts_headline('threadline_search', replace(d.body, '<', chr(1)), q.query, ?) as snippet`, [HEADLINE]),
        ]);
      const lt = (s: string) => s.replaceAll('\u0001', '<');
      for (const h of hl) marked.set(h.post_id, { title: h.title.includes(SENTINEL_OPEN) ? lt(h.title) : '', snippet: lt(h.snippet) });
    }
    return { hits: rows.map((r) => toHit(r, marked.get(r.post_id))), total };
  }

  return {
    async search(req) {
      if (req.phrases.length === 0) return { hits: [], total: 0 };
      return sqlite ? searchSqlite(req) : searchPg(req);
    },
  };
}
