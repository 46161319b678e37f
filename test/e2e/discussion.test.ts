import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import type { Page, TestBrowser } from '../helpers/test-browser.js';

/** Real time, but never the same millisecond twice: orderings by time are then well defined. */
function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}

/** ejs's escaping, to find exactly what a title must look like in the page. */
const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

const decodeEntities = (s: string): string =>
  s
    .replace(/&#x([0-9a-f]+);?/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;/gi, '\t')
    .replace(/&newline;/gi, '\n')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The only scripts our pages may carry: our own files, nothing inline. */
const OWN_SCRIPT = /<script src="\/public\/js\/[a-z-]+\.js"( defer)?( data-[a-z]+="[^"<>]*")*><\/script>/g;
const FORBIDDEN_TAGS = new Set(['script', 'iframe', 'frame', 'svg', 'math', 'object', 'embed', 'base', 'style', 'template', 'img', 'video', 'audio', 'source', 'marquee', 'isindex', 'meta', 'frameset', 'noscript']);

/** Attributes of a start tag as the HTML tokenizer reads them: name, then an optional value. */
function attributesOf(attrs: string): Array<[name: string, value: string]> {
  const out: Array<[string, string]> = [];
  for (const a of attrs.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) out.push([a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '']);
  return out;
}

/**
 * Asserts a rendered page holds no executable markup a user could have put there: no script
 * but our own files, no tag that runs or loads things, no event-handler or style attribute, and
 * no URL attribute with a script scheme (checked the way a browser reads it: entities decoded,
 * whitespace and control characters dropped). Text that merely reads "onerror=" is fine: it
 * is text because its "<" arrives escaped, so it never starts a tag.
 */
function assertNoActiveContent(html: string, context: string): void {
  const rest = html.replace(OWN_SCRIPT, '');
  expect(rest, `${context}: <script`).not.to.match(/<script/i);
  for (const m of rest.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const tag = m[1]!.toLowerCase();
    const attrs = m[2]!;
    const where = `${context}: <${tag}${attrs}>`;
    // <head> has the <meta charset> and <meta viewport> we write ourselves.
    if (tag === 'meta') expect(attrs, where).to.match(/^ (charset="utf-8"|name="viewport" content="[^"]*")$/);
    else expect(FORBIDDEN_TAGS.has(tag), where).to.equal(false);
    for (const [name, raw] of attributesOf(attrs)) {
      expect(name, where).not.to.match(/^on/);
      expect(name, where).not.to.equal('style');
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)) {
        const url = decodeEntities(raw).replace(/[\s\u0000-\u001f]/g, '');
        expect(url, where).not.to.match(/^(javascript|vbscript|data):/i);
      }
    }
  }
}

/** A signed-in person: a launch session and the CSRF token that goes with it. */
interface Person {
  browser: TestBrowser;
  token: string;
  csrf: string;
  get(path: string): Promise<Page>;
  /** Follows a 303 from the previous POST (its Location already carries the session). */
  follow(res: Page): Promise<Page>;
  post(path: string, fields?: Record<string, string>, opts?: { csrf?: string | null }): Promise<Page>;
}

describe('discussion spaces (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ta: Person;
  let ann: Person;
  let ben: Person;
  let spaceId: string;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const session = await stack.tool.container.sessions.get(sha256(token));
    const csrf = session!.csrfToken;
    const browser = r.browser;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      browser,
      token,
      csrf,
      get: (path) => browser.request(withToken(path)),
      follow: (res) => {
        expect(res.status, res.body.slice(0, 500)).to.equal(303);
        return browser.request(new URL(res.headers.get('location')!, base).toString());
      },
      post: (path, fields = {}, opts = {}) => {
        const form: Record<string, string> = { session: token, ...fields };
        const c = opts.csrf === undefined ? csrf : opts.csrf;
        if (c !== null) form._csrf = c;
        return browser.request(`${base}${path}`, { form });
      },
    };
  }

  const threadIdFrom = (res: Page): string => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
  const postIdFrom = (res: Page): string => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')![1]!;

  async function startThread(who: Person, title: string, body: string, kind = 'discussion', space = spaceId): Promise<{ threadId: string; openingId: string; page: Page }> {
    const res = await who.post(`/spaces/${space}/threads`, { title, body, kind });
    expect(res.status, res.body.slice(0, 800)).to.equal(303);
    const threadId = threadIdFrom(res);
    const page = await who.follow(res);
    expect(page.status).to.equal(200);
    const openingId = /<article class="post post--\w+" id="post-([0-9a-f-]{36})"/.exec(page.body)![1]!;
    return { threadId, openingId, page };
  }

  async function reply(who: Person, threadId: string, body: string, parentId?: string): Promise<string> {
    const res = await who.post(`/threads/${threadId}/replies`, parentId ? { body, parent_post_id: parentId } : { body });
    expect(res.status, res.body.slice(0, 800)).to.equal(303);
    return postIdFrom(res);
  }

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock() });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await teacher.post('/app/setup', { kind: 'post_event', title: 'Negotiation debrief', time_zone: 'Europe/Berlin' });
    expect(setup.status, setup.body.slice(0, 500)).to.equal(303);
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ta = await join({ sub: 'assistant', name: 'Tam Assistant', roles: [ROLE.ta] });
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
  });
  after(async () => stack?.close());

  it('lands a learner on the space page, which lists threads and offers to start one', async () => {
    const r = await launch(stack, { sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    const page = await r.browser.get(`${base}${r.response.headers.get('location')}`);
    expect(page.status).to.equal(200);
    expect(page.body).to.contain('<h1>Negotiation debrief</h1>');
    expect(page.body).to.contain('No threads yet.');
    expect(page.body).to.match(/<a class="button" href="\/spaces\/[0-9a-f-]{36}\/threads\/new\?session=[^"]+">Start a thread<\/a>/);
    const form = await ann.get(`/spaces/${spaceId}/threads/new`);
    expect(form.status).to.equal(200);
    expect(form.body).to.contain('<label for="title">Title</label>');
    expect(form.body).to.contain('<label for="body">Message</label>');
    expect(form.body).to.contain(`name="_csrf" value="${ann.csrf}"`);
  });

  it('learner A starts a thread; learner B reads it and replies; A answers in nested replies', async () => {
    const { threadId, openingId, page } = await startThread(ann, 'How do you open a negotiation?', 'I start with **questions**. See https://example.com/guide', 'question');
    expect(page.body).to.contain('<h1>How do you open a negotiation?</h1>');
    expect(page.body).to.contain('<strong>questions</strong>');
    expect(page.body).to.contain('<a href="https://example.com/guide" rel="noopener nofollow ugc" target="_blank">https://example.com/guide</a>');
    expect(page.body).to.contain('badge--question');

    const read = await ben.get(`/threads/${threadId}`);
    expect(read.status).to.equal(200);
    expect(read.body).to.contain('Started by <strong>Ann Learner</strong>');
    expect(read.body).to.contain('No replies yet.');
    const b1 = await reply(ben, threadId, 'I ask about their **constraints** first.');
    const a2 = await reply(ann, threadId, 'Level two from Ann', b1);
    const b3 = await reply(ben, threadId, 'Level three from Ben', a2);
    const res4 = await ann.post(`/threads/${threadId}/replies`, { body: 'Level four from Ann', parent_post_id: b3 });
    // A reply deeper than a page shows lands on the view under its parent.
    expect(res4.headers.get('location')).to.match(new RegExp(`/threads/${threadId}\\?page=1&focus=${b3}&session=[^#]+#post-[0-9a-f-]{36}$`));

    const thread = await ben.get(`/threads/${threadId}`);
    expect(thread.body).to.contain('<h2 id="replies-h">4 replies</h2>');
    expect(thread.body).to.contain('<strong>constraints</strong>');
    expect(thread.body).to.contain('Level two from Ann');
    expect(thread.body).to.contain('Level three from Ben');
    expect(thread.body).not.to.contain('Level four from Ann');
    expect(thread.body).to.match(new RegExp(`href="/threads/${threadId}\\?focus=${b3}&amp;session=[^"]+">Show 1 more reply`));
    // Each level is a nested list inside the one above.
    expect(thread.body).to.match(/<ol class="replies replies--top">[\s\S]*<ol class="replies">[\s\S]*<ol class="replies">/);

    const more = await ben.follow(res4);
    expect(more.status).to.equal(200);
    expect(more.body).to.contain('Level three from Ben');
    expect(more.body).to.contain('Level four from Ann');
    expect(more.body).to.contain('Back to the whole thread');

    const list = await ben.get(`/spaces/${spaceId}`);
    expect(list.body).to.contain('How do you open a negotiation?');
    expect(list.body).to.contain('4 replies');
    expect(openingId).to.be.a('string');
  });

  it('A edits her post: the page says "edited", history keeps the old text, for staff only', async () => {
    const { threadId, openingId } = await startThread(ann, 'First draft title', 'First draft body');
    const form = await ann.get(`/posts/${openingId}/edit`);
    expect(form.status).to.equal(200);
    expect(form.body).to.contain('value="First draft title"');
    expect(form.body).to.contain('>First draft body</textarea>');

    expect((await ben.get(`/posts/${openingId}/edit`)).status).to.equal(403);
    const benEdit = await ben.post(`/posts/${openingId}/edit`, { title: 'Hijacked', body: 'Hijacked' });
    expect(benEdit.status).to.equal(403);
    expect(benEdit.body).to.contain('not_author');

    const saved = await ann.post(`/posts/${openingId}/edit`, { title: 'Second title', body: 'Second body' });
    const page = await ann.follow(saved);
    expect(page.body).to.contain('<h1>Second title</h1>');
    expect(page.body).to.contain('Second body');
    expect(page.body).not.to.contain('First draft body');
    expect(page.body).to.match(/<span class="edited">edited <time/);

    const history = await teacher.get(`/posts/${openingId}/history`);
    expect(history.status).to.equal(200);
    expect(history.body).to.contain('First draft body');
    expect(history.body).to.contain('First draft title');
    expect(history.body).to.contain('Second body');
    expect((await ta.get(`/posts/${openingId}/history`)).status).to.equal(200);
    expect((await ann.get(`/posts/${openingId}/history`)).status).to.equal(403);
    expect((await ben.get(`/posts/${openingId}/history`)).status).to.equal(403);
    // Staff see the way to the history from the thread.
    const staffView = await teacher.get(`/threads/${threadId}`);
    expect(staffView.body).to.contain(`/posts/${openingId}/history?session=`);

    const r = await ann.post(`/threads/${threadId}/replies`, { body: 'reply v1' });
    const replyId = postIdFrom(r);
    await ann.post(`/posts/${replyId}/edit`, { body: 'reply v2' });
    await ann.post(`/posts/${replyId}/edit`, { body: 'reply v3' });
    const h2 = await teacher.get(`/posts/${replyId}/history`);
    expect(h2.body).to.contain('reply v1');
    expect(h2.body).to.contain('reply v2');
    expect(h2.body).to.contain('reply v3');
    expect(h2.body.indexOf('reply v3')).to.be.lessThan(h2.body.indexOf('reply v2'));
  });

  it('delete leaves a tombstone; replies under it stay readable; only the author may delete', async () => {
    const { threadId } = await startThread(ann, 'Tombstones', 'Opening');
    const bens = await reply(ben, threadId, 'Ben says something regrettable');
    await reply(ann, threadId, 'Ann answers Ben', bens);
    const notYours = await ann.post(`/posts/${bens}/delete`);
    expect(notYours.status).to.equal(403);
    expect((await teacher.post(`/posts/${bens}/delete`)).status).to.equal(403);

    const del = await ben.post(`/posts/${bens}/delete`);
    const page = await ben.follow(del);
    expect(page.body).to.contain('This post was deleted by its author.');
    expect(page.body).not.to.contain('Ben says something regrettable');
    expect(page.body).to.contain('Ann answers Ben');
    // Gone for staff too, history included.
    const staff = await teacher.get(`/threads/${threadId}`);
    expect(staff.body).not.to.contain('Ben says something regrettable');
    const h = await teacher.get(`/posts/${bens}/history`);
    expect(h.body).not.to.contain('Ben says something regrettable');
    // A tombstone takes no replies, edits or second delete.
    const toDeleted = await ann.post(`/threads/${threadId}/replies`, { body: 'to the void', parent_post_id: bens });
    expect(toDeleted.status).to.equal(409);
    expect((await ben.post(`/posts/${bens}/edit`, { body: 'back' })).status).to.equal(409);
    const again = await ben.post(`/posts/${bens}/delete`);
    expect(again.status).to.equal(409);
  });

  it('staff hide and restore a post; a learner cannot hide (403)', async () => {
    const { threadId } = await startThread(ann, 'Moderation', 'Opening words');
    const bad = await reply(ben, threadId, 'Something off-topic and rude');
    await reply(ann, threadId, 'A reply under the rude one', bad);

    const learnerHide = await ann.post(`/posts/${bad}/hide`);
    expect(learnerHide.status).to.equal(403);
    expect(learnerHide.body).to.contain('forbidden_role');

    const hide = await ta.post(`/posts/${bad}/hide`);
    expect(hide.status).to.equal(303);
    const asLearner = await ann.get(`/threads/${threadId}`);
    expect(asLearner.body).not.to.contain('Something off-topic and rude');
    expect(asLearner.body).to.contain('This post was hidden by a moderator.');
    expect(asLearner.body).to.contain('A reply under the rude one');
    const asAuthor = await ben.get(`/threads/${threadId}`);
    expect(asAuthor.body).not.to.contain('Something off-topic and rude');
    const asStaff = await teacher.get(`/threads/${threadId}`);
    expect(asStaff.body).to.contain('Something off-topic and rude');
    expect(asStaff.body).to.contain('Hidden by a moderator: only instructors and assistants can see it.');
    expect(asStaff.body).to.contain(`action="/posts/${bad}/restore"`);
    expect((await ben.post(`/posts/${bad}/edit`, { body: 'sneaky edit' })).status).to.equal(409);
    expect((await ann.post(`/threads/${threadId}/replies`, { body: 'x', parent_post_id: bad })).status).to.equal(409);
    expect((await ann.post(`/posts/${bad}/restore`)).status).to.equal(403);

    const restore = await teacher.post(`/posts/${bad}/restore`);
    expect(restore.status).to.equal(303);
    expect((await ann.get(`/threads/${threadId}`)).body).to.contain('Something off-topic and rude');
  });

  it('hiding an opening post hides the thread title from learners', async () => {
    const { threadId, openingId } = await startThread(ben, 'An offensive title', 'and body');
    await teacher.post(`/posts/${openingId}/hide`);
    const list = await ann.get(`/spaces/${spaceId}`);
    expect(list.body).not.to.contain('An offensive title');
    expect(list.body).to.contain('Hidden thread');
    const thread = await ann.get(`/threads/${threadId}`);
    expect(thread.body).not.to.contain('An offensive title');
    expect((await teacher.get(`/spaces/${spaceId}`)).body).to.contain('An offensive title');
    await teacher.post(`/posts/${openingId}/restore`);
  });

  it('staff pin and lock threads; a locked thread refuses learner replies; learners cannot pin or lock', async () => {
    const old = await startThread(ann, 'Old thread to pin', 'x');
    await startThread(ann, 'Newer thread', 'y');
    expect((await ann.post(`/threads/${old.threadId}/pin`)).status).to.equal(403);
    expect((await ann.post(`/threads/${old.threadId}/lock`)).status).to.equal(403);
    await teacher.post(`/threads/${old.threadId}/pin`);
    const list = await ben.get(`/spaces/${spaceId}?sort=newest`);
    expect(list.body.indexOf('Old thread to pin')).to.be.greaterThan(-1);
    expect(list.body.indexOf('Old thread to pin')).to.be.lessThan(list.body.indexOf('Newer thread'));
    expect(list.body).to.contain('badge--pinned');

    await teacher.post(`/threads/${old.threadId}/lock`);
    const locked = await ben.post(`/threads/${old.threadId}/replies`, { body: 'too late' });
    expect(locked.status).to.equal(403);
    expect(locked.body).to.contain('thread_locked');
    const page = await ben.get(`/threads/${old.threadId}`);
    expect(page.body).to.contain('This thread is locked');
    expect(page.body).not.to.contain('Reply to the thread');
    // Staff may still answer in a locked thread.
    await reply(teacher, old.threadId, 'Closing note from the instructor');
    await teacher.post(`/threads/${old.threadId}/unlock`);
    await reply(ben, old.threadId, 'open again');
    await teacher.post(`/threads/${old.threadId}/unpin`);
  });

  it('sorts by most recent activity or by newest', async () => {
    const first = await startThread(ann, 'Sort: older thread', 'a');
    await startThread(ann, 'Sort: newer thread', 'b');
    await reply(ben, first.threadId, 'bump');
    const active = (await ann.get(`/spaces/${spaceId}?sort=active`)).body;
    expect(active.indexOf('Sort: older thread')).to.be.lessThan(active.indexOf('Sort: newer thread'));
    expect(active).to.match(/<a href="[^"]*sort=active[^"]*" aria-current="true">Most active<\/a>/);
    const newest = (await ann.get(`/spaces/${spaceId}?sort=newest`)).body;
    expect(newest.indexOf('Sort: newer thread')).to.be.lessThan(newest.indexOf('Sort: older thread'));
  });

  it('refuses every form without the CSRF token (403) and changes nothing', async () => {
    const { threadId, openingId } = await startThread(ann, 'CSRF target', 'original');
    const attempts: Array<[string, Record<string, string>]> = [
      [`/spaces/${spaceId}/threads`, { title: 'forged', body: 'forged' }],
      [`/threads/${threadId}/replies`, { body: 'forged reply' }],
      [`/posts/${openingId}/edit`, { title: 'forged', body: 'forged edit' }],
      [`/posts/${openingId}/delete`, {}],
    ];
    for (const [path, fields] of attempts) {
      for (const csrf of [null, 'not-the-token']) {
        const res = await ann.post(path, fields, { csrf });
        expect(res.status, `${path} csrf=${String(csrf)}`).to.equal(403);
        expect(res.body).to.contain('csrf_invalid');
      }
    }
    for (const path of [`/posts/${openingId}/hide`, `/threads/${threadId}/pin`, `/threads/${threadId}/lock`]) {
      expect((await teacher.post(path, {}, { csrf: null })).status, path).to.equal(403);
    }
    const page = await ann.get(`/threads/${threadId}`);
    expect(page.body).to.contain('original');
    expect(page.body).not.to.contain('forged');
    expect(page.body).not.to.contain('badge--pinned');
  });

  it('keeps what was typed and says what is wrong: oversized body 413, bad title or empty body 400', async () => {
    const long = `${'x'.repeat(19_990)} <b>end</b> ${'y'.repeat(20)}`;
    const big = await ann.post(`/spaces/${spaceId}/threads`, { title: 'My long one', body: long });
    expect(big.status).to.equal(413);
    expect(big.body).to.contain('value="My long one"');
    expect(big.body).to.contain(`>${escapeHtml(long)}</textarea>`);
    expect(big.body).to.contain('Posts can be up to 20,000 characters');
    expect(big.body).to.contain('aria-invalid="true"');

    const title = `${'T'.repeat(201)}`;
    const badTitle = await ann.post(`/spaces/${spaceId}/threads`, { title, body: 'kept body' });
    expect(badTitle.status).to.equal(400);
    expect(badTitle.body).to.contain(`value="${title}"`);
    expect(badTitle.body).to.contain('>kept body</textarea>');
    expect(badTitle.body).to.contain('Keep the title to 200 characters or fewer.');

    const empty = await ann.post(`/spaces/${spaceId}/threads`, { title: 'Only a title', body: '   ' });
    expect(empty.status).to.equal(400);
    expect(empty.body).to.contain('Write something first.');
    expect(empty.body).to.contain('value="Only a title"');

    // Exactly at the limit is fine; CRLF line breaks count as one character, as in the browser.
    const atLimit = await ann.post(`/spaces/${spaceId}/threads`, { title: 'At the limit', body: `${'z'.repeat(9_999)}\r\n${'z'.repeat(10_000)}` });
    expect(atLimit.status).to.equal(303);

    const { threadId, openingId } = await startThread(ann, 'Limits on replies', 'ok');
    const bigReply = await ben.post(`/threads/${threadId}/replies`, { body: long });
    expect(bigReply.status).to.equal(413);
    expect(bigReply.body).to.contain(`>${escapeHtml(long)}</textarea>`);
    expect(bigReply.body).to.contain('You are replying to');
    const emptyReply = await ben.post(`/threads/${threadId}/replies`, { body: '' });
    expect(emptyReply.status).to.equal(400);

    const bigEdit = await ann.post(`/posts/${openingId}/edit`, { title: 'Limits on replies', body: long });
    expect(bigEdit.status).to.equal(413);
    expect(bigEdit.body).to.contain(`>${escapeHtml(long)}</textarea>`);

    // Far beyond anything a form sends: the parser refuses it outright.
    const huge = await ben.post(`/threads/${threadId}/replies`, { body: 'h'.repeat(600_000) });
    expect(huge.status).to.equal(413);
  });

  it('paginates a thread\'s replies and lands a new reply on its page', async () => {
    const { threadId } = await startThread(ann, 'Busy thread', 'Many replies follow');
    let lastLocation = '';
    for (let i = 1; i <= 21; i++) {
      const res = await ben.post(`/threads/${threadId}/replies`, { body: `Reply number ${i}.` });
      lastLocation = res.headers.get('location')!;
    }
    expect(lastLocation).to.match(/\?page=2&session=/);
    const p1 = await ann.get(`/threads/${threadId}`);
    expect(p1.body).to.contain('Reply number 1.');
    expect(p1.body).to.contain('Reply number 20.');
    expect(p1.body).not.to.contain('Reply number 21.');
    expect(p1.body).to.contain('Page 1 of 2');
    expect(p1.body).to.match(new RegExp(`rel="next" href="/threads/${threadId}\\?page=2&amp;session=`));
    const p2 = await ann.get(`/threads/${threadId}?page=2`);
    expect(p2.body).to.contain('Reply number 21.');
    expect(p2.body).not.to.contain('Reply number 20.');
    // Nonsense page numbers fall back to a real page.
    expect((await ann.get(`/threads/${threadId}?page=abc`)).status).to.equal(200);
    expect((await ann.get(`/threads/${threadId}?page=999`)).body).to.contain('Reply number 21.');
  });

  it('serves its pages whatever locale the platform sends', async () => {
    const odd = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner], locale: 'not a locale' });
    expect((await odd.get(`/spaces/${spaceId}`)).status).to.equal(200);
    const { threadId } = await startThread(odd, 'Locale check', 'fine');
    expect((await odd.get(`/threads/${threadId}`)).status).to.equal(200);
    const moodle = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner], locale: 'de_DE' });
    expect((await moodle.get(`/threads/${threadId}`)).body).to.match(/\d{2}:\d{2} (MEZ|MESZ|GMT[+]\d)/);
  });

  it('refuses a parent post from another thread (404)', async () => {
    const a = await startThread(ann, 'Thread one', 'one');
    const b = await startThread(ann, 'Thread two', 'two');
    const res = await ben.post(`/threads/${a.threadId}/replies`, { body: 'cross', parent_post_id: b.openingId });
    expect(res.status).to.equal(404);
  });

  describe('another course', () => {
    let threadId: string;
    let openingId: string;
    let replyId: string;
    let promptId: string;
    let tagId: string;
    let outsiders: Array<[string, Person]>;

    before(async () => {
      ({ threadId, openingId } = await startThread(ann, 'Course one secret thread', 'Course one secret body'));
      replyId = await reply(ben, threadId, 'Course one secret reply');
      // A prep prompt (spaces/prompt-service.ts): its staff routes are in the table too.
      const made = await teacher.post(`/spaces/${spaceId}/prompts`, { title: 'Course one secret prompt', body: 'Course one secret prompt text' });
      expect(made.status, made.body.slice(0, 500)).to.equal(303);
      promptId = (await stack.tool.container.db('prompt_details').where({ space_id: spaceId }).first()).thread_id;
      expect((await teacher.post(`/spaces/${spaceId}/tags`, { label: 'Course one secret tag' })).status).to.equal(303);
      tagId = /id="rename-([0-9a-f-]{36})" name="label" maxlength="\d+" required value="Course one secret tag"/.exec((await teacher.get(`/spaces/${spaceId}/tags`)).body)![1]!;
      outsiders = [
        ['learner of course B', await join({ sub: 'outsider', roles: [ROLE.learner], contextId: 'course-2', resourceLinkId: 'b-link' })],
        ['instructor of course B', await join({ sub: 'outsider-teacher', roles: [ROLE.instructor], contextId: 'course-2', resourceLinkId: 'b-link' })],
        // The same LMS course id through another deployment is another course.
        ['same user sub, other course', await join({ sub: 'ann', roles: [ROLE.learner], contextId: 'course-3', resourceLinkId: 'c-link' })],
      ];
    });

    const routes = (): Array<[method: 'GET' | 'POST', path: () => string, fields?: () => Record<string, string>]> => [
      ['GET', () => `/spaces/${spaceId}`],
      ['GET', () => `/spaces/${spaceId}?sort=newest&page=2`],
      ['GET', () => `/spaces/${spaceId}/threads/new`],
      ['GET', () => `/spaces/${spaceId}/search?q=secret`],
      ['GET', () => `/spaces/${spaceId}/search?q=secret&scope=course`],
      ['POST', () => `/spaces/${spaceId}/threads`, () => ({ title: 'intruder', body: 'intruder' })],
      ['POST', () => `/spaces/${spaceId}/threads`, () => ({ title: '', body: '' })],
      ['GET', () => `/threads/${threadId}`],
      ['GET', () => `/threads/${threadId}?focus=${replyId}`],
      ['POST', () => `/threads/${threadId}/replies`, () => ({ body: 'intruder' })],
      ['POST', () => `/threads/${threadId}/replies`, () => ({ body: '' })],
      ['POST', () => `/threads/${threadId}/pin`],
      ['POST', () => `/threads/${threadId}/unpin`],
      ['POST', () => `/threads/${threadId}/lock`],
      ['POST', () => `/threads/${threadId}/unlock`],
      ['GET', () => `/posts/${replyId}`],
      ['GET', () => `/posts/${openingId}/edit`],
      ['POST', () => `/posts/${openingId}/edit`, () => ({ title: 'intruder', body: 'intruder' })],
      ['GET', () => `/posts/${openingId}/history`],
      ['POST', () => `/posts/${replyId}/delete`],
      ['POST', () => `/posts/${replyId}/hide`],
      ['POST', () => `/posts/${replyId}/restore`],
      ['GET', () => `/spaces/${spaceId}/settings`],
      ['POST', () => `/spaces/${spaceId}/settings`, () => ({ title: 'intruder', time_zone: 'UTC', anonymity: 'off' })],
      ['POST', () => `/spaces/${spaceId}/settings`, () => ({ title: '', time_zone: 'Nowhere/Else' })],
      ['GET', () => `/spaces/${spaceId}/prompts/new`],
      ['POST', () => `/spaces/${spaceId}/prompts`, () => ({ title: 'intruder' })],
      ['POST', () => `/spaces/${spaceId}/prompts`, () => ({ title: '' })],
      ['GET', () => `/threads/${promptId}`],
      ['POST', () => `/threads/${promptId}/replies`, () => ({ body: 'intruder' })],
      ['GET', () => `/prompts/${promptId}/edit`],
      ['POST', () => `/prompts/${promptId}/edit`, () => ({ title: 'intruder' })],
      ['POST', () => `/prompts/${promptId}/move`, () => ({ direction: 'up' })],
      ['POST', () => `/prompts/${promptId}/move`, () => ({ direction: 'bad' })],
      // Readiness (src/readiness): the staff roster, its CSV and refresh, and the mentor page.
      ['GET', () => `/spaces/${spaceId}/readiness`],
      ['GET', () => `/spaces/${spaceId}/readiness?sort=activity&dir=desc`],
      ['GET', () => `/spaces/${spaceId}/readiness.csv`],
      ['POST', () => `/spaces/${spaceId}/readiness/refresh`],
      ['GET', () => `/spaces/${spaceId}/mentees`],
      ['POST', () => `/prompts/${promptId}/delete`],
      // Curation (src/curation): flags, the moderation queue, most useful.
      ['GET', () => `/posts/${replyId}/flag`],
      ['POST', () => `/posts/${replyId}/flag`, () => ({ reason: 'spam', note: 'intruder' })],
      ['POST', () => `/posts/${replyId}/flag`, () => ({ reason: '' })],
      ['GET', () => `/spaces/${spaceId}/moderation`],
      ['POST', () => `/spaces/${spaceId}/moderation/posts/${replyId}/hide`],
      ['POST', () => `/spaces/${spaceId}/moderation/posts/${replyId}/restore`],
      ['POST', () => `/spaces/${spaceId}/moderation/posts/${replyId}/lock`],
      ['POST', () => `/spaces/${spaceId}/moderation/posts/${replyId}/dismiss`],
      ['GET', () => `/spaces/${spaceId}/useful`],
      ['GET', () => `/spaces/${spaceId}/useful?page=2`],
      ['GET', () => `/spaces/${spaceId}/tags`],
      ['POST', () => `/spaces/${spaceId}/tags`, () => ({ label: 'intruder' })],
      ['POST', () => `/spaces/${spaceId}/tags/${tagId}/rename`, () => ({ label: 'intruder' })],
      ['POST', () => `/spaces/${spaceId}/tags/${tagId}/rename`, () => ({ label: '' })],
      ['POST', () => `/spaces/${spaceId}/tags/${tagId}/delete`],
      ['GET', () => `/spaces/${spaceId}?tag=${tagId}`],
      ['GET', () => `/threads/${threadId}/tags`],
      ['POST', () => `/threads/${threadId}/tags`, () => ({ tags: tagId })],
      // Mentions and notifications (src/mentions).
      ['GET', () => `/spaces/${spaceId}/people?q=a`],
      ['GET', () => `/spaces/${spaceId}/notifications`],
      ['POST', () => `/spaces/${spaceId}/notifications/read-all`],
      ['POST', () => `/spaces/${spaceId}/notifications/${replyId}/read`],
      // Connections (src/connections): the people directory and one's profile in it.
      ['GET', () => `/spaces/${spaceId}/people-directory`],
      ['GET', () => `/spaces/${spaceId}/people-directory?q=secret`],
      ['GET', () => `/spaces/${spaceId}/people-directory/profile`],
      ['POST', () => `/spaces/${spaceId}/people-directory/profile`, () => ({ bio: 'intruder', expertise: 'intruder' })],
      ['POST', () => `/spaces/${spaceId}/people-directory/profile`, () => ({ bio: 'x'.repeat(1001) })],
      // Analytics (src/analytics): the space dashboard and its CSV tables.
      ['GET', () => `/spaces/${spaceId}/analytics`],
      ['GET', () => `/spaces/${spaceId}/analytics.csv?table=unanswered`],
      ['GET', () => `/spaces/${spaceId}/analytics.csv?table=secrets`],
    ];

    it('gets 404 for course A\'s space, thread and post ids on every route, and sees nothing', async () => {
      let checked = 0;
      for (const [who, person] of outsiders) {
        for (const [method, path, fields] of routes()) {
          const res = method === 'GET' ? await person.get(path()) : await person.post(path(), fields?.() ?? {});
          const what = `${who}: ${method} ${path()}`;
          expect(res.status, `${what}\n${res.body.slice(0, 300)}`).to.equal(404);
          expect(res.body, what).not.to.contain('Course one secret');
          expect(res.body, what).not.to.contain('Negotiation debrief');
          checked++;
        }
      }
      expect(checked).to.equal(outsiders.length * routes().length);
      // Nothing changed in course A.
      const page = await ann.get(`/threads/${threadId}`);
      expect(page.body).to.contain('Course one secret reply');
      expect(page.body).not.to.contain('intruder');
      expect(page.body).not.to.contain('badge--pinned');
      expect(page.body).not.to.contain('badge--locked');
    });
  });

  describe('hostile input', () => {
    // Script injection in every shape we know of: raw HTML, Markdown links and images, entity
    // and whitespace tricks, broken markup, attribute breakouts, template syntax.
    const PAYLOADS = [
      '<script>alert(1)</script>',
      '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
      '<img src=x onerror=alert(1)>',
      '<IMG SRC="javascript:alert(1)">',
      '<svg onload=alert(1)>',
      '<svg/onload=alert(1)>',
      '<svg><script>alert(1)</script></svg>',
      '<iframe src="javascript:alert(1)"></iframe>',
      '<a href="javascript:alert(1)">click</a>',
      '[click](javascript:alert(1))',
      '[click](JaVaScRiPt:alert(1))',
      '[click](&#106;avascript:alert(1))',
      '[click](&#x6A;&#x61;vascript:alert(1))',
      '[click](jav&#x09;ascript:alert(1))',
      '[click](  javascript:alert(1))',
      '[click](<javascript:alert(1)>)',
      '[click](vbscript:msgbox(1))',
      '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[ref][x]\n\n[x]: javascript:alert(1)',
      '![x](javascript:alert(1))',
      '![x](https://example.com/x.png" onerror="alert(1))',
      '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
      '[x](https://example.com/"onmouseover="alert(1))',
      '<javascript:alert(1)>',
      'javascript:alert(1)',
      '<body onload=alert(1)>',
      '<div style="background:url(javascript:alert(1))">x</div>',
      '"><script>alert(1)</script>',
      "'><img src=x onerror=alert(1)>",
      '</textarea><script>alert(1)</script>',
      '</title><script>alert(1)</script>',
      '<details open ontoggle=alert(1)>',
      '<input autofocus onfocus=alert(1)>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
      '<form action="javascript:alert(1)"><button>x</button></form>',
      '<button formaction="javascript:alert(1)">x</button>',
      '<object data="javascript:alert(1)"></object>',
      '<embed src="javascript:alert(1)">',
      '<link rel=stylesheet href="javascript:alert(1)">',
      '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
      '<base href="javascript:alert(1)//">',
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      '<<script>script>alert(1)<</script>/script>',
      '<scr<script>ipt>alert(1)</scr</script>ipt>',
      '%3Cscript%3Ealert(1)%3C/script%3E',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '<a href="https://example.com" onclick="alert(1)">x</a>',
      '<img """><script>alert(1)</script>">',
      '<video><source onerror="alert(1)"></video>',
      '<audio src=x onerror=alert(1)>',
      '<marquee onstart=alert(1)>x</marquee>',
      '<style>@import "javascript:alert(1)";</style>',
      '<a href=" javascript:alert(1)">x</a>',
      '<a href="data:text/html,<script>alert(1)</script>">x</a>',
      '<template><script>alert(1)</script></template>',
      '`<script>alert(1)</script>`',
      '```html\n<script>alert(1)</script>\n```',
      '<%= process.exit(1) %> <%- "<script>alert(1)</script>" %>',
      '{{constructor.constructor("alert(1)")()}} ${alert(1)}',
      '# <img src=x onerror=alert(1)>\n\n> <script>alert(1)</script>',
      '| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |',
      'https://example.com/<script>alert(1)</script>',
      'x\u0000<script>alert(1)</script>',
      '\u202e<script>alert(1)</script>',
    ];
    // What the tool keeps of a text: LF line breaks, no control characters (PostgreSQL refuses NUL).
    const kept = (s: string): string => s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
    let xssSpace: string;
    const created: Array<{ payload: string; threadId: string; openingId: string }> = [];

    before(async () => {
      // A second space (another link in the course), so these threads crowd no other test.
      const t = await launch(stack, { sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'link-xss' });
      const session = await stack.tool.container.sessions.get(sha256(t.sessionToken!));
      const setup = await t.browser.request(`${base}/app/setup`, { form: { session: t.sessionToken!, _csrf: session!.csrfToken, kind: 'prep', title: 'Hostile space', time_zone: 'UTC' } });
      xssSpace = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    });

    it(`has at least 50 payloads (${PAYLOADS.length})`, () => {
      expect(PAYLOADS.length).to.be.at.least(50);
    });

    it('escapes or sanitizes every payload posted as a title, a body and a reply', async () => {
      for (const payload of PAYLOADS) {
        const title = payload.slice(0, 200);
        const res = await ann.post(`/spaces/${xssSpace}/threads`, { title, body: payload });
        expect(res.status, `${payload}: ${res.body.slice(0, 300)}`).to.equal(303);
        const threadId = threadIdFrom(res);
        const r = await ben.post(`/threads/${threadId}/replies`, { body: `reply: ${payload}` });
        expect(r.status, payload).to.equal(303);
        const page = await ben.get(`/threads/${threadId}`);
        expect(page.status).to.equal(200);
        assertNoActiveContent(page.body, `thread page for ${JSON.stringify(payload)}`);
        // The title comes back as text, exactly as typed (whitespace runs folded).
        expect(page.body, payload).to.contain(`<h1>${escapeHtml(kept(title).replace(/\s+/g, ' ').trim())}</h1>`);
        const openingId = /<article class="post post--\w+" id="post-([0-9a-f-]{36})"/.exec(page.body)![1]!;
        created.push({ payload, threadId, openingId });
      }
      // Every list page, and the edit form that puts a title into an attribute and a body into a textarea.
      for (let page = 1; page <= Math.ceil(PAYLOADS.length / 20); page++) {
        const list = await ben.get(`/spaces/${xssSpace}?page=${page}`);
        expect(list.status).to.equal(200);
        assertNoActiveContent(list.body, `thread list page ${page}`);
      }
      for (const c of created) {
        const form = await ann.get(`/posts/${c.openingId}/edit`);
        assertNoActiveContent(form.body, `edit form for ${JSON.stringify(c.payload)}`);
        expect(form.body).to.contain(`>${escapeHtml(kept(c.payload))}</textarea>`);
      }
    });

    it('keeps hostile input inert on the error page that gives it back', async () => {
      for (const payload of PAYLOADS.slice(0, 20)) {
        const res = await ann.post(`/spaces/${xssSpace}/threads`, { title: payload, body: '' });
        expect(res.status).to.equal(400);
        assertNoActiveContent(res.body, `refused form for ${JSON.stringify(payload)}`);
      }
    });

    it('keeps every payload inert as a directory profile (bio Markdown, expertise labels) on the directory, the form and its refusal', async () => {
      for (const payload of PAYLOADS) {
        const res = await ann.post(`/spaces/${xssSpace}/people-directory/profile`, { bio: payload, expertise: payload.slice(0, 40) });
        // A payload with a comma splits into labels; one over 40 characters after splitting cannot happen here.
        expect(res.status, `${payload}: ${res.body.slice(0, 300)}`).to.equal(303);
        const form = await ann.get(`/spaces/${xssSpace}/people-directory/profile`);
        assertNoActiveContent(form.body, `profile form for ${JSON.stringify(payload)}`);
        expect(form.body, payload).to.contain(`>${escapeHtml(kept(payload).trim())}</textarea>`);
        const dir = await ben.get(`/spaces/${xssSpace}/people-directory?q=${encodeURIComponent(payload.slice(0, 100))}`);
        assertNoActiveContent(dir.body, `directory for ${JSON.stringify(payload)}`);
      }
      const refused = await ann.post(`/spaces/${xssSpace}/people-directory/profile`, { bio: `${PAYLOADS[0]}${'x'.repeat(1000)}`, expertise: PAYLOADS[2]! });
      expect(refused.status).to.equal(413);
      assertNoActiveContent(refused.body, 'refused profile form');
      expect(refused.body).to.contain(escapeHtml(PAYLOADS[2]!));
    });

    it('paginates the thread list (20 a page)', async () => {
      const p1 = await ben.get(`/spaces/${xssSpace}`);
      expect((p1.body.match(/<li class="thread-item/g) ?? []).length).to.equal(20);
      expect(p1.body).to.contain(`Page 1 of ${Math.ceil(PAYLOADS.length / 20)}`);
      const last = await ben.get(`/spaces/${xssSpace}?page=${Math.ceil(PAYLOADS.length / 20)}`);
      expect((last.body.match(/<li class="thread-item/g) ?? []).length).to.equal(PAYLOADS.length % 20 || 20);
    });

    it('escapes every payload used as a tag label: tag admin, filter, chips, new-thread and tag forms', async () => {
      const labels = new Set<string>();
      for (const payload of PAYLOADS) {
        const res = await teacher.post(`/spaces/${xssSpace}/tags`, { label: payload.slice(0, 40) });
        // Slices that fold to the same label (case, whitespace) are refused as duplicates (409), empty ones as 400.
        expect([303, 400, 409], `${payload}: ${res.body.slice(0, 200)}`).to.include(res.status);
        assertNoActiveContent(res.body, `tag form for ${JSON.stringify(payload)}`);
        if (res.status === 303) labels.add(payload);
      }
      expect(labels.size).to.be.at.least(40);
      const admin = await teacher.get(`/spaces/${xssSpace}/tags`);
      assertNoActiveContent(admin.body, 'tag admin page');
      const tagIds = [...admin.body.matchAll(/id="rename-([0-9a-f-]{36})"/g)].map((m) => m[1]!);
      expect(tagIds.length).to.equal(labels.size);
      // (After the paging test: this adds a thread to the space.) A hostile tag on a thread (chips on the thread page and in the list); every label in the filter nav.
      const res = await ann.post(`/spaces/${xssSpace}/threads`, { title: 'Tagged with payloads', body: 'b', tags: tagIds[0]! });
      expect(res.status, res.body.slice(0, 300)).to.equal(303);
      const threadId = threadIdFrom(res);
      for (const page of [
        await ben.get(`/threads/${threadId}`),
        await ben.get(`/spaces/${xssSpace}`),
        await ben.get(`/spaces/${xssSpace}?tag=${tagIds[0]}`),
        await ben.get(`/spaces/${xssSpace}/threads/new`),
        await ann.get(`/threads/${threadId}/tags`),
      ]) {
        expect(page.status).to.equal(200);
        assertNoActiveContent(page.body, `tagged page ${page.url}`);
      }
    });
  });
});
