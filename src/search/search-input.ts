import { z } from 'zod';
import { QUERY_MAX } from './search-text.js';

export const SEARCH_SCOPES = ['space', 'course'] as const;
export type SearchScope = (typeof SEARCH_SCOPES)[number];

export interface SearchInput {
  /** Trimmed; '' when nothing was asked yet. */
  q: string;
  scope: SearchScope;
  page: number;
}

/** Message keys for what is wrong with a query. */
export type QueryError = 'search:errors.empty' | 'search:errors.tooLong';

// A query string is input too: a repeated or odd parameter falls back to the default, never a 500.
const schema = z.object({
  q: z.string().catch(''),
  scope: z.enum(SEARCH_SCOPES).catch('space'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const query = z.string().trim().min(1, 'search:errors.empty').max(QUERY_MAX, 'search:errors.tooLong');

/**
 * The search page's query string. `error` is set (and `status` is 400 for a too-long query)
 * when the query cannot run; `typed` is always what the user typed, to give back in the form.
 */
export function parseSearchInput(raw: Record<string, unknown>): { value: SearchInput; typed: string; error: QueryError | null; status: 200 | 400 } {
  const p = schema.parse({ q: raw.q ?? '', scope: raw.scope, page: raw.page });
  const value: SearchInput = { q: p.q.trim(), scope: p.scope, page: p.page };
  // An empty box on first arrival (no q at all) is not an error: just the form.
  if (raw.q === undefined) return { value, typed: '', error: null, status: 200 };
  const r = query.safeParse(p.q);
  if (r.success) return { value, typed: p.q, error: null, status: 200 };
  const error = r.error.issues[0]!.message as QueryError;
  return { value, typed: p.q, error, status: error === 'search:errors.tooLong' ? 400 : 200 };
}
