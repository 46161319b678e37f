import MarkdownIt from 'markdown-it';

/**
 * Text in and out of the search index. Pure functions, no I/O: the store and the views share them.
 *
 * The index holds plain text, not Markdown: `**bold**` or a link's URL would otherwise match
 * queries the reader never sees, and snippets would show syntax. Highlights are made safe by
 * construction: the database marks matches with two control characters (SENTINEL_OPEN/CLOSE)
 * that plain text can never contain (plainText strips them), the snippet is HTML-escaped as a
 * whole, and only then are the sentinels turned into <mark> tags. No user HTML is ever emitted.
 */

export const SENTINEL_OPEN = '\u0002';
export const SENTINEL_CLOSE = '\u0003';
/** Every control character but tab and newline: sentinels included, so user text can never forge one. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** The longest query we accept (characters, after trimming). */
export const QUERY_MAX = 200;
/** More terms than this add cost and no precision; the rest are ignored. */
export const TERMS_MAX = 16;

// Same parser settings as the renderer (markdown.ts): `html: false` makes raw HTML plain text.
const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
md.disable('image');

/** Markdown → the words a reader sees, one space between blocks. Link text stays, URLs go. */
export function plainText(markdown: string): string {
  const out: string[] = [];
  const walk = (tokens: ReturnType<typeof md.parse>): void => {
    for (const t of tokens) {
      if (t.children) walk(t.children);
      else if (t.type === 'text' || t.type === 'code_inline' || t.type === 'code_block' || t.type === 'fence') out.push(t.content);
      else if (t.type === 'softbreak' || t.type === 'hardbreak' || t.type.endsWith('_close')) out.push(' ');
    }
  };
  walk(md.parse(markdown, {}));
  return out.join('').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/** A parsed query: phrases (one word or more, in order), all of which must match. */
export type QueryPhrases = string[][];

/**
 * User input → phrases of plain words. Only letters, digits and combining marks survive, so no
 * character of FTS5 or tsquery syntax (`"`, `*`, `:`, `^`, `(`, `-`, `NEAR`, `OR` as an operator…)
 * can reach the database as syntax. Double quotes group words into a phrase, as people expect
 * from web search; an unbalanced quote just ends at the end. Only punctuation → no phrases.
 */
export function parseQuery(q: string): QueryPhrases {
  const phrases: QueryPhrases = [];
  const parts = q.normalize('NFC').split('"');
  parts.forEach((part, i) => {
    const words = part.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
    if (words.length === 0) return;
    // Odd parts sit between quotes: one phrase. Even parts: a phrase per word.
    if (i % 2 === 1) phrases.push(words);
    else for (const w of words) phrases.push([w]);
  });
  // Count words, not phrases, so a long quoted phrase cannot slip past the limit.
  const kept: QueryPhrases = [];
  let words = 0;
  for (const p of phrases) {
    if (words >= TERMS_MAX) break;
    const room = p.slice(0, TERMS_MAX - words);
    kept.push(room);
    words += room.length;
  }
  return kept;
}

/**
 * FTS5 MATCH expression: every phrase as a double-quoted string (FTS5 §3.1: inside quotes
 * everything is a literal token), joined by spaces (implicit AND). Words hold no quotes, but
 * doubling any is the documented escape and costs nothing.
 */
export function fts5Match(phrases: QueryPhrases): string {
  return phrases.map((p) => `"${p.join(' ').replace(/"/g, '""')}"`).join(' ');
}

/**
 * websearch_to_tsquery input with the same meaning: each phrase quoted, so a word like `or`
 * or a leading `-` is a word to find, never an operator.
 */
export function websearchQuery(phrases: QueryPhrases): string {
  return phrases.map((p) => `"${p.join(' ')}"`).join(' ');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** The same five characters ejs `<%= %>` escapes. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A snippet with sentinel-marked matches → HTML: escaped text with <mark> and nothing else. */
export function highlightHtml(marked: string): string {
  let open = false;
  let html = '';
  // Split keeps the sentinels; an unbalanced pair (a cut snippet) is closed at the end.
  for (const piece of marked.split(/([\u0002\u0003])/)) {
    if (piece === SENTINEL_OPEN) {
      if (!open) html += '<mark>';
      open = true;
    } else if (piece === SENTINEL_CLOSE) {
      if (open) html += '</mark>';
      open = false;
    } else html += escapeHtml(piece.replace(CONTROL, ''));
  }
  return open ? `${html}</mark>` : html;
}
