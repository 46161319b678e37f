import { renderMarkdown } from '../discussion/markdown.js';

/** Someone who can be mentioned: a member of the course. `id` is our users.id (opaque to clients). */
export interface Person {
  id: string;
  name: string;
  /** The LMS's id for them, for the xAPI actor of a `mentioned` statement; never sent to browsers. */
  sub: string;
}

/** A post mentions at most this many people: a longer list is a broadcast, not a mention. */
export const MAX_MENTIONS = 20;

/**
 * The stable form the autocomplete inserts: `@[Ana Lima](user-id)`. It survives edits of the
 * text around it and renames (the name shown is always the person's current one); an id that is
 * not a member of this course is left as the plain text it is.
 */
const TOKEN = /@\[([^\]\n]{1,200})\]\(([0-9a-fA-F-]{36})\)/y;

// Placeholders that stand for a mention while Markdown renders: Unicode private-use characters,
// which markdown-it passes through as text. Users cannot type them (stripInput drops them), so a
// placeholder in the HTML is always ours.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
export const stripPlaceholders = (s: string): string => s.replace(/[\uE000\uE001]/g, '');

/**
 * Case- and accent-insensitive folding of one character ("É" → "e", "ñ" → "n"); whitespace of
 * any kind folds to one space so "Ana\u00a0Lima" matches "Ana Lima".
 */
function foldChar(c: string): string {
  if (/\s/.test(c)) return ' ';
  return c.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export const foldName = (s: string): string => [...s.trim().replace(/\s+/g, ' ')].map(foldChar).join('');

/** The folded text and, for each folded position, where it starts in the original. */
function foldWithMap(s: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let i = 0;
  for (const c of s) {
    const f = foldChar(c);
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += c.length;
  }
  origin.push(i);
  return { folded, origin };
}

// An `@` starts a mention at the start of the text or after a character that cannot be part of an
// email address, URL or handle ("ann@example.com", "example.com/@ann" stay text); `\@` escapes it.
const STARTS_AFTER = /[\s([{"'“‘«¿¡*_~>,;]/u;
const WORDISH = /[\p{L}\p{N}_]/u;

export interface MentionSpan {
  start: number;
  end: number;
  person: Person;
}

/**
 * Finds mentions in Markdown source: tokens `@[…](id)` whose id is a member, and `@Name` written
 * by hand, matched against the longest member name that follows the `@` (names have spaces:
 * "@Ana Lima" is Ana Lima even when an "Ana" exists too), case- and accent-insensitive, and only
 * where the name ends at a word boundary ("@Annabel" is not "Ann").
 */
export function findMentions(source: string, people: Person[]): MentionSpan[] {
  const byId = new Map(people.map((p) => [p.id.toLowerCase(), p]));
  // Longest folded names first, so the first that matches is the longest.
  const names = people
    .map((p) => ({ p, f: foldName(p.name) }))
    .filter((n) => n.f.length > 0)
    .sort((a, b) => b.f.length - a.f.length);
  const { folded, origin } = foldWithMap(source);
  const out: MentionSpan[] = [];
  let i = 0;
  while (i < source.length) {
    const at = source.indexOf('@', i);
    if (at < 0) break;
    const before = at === 0 ? '' : source[at - 1]!;
    if (before !== '' && !STARTS_AFTER.test(before)) {
      i = at + 1;
      continue;
    }
    TOKEN.lastIndex = at;
    const tok = TOKEN.exec(source);
    if (tok) {
      const person = byId.get(tok[2]!.toLowerCase());
      if (person) out.push({ start: at, end: at + tok[0].length, person });
      // An unknown id stays text as typed; either way, nothing inside the token is a mention.
      i = at + tok[0].length;
      continue;
    }
    const fAt = origin.indexOf(at + 1);
    let matched: MentionSpan | null = null;
    if (fAt >= 0) {
      for (const n of names) {
        if (!folded.startsWith(n.f, fAt)) continue;
        const end = origin[fAt + n.f.length]!;
        const next = source.slice(end, end + 2);
        if (next && WORDISH.test([...next][0]!)) continue;
        matched = { start: at, end, person: n.p };
        break;
      }
    }
    if (matched) {
      out.push(matched);
      i = matched.end;
    } else i = at + 1;
  }
  return out;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export interface MentionRender {
  html: string;
  /** Distinct people mentioned outside code, in order of first mention, at most MAX_MENTIONS. */
  mentioned: Person[];
}

/**
 * Markdown → sanitized HTML with mentions as highlighted elements. Each mention is replaced by a
 * placeholder before rendering, so Markdown and the sanitizer treat it as plain text; after
 * sanitizing, placeholders become `<span class="mention">@Name</span>` built here from the
 * member's escaped name (user text never becomes markup). Inside code, a mention is code: the
 * text as typed, and nobody is notified.
 */
export function renderWithMentions(source: string, people: Person[]): MentionRender {
  const clean = stripPlaceholders(source);
  const spans = findMentions(clean, people);
  if (spans.length === 0) return { html: renderMarkdown(clean), mentioned: [] };
  let md = '';
  let last = 0;
  spans.forEach((s, k) => {
    md += clean.slice(last, s.start) + OPEN + k + CLOSE;
    last = s.end;
  });
  md += clean.slice(last);
  const html = renderMarkdown(md);
  const mentioned = new Map<string, Person>();
  const asText = (k: number): string => escapeHtml(clean.slice(spans[k]!.start, spans[k]!.end));
  // <code> (inline, or inside <pre>) is exactly how the sanitizer leaves code: no attributes.
  const out = html
    .split(/(<code>[\s\S]*?<\/code>)/)
    .map((part, idx) =>
      part.replace(PLACEHOLDER, (_m, n: string) => {
        const k = Number(n);
        const s = spans[k];
        if (!s) return '';
        if (idx % 2 === 1) return asText(k);
        if (!mentioned.has(s.person.id) && mentioned.size < MAX_MENTIONS) mentioned.set(s.person.id, s.person);
        return `<span class="mention">@${escapeHtml(s.person.name)}</span>`;
      }),
    )
    .join('');
  return { html: out, mentioned: [...mentioned.values()] };
}
