import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';

/**
 * The feature endpoints of /api/v1 (src/api/feature-routes.ts) through the platform emulator:
 * settings, prompts with post-first, tags, flags and moderation, most useful, search,
 * notifications, people, unread counts, rate limits and anonymity, each as learner, staff,
 * mentor and anonymous launch where the pages make a difference between them.
 */

function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}

interface Answer {
  status: number;
  type: string;
  retryAfter: string | null;
  body: any;
}
interface Caller {
  call(method: string, path: string, body?: unknown): Promise<Answer>;
}
type Json = Record<string, any>;

// What the pages print for a pseudonym, from the catalogues themselves.
const anonLabel = (lang: 'en' | 'es', n: number): string =>
  (JSON.parse(readFileSync(`locales/${lang}/spaces.json`, 'utf8')) as Json).anon.learner.replace('{{n}}', String(n));

describe('JSON API /api/v1 feature endpoints (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Caller;
  let ann: Caller;
  let ben: Caller;
  let mentor: Caller;
  let anon: Caller;
  let spaceId: string;

  async function api(token: string, method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: the assertions on `type` say so */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body: parsed };
  }
  async function join(spec: LaunchSpec): Promise<Caller> {
    const r = await launch(stack, spec);
    expect(r.response.status).to.equal(303);
    const token = r.sessionToken!;
    return { call: (m, p, b) => api(token, m, p, b) };
  }
  const ok = (a: Answer, status = 200, what = ''): Json => {
    expect(a.status, `${what} ${JSON.stringify(a.body).slice(0, 500)}`).to.equal(status);
    return a.body;
  };
  const refused = (a: Answer, status: number, what = ''): Json => {
    expect(a.status, `${what} ${JSON.stringify(a.body).slice(0, 500)}`).to.equal(status);
    expect(a.type, what).to.match(/^application\/json/);
    expect(a.body.error.message, what).to.be.a('string').and.not.equal('');
    return a.body.error;
  };
  async function newSpace(title: string): Promise<string> {
    // Each space is set up from its own resource link, as an instructor adds several to a course.
    const t = await launch(stack, { sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: `link-${title.replace(/\W+/g, '-')}` });
    const session = await stack.tool.container.sessions.get(sha256(t.sessionToken!));
    const setup = await t.browser.request(`${base}/app/setup`, { form: { session: t.sessionToken!, _csrf: session!.csrfToken, kind: 'prep', title, time_zone: 'Europe/Berlin' } });
    return /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
  }
  const thread = async (who: Caller, title: string, body: string, space = spaceId): Promise<Json> => ok(await who.call('POST', `/spaces/${space}/threads`, { title, body, kind: 'discussion' }), 201, 'create thread');
  const replyTo = async (who: Caller, threadId: string, body: string): Promise<Json> => ok(await who.call('POST', `/threads/${threadId}/replies`, { body }), 201, 'reply');

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock(), env: { RATE_POSTS_PER_MINUTE: '100', RATE_FLAGS_PER_HOUR: '4' } });
    base = stack.tool.publicUrl;
    spaceId = await newSpace('Features space');
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner], locale: 'es-MX' });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    mentor = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor] });
    anon = await join({ sub: null, roles: [ROLE.learner] });
  });
  after(async () => stack?.close());

  it('space settings: staff read and change them (fields left out keep their value); others get 403; bad input names its field', async () => {
    for (const [who, c] of [['learner', ann], ['mentor', mentor], ['anonymous', anon]] as const) {
      refused(await c.call('GET', `/spaces/${spaceId}/settings`), 403, who);
      refused(await c.call('PUT', `/spaces/${spaceId}/settings`, { locked: true }), 403, who);
    }
    const before = ok(await teacher.call('GET', `/spaces/${spaceId}/settings`));
    expect(before).to.deep.include({ locked: false, anonymity: 'off', postFirst: false, opensAt: null });
    expect(before.values).to.include({ title: 'Features space', time_zone: 'Europe/Berlin' });
    const changed = ok(await teacher.call('PUT', `/spaces/${spaceId}/settings`, { intro: 'Read **this** <script>alert(1)</script>', closes_date: '2030-01-31' }));
    expect(changed.introHtml).to.contain('<strong>this</strong>').and.not.contain('<script');
    expect(changed.space.title).to.equal('Features space');
    // 23:59 on the closing day, in the space's zone (Berlin is UTC+1 in January).
    expect(changed.closesAt).to.equal('2030-01-31T22:59:00.000Z');
    const bad = refused(await teacher.call('PUT', `/spaces/${spaceId}/settings`, { time_zone: 'Mars/Olympus', title: '' }), 400);
    expect(bad.fields).to.have.keys('time_zone', 'title');
    const big = refused(await teacher.call('PUT', `/spaces/${spaceId}/settings`, { intro: 'x'.repeat(10_001) }), 413);
    expect(big.fields).to.have.key('intro');
    // Nothing of the refused changes was saved.
    const after = ok(await teacher.call('GET', `/spaces/${spaceId}/settings`));
    expect(after.values).to.include({ title: 'Features space', time_zone: 'Europe/Berlin' });
    expect(after.introMarkdown).to.equal('Read **this** <script>alert(1)</script>');
  });

  it('prompts: staff create, edit, move and delete; learners list them with their status and answer through replies; post-first holds on every route', async () => {
    ok(await teacher.call('PUT', `/spaces/${spaceId}/settings`, { post_first: true }));
    refused(await ann.call('POST', `/spaces/${spaceId}/prompts`, { title: 'Mine' }), 403, 'learner creates');
    refused(await mentor.call('POST', `/spaces/${spaceId}/prompts`, { title: 'Mine' }), 403, 'mentor creates');
    const badUrl = refused(await teacher.call('POST', `/spaces/${spaceId}/prompts`, { title: 'Links', materials: [{ label: 'x', url: 'javascript:alert(1)' }] }), 400);
    expect(badUrl.fields).to.have.key('material_url_0');
    ok(await teacher.call('POST', `/spaces/${spaceId}/prompts`, { title: 'Second prompt' }), 201);
    const list = ok(await teacher.call('POST', `/spaces/${spaceId}/prompts`, { title: 'Bring one example', body: 'From *your* work', materials: [{ label: 'Guide', url: 'https://example.org/guide' }] }), 201);
    expect(list.prompts.map((p: Json) => p.title)).to.deep.equal(['Second prompt', 'Bring one example']);
    const promptId = list.prompts[1].id;
    const moved = ok(await teacher.call('POST', `/prompts/${promptId}/move`, { direction: 'up' }));
    expect(moved.prompts.map((p: Json) => p.title)).to.deep.equal(['Bring one example', 'Second prompt']);
    refused(await ann.call('POST', `/prompts/${promptId}/move`, { direction: 'down' }), 403);
    refused(await teacher.call('POST', `/prompts/${promptId}/move`, { direction: 'sideways' }), 400);
    const edited = ok(await teacher.call('PUT', `/prompts/${promptId}`, { title: 'Bring one real example', body: 'From *your* work', required: false }));
    expect(edited.prompts[0]).to.deep.include({ title: 'Bring one real example', required: false, materials: [] });

    // Ben answers: the reply says it is his answer; a reply to his own answer is not one.
    const answer = ok(await ben.call('POST', `/threads/${promptId}/replies`, { body: 'Bens secret answer about forklifts' }), 201);
    expect(answer.promptAnswer).to.equal(true);
    const follow = ok(await ben.call('POST', `/threads/${promptId}/replies`, { body: 'A follow-up', parent_post_id: answer.post.id }), 201);
    expect(follow.promptAnswer).to.equal(false);
    const plain = await thread(ben, 'Plain thread', 'Not a prompt');
    expect(ok(await ben.call('POST', `/threads/${plain.thread.id}/replies`, { body: 'x' }), 201).promptAnswer).to.equal(false);

    const benList = ok(await ben.call('GET', `/spaces/${spaceId}/prompts`));
    expect(benList.prompts[0]).to.include({ answered: true, myAnswerId: answer.post.id, answerCount: 1 });
    const annList = ok(await ann.call('GET', `/spaces/${spaceId}/prompts`));
    expect(annList.prompts[0]).to.include({ answered: false, myAnswerId: null });

    // Ann has not answered: no route gives her Ben's answer.
    const page = ok(await ann.call('GET', `/threads/${promptId}`));
    expect(page.prompt).to.include({ peersHidden: true, canAnswer: true, myAnswerId: null });
    expect(JSON.stringify(page)).not.to.contain('forklifts');
    refused(await ann.call('GET', `/posts/${answer.post.id}`), 404, 'peer answer by id');
    refused(await ann.call('GET', `/threads/${promptId}?focus=${answer.post.id}`), 404, 'peer answer as focus');
    refused(await ann.call('POST', `/posts/${answer.post.id}/flag`, { reason: 'spam' }), 404, 'flag a peer answer');
    refused(await ann.call('PUT', `/posts/${answer.post.id}/reactions/helpful`), 404, 'react to a peer answer');
    const search = ok(await ann.call('GET', `/spaces/${spaceId}/search?q=forklifts`));
    expect(search.results).to.deep.equal([]);
    ok(await teacher.call('POST', `/posts/${answer.post.id}/endorse`));
    expect(JSON.stringify(ok(await ann.call('GET', `/spaces/${spaceId}/useful`)))).not.to.contain('forklifts');
    // Staff and the mentor-free path: staff always read answers.
    expect(JSON.stringify(ok(await teacher.call('GET', `/threads/${promptId}`)))).to.contain('forklifts');

    // Once Ann answers, she reads Ben's.
    expect(ok(await ann.call('POST', `/threads/${promptId}/replies`, { body: 'Anns answer' }), 201).promptAnswer).to.equal(true);
    expect(JSON.stringify(ok(await ann.call('GET', `/threads/${promptId}`)))).to.contain('forklifts');
    expect(ok(await ann.call('GET', `/spaces/${spaceId}/search?q=forklifts`)).results).to.have.length(1);

    refused(await ann.call('DELETE', `/prompts/${promptId}`), 403);
    const left = ok(await teacher.call('DELETE', `/prompts/${promptId}`));
    expect(left.prompts.map((p: Json) => p.title)).to.deep.equal(['Second prompt']);
    refused(await ann.call('GET', `/threads/${promptId}`), 404, 'deleted prompt');
    ok(await teacher.call('PUT', `/spaces/${spaceId}/settings`, { post_first: false }));
  });

  it('tags: staff manage them, a thread\'s author sets its tags, the thread list filters by tag', async () => {
    const space = await newSpace('Tag space');
    refused(await ann.call('POST', `/spaces/${space}/tags`, { label: 'Safety' }), 403, 'learner');
    refused(await mentor.call('POST', `/spaces/${space}/tags`, { label: 'Safety' }), 403, 'mentor');
    const safety = ok(await teacher.call('POST', `/spaces/${space}/tags`, { label: '  Safety\n  first ' }), 201);
    expect(safety.label).to.equal('Safety first');
    expect(refused(await teacher.call('POST', `/spaces/${space}/tags`, { label: 'safety FIRST' }), 409).code).to.equal('tag_exists');
    const empty = refused(await teacher.call('POST', `/spaces/${space}/tags`, { label: '   ' }), 400);
    // The pages' label schema speaks in catalogue keys; the API answers with the words.
    expect(empty.fields.label).to.be.a('string').and.not.match(/^curation:/);
    expect(refused(await teacher.call('POST', `/spaces/${space}/tags`, { label: 'x'.repeat(41) }), 400).fields).to.have.key('label');
    const tools = ok(await teacher.call('POST', `/spaces/${space}/tags`, { label: 'Tools' }), 201);
    const renamed = ok(await teacher.call('PATCH', `/spaces/${space}/tags/${tools.id}`, { label: 'Hand tools' }));
    expect(renamed).to.deep.equal({ id: tools.id, label: 'Hand tools' });
    refused(await ann.call('PATCH', `/spaces/${space}/tags/${tools.id}`, { label: 'Mine' }), 403);
    // A tag of another space is as unknown as a made-up id.
    refused(await teacher.call('PATCH', `/spaces/${spaceId}/tags/${tools.id}`, { label: 'Moved' }), 404);
    expect(ok(await anon.call('GET', `/spaces/${space}/tags`)).tags.map((g: Json) => g.label)).to.deep.equal(['Hand tools', 'Safety first']);

    const tagged = await thread(ben, 'Gloves or not', 'Which gloves?', space);
    await thread(ben, 'Untagged', 'Nothing', space);
    refused(await ann.call('PUT', `/threads/${tagged.thread.id}/tags`, { tags: [safety.id] }), 403, 'not the author');
    refused(await ben.call('PUT', `/threads/${tagged.thread.id}/tags`, { tags: ['a', 'b', 'c', 'd', 'e', 'f'] }), 400, 'too many');
    const set = ok(await ben.call('PUT', `/threads/${tagged.thread.id}/tags`, { tags: [safety.id, tools.id] }));
    expect(set.tags.map((g: Json) => g.label).sort()).to.deep.equal(['Hand tools', 'Safety first']);
    const filtered = ok(await ann.call('GET', `/spaces/${space}/threads?tag=${safety.id}`));
    expect(filtered.tag).to.deep.equal({ id: safety.id, label: 'Safety first' });
    expect(filtered.threads.map((t: Json) => t.title)).to.deep.equal(['Gloves or not']);
    expect(filtered.threads[0].tags.map((g: Json) => g.label).sort()).to.deep.equal(['Hand tools', 'Safety first']);
    expect(ok(await ann.call('GET', `/spaces/${space}/threads`)).threads).to.have.length(2);
    refused(await ann.call('GET', `/spaces/${space}/threads?tag=no-such-tag`), 404);
    expect(ok(await ann.call('GET', `/threads/${tagged.thread.id}`)).tags).to.have.length(2);

    refused(await ann.call('DELETE', `/spaces/${space}/tags/${tools.id}`), 403);
    expect(ok(await teacher.call('DELETE', `/spaces/${space}/tags/${tools.id}`)).tags.map((g: Json) => g.label)).to.deep.equal(['Safety first']);
    expect(ok(await ann.call('GET', `/threads/${tagged.thread.id}`)).tags.map((g: Json) => g.label)).to.deep.equal(['Safety first']);
  });

  it('flags and the moderation queue: learners flag, staff decide; flagging too fast is 429 JSON with Retry-After', async () => {
    const space = await newSpace('Flag space');
    const t = await thread(ben, 'Spammy thread', 'Buy cheap watches');
    const post = t.opening.id;
    refused(await anon.call('POST', `/posts/${post}/flag`, { reason: 'spam' }), 403, 'anonymous');
    refused(await ben.call('POST', `/posts/${post}/flag`, { reason: 'spam' }), 403, 'own post');
    expect(refused(await ann.call('POST', `/posts/${post}/flag`, { reason: 'bored' }), 400).fields).to.have.key('reason');
    expect(refused(await ann.call('POST', `/posts/${post}/flag`, { reason: 'other', note: 'n'.repeat(501) }), 413).fields).to.have.key('note');
    expect(ok(await ann.call('POST', `/posts/${post}/flag`, { reason: 'spam', note: 'Watches again' }))).to.deep.equal({ added: true, postId: post });
    expect(ok(await ann.call('POST', `/posts/${post}/flag`, { reason: 'spam' })).added).to.equal(false);

    refused(await ann.call('GET', `/spaces/${spaceId}/moderation`), 403, 'learner queue');
    refused(await mentor.call('GET', `/spaces/${spaceId}/moderation`), 403, 'mentor queue');
    const queue = ok(await teacher.call('GET', `/spaces/${spaceId}/moderation`));
    const entry = queue.open.find((e: Json) => e.postId === post);
    expect(entry).to.deep.include({ count: 1, reasons: { spam: 1 }, notes: ['Watches again'], state: 'visible', isOpening: true });
    expect(JSON.stringify(queue)).not.to.contain('Ann Learner');

    refused(await ann.call('POST', `/spaces/${spaceId}/moderation/posts/${post}`, { action: 'hide' }), 403);
    refused(await teacher.call('POST', `/spaces/${spaceId}/moderation/posts/${post}`, { action: 'explode' }), 400);
    // The post is in another space than the queue: as unknown there as anywhere.
    refused(await teacher.call('POST', `/spaces/${space}/moderation/posts/${post}`, { action: 'hide' }), 404);
    expect(ok(await teacher.call('POST', `/spaces/${spaceId}/moderation/posts/${post}`, { action: 'hide' }))).to.deep.equal({ action: 'hide', resolved: 1 });
    expect(ok(await ann.call('GET', `/posts/${post}`)).post).to.include({ state: 'hidden', html: null, markdown: null });
    expect(ok(await teacher.call('GET', `/spaces/${spaceId}/moderation`)).open.find((e: Json) => e.postId === post)).to.equal(undefined);

    // The limit is 4 flags an hour (env of this stack): one was counted above (a repeat adds no flag).
    const more = await thread(ben, 'More', 'One');
    const targets = [more.opening.id, ...(await Promise.all(['a', 'b', 'c'].map(async (b) => (await replyTo(ben, more.thread.id, b)).post.id)))];
    ok(await ann.call('POST', `/posts/${targets[0]}/flag`, { reason: 'spam' }));
    ok(await ann.call('POST', `/posts/${targets[1]}/flag`, { reason: 'spam' }));
    ok(await ann.call('POST', `/posts/${targets[2]}/flag`, { reason: 'spam' }));
    const limited = await ann.call('POST', `/posts/${targets[3]}/flag`, { reason: 'spam' });
    const tooFast = refused(limited, 429);
    expect(tooFast.code).to.equal('rate_limited');
    // Ann's launch is es-MX: the refusal is in Spanish, and says nothing of a form.
    expect(tooFast.message).to.match(/^Este curso solo permite/);
    expect(Number(limited.retryAfter)).to.be.greaterThan(0);
  });

  it('most useful: endorsed and helpful posts first, filtered by tag', async () => {
    const space = await newSpace('Useful space');
    const tag = ok(await teacher.call('POST', `/spaces/${space}/tags`, { label: 'Ladders' }), 201);
    const a = await thread(ann, 'Ladder question', 'How tall?', space);
    ok(await ann.call('PUT', `/threads/${a.thread.id}/tags`, { tags: [tag.id] }));
    const b = await thread(ann, 'Other question', 'What else?', space);
    const best = (await replyTo(ben, a.thread.id, 'Three points of contact')).post.id;
    const other = (await replyTo(ben, b.thread.id, 'Something else entirely')).post.id;
    ok(await teacher.call('POST', `/posts/${best}/endorse`));
    ok(await ann.call('PUT', `/posts/${other}/reactions/helpful`));
    const all = ok(await ann.call('GET', `/spaces/${space}/useful`));
    expect(all.posts.map((p: Json) => p.postId).slice(0, 2)).to.deep.equal([best, other]);
    expect(all.posts[0]).to.include({ endorsed: true, authorName: 'Ben Learner', threadTitle: 'Ladder question' });
    expect(all.posts[0].html).to.contain('Three points of contact');
    expect(all.pagination).to.include({ page: 1, pageCount: 1 });
    const byTag = ok(await mentor.call('GET', `/spaces/${space}/useful?tag=${tag.id}`));
    expect(byTag.posts.map((p: Json) => p.postId)).to.include(best).and.not.include(other);
    refused(await ann.call('GET', `/spaces/${space}/useful?page=0`), 400);
  });

  it('search: safe highlighted HTML and plain snippets, in the space or the course; bad queries are 400', async () => {
    const space = await newSpace('Search space');
    await thread(ann, 'Harness <b>inspection</b>', 'Check the harness & the lanyard <script>alert(1)</script> every day', space);
    const r = ok(await ben.call('GET', `/spaces/${space}/search?q=harness`));
    expect(r.ran).to.equal(true);
    expect(r.pagination.total).to.be.at.least(1);
    const hit = r.results[0];
    expect(hit.titleHtml).to.contain('<mark>Harness</mark>').and.contain('&lt;b&gt;');
    expect(hit.snippetHtml).to.contain('<mark>harness</mark>').and.not.contain('<script');
    expect(hit.title).to.equal('Harness <b>inspection</b>');
    expect(hit.snippet).to.contain('the harness & the lanyard').and.not.contain('<mark>');
    // The thread is in another space: course scope finds it, space scope does not.
    expect(ok(await ben.call('GET', `/spaces/${spaceId}/search?q=lanyard`)).results).to.deep.equal([]);
    expect(ok(await ben.call('GET', `/spaces/${spaceId}/search?q=lanyard&scope=course`)).results.map((x: Json) => x.spaceTitle)).to.deep.equal(['Search space']);
    expect(refused(await ben.call('GET', `/spaces/${space}/search?q=${'x'.repeat(201)}`), 400).fields).to.have.key('q');
    expect(refused(await ben.call('GET', `/spaces/${space}/search?q=%20%20`), 400).fields).to.have.key('q');
    refused(await ben.call('GET', `/spaces/${space}/search`), 400);
    refused(await ben.call('GET', `/spaces/${space}/search?q=harness&scope=planet`), 400);
    expect(ok(await anon.call('GET', `/spaces/${space}/search?q=harness`)).results).to.have.length.at.least(1);
  });

  it('notifications, unread counts and people: mentions reach the bell; reading marks them read', async () => {
    const space = await newSpace('Mention space');
    const people = ok(await ann.call('GET', `/spaces/${space}/people?q=be`));
    expect(people.people.map((p: Json) => p.name)).to.include('Ben Learner');
    expect(Object.keys(people.people[0]).sort()).to.deep.equal(['id', 'name']);
    refused(await ann.call('GET', `/spaces/${space}/people?q=${'x'.repeat(101)}`), 400);

    const before = ok(await ben.call('GET', `/spaces/${space}/notifications/unread`)).unread;
    // Ben reads the list first, so what comes next is unread to him.
    const t = await thread(ben, 'Who knows knots?', 'Asking for a friend', space);
    ok(await ben.call('GET', `/threads/${t.thread.id}`));
    await replyTo(ann, t.thread.id, 'Ask @Ben Learner, he knows');
    await replyTo(ann, t.thread.id, 'Or a bowline');
    // Replies to his thread notify him, and so does the mention.
    const unread = ok(await ben.call('GET', `/spaces/${space}/notifications/unread`)).unread;
    expect(unread).to.be.greaterThan(before + 1);
    const list = ok(await ben.call('GET', `/spaces/${space}/notifications`));
    const n = list.notifications.find((x: Json) => x.kind === 'mention');
    expect(n).to.include({ threadId: t.thread.id, threadTitle: 'Who knows knots?', actorName: 'Ann Learner', readAt: null });
    expect(list.unread).to.equal(unread);

    // Unread counts on the thread list and the thread, as the pages show them.
    const threads = ok(await ben.call('GET', `/spaces/${space}/threads`));
    expect(threads.unreadNotifications).to.equal(unread);
    expect(threads.threads.find((x: Json) => x.id === t.thread.id).unread, JSON.stringify(threads)).to.deep.include({ unread: 2 });
    const page = ok(await ben.call('GET', `/threads/${t.thread.id}`));
    expect(page.newPostIds).to.have.length(2);
    expect(ok(await ben.call('GET', `/threads/${t.thread.id}`)).newPostIds).to.deep.equal([]);
    expect(ok(await ben.call('GET', `/spaces/${space}/threads`)).threads.find((x: Json) => x.id === t.thread.id).unread).to.deep.include({ unread: 0 });
    expect(ok(await anon.call('GET', `/spaces/${space}/threads`)).threads[0].unread).to.equal(null);

    refused(await ann.call('POST', `/spaces/${space}/notifications/${n.id}/read`), 404, "someone else's notification");
    refused(await ben.call('POST', `/spaces/${space}/notifications/no-such-id/read`), 404);
    expect(ok(await ben.call('POST', `/spaces/${space}/notifications/${n.id}/read`)).unread).to.equal(unread - 1);
    expect(ok(await ben.call('GET', `/spaces/${space}/notifications`)).notifications.find((x: Json) => x.id === n.id).readAt).to.be.a('string');
    expect(ok(await ben.call('POST', `/spaces/${space}/notifications/read-all`)).unread).to.equal(0);
    refused(await anon.call('GET', `/spaces/${space}/notifications`), 403, 'anonymous has no notifications');
    refused(await anon.call('POST', `/spaces/${space}/notifications/read-all`), 403);
  });

  it('anonymity to peers: authors print as the pages print them, in the caller\'s language, on every route', async () => {
    const space = await newSpace('Anonymous space');
    ok(await teacher.call('PUT', `/spaces/${space}/settings`, { anonymity: 'peers' }));
    const t = await thread(ben, 'Anonymous question about cranes', 'Cranes body', space);
    const r = await replyTo(ben, t.thread.id, 'Ben adds a crane detail, ping @Ann Learner');
    ok(await teacher.call('POST', `/posts/${r.post.id}/endorse`));

    // Ann (es-MX) sees Ben as a pseudonym, in Spanish, everywhere; never his name.
    const seen: Json[] = [];
    const list = ok(await ann.call('GET', `/spaces/${space}/threads`));
    seen.push(list);
    const entry = list.threads.find((x: Json) => x.id === t.thread.id);
    expect(entry.pseudonym).to.be.a('number');
    expect(entry.authorName).to.equal(anonLabel('es', entry.pseudonym));
    const page = ok(await ann.call('GET', `/threads/${t.thread.id}`));
    seen.push(page);
    expect(page.thread).to.include({ authorName: anonLabel('es', entry.pseudonym), pseudonym: entry.pseudonym });
    expect(page.opening).to.include({ authorName: anonLabel('es', entry.pseudonym), anonymousToPeers: false });
    seen.push(ok(await ann.call('GET', `/posts/${r.post.id}`)));
    seen.push(ok(await ann.call('GET', `/spaces/${space}/useful`)));
    const found = ok(await ann.call('GET', `/spaces/${space}/search?q=crane`));
    expect(found.results.length).to.be.at.least(1);
    seen.push(found);
    // Notifications are the course's: only this space's are anonymous.
    const inbox = ok(await ann.call('GET', `/spaces/${space}/notifications`)).notifications.filter((x: Json) => x.threadId === t.thread.id);
    expect(inbox).to.have.length(1);
    expect(inbox[0]).to.include({ kind: 'mention', actorName: anonLabel('es', entry.pseudonym), pseudonym: entry.pseudonym });
    seen.push(inbox);
    for (const s of seen) expect(JSON.stringify(s), JSON.stringify(s).slice(0, 3000)).not.to.contain('Ben Learner');
    // So does the mentor, in English.
    expect(ok(await mentor.call('GET', `/threads/${t.thread.id}`)).thread.authorName).to.equal(anonLabel('en', entry.pseudonym));

    // Ben sees his own name, told that peers do not; staff see the name with the same hint.
    expect(ok(await ben.call('GET', `/threads/${t.thread.id}`)).opening).to.include({ authorName: 'Ben Learner', pseudonym: null, anonymousToPeers: true });
    const staff = ok(await teacher.call('GET', `/threads/${t.thread.id}`));
    expect(staff.thread).to.include({ authorName: 'Ben Learner', anonymousToPeers: true });
    expect(staff.opening.replies[0]).to.include({ authorName: 'Ben Learner', anonymousToPeers: true });
  });
});
