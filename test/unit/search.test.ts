import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { parseSearchInput } from '../../src/search/search-input.js';
import { createSearchService } from '../../src/search/search-service.js';
import type { SearchHit, SearchRequest, SearchStore } from '../../src/search/search-store.js';
import { fts5Match, highlightHtml, parseQuery, plainText, websearchQuery } from '../../src/search/search-text.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';

describe('search text', () => {
  it('turns any input into plain words and quoted phrases, never query syntax', () => {
    expect(parseQuery('coaching  feedback')).to.deep.equal([['coaching'], ['feedback']]);
    expect(parseQuery('"open questions" first')).to.deep.equal([['open', 'questions'], ['first']]);
    expect(parseQuery('NEAR(a b) OR -c title:d x* ^e')).to.deep.equal([['NEAR'], ['a'], ['b'], ['OR'], ['c'], ['title'], ['d'], ['x'], ['e']]);
    expect(parseQuery('"unbalanced phrase')).to.deep.equal([['unbalanced', 'phrase']]);
    expect(parseQuery('"*:-()\'; --')).to.deep.equal([]);
    expect(parseQuery('café Ñandú')).to.deep.equal([['café'], ['Ñandú']]);
    // Decomposed accents (NFD) are normalised, so they match what was indexed.
    expect(parseQuery('cafe\u0301')).to.deep.equal([['café']]);
    expect(parseQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')).flat()).to.have.length(16);
  });

  it('quotes every phrase for FTS5 and websearch_to_tsquery', () => {
    const q = parseQuery('"a b" OR c');
    expect(fts5Match(q)).to.equal('"a b" "OR" "c"');
    expect(websearchQuery(q)).to.equal('"a b" "OR" "c"');
  });

  it('highlights by escaping everything, then turning sentinels into <mark>', () => {
    expect(highlightHtml('a \u0002<b>\u0003 & "c"')).to.equal('a <mark>&lt;b&gt;</mark> &amp; &quot;c&quot;');
    // A cut snippet with an open mark is closed; stray closes and other controls vanish.
    expect(highlightHtml('\u0003x \u0002y')).to.equal('x <mark>y</mark>');
    expect(highlightHtml('<script>alert(1)</script>')).to.equal('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('indexes what a reader sees: Markdown syntax and URLs out, raw HTML kept as text, sentinels stripped', () => {
    expect(plainText('# Title\n\nSome **bold** and [link text](https://example.org/x).\n\n- one\n- two')).to.equal('Title Some bold and link text . one two');
    expect(plainText('Try <script>alert(1)</script> `code`')).to.equal('Try <script>alert(1)</script> code');
    expect(plainText('forged \u0002mark\u0003')).to.equal('forged mark');
  });
});

describe('search input', () => {
  it('accepts up to 200 characters, gives back what was typed, and refuses more with 400', () => {
    expect(parseSearchInput({})).to.deep.equal({ value: { q: '', scope: 'space', page: 1 }, typed: '', error: null, status: 200 });
    expect(parseSearchInput({ q: '  hello ', scope: 'course', page: '3' })).to.deep.include({ value: { q: 'hello', scope: 'course', page: 3 }, error: null });
    expect(parseSearchInput({ q: 'x'.repeat(200) }).error).to.equal(null);
    const long = parseSearchInput({ q: 'x'.repeat(201) });
    expect([long.error, long.status, long.typed.length]).to.deep.equal(['search:errors.tooLong', 400, 201]);
    expect(parseSearchInput({ q: '   ' })).to.deep.include({ error: 'search:errors.empty', status: 200 });
    // Odd parameters fall back to defaults.
    expect(parseSearchInput({ q: ['a', 'b'], scope: 'all', page: '-1' }).value).to.deep.equal({ q: '', scope: 'space', page: 1 });
  });
});

describe('search service (on fakes)', () => {
  const hit = (n: number, over: Partial<SearchHit> = {}): SearchHit => ({
    postId: `p${n}`,
    threadId: `t${n}`,
    spaceId: 's',
    spaceTitle: 'S',
    threadTitle: `<b>T${n}</b>`,
    titleMarked: '',
    snippetMarked: `x \u0002m${n}\u0003`,
    authorName: null,
    authorId: null,
    spaceAnonymity: 'off',
    createdAt: 1,
    isOpening: false,
    hidden: false,
    ...over,
  });

  function setup(total = 3) {
    const fake = new FakeDiscussionStore();
    const space = fake.addSpace('ctx-a', 'Prep');
    const other = fake.addSpace('ctx-b', 'Elsewhere');
    const asked: SearchRequest[] = [];
    const store: SearchStore = {
      async search(req) {
        asked.push(req);
        const all = Array.from({ length: total }, (_, i) => hit(i + 1));
        return { hits: all.slice(req.offset, req.offset + req.limit), total };
      },
    };
    const clock = fixedClock(Date.UTC(2026, 10, 30, 10, 5));
    const queued: XapiStatement[] = [];
    let fail = false;
    const errors: unknown[] = [];
    const service = createSearchService({
      spaces: fake.spaces,
      search: store,
      clock,
      pageSize: 2,
      xapi: {
        outbox: { enqueue: async () => undefined },
        statements: { publicUrl: 'https://tool.example', actorNames: false },
        enqueueAlone: async (list) => {
          if (fail) throw new Error('outbox down');
          queued.push(...list);
        },
      },
      onRecordError: (e) => errors.push(e),
    });
    return { service, space, other, asked, clock, queued, errors, failNext: () => (fail = true) };
  }

  const ann = launchOf('ann', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');

  it('404s a space of another course, before searching anything', async () => {
    const s = setup();
    expect((await failure(s.service.search(ann, s.other.id, { q: 'x', scope: 'course', page: 1 }))).status).to.equal(404);
    expect((await failure(s.service.search(launchOf('ann', null), s.space.id, { q: 'x', scope: 'space', page: 1 }))).status).to.equal(404);
    expect(s.asked).to.deep.equal([]);
  });

  it('asks the store within the course, for the space or the whole course, as this viewer', async () => {
    const s = setup();
    await s.service.search(ann, s.space.id, { q: 'x', scope: 'space', page: 1 });
    await s.service.search(tess, s.space.id, { q: 'x', scope: 'course', page: 1 });
    expect(s.asked.map((r) => [r.contextId, r.spaceId, r.viewer.staff, r.viewer.userId])).to.deep.equal([
      ['ctx-a', s.space.id, false, 'ann'],
      ['ctx-a', null, true, 'tess'],
    ]);
  });

  it('runs nothing for no query or only punctuation, and says which', async () => {
    const s = setup();
    expect(await s.service.search(ann, s.space.id, { q: '', scope: 'space', page: 1 })).to.deep.include({ ran: false, total: 0 });
    expect(await s.service.search(ann, s.space.id, { q: '"*:-()', scope: 'space', page: 1 })).to.deep.include({ ran: true, total: 0 });
    expect(s.asked).to.deep.equal([]);
    expect(s.queued).to.deep.equal([]);
  });

  it('pages, clamps a page past the end, and renders titles and snippets as safe HTML', async () => {
    const s = setup(3);
    const last = await s.service.search(ann, s.space.id, { q: 'x', scope: 'space', page: 9 });
    expect([last.page, last.pageCount, last.total, last.results.map((r) => r.postId)]).to.deep.equal([2, 2, 3, ['p3']]);
    expect(last.results[0]!.titleHtml).to.equal('&lt;b&gt;T3&lt;/b&gt;');
    expect(last.results[0]!.snippetHtml).to.equal('x <mark>m3</mark>');
  });

  it('records one `searched` per user, query and hour; a failure to queue never fails the page', async () => {
    const s = setup();
    for (const q of ['Coaching', 'coaching']) await s.service.search(ann, s.space.id, { q, scope: 'space', page: 1 });
    s.clock.advance(60 * 60 * 1000);
    await s.service.search(ann, s.space.id, { q: 'coaching', scope: 'space', page: 1 });
    await s.service.search(ann, s.space.id, { q: 'coaching', scope: 'course', page: 1 });
    await new Promise((r) => setImmediate(r));
    const ids = s.queued.map((q) => q.id);
    expect(ids).to.have.length(4);
    expect(ids[0]).to.equal(ids[1]);
    expect(new Set(ids).size).to.equal(3);
    expect(s.queued[0]!.verb.id).to.match(/searched$/);
    await s.service.search(launchOf(null, 'ctx-a'), s.space.id, { q: 'coaching', scope: 'space', page: 1 });
    expect(s.queued).to.have.length(4);
    s.failNext();
    const page = await s.service.search(ann, s.space.id, { q: 'other', scope: 'space', page: 1 });
    expect(page.ran).to.equal(true);
    await new Promise((r) => setImmediate(r));
    expect(s.errors).to.have.length(1);
  });
});
