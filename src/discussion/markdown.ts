import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * Post bodies are written in Markdown and shown as HTML, so this is where user input meets the
 * page. Two well-kept libraries, each doing the job it is known for, rather than our own regexes:
 *
 * - markdown-it: CommonMark-compliant, fast, widely used (and fuzzed); with `html: false` any raw
 *   HTML a user types is escaped as text, and its `validateLink` already refuses `javascript:`,
 *   `vbscript:`, `file:` and `data:` URLs.
 * - sanitize-html: an allowlist sanitizer on a real HTML parser (htmlparser2). It runs after
 *   rendering as a second, independent wall: if a markdown-it bug or plugin ever let markup
 *   through, only the tags, attributes and URL schemes listed below survive.
 *
 * Bump RENDER_VERSION whenever the output for the same Markdown changes; stored HTML rendered by
 * an older version is re-rendered when read.
 */
export const RENDER_VERSION = 1;

/** http, https and mailto only: no relative, fragment, protocol-relative or script URLs. */
const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: false });
// Images would let a post load any URL (tracking pixels, mixed content) inside the LMS page:
// `![alt](url)` stays text, the link part still becomes a link.
md.disable('image');
// Only http, https and mailto destinations become links; anything else (relative, fragment,
// `javascript:` even when entity-encoded, since markdown-it decodes before validating) stays text.
md.validateLink = (url: string): boolean => SAFE_HREF.test(url.trim());

// Headings in a post sit below the page's own: h1 thread title, h2 sections, h3 each post.
const headingShift = (level: number) => (_tag: string, attribs: sanitizeHtml.Attributes) => ({ tagName: `h${Math.min(6, level + 3)}`, attribs });

const options: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'hr', 'strong', 'em', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'rel', 'target'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  // Anything not allowed is dropped with its content when it is executable or styling, and
  // unwrapped (text kept) otherwise.
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'iframe', 'object', 'embed', 'svg', 'math'],
  transformTags: {
    h1: headingShift(1),
    h2: headingShift(2),
    h3: headingShift(3),
    h4: headingShift(4),
    h5: headingShift(5),
    a: (_tag, attribs): sanitizeHtml.Tag => {
      const href = (attribs.href ?? '').trim();
      // User-generated links: no window.opener, no ranking credit (Google's rel="ugc"/"nofollow"),
      // and a new tab, since following a link inside the LMS iframe would lose the course page.
      // Any other URL loses its href (markdown-it never emits one; this is the second wall). The tag
      // name must stay `a`: sanitize-html closes a renamed tag with the wrong name.
      return SAFE_HREF.test(href) ? { tagName: 'a', attribs: { href, rel: 'noopener nofollow ugc', target: '_blank' } } : { tagName: 'a', attribs: {} };
    },
  },
};

/** Markdown → sanitized HTML, safe to insert into a page unescaped. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), options);
}
