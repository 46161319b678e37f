import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { searchActId } from '../../src/search/search-service.js';
import { statementId } from '../../src/xapi/statement-builder.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}

interface Person {
  userId: string;
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
}

/** The text of the page's results, in order: each result's link target and title HTML. */
const resultsOf = (html: string): Array<{ postId: string; title: string }> =>
  [...html.matchAll(/<li class="search-result">[\s\S]*?<h3><a href="\/posts\/([0-9a-f-]{36})\?session=[^"]+">([\s\S]*?)<\/a><\/h3>/g)].map((m) => ({ postId: m[1]!, title: m[2]! }));

describe('search (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ann: Person;
  let ben: Person;
  let spaceId: string;
  let space2Id: string;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, { contextId: 'search-course', resourceLinkId: 'search-link', ...spec });
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const session = (await stack.tool.container.sessions.get(sha256(token)))!;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      userId: session.launch.user?.id ?? '',
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: session.csrfToken, ...fields } }),
    };
  }

  async function startThread(who: Person, space: string, title: string, body: string): Promise<{ threadId: string; openingId: string }> {
    const res = await who.post(`/spaces/${space}/threads`, { title, body, kind: 'discussion' });
    expect(res.status, res.body.slice(0, 500)).to.equal(303);
    const threadId = /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
    const openingId = (await stack.tool.container.db('posts').where({ thread_id: threadId, depth: 0 }).first('id')).id as string;
    return { threadId, openingId };
  }

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock() });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 's-teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await teacher.post('/app/setup', { kind: 'prep', title: 'Search space', time_zone: 'UTC' });
    expect(setup.status, setup.body.slice(0, 500)).to.equal(303);
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    // A second space in the same course, through another link.
    const t2 = await join({ sub: 's-teacher', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'search-link-2' });
    const setup2 = await t2.post('/app/setup', { kind: 'post_event', title: 'Second space', time_zone: 'UTC' });
    space2Id = /\/spaces\/([0-9a-f-]{36})/.exec(setup2.headers.get('location')!)![1]!;
    ann = await join({ sub: 's-ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 's-ben', name: 'Ben Learner', roles: [ROLE.learner] });
  });
  after(async () => stack?.close());

  it('offers a labelled search form on the space page that works without JavaScript', async () => {
    const page = await ann.get(`/spaces/${spaceId}`);
    expect(page.status).to.equal(200);
    expect(page.body).to.match(new RegExp(`<form class="search-form" role="search" aria-label="Search the discussions" method="get" action="/spaces/${spaceId}/search">`));
    expect(page.body).to.contain('<label for="search-q">Search for</label>');
    expect(page.body).to.match(/<input type="hidden" name="session" value="[^"]+">/);
  });

  it('finds ranked, highlighted results linking to /posts/:id, in the space or across the course', async () => {
    const best = await startThread(ann, spaceId, 'Mediation checklist', 'A mediation checklist for the mediation role-play.');
    const weak = await startThread(ben, spaceId, 'Notes', 'Unrelated notes, with one mention of mediation.');
    const other = await startThread(ben, space2Id, 'Follow-up', 'Mediation again, in the second space.');
    const res = await ann.get(`/spaces/${spaceId}/search?q=mediation`);
    expect(res.status).to.equal(200);
    const found = resultsOf(res.body);
    expect(found.map((f) => f.postId)).to.deep.equal([best.openingId, weak.openingId]);
    expect(found[0]!.title).to.equal('<mark>Mediation</mark> checklist');
    expect(res.body).to.contain('<p role="status" class="search-results__count">2 results for “mediation”</p>');
    expect(res.body).to.match(/<p class="search-result__snippet">[^<]*<mark>mediation<\/mark>/i);
    expect(res.body).to.contain('Ann Learner');
    const course = await ann.get(`/spaces/${spaceId}/search?q=mediation&scope=course`);
    expect(resultsOf(course.body).map((f) => f.postId)).to.have.members([best.openingId, weak.openingId, other.openingId]);
    expect(course.body).to.contain('in Second space');
    expect(course.body).to.match(/<input type="radio" name="scope" value="course" checked>/);
    // The link leads to the post.
    const go = await ann.get(`/posts/${best.openingId}`);
    expect(go.status).to.equal(303);
    expect(go.headers.get('location')).to.contain(`/threads/${best.threadId}`);
  });

  it('speaks Spanish for a Spanish launch, and folds accents', async () => {
    const es = await join({ sub: 's-eva', name: 'Eva', roles: [ROLE.learner], locale: 'es-MX' });
    await startThread(ann, spaceId, 'Reunión', 'Nos vemos en la reunión del café.');
    const res = await es.get(`/spaces/${spaceId}/search?q=reunion`);
    expect(res.status).to.equal(200);
    expect(res.body).to.contain('1 resultado para «reunion»');
    expect(res.body).to.contain('<mark>Reunión</mark>');
  });

  it('escapes what users wrote: a <script> post is found as text, with <mark> the only markup', async () => {
    await startThread(ben, spaceId, 'Payload <img src=x onerror=alert(1)>', 'Try <script>alert("xssprobe")</script> and "><svg onload=alert(2)> xssprobe');
    const res = await ann.get(`/spaces/${spaceId}/search?q=${encodeURIComponent('xssprobe <script>')}`);
    expect(res.status).to.equal(200);
    expect(resultsOf(res.body)).to.have.length(1);
    const main = res.body.slice(res.body.indexOf('<main'), res.body.indexOf('</main>'));
    expect(main).to.not.match(/<script|<img|<svg/i);
    expect(main).to.contain('&lt;script&gt;');
    expect(main).to.contain('Payload &lt;img src=x onerror=alert(1)&gt;');
    expect(main).to.match(/<mark>xssprobe<\/mark>/);
  });

  it('gives a clear message, and back what was typed, for an empty or too long query; punctuation finds nothing', async () => {
    const empty = await ann.get(`/spaces/${spaceId}/search?q=%20%20`);
    expect(empty.status).to.equal(200);
    expect(empty.body).to.contain('Type at least one word to search for.');
    const long = 'negotiation '.repeat(20);
    const tooLong = await ann.get(`/spaces/${spaceId}/search?q=${encodeURIComponent(long)}`);
    expect(tooLong.status).to.equal(400);
    expect(tooLong.body).to.contain('That search is too long: use at most 200 characters.');
    expect(tooLong.body).to.contain(`value="${long}"`);
    expect(tooLong.body).to.contain('aria-invalid="true"');
    for (const q of ['"*:-()', 'NEAR(', "' OR 1=1 --", '"', '\\']) {
      const r = await ann.get(`/spaces/${spaceId}/search?q=${encodeURIComponent(q)}`);
      expect(r.status, q).to.equal(200);
    }
    const punct = await ann.get(`/spaces/${spaceId}/search?q=${encodeURIComponent('"*:-()')}`);
    expect(punct.body).to.contain('0 results for');
    // Malformed parameters fall back to defaults, never a 500.
    const odd = await ann.get(`/spaces/${spaceId}/search?q=a&q=b&scope=everywhere&page=-3`);
    expect(odd.status).to.equal(200);
  });

  it('never shows learners hidden posts or hidden threads; staff see them, marked', async () => {
    const { openingId } = await startThread(ben, spaceId, 'Moderated', 'Contains the word quagga.');
    expect(resultsOf((await ann.get(`/spaces/${spaceId}/search?q=quagga`)).body)).to.have.length(1);
    const hide = await teacher.post(`/posts/${openingId}/hide`);
    expect(hide.status).to.equal(303);
    const learner = await ann.get(`/spaces/${spaceId}/search?q=quagga`);
    expect(resultsOf(learner.body)).to.have.length(0);
    expect(learner.body).to.not.contain('quagga</mark>');
    const staff = await teacher.get(`/spaces/${spaceId}/search?q=quagga`);
    expect(resultsOf(staff.body).map((r) => r.postId)).to.deep.equal([openingId]);
    expect(staff.body).to.contain('<span class="badge badge--hidden">Hidden</span>');
  });

  it('records one `searched` statement per user, query and hour, however often the page reloads', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect((await ben.get(`/spaces/${spaceId}/search?q=Mediation`)).status).to.equal(200);
    await ben.get(`/spaces/${spaceId}/search?q=mediation&page=2`);
    const db = stack.tool.container.db;
    const ids = [t0, Date.now()].map((at) => statementId('searched', searchActId(spaceId, 'space', ben.userId, 'mediation', at)));
    // Queued without blocking the page: wait for it to land.
    let rows: Array<{ statement: string }> = [];
    for (let i = 0; i < 100 && rows.length === 0; i++) {
      rows = await db('xapi_outbox').whereIn('statement_id', ids).select('statement');
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).to.have.length(1);
    const s = JSON.parse(rows[0]!.statement) as { verb: { id: string }; result?: { response?: string } };
    expect(s.verb.id).to.match(/searched/);
    expect(s.result?.response).to.match(/^mediation$/i);
  });

  it('gives 404 for another course’s space, and never its posts through course scope', async () => {
    const outsider = await join({ sub: 's-out', roles: [ROLE.instructor], contextId: 'other-course', resourceLinkId: 'o-link' });
    const setup = await outsider.post('/app/setup', { kind: 'prep', title: 'Outsider space', time_zone: 'UTC' });
    const ownSpace = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    for (const path of [`/spaces/${spaceId}/search?q=mediation`, `/spaces/${spaceId}/search?q=mediation&scope=course`, `/spaces/${spaceId}/search`]) {
      const res = await outsider.get(path);
      expect(res.status, path).to.equal(404);
      expect(res.body, path).to.not.contain('Mediation');
    }
    const own = await outsider.get(`/spaces/${ownSpace}/search?q=mediation&scope=course`);
    expect(own.status).to.equal(200);
    expect(resultsOf(own.body)).to.have.length(0);
  });
});
