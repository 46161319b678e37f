import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { createJourneyStore } from '../../src/journey/journey-store.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/** Real time, but never the same millisecond twice: orderings by time are then well defined. */
function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}

interface Answer {
  status: number;
  type: string;
  // The API's JSON, read loosely: each test says what it expects in it.
  body: any;
}

/** A launched person calling the API with their session token. */
interface Caller {
  token: string;
  call(method: string, path: string, body?: unknown, opts?: { raw?: string; type?: string; headers?: Record<string, string> }): Promise<Answer>;
}

type Json = Record<string, any>;

/** Tags a post's `html` may hold (src/discussion/markdown.ts allows these and no others). */
const ALLOWED_TAGS = new Set(['p', 'br', 'hr', 'strong', 'em', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);

/**
 * Asserts an `html` field holds no active markup: every real tag (text that reads "<script" is
 * escaped, so it starts no tag) is an allowed one, with no event-handler or style attribute, and
 * links only to http(s) or mailto.
 */
function assertInert(html: string | null, what: string): void {
  if (html === null) return;
  for (const m of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const where = `${what}: ${m[0]}`;
    expect(ALLOWED_TAGS.has(m[1]!.toLowerCase()), where).to.equal(true);
    const attrs = [...m[2]!.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)];
    for (const a of attrs) {
      const name = a[1]!.toLowerCase();
      expect(['href', 'rel', 'target', 'start'], where).to.include(name);
      if (name === 'href') expect(a[2] ?? a[3] ?? a[4], where).to.match(/^(https?:\/\/|mailto:)/);
    }
  }
}

describe('JSON API /api/v1 (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Caller;
  let ann: Caller;
  let ben: Caller;
  let anon: Caller;
  let spaceId: string;

  async function api(token: string | null, method: string, path: string, body?: unknown, opts: { raw?: string; type?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: the assertions on `type` say so */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed };
  }

  async function join(spec: LaunchSpec): Promise<Caller> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    // The token a launch's pages carry (?session=), the one the API takes as a bearer token.
    const token = r.sessionToken!;
    return { token, call: (m, p, b, o) => api(token, m, p, b, o) };
  }

  const expectError = (a: Answer, status: number, code: string, what = ''): void => {
    expect(a.status, `${what} ${JSON.stringify(a.body).slice(0, 400)}`).to.equal(status);
    expect(a.type, what).to.match(/^application\/json/);
    expect(a.body.error.code, what).to.equal(code);
    expect(a.body.error.message, what).to.be.a('string').and.not.equal('');
  };

  async function createThread(who: Caller, title: string, body: string, kind = 'discussion', space = spaceId): Promise<Json> {
    const a = await who.call('POST', `/spaces/${space}/threads`, { title, body, kind });
    expect(a.status, JSON.stringify(a.body).slice(0, 500)).to.equal(201);
    return a.body;
  }

  async function reply(who: Caller, threadId: string, body: string, parentId?: string): Promise<Json> {
    const a = await who.call('POST', `/threads/${threadId}/replies`, parentId ? { body, parent_post_id: parentId } : { body });
    expect(a.status, JSON.stringify(a.body).slice(0, 500)).to.equal(201);
    return a.body.post;
  }

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock() });
    base = stack.tool.publicUrl;
    // The space is made the way an instructor makes it: the setup page of the first launch.
    const t = await launch(stack, { sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const session = await stack.tool.container.sessions.get(sha256(t.sessionToken!));
    const setup = await t.browser.request(`${base}/app/setup`, { form: { session: t.sessionToken!, _csrf: session!.csrfToken, kind: 'post_event', title: 'API debrief', time_zone: 'Europe/Berlin' } });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    teacher = { token: t.sessionToken!, call: (m, p, b, o) => api(t.sessionToken!, m, p, b, o) };
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner], locale: 'es-MX' });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    anon = await join({ sub: null, roles: [ROLE.learner] });
  });
  after(async () => stack?.close());

  it('serves its OpenAPI document to anyone, without a token', async () => {
    const a = await api(null, 'GET', '/openapi.json');
    expect(a.status).to.equal(200);
    expect(a.type).to.match(/^application\/json/);
    expect(a.body.openapi).to.equal('3.1.0');
    expect(a.body.servers[0].url).to.equal(`${base}/api/v1`);
    expect(Object.keys(a.body.paths)).to.include.members(['/me', '/threads/{id}', '/posts/{id}/reactions/helpful']);
  });

  it('GET /me says who the token speaks for: role, course, locale, session expiry', async () => {
    const me = await ann.call('GET', '/me');
    expect(me.status).to.equal(200);
    expect(me.body).to.deep.include({ user: { name: 'Ann Learner' }, role: 'learner', staff: false, course: { label: 'C1', title: 'Course One' }, locale: 'es-MX', language: 'es' });
    expect(Date.parse(me.body.sessionExpiresAt)).to.be.greaterThan(Date.now());
    const t = await teacher.call('GET', '/me');
    expect(t.body).to.deep.include({ role: 'instructor', staff: true, language: 'en' });
    const a = await anon.call('GET', '/me');
    expect(a.body.user).to.equal(null);
    // No ids, email or tokens in it.
    expect(JSON.stringify(me.body)).not.to.match(/"(id|sub|email)"|csrf|token/i);
  });

  it('takes the session token only as a bearer header: ?session=, a body field or a bad token get 401 JSON', async () => {
    expectError(await api(null, 'GET', '/me'), 401, 'bearer_required');
    expectError(await api(null, 'GET', `/me?session=${encodeURIComponent(ann.token)}`), 401, 'bearer_required', 'query token');
    expectError(await api(null, 'POST', `/spaces/${spaceId}/threads?session=${encodeURIComponent(ann.token)}`, { session: ann.token, title: 't', body: 'b' }), 401, 'bearer_required', 'query + body token');
    expectError(await api(null, 'GET', '/me', undefined, { headers: { authorization: `Basic ${ann.token}` } }), 401, 'bearer_required', 'basic');
    expectError(await api('not-a-session', 'GET', '/me'), 401, 'session_expired');
    // Spanish for a Spanish-speaking browser, before any session says otherwise.
    const es = await api(null, 'GET', '/me', undefined, { headers: { 'accept-language': 'es' } });
    expect(es.body.error.message).to.equal('La API necesita el token de sesión en una cabecera Authorization.');
    // Nothing was created by the refused POST.
    const list = await ann.call('GET', `/spaces/${spaceId}/threads`);
    expect(list.body.threads).to.deep.equal([]);
  });

  it('runs a discussion: create, reply, nest, read with paging metadata, list and sort', async () => {
    const space = await ben.call('GET', `/spaces/${spaceId}`);
    expect(space.status).to.equal(200);
    expect(space.body).to.deep.equal({ id: spaceId, kind: 'post_event', title: 'API debrief', eventAt: null, timeZone: 'Europe/Berlin' });

    const created = await createThread(ann, 'How do you open?', 'I start with **questions**. See https://example.com/guide', 'question');
    expect(created.thread).to.include({ title: 'How do you open?', kind: 'question', pinned: false, locked: false, authorName: 'Ann Learner', replyCount: 0 });
    expect(created.opening.html).to.contain('<strong>questions</strong>');
    expect(created.opening.html).to.contain('<a href="https://example.com/guide" rel="noopener nofollow ugc" target="_blank">');
    expect(created.opening.markdown).to.equal('I start with **questions**. See https://example.com/guide');
    expect(created.opening).to.include({ mine: true, state: 'visible', depth: 0 });
    expect(created.opening.can).to.include({ edit: true, delete: true, hide: false, react: false });
    // Serializers send what the pages show: no author or course ids.
    expect(JSON.stringify(created)).not.to.match(/"(authorId|contextId|createdBy|hiddenBy|endorsedBy|bodyHtml|renderVersion)"/);
    const threadId = created.thread.id as string;

    const b1 = await reply(ben, threadId, 'Ask about **constraints**.');
    expect(b1).to.include({ depth: 1, authorName: 'Ben Learner', mine: true, parentId: created.opening.id });
    const a2 = await reply(ann, threadId, 'Level two', b1.id);
    const b3 = await reply(ben, threadId, 'Level three', a2.id);
    const a4 = await ann.call('POST', `/threads/${threadId}/replies`, { body: 'Level four', parent_post_id: b3.id });
    expect(a4.body.location).to.deep.equal({ threadId, postId: a4.body.post.id, page: 1, focusId: b3.id });

    const read = await ben.call('GET', `/threads/${threadId}`);
    expect(read.status).to.equal(200);
    expect(read.body.pagination).to.deep.equal({ page: 1, pageCount: 1, pageSize: 20, total: 1 });
    const l1 = read.body.opening.replies[0];
    expect(l1.html).to.contain('<strong>constraints</strong>');
    expect(l1.replies[0].replies[0].markdown).to.equal('Level three');
    // Deeper than the pages show: counted, and read with ?focus=.
    expect(l1.replies[0].replies[0].replies).to.deep.equal([]);
    expect(l1.replies[0].replies[0].moreReplies).to.equal(1);
    const focus = await ben.call('GET', `/threads/${threadId}?focus=${b3.id}`);
    expect(focus.body.focus.post.replies[0].markdown).to.equal('Level four');

    await createThread(ben, 'Second thread', 'newer');
    const newest = await ann.call('GET', `/spaces/${spaceId}/threads?sort=newest`);
    expect(newest.body.threads.map((t: Json) => t.title)).to.deep.equal(['Second thread', 'How do you open?']);
    expect(newest.body.pagination).to.deep.equal({ page: 1, pageCount: 1, pageSize: 20, total: 2 });
    expect(newest.body.canCreate).to.equal(true);
    const active = await ann.call('GET', `/spaces/${spaceId}/threads?sort=active&page=1`);
    expect(active.body.threads[0]).to.include({ title: 'Second thread', replyCount: 0, answered: false });
  });

  it('edits, deletes and keeps history with the same rules as the pages', async () => {
    const t = await createThread(ann, 'Edit me', 'first version');
    const edited = await ann.call('PATCH', `/posts/${t.opening.id}`, { title: 'Edited title', body: 'second **version**' });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    expect(edited.body.post.html).to.contain('<strong>version</strong>');
    expect(edited.body.post.editedAt).to.be.a('string');
    expect((await ann.call('GET', `/threads/${t.thread.id}`)).body.thread.title).to.equal('Edited title');
    // Leaving the title out keeps it.
    expect((await ann.call('PATCH', `/posts/${t.opening.id}`, { body: 'third' })).status).to.equal(200);
    expect((await ann.call('GET', `/threads/${t.thread.id}`)).body.thread.title).to.equal('Edited title');
    expectError(await ben.call('PATCH', `/posts/${t.opening.id}`, { body: 'not mine' }), 403, 'not_author');

    const r = await reply(ben, t.thread.id, 'a reply');
    const titled = await ben.call('PATCH', `/posts/${r.id}`, { title: 'replies have none', body: 'x' });
    expectError(titled, 400, 'validation_failed');
    expect(titled.body.error.fields).to.have.property('title');

    const history = await teacher.call('GET', `/posts/${t.opening.id}/history`);
    expect(history.status).to.equal(200);
    expect(history.body.revisions.map((v: Json) => v.title)).to.deep.equal(['Edit me', 'Edited title']);
    expect(history.body.revisions[0].html).to.contain('first version');
    expectError(await ann.call('GET', `/posts/${t.opening.id}/history`), 403, 'forbidden_role');

    expectError(await ann.call('DELETE', `/posts/${r.id}`), 403, 'not_author');
    const del = await ben.call('DELETE', `/posts/${r.id}`);
    expect(del.status).to.equal(200);
    expect(del.body.post).to.include({ state: 'deleted', html: null, markdown: null });
    expectError(await ben.call('DELETE', `/posts/${r.id}`), 409, 'post_unavailable');
  });

  it('reactions, endorsement and accepted answers, each way, with the pages\' permissions', async () => {
    const q = await createThread(ann, 'Which opener?', 'Tell me', 'question');
    const b = await reply(ben, q.thread.id, 'Start with a question');

    const liked = await ann.call('PUT', `/posts/${b.id}/reactions/helpful`);
    expect(liked.status).to.equal(200);
    expect(liked.body.post).to.include({ reactionCount: 1, reactedByMe: true });
    // Idempotent: a second PUT changes nothing.
    expect((await ann.call('PUT', `/posts/${b.id}/reactions/helpful`)).body.post.reactionCount).to.equal(1);
    expectError(await ben.call('PUT', `/posts/${b.id}/reactions/helpful`), 403, 'own_post');
    const unliked = await ann.call('DELETE', `/posts/${b.id}/reactions/helpful`);
    expect(unliked.body.post).to.include({ reactionCount: 0, reactedByMe: false });

    expectError(await ben.call('POST', `/posts/${b.id}/endorse`), 403, 'forbidden_role');
    expect((await teacher.call('POST', `/posts/${b.id}/endorse`)).body.post.endorsed).to.equal(true);
    expect((await teacher.call('POST', `/posts/${b.id}/unendorse`)).body.post.endorsed).to.equal(false);

    expectError(await ben.call('POST', `/posts/${b.id}/accept`), 403, 'not_asker');
    const accepted = await ann.call('POST', `/posts/${b.id}/accept`);
    expect(accepted.body.post.accepted).to.equal(true);
    const page = await ben.call('GET', `/threads/${q.thread.id}`);
    expect(page.body.thread.acceptedPostId).to.equal(b.id);
    expect(page.body.accepted.id).to.equal(b.id);
    expectError(await ann.call('POST', `/posts/${q.opening.id}/accept`), 409, 'not_a_reply');
    expect((await ann.call('POST', `/posts/${b.id}/unaccept`)).body.post.accepted).to.equal(false);
  });

  it('moderation: learners cannot pin, lock or hide (403 JSON); staff can, and learners then see less', async () => {
    const t = await createThread(ben, 'Moderate me', 'secret words');
    const r = await reply(ann, t.thread.id, 'reply words');
    for (const action of ['pin', 'unpin', 'lock', 'unlock']) expectError(await ann.call('POST', `/threads/${t.thread.id}/${action}`), 403, 'forbidden_role', action);
    for (const action of ['hide', 'restore']) expectError(await ann.call('POST', `/posts/${r.id}/${action}`), 403, 'forbidden_role', action);

    expect((await teacher.call('POST', `/threads/${t.thread.id}/pin`)).body).to.include({ pinned: true, title: 'Moderate me' });
    expect((await ann.call('GET', `/spaces/${spaceId}/threads`)).body.threads[0]).to.include({ id: t.thread.id, pinned: true });
    expect((await teacher.call('POST', `/threads/${t.thread.id}/lock`)).body.locked).to.equal(true);
    expectError(await ann.call('POST', `/threads/${t.thread.id}/replies`, { body: 'too late' }), 403, 'thread_locked');
    expect((await teacher.call('POST', `/threads/${t.thread.id}/unlock`)).body.locked).to.equal(false);

    const hidden = await teacher.call('POST', `/posts/${t.opening.id}/hide`);
    expect(hidden.body.post).to.include({ state: 'hidden', markdown: 'secret words' });
    const learnerView = await ann.call('GET', `/threads/${t.thread.id}`);
    expect(learnerView.body.thread.title).to.equal(null);
    expect(learnerView.body.opening).to.include({ state: 'hidden', html: null, markdown: null });
    expect(JSON.stringify(learnerView.body)).not.to.contain('secret words');
    expect(JSON.stringify(learnerView.body)).not.to.contain('Moderate me');
    expect((await ann.call('GET', `/spaces/${spaceId}/threads`)).body.threads.find((x: Json) => x.id === t.thread.id).title).to.equal(null);
    expect((await teacher.call('POST', `/posts/${t.opening.id}/restore`)).body.post.state).to.equal('visible');
    expect((await ann.call('GET', `/posts/${t.opening.id}`)).body.post.markdown).to.equal('secret words');
  });

  it('an anonymous launch may read but not post, reply or react (403 JSON)', async () => {
    const t = await createThread(ann, 'Readable by all', 'hello');
    expect((await anon.call('GET', `/threads/${t.thread.id}`)).status).to.equal(200);
    expect((await anon.call('GET', `/spaces/${spaceId}/threads`)).body.canCreate).to.equal(false);
    expectError(await anon.call('POST', `/spaces/${spaceId}/threads`, { title: 'anon', body: 'anon' }), 403, 'anonymous');
    expectError(await anon.call('POST', `/threads/${t.thread.id}/replies`, { body: 'anon' }), 403, 'anonymous');
    expectError(await anon.call('PUT', `/posts/${t.opening.id}/reactions/helpful`), 403, 'anonymous');
  });

  it('refuses malformed and oversized input with JSON errors that name the fields', async () => {
    const path = `/spaces/${spaceId}/threads`;
    expectError(await ann.call('POST', path, undefined, { raw: '{"title": "x", "body": ' }), 400, 'malformed_body', 'broken JSON');
    expectError(await ann.call('POST', path, undefined, { raw: '["title"]' }), 400, 'malformed_body', 'array');
    expectError(await ann.call('POST', path, undefined, { raw: 'title=x&body=y', type: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type', 'form');
    expectError(await ann.call('POST', path, undefined, { raw: JSON.stringify({ title: 'big', body: 'x'.repeat(200_000) }) }), 413, 'payload_too_large', 'over the JSON limit');

    const long = await ann.call('POST', path, { title: 'long', body: 'y'.repeat(20_001) });
    expectError(long, 413, 'payload_too_large', 'over the post limit');
    expect(long.body.error.fields.body).to.contain('20,000');
    const bad = await ann.call('POST', path, { title: '   ', body: '', kind: 'poll' });
    expectError(bad, 400, 'validation_failed');
    expect(Object.keys(bad.body.error.fields).sort()).to.deep.equal(['body', 'kind', 'title']);
    const typed = await ann.call('POST', path, { title: 42, body: 'b' });
    expect(typed.body.error.fields.title).to.equal('Se esperaba un valor de tipo string.');
    const sort = await ann.call('GET', `/spaces/${spaceId}/threads?sort=sideways&page=0`);
    expectError(sort, 400, 'validation_failed');
    expect(Object.keys(sort.body.error.fields).sort()).to.deep.equal(['page', 'sort']);
    // None of it created a thread.
    const titles = (await ann.call('GET', `${path}?sort=newest`)).body.threads.map((t: Json) => t.title);
    expect(titles).not.to.include.members(['big', 'long', '42']);
  });

  it('sanitizes hostile Markdown in every html field, and keeps the source as data', async () => {
    const payloads = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<svg onload=alert(1)>',
      '[click](javascript:alert(1))',
      '[click](&#x6A;&#x61;vascript:alert(1))',
      '[click](jav&#x09;ascript:alert(1))',
      '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[ref][x]\n\n[x]: javascript:alert(1)',
      '![x](https://example.com/x.png" onerror="alert(1))',
      '<a href="https://example.com" onclick="alert(1)">x</a>',
      '<iframe src="javascript:alert(1)"></iframe>',
      '<details open ontoggle=alert(1)>',
      '# <img src=x onerror=alert(1)>\n\n> <script>alert(1)</script>',
      '| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    ];
    for (const p of payloads) {
      const t = await createThread(ann, p.slice(0, 200), p);
      assertInert(t.opening.html, `opening: ${p}`);
      expect(t.opening.markdown, p).to.equal(p);
      await reply(ben, t.thread.id, `reply: ${p}`);
      const page = await teacher.call('GET', `/threads/${t.thread.id}`);
      assertInert(page.body.opening.html, `thread page: ${p}`);
      assertInert(page.body.opening.replies[0].html, `reply: ${p}`);
      const edit = await ann.call('PATCH', `/posts/${t.opening.id}`, { body: `edited ${p}` });
      assertInert(edit.body.post.html, `edit: ${p}`);
      const history = await teacher.call('GET', `/posts/${t.opening.id}/history`);
      for (const r of history.body.revisions) assertInert(r.html, `revision: ${p}`);
    }
  });

  describe('another course', () => {
    let threadId: string;
    let openingId: string;
    let replyId: string;
    let tagId: string;
    let promptId: string;
    let notificationId: string;
    let planId: string;
    let followUpId: string;
    let outsiders: Array<[string, Caller]>;
    let doc: { paths: Record<string, Record<string, { requestBody?: unknown }>> };

    before(async () => {
      const t = await createThread(ann, 'Course one secret thread', 'Course one secret body', 'question');
      threadId = t.thread.id;
      openingId = t.opening.id;
      replyId = (await reply(ben, threadId, 'Course one secret reply')).id;
      // Course A's ids of every other kind a path can carry: a tag, a prompt, a notification.
      const tag = await teacher.call('POST', `/spaces/${spaceId}/tags`, { label: 'Course one secret tag' });
      expect(tag.status, JSON.stringify(tag.body)).to.equal(201);
      tagId = tag.body.id;
      const prompts = await teacher.call('POST', `/spaces/${spaceId}/prompts`, { title: 'Course one secret prompt' });
      expect(prompts.status, JSON.stringify(prompts.body)).to.equal(201);
      promptId = prompts.body.prompts.at(-1).id;
      await reply(ann, threadId, 'Course one secret mention of @Ben Learner');
      const inbox = await ben.call('GET', `/spaces/${spaceId}/notifications`);
      notificationId = inbox.body.notifications[0].id;
      expect(notificationId).to.be.a('string');
      // Journey ids: Ann's action plan, and a follow-up of the space's schedule.
      const plan = await ann.call('POST', `/spaces/${spaceId}/journey/plans`, { goal: 'Course one secret plan', status: 'planned' });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(201);
      planId = plan.body.id;
      followUpId = (await createJourneyStore(stack.tool.container.db).schedule(spaceId, Date.now()))[0]!.id;
      outsiders = [
        ['learner of course B', await join({ sub: 'outsider', roles: [ROLE.learner], contextId: 'course-2', resourceLinkId: 'b-link' })],
        ['instructor of course B', await join({ sub: 'outsider-teacher', roles: [ROLE.instructor], contextId: 'course-2', resourceLinkId: 'b-link' })],
        ['same user sub, other course', await join({ sub: 'ann', roles: [ROLE.learner], contextId: 'course-3', resourceLinkId: 'c-link' })],
      ];
      doc = (await api(null, 'GET', '/openapi.json')).body;
    });

    /**
     * Every documented route with an id, with course A's ids filled in, so a route added later is
     * in this table without anyone remembering to add it. Write routes get a valid body: the
     * answer must be 404 because of the id, not 400 because of the input.
     */
    function routes(): Array<[method: string, path: string, body?: unknown]> {
      const out: Array<[string, string, unknown?]> = [];
      // One body that every write route's schema accepts (unknown keys are dropped), so a 404 is about the id.
      const body = { title: 'intruder', body: 'intruder', label: 'intruder', reason: 'spam', tags: [], direction: 'up', action: 'dismiss', goal: 'intruder', status: 'planned', applied: 'intruder', comment: 'intruder' };
      for (const [template, ops] of Object.entries(doc.paths)) {
        if (!template.includes('{')) continue;
        for (const [method, op] of Object.entries(ops)) {
          const id = template.startsWith('/spaces/') ? spaceId : template.startsWith('/threads/') ? threadId : template.startsWith('/prompts/') ? promptId : template === '/posts/{id}' && method === 'patch' ? openingId : replyId;
          let path = template.replace('{id}', id).replace('{tagId}', tagId).replace('{notificationId}', notificationId).replace('{postId}', replyId).replace('{planId}', planId).replace('{followUpId}', followUpId);
          expect(path, `${template}: a path parameter this table does not fill`).not.to.contain('{');
          // Required query parameters, so the answer is about the id, not a missing query.
          if (template.endsWith('/search')) path += '?q=secret';
          out.push([method.toUpperCase(), path, op.requestBody ? body : undefined]);
          if (template === '/threads/{id}' && method === 'get') out.push(['GET', `${path}?focus=${replyId}&page=2&sort=helpful`]);
        }
      }
      return out;
    }

    it('gets 404 JSON for course A\'s space, thread and post ids on every API route, and sees nothing', async () => {
      const table = routes();
      // Every id-bearing operation of the API is in the table (the 44 of today, and any added).
      expect(table.length).to.be.at.least(44);
      let checked = 0;
      for (const [who, caller] of outsiders) {
        for (const [method, path, body] of table) {
          const a = await caller.call(method, path, body);
          const what = `${who}: ${method} ${path}`;
          expectError(a, 404, 'not_found', what);
          const text = JSON.stringify(a.body);
          expect(text, what).not.to.contain('Course one secret');
          expect(text, what).not.to.contain('API debrief');
          checked++;
        }
      }
      expect(checked).to.equal(outsiders.length * table.length);
      // Nothing changed in course A.
      const page = await ann.call('GET', `/threads/${threadId}`);
      expect(page.body.thread).to.include({ pinned: false, locked: false, acceptedPostId: null, title: 'Course one secret thread' });
      expect(page.body.opening.markdown).to.equal('Course one secret body');
      expect(page.body.opening.replies[0]).to.include({ state: 'visible', markdown: 'Course one secret reply', reactionCount: 0, endorsed: false });
      expect(JSON.stringify(page.body)).not.to.contain('intruder');
      // Nor in its tags, prompts or notifications.
      expect((await teacher.call('GET', `/spaces/${spaceId}/tags`)).body.tags.map((g: Json) => g.label)).to.include('Course one secret tag').and.not.include('intruder');
      expect((await teacher.call('GET', `/spaces/${spaceId}/prompts`)).body.prompts.map((p: Json) => p.title)).to.include('Course one secret prompt').and.not.include('intruder');
      expect((await ben.call('GET', `/spaces/${spaceId}/notifications/unread`)).body.unread).to.be.at.least(1);
      expect((await teacher.call('GET', `/spaces/${spaceId}/moderation`)).body.open).to.deep.equal([]);
      // Nor in the journey: Ann's plan is as she wrote it, unconfirmed.
      const plans = (await ann.call('GET', `/spaces/${spaceId}/journey/plans`)).body.plans;
      expect(plans.map((p: Json) => [p.goal, p.status, p.confirmations.length])).to.deep.equal([['Course one secret plan', 'planned', 0]]);
    });
  });
});
