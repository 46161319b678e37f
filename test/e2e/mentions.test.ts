import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page, TestBrowser } from '../helpers/test-browser.js';

/** Real time plus an offset the test can move (past the visit gap), never the same ms twice. */
function movableClock(): Clock & { advance(ms: number): void } {
  let last = 0;
  let offset = 0;
  return { now: () => (last = Math.max(Date.now() + offset, last + 1)), advance: (ms) => void (offset += ms) };
}

interface Person {
  id: string;
  token: string;
  csrf: string;
  browser: TestBrowser;
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
}

const bellOf = (html: string): string | null => /class="bell-count">([^<]*)</.exec(html)?.[1] ?? null;

describe('mentions, notifications and unread counts (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let clock: ReturnType<typeof movableClock>;
  let spaceId: string;
  let ann: Person;
  let ben: Person;
  let outsider: Person;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const session = (await stack.tool.container.sessions.get(sha256(token)))!;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      id: session.launch.user!.id,
      token,
      csrf: session.csrfToken,
      browser: r.browser,
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: session.csrfToken, ...fields } }),
    };
  }

  async function startThread(who: Person, title: string, body: string): Promise<{ threadId: string; openingId: string }> {
    const res = await who.post(`/spaces/${spaceId}/threads`, { title, body });
    expect(res.status, res.body.slice(0, 500)).to.equal(303);
    const threadId = /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
    const page = await who.get(`/threads/${threadId}`);
    const openingId = /id="post-([0-9a-f-]{36})"/.exec(page.body)![1]!;
    return { threadId, openingId };
  }

  async function reply(who: Person, threadId: string, body: string, parentId?: string): Promise<string> {
    const res = await who.post(`/threads/${threadId}/replies`, parentId ? { body, parent_post_id: parentId } : { body });
    expect(res.status, res.body.slice(0, 500)).to.equal(303);
    return /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location')!)![1]!;
  }

  before(async () => {
    clock = movableClock();
    stack = await startStack({ clock });
    base = stack.tool.publicUrl;
    const teacher = await join({ sub: 'm-teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await teacher.post('/app/setup', { kind: 'post_event', title: 'Coaching debrief', time_zone: 'UTC' });
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'm-ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'm-ben', name: 'Benjamín Ortiz Luna', roles: [ROLE.learner] });
    outsider = await join({ sub: 'm-olga', name: 'Olga Outsider', roles: [ROLE.learner], contextId: 'course-2', resourceLinkId: 'other-link' });
  });
  after(async () => stack?.close());

  it('A mentions B: B\'s bell shows 1, the notifications page lists it, marking it read clears the bell', async () => {
    const before = await ben.get(`/spaces/${spaceId}`);
    expect(before.status).to.equal(200);
    expect(bellOf(before.body)).to.equal(null);
    expect(before.body).to.contain('Notifications</a>');

    // Typed by hand, no accents, other case; and someone from another course.
    const { openingId } = await startThread(ann, 'Feedback plans', 'Thanks @benjamin ortiz luna! And @Olga Outsider too.');
    const thread = await ann.get(`/posts/${openingId}`);
    const page = await ann.browser.request(new URL(thread.headers.get('location')!, base).toString());
    expect(page.body).to.contain('<span class="mention">@Benjamín Ortiz Luna</span>!');
    expect(page.body).to.contain('And @Olga Outsider too.');
    expect(page.body).not.to.contain('<span class="mention">@Olga');

    const space = await ben.get(`/spaces/${spaceId}`);
    expect(bellOf(space.body)).to.equal('1 unread');
    const list = await ben.get(`/spaces/${spaceId}/notifications`);
    expect(list.status).to.equal(200);
    expect(list.body).to.contain('Ann Learner mentioned you in');
    expect(list.body).to.contain(`href="/posts/${openingId}?session=`);
    expect(list.body).to.contain('Feedback plans');
    const nid = /action="\/spaces\/[0-9a-f-]{36}\/notifications\/([0-9a-f-]{36})\/read"/.exec(list.body)![1]!;

    // Nobody else can mark it: not Ann (same course), not the outsider (other course).
    expect((await ann.post(`/spaces/${spaceId}/notifications/${nid}/read`)).status).to.equal(404);
    expect((await ben.post(`/spaces/${spaceId}/notifications/${nid}/read`, { _csrf: 'wrong' })).status).to.equal(403);
    const marked = await ben.post(`/spaces/${spaceId}/notifications/${nid}/read`);
    expect(marked.status).to.equal(303);
    expect(marked.headers.get('location')).to.match(new RegExp(`^/spaces/${spaceId}/notifications\\?session=`));
    expect(bellOf((await ben.get(`/spaces/${spaceId}`)).body)).to.equal(null);
    // Ann mentioned nobody of hers and the outsider is in another course: no notifications.
    expect(bellOf((await ann.get(`/spaces/${spaceId}`)).body)).to.equal(null);
    const olga = await stack.tool.container.db('notifications').where({ user_id: outsider.id }).count<{ n: number | string }[]>({ n: '*' });
    expect(Number(olga[0]!.n)).to.equal(0);

    // One xAPI `mentioned` statement, for Ben only, queued with the post.
    const rows = await stack.tool.container.db('xapi_outbox').select<{ statement: string }[]>('statement');
    const mentioned = rows.map((r) => JSON.parse(r.statement) as { verb: { id: string }; object: { account?: { name: string } } }).filter((s) => s.verb.id.endsWith('/mentioned'));
    expect(mentioned).to.have.length(1);
    expect(mentioned[0]!.object.account?.name).to.equal('m-ben');
  });

  it('a reply notifies the author of the post answered; tokens resolve to members only; mark all read', async () => {
    const { threadId, openingId } = await startThread(ben, 'Ben asks', 'What do you think?');
    await reply(ann, threadId, `Token for Ben: @[Nickname](${ben.id}); token for Olga: @[Olga](${outsider.id}); and myself @Ann Learner.`);
    const page = await ben.get(`/threads/${threadId}`);
    // The token shows the member's real name, whatever the token's text said.
    expect(page.body).to.contain('Token for Ben: <span class="mention">@Benjamín Ortiz Luna</span>;');
    expect(page.body).to.contain(`token for Olga: @[Olga](${outsider.id});`);
    const list = await ben.get(`/spaces/${spaceId}/notifications`);
    expect(list.body).to.contain('Ann Learner replied to your post in');
    expect(list.body).to.contain('Ann Learner mentioned you in');
    expect(list.body).to.contain('2 unread notifications');
    expect(bellOf(list.body)).to.equal(null); // the bell is for the discussion pages
    expect(bellOf((await ben.get(`/spaces/${spaceId}`)).body)).to.equal('2 unread');
    // Mentioning yourself notifies nobody.
    expect(bellOf((await ann.get(`/spaces/${spaceId}`)).body)).to.equal(null);
    const all = await ben.post(`/spaces/${spaceId}/notifications/read-all`);
    expect(all.status).to.equal(303);
    const after = await ben.get(`/spaces/${spaceId}/notifications`);
    expect(after.body).to.contain('0 unread notifications');
    expect(after.body).not.to.contain('Mark all as read');
    expect(openingId).to.be.a('string');
  });

  it('a mention written in another course reaches nobody in this one', async () => {
    const teacherB = await join({ sub: 'm-teacher-b', name: 'Tom Teacher', roles: [ROLE.instructor], contextId: 'course-2', resourceLinkId: 'other-link' });
    const setup = await teacherB.post('/app/setup', { kind: 'prep', title: 'Course two space', time_zone: 'UTC' });
    expect(setup.status, setup.body.slice(0, 300)).to.equal(303);
    const spaceB = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const before = await stack.tool.container.db('notifications').count<{ n: number | string }[]>({ n: '*' });
    const res = await teacherB.post(`/spaces/${spaceB}/threads`, { title: 'Hello B', body: `Hi @Ann Learner and @[Ann](${ann.id}), and @Olga Outsider` });
    expect(res.status).to.equal(303);
    const page = await teacherB.browser.request(new URL(res.headers.get('location')!, base).toString());
    expect(page.body).to.contain('Hi @Ann Learner and @[Ann]');
    expect(page.body).to.contain('<span class="mention">@Olga Outsider</span>');
    const rows = await stack.tool.container.db('notifications').select<{ user_id: string }[]>('user_id');
    expect(rows.length - Number(before[0]!.n)).to.equal(1);
    expect(rows.map((r) => r.user_id)).not.to.include(ann.id);
    expect(bellOf((await ann.get(`/spaces/${spaceId}`)).body)).to.equal(null);
  });

  it('the people endpoint returns course members only: name and opaque id, at most 10', async () => {
    const res = await ann.get(`/spaces/${spaceId}/people?q=ben`);
    expect(res.status).to.equal(200);
    const body = JSON.parse(res.body) as { people: Array<Record<string, string>> };
    expect(body.people).to.deep.equal([{ id: ben.id, name: 'Benjamín Ortiz Luna' }]);
    // Accent-insensitive, any word of the name.
    const luna = JSON.parse((await ann.get(`/spaces/${spaceId}/people?q=ORTÍZ`)).body) as { people: Array<{ name: string }> };
    expect(luna.people.map((p) => p.name)).to.deep.equal(['Benjamín Ortiz Luna']);
    const olga = JSON.parse((await ann.get(`/spaces/${spaceId}/people?q=olga`)).body) as { people: unknown[] };
    expect(olga.people).to.deep.equal([]);
    const everyone = JSON.parse((await ann.get(`/spaces/${spaceId}/people?q=`)).body) as { people: Array<{ name: string }> };
    expect(everyone.people.map((p) => p.name).sort()).to.deep.equal(['Ann Learner', 'Benjamín Ortiz Luna', 'Tess Teacher']);
    for (let i = 0; i < 12; i++) await join({ sub: `m-many-${i}`, name: `Many Person ${i}`, roles: [ROLE.learner] });
    const many = JSON.parse((await ann.get(`/spaces/${spaceId}/people?q=many`)).body) as { people: unknown[] };
    expect(many.people).to.have.length(10);
    // The outsider asks about course A's space: 404, as JSON, and no names.
    const foreign = await outsider.browser.request(`${base}/spaces/${spaceId}/people?q=a&session=${encodeURIComponent(outsider.token)}`, { headers: { accept: 'application/json' } });
    expect(foreign.status).to.equal(404);
    expect(foreign.body).not.to.contain('Ann');
  });

  it('unread counts and "new" markers follow what each person has read, never counting their own posts', async () => {
    const { threadId } = await startThread(ann, 'Unread test', 'Opening from Ann');
    // Ann's own thread is not unread for her.
    let annSpace = await ann.get(`/spaces/${spaceId}`);
    expect(threadRow(annSpace.body, 'Unread test')).not.to.contain('unread-count');
    // Ben has never read it: the opening post is unread.
    let benSpace = await ben.get(`/spaces/${spaceId}`);
    expect(threadRow(benSpace.body, 'Unread test')).to.contain('1 unread');
    await ben.get(`/threads/${threadId}`);
    benSpace = await ben.get(`/spaces/${spaceId}`);
    expect(threadRow(benSpace.body, 'Unread test')).not.to.contain('unread-count');

    const r1 = await reply(ann, threadId, 'First new reply');
    const r2 = await reply(ann, threadId, 'Second new reply');
    await reply(ben, threadId, 'Ben answers himself');
    benSpace = await ben.get(`/spaces/${spaceId}`);
    expect(threadRow(benSpace.body, 'Unread test')).to.contain('2 unread');
    const read = await ben.get(`/threads/${threadId}`);
    expect(read.body).to.contain(`<p class="new-since"><a href="#post-${r1}">2 new posts since your last visit: go to the first</a></p>`);
    expect(articleOf(read.body, r1)).to.contain('badge--new');
    expect(articleOf(read.body, r2)).to.contain('badge--new');
    expect(read.body.match(/badge badge--new/g)).to.have.length(2);
    const again = await ben.get(`/threads/${threadId}`);
    expect(again.body).not.to.contain('badge--new');
    expect(again.body).not.to.contain('new-since');
    benSpace = await ben.get(`/spaces/${spaceId}`);
    expect(threadRow(benSpace.body, 'Unread test')).not.to.contain('unread-count');

    // "New since your last visit": only after a pause long enough to end the visit.
    annSpace = await ann.get(`/spaces/${spaceId}`);
    await reply(ben, threadId, 'Ben, later');
    annSpace = await ann.get(`/spaces/${spaceId}`);
    expect(threadRow(annSpace.body, 'Unread test')).not.to.contain('badge--new');
    expect(threadRow(annSpace.body, 'Unread test')).to.contain('2 unread');
    clock.advance(31 * 60 * 1000);
    annSpace = await ann.get(`/spaces/${spaceId}`);
    expect(threadRow(annSpace.body, 'Unread test')).not.to.contain('badge--new');
    await reply(ben, threadId, 'Ben, in Ann\'s new visit');
    clock.advance(31 * 60 * 1000);
    annSpace = await ann.get(`/spaces/${spaceId}`);
    expect(threadRow(annSpace.body, 'Unread test')).to.contain('badge--new');
    expect(threadRow(annSpace.body, 'Unread test')).to.contain('3 unread');
    // Other threads without activity since are not new.
    expect(threadRow(annSpace.body, 'Feedback plans')).not.to.contain('badge--new');
  });
});

/** The list item of the thread titled `title` in a space page. */
function threadRow(html: string, title: string): string {
  const items = html.split('<li class="thread-item');
  const hit = items.find((i) => i.includes(`>${title}</a></h3>`));
  expect(hit, `thread ${title} in the list`).to.be.a('string');
  return hit!.split('</li>')[0]!;
}

/** One post's <article>. */
function articleOf(html: string, postId: string): string {
  const start = html.indexOf(`id="post-${postId}"`);
  expect(start).to.be.greaterThan(-1);
  return html.slice(start, html.indexOf('</article>', start));
}
