import { expect } from 'chai';
import { parseEditInput, parseReplyInput, parseThreadInput } from '../../src/discussion/discussion-input.js';
import { timeFormatter, usableLocale } from '../../src/discussion/discussion-format.js';
import { renderMarkdown } from '../../src/discussion/markdown.js';

describe('discussion Markdown rendering', () => {
  it('renders CommonMark with links marked as user content', () => {
    const html = renderMarkdown('**b** _i_ `c` [site](https://example.com/a?b=1&c=2) <https://example.org>\n\n- one\n- two\n\n> quote');
    expect(html).to.contain('<strong>b</strong> <em>i</em> <code>c</code>');
    expect(html).to.contain('<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow ugc" target="_blank">site</a>');
    expect(html).to.contain('<a href="https://example.org" rel="noopener nofollow ugc" target="_blank">https://example.org</a>');
    expect(html).to.contain('<ul>\n<li>one</li>');
    expect(html).to.contain('<blockquote>');
  });

  it('links bare URLs (linkify) and mail addresses', () => {
    expect(renderMarkdown('see https://example.com/x now')).to.contain('<a href="https://example.com/x" rel="noopener nofollow ugc" target="_blank">https://example.com/x</a>');
    expect(renderMarkdown('[mail](mailto:a@example.com)')).to.contain('href="mailto:a@example.com"');
  });

  it('escapes raw HTML instead of passing it through', () => {
    expect(renderMarkdown('<b>x</b> <script>alert(1)</script>')).to.equal('<p>&lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });

  it('keeps only http, https and mailto links', () => {
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', '&#106;avascript:alert(1)', 'vbscript:x', 'data:text/html,x', 'file:///etc/passwd', '/relative', '#frag', '//evil.example/x', 'ftp://example.com']) {
      const html = renderMarkdown(`[x](${href})`);
      expect(html, href).not.to.contain('<a');
    }
  });

  it('shows images as links, never as <img>', () => {
    const html = renderMarkdown('![alt](https://example.com/x.png)');
    expect(html).not.to.contain('<img');
    expect(html).to.contain('<a href="https://example.com/x.png" rel="noopener nofollow ugc" target="_blank">alt</a>');
  });

  it('puts headings below the page\'s own (h4 and lower) and drops table alignment styles', () => {
    const html = renderMarkdown('# one\n\n## two\n\n### three\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |');
    expect(html).to.contain('<h4>one</h4>');
    expect(html).to.contain('<h5>two</h5>');
    expect(html).to.contain('<h6>three</h6>');
    expect(html).to.contain('<th>a</th>');
    expect(html).not.to.contain('style=');
  });
});

describe('discussion input', () => {
  it('accepts a thread, trimming and folding the title onto one line', () => {
    expect(parseThreadInput({ title: '  Two\n lines\t here ', body: 'b', kind: 'question' })).to.deep.equal({ ok: true, value: { title: 'Two lines here', kind: 'question', body: 'b' } });
    expect(parseThreadInput({ title: 't', body: 'b' })).to.deep.include({ ok: true });
  });

  it('refuses an empty title or body (400) and an unknown kind, keeping what was sent', () => {
    const r = parseThreadInput({ title: ' ', body: ' \n ', kind: 'poll' });
    expect(r.ok).to.equal(false);
    if (r.ok) return;
    expect(r.status).to.equal(400);
    expect(Object.keys(r.errors).sort()).to.deep.equal(['body', 'kind', 'title']);
    expect(r.values).to.deep.equal({ title: ' ', body: ' \n ', kind: 'poll' });
  });

  it('counts a body in characters the way a textarea does, and says 413 past 20,000', () => {
    expect(parseReplyInput({ body: 'x'.repeat(20_000) }).ok).to.equal(true);
    expect(parseReplyInput({ body: `${'x'.repeat(9_999)}\r\n${'x'.repeat(10_000)}` }).ok).to.equal(true);
    const r = parseReplyInput({ body: 'x'.repeat(20_001) });
    expect(r).to.deep.include({ ok: false, status: 413 });
    const t = parseThreadInput({ title: 'x'.repeat(201), body: 'ok' });
    expect(t).to.deep.include({ ok: false, status: 400 });
  });

  it('drops control characters that PostgreSQL or a page could choke on', () => {
    const r = parseReplyInput({ body: 'a\u0000b\u0007c\td\ne' });
    expect(r).to.deep.equal({ ok: true, value: { body: 'abc\td\ne', parentPostId: null } });
  });

  it('treats an empty parent as a reply to the thread, and refuses non-string fields', () => {
    expect(parseReplyInput({ body: 'x', parent_post_id: '' })).to.deep.equal({ ok: true, value: { body: 'x', parentPostId: null } });
    expect(parseReplyInput({ body: ['a', 'b'] }).ok).to.equal(false);
    expect(parseEditInput({ body: 'x' }, true).ok).to.equal(false);
    expect(parseEditInput({ body: 'x', title: 'ignored' }, false)).to.deep.equal({ ok: true, value: { body: 'x', title: null } });
  });
});

describe('discussion formatting', () => {
  it('uses the launch locale when Intl knows it, and English otherwise', () => {
    expect(usableLocale('de-DE')).to.equal('de-DE');
    expect(usableLocale('fr_CA')).to.equal('fr-CA');
    for (const bad of ['', 'not a locale', 'zz', '../../etc']) expect(usableLocale(bad), bad).to.equal('en');
  });

  it('formats times in the space\'s zone, naming it', () => {
    const t = timeFormatter('Europe/Berlin', 'de-DE')(Date.UTC(2027, 0, 15, 8, 30));
    expect(t.iso).to.equal('2027-01-15T08:30:00.000Z');
    expect(t.text).to.match(/09:30/);
    expect(t.text).to.match(/MEZ|GMT\+1/);
  });
});
