import { UpstreamError } from '../web/errors.js';

export interface WebLink {
  /** The target exactly as written between < and > (may be relative). */
  target: string;
  /** RFC 8288 §3.3: rel holds one or more space-separated relation types, compared case-insensitively. */
  rel: string[];
  params: Record<string, string>;
}

/**
 * Parses an HTTP Link header (RFC 8288 §3). Tolerates what platforms actually send: several links
 * in one header, quoted or bare parameter values, commas and semicolons inside the <…> target or
 * a quoted string, and stray whitespace. Malformed parts are skipped, never thrown on.
 */
export function parseLinkHeader(header: string | null | undefined): WebLink[] {
  const links: WebLink[] = [];
  if (!header) return links;
  const s = header;
  let i = 0;
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  while (i < s.length) {
    // Seek the next link-value's "<".
    while (i < s.length && s[i] !== '<') i++;
    if (i >= s.length) break;
    const close = s.indexOf('>', i + 1);
    if (close < 0) break;
    const target = s.slice(i + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipWs();
      if (s[i] !== ';') break;
      i++;
      skipWs();
      const nameStart = i;
      while (i < s.length && /[^\s=;,]/.test(s[i]!)) i++;
      const name = s.slice(nameStart, i).toLowerCase();
      skipWs();
      let value = '';
      if (s[i] === '=') {
        i++;
        skipWs();
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length) i++;
            value += s[i];
            i++;
          }
          i++; // closing quote
        } else {
          const start = i;
          while (i < s.length && /[^\s;,]/.test(s[i]!)) i++;
          value = s.slice(start, i);
        }
      }
      // RFC 8288 §3.3: occurrences after the first of rel are ignored.
      if (name && !(name in params)) params[name] = value;
    }
    skipWs();
    if (s[i] === ',') i++;
    links.push({ target, rel: (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean), params });
  }
  return links;
}

/** The first link with relation `rel`, resolved against `base`; null when absent or not a URL. */
export function findLink(header: string | null | undefined, rel: string, base: string): string | null {
  const wanted = rel.toLowerCase();
  for (const link of parseLinkHeader(header)) {
    if (!link.rel.includes(wanted)) continue;
    try {
      return new URL(link.target, base).toString();
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * Follows `rel="next"` safely through a paged service (NRPS 2.0 paging, AGS 2.0 §3.2 line item
 * containers). The next page must stay on the origin of the first request — it receives our
 * bearer token, and RFC 6750 §5.3 says not to leak that to unintended parties — and must not
 * revisit a page, so a buggy platform cannot send us round in circles.
 */
export class PageWalker {
  private readonly seen = new Set<string>();
  private readonly origin: string;
  pages = 0;

  constructor(
    first: string,
    private readonly what: string,
    private readonly maxPages: number,
  ) {
    this.origin = new URL(first).origin;
    this.seen.add(first);
  }

  /** Counts a fetched page; throws once more than `maxPages` have been fetched. */
  count(): void {
    this.pages++;
    if (this.pages > this.maxPages) {
      throw new UpstreamError('service_too_many_pages', `${this.what} has more than ${this.maxPages} pages; stopped reading.`);
    }
  }

  /** The next page's URL, or null at the end. */
  next(linkHeader: string | null, current: string): string | null {
    const next = findLink(linkHeader, 'next', current);
    if (!next) return null;
    const u = new URL(next);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.origin !== this.origin) {
      throw new UpstreamError('service_bad_next_link', `${this.what} pointed its next page at another server (${u.host}); not following it.`);
    }
    if (this.seen.has(next)) {
      throw new UpstreamError('service_paging_loop', `${this.what} sent a next page that was already read; the platform's paging loops.`);
    }
    this.seen.add(next);
    return next;
  }
}
