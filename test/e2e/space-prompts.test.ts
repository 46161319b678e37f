import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { statementId } from '../../src/xapi/statement-builder.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

/** A clock the test can move: posting windows are about "now". Never the same millisecond twice. */
function movableClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  let last = 0;
  return { now: () => (last = Math.max(Date.now() + offset, last + 1)), shift: (ms) => void (offset += ms) };
}

interface Person {
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
  follow(res: Page): Promise<Page>;
}

const DAY = 24 * 60 * 60 * 1000;

describe('space settings, prep prompts, post-first, windows and mentors (e2e through the emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let clock: ReturnType<typeof movableClock>;
  let teacher: Person;
  let ann: Person;
  let ben: Person;
  let mentor: Person;
  let spaceId: string;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const csrf = (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: csrf, ...fields } }),
      follow: (res) => {
        expect(res.status, res.body.slice(0, 500)).to.equal(303);
        return r.browser.request(new URL(res.headers.get('location')!, base).toString());
      },
    };
  }

  /** The settings form as the page would send it, with `change` on top. */
  const settings = (change: Record<string, string> = {}): Record<string, string> => ({ title: 'Negotiation prep', intro: '', time_zone: 'Europe/Madrid', anonymity: 'off', post_first: 'on', ...change });

  async function addPrompt(title: string, extra: Record<string, string> = {}): Promise<string> {
    const res = await teacher.post(`/spaces/${spaceId}/prompts`, { title, body: `Details of ${title}`, required: 'on', ...extra });
    expect(res.status, res.body.slice(0, 800)).to.equal(303);
    const page = await teacher.follow(res);
    const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`<a href="/threads/([0-9a-f-]{36})\\?session=[^"]+">${escaped}</a>`).exec(page.body);
    expect(m, page.body.slice(0, 2000)).to.not.equal(null);
    return m![1]!;
  }

  const answerIdFrom = (res: Page): string => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')![1]!;

  before(async () => {
    clock = movableClock();
    stack = await startStack({ clock });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = await teacher.post('/app/setup', { kind: 'prep', title: 'Negotiation prep', time_zone: 'Europe/Madrid' });
    expect(setup.status, setup.body.slice(0, 500)).to.equal(303);
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    mentor = await join({ sub: 'mona', name: 'Mona Mentor', roles: [ROLE.mentor] });
  });
  after(async () => stack?.close());

  describe('settings', () => {
    it('saves the settings and shows the rendered intro on the space page', async () => {
      const form = await teacher.get(`/spaces/${spaceId}/settings`);
      expect(form.status).to.equal(200);
      expect(form.body).to.contain('<h1>Space settings</h1>');
      const res = await teacher.post(`/spaces/${spaceId}/settings`, settings({ intro: 'Read **chapter 2** first. <script>alert(1)</script>', event_date: '2026-12-01', event_time: '09:30' }));
      expect(res.status, res.body.slice(0, 1500)).to.equal(303);
      const space = await ann.get(`/spaces/${spaceId}`);
      expect(space.body).to.contain('<strong>chapter 2</strong>');
      expect(space.body).not.to.contain('<script>alert(1)');
      const row = await stack.tool.container.db('spaces').where({ id: spaceId }).first();
      // 09:30 in Madrid on 1 Dec is 08:30 UTC.
      expect(Number(row.event_at)).to.equal(Date.UTC(2026, 11, 1, 8, 30));
      expect(Boolean(row.post_first)).to.equal(true);
    });

    it('refuses a bad zone, a close before the open and an oversized intro, and keeps what was typed', async () => {
      const badZone = await teacher.post(`/spaces/${spaceId}/settings`, settings({ time_zone: 'Mars/Olympus_Mons', intro: 'kept intro text' }));
      expect(badZone.status).to.equal(400);
      expect(badZone.body).to.contain('Choose a time zone from the list.');
      expect(badZone.body).to.contain('kept intro text');
      const backwards = await teacher.post(`/spaces/${spaceId}/settings`, settings({ opens_date: '2026-12-02', closes_date: '2026-12-01', title: 'Typed title' }));
      expect(backwards.status).to.equal(400);
      expect(backwards.body).to.contain('Closing must come after opening.');
      expect(backwards.body).to.contain('value="Typed title"');
      expect(backwards.body).to.contain('value="2026-12-02"');
      const huge = await teacher.post(`/spaces/${spaceId}/settings`, settings({ intro: 'x'.repeat(10_001) }));
      expect(huge.status).to.equal(413);
      expect(huge.body).to.contain('up to 10,000 characters');
      const row = await stack.tool.container.db('spaces').where({ id: spaceId }).first();
      expect(row.title).to.equal('Negotiation prep');
    });

    it('is for staff only: learners and mentors get 403 on GET and POST', async () => {
      for (const who of [ann, mentor]) {
        expect((await who.get(`/spaces/${spaceId}/settings`)).status).to.equal(403);
        expect((await who.post(`/spaces/${spaceId}/settings`, settings({ title: 'hijack' }))).status).to.equal(403);
      }
      const row = await stack.tool.container.db('spaces').where({ id: spaceId }).first();
      expect(row.title).to.equal('Negotiation prep');
    });
  });

  describe('prompts with post-first', () => {
    let promptId: string;
    let annAnswer: string;

    before(async () => {
      promptId = await addPrompt('What do you want from the session?', { material_label_0: 'Reading', material_url_0: 'https://example.com/reading' });
    });

    it('refuses a material link that is not https, keeping the form', async () => {
      const res = await teacher.post(`/spaces/${spaceId}/prompts`, { title: 'Kept prompt title', material_label_0: 'x', material_url_0: 'javascript:alert(1)' });
      expect(res.status).to.equal(400);
      expect(res.body).to.contain('Links must be full https addresses');
      expect(res.body).to.contain('value="Kept prompt title"');
    });

    it('learners cannot create prompts', async () => {
      expect((await ann.post(`/spaces/${spaceId}/prompts`, { title: 'learner prompt' })).status).to.equal(403);
      expect((await ann.get(`/spaces/${spaceId}/prompts/new`)).status).to.equal(403);
    });

    it('A answers; B (post-first) cannot see the answer by any route until B answers, then sees it', async () => {
      const list = await ann.get(`/spaces/${spaceId}`);
      expect(list.body).to.contain('You have answered 0 of 1.');
      expect(list.body).to.contain('Not yet answered');
      const res = await ann.post(`/threads/${promptId}/replies`, { body: 'Ann secret answer about anchoring' });
      expect(res.status, res.body.slice(0, 800)).to.equal(303);
      annAnswer = answerIdFrom(res);
      expect((await ann.get(`/spaces/${spaceId}`)).body).to.contain('You have answered 1 of 1.');

      // xAPI: the answer queued `answered` (prompt_answered), not `reply_posted`.
      const outbox = stack.tool.container.db('xapi_outbox');
      expect(await outbox.clone().where({ statement_id: statementId('prompt_answered', annAnswer) }).first()).to.not.equal(undefined);
      expect(await stack.tool.container.db('xapi_outbox').where({ statement_id: statementId('reply_posted', annAnswer) }).first()).to.equal(undefined);

      // Endorsed, so it ranks in "most useful" (which must still keep it from Ben).
      expect((await teacher.post(`/posts/${annAnswer}/endorse`)).status).to.equal(303);

      // Ben has not answered: every route keeps Ann's words and name from him.
      const prompt = await ben.get(`/threads/${promptId}`);
      expect(prompt.status).to.equal(200);
      expect(prompt.body).to.contain('1 person has answered');
      expect(prompt.body).to.contain('<h2 id="answer-h">Your answer</h2>');
      expect(prompt.body).to.contain('https://example.com/reading');
      for (const [path, status] of [
        [`/threads/${promptId}`, 200],
        [`/threads/${promptId}?sort=helpful&page=1`, 200],
        [`/threads/${promptId}?focus=${annAnswer}`, 404],
        [`/posts/${annAnswer}`, 404],
        [`/posts/${annAnswer}/edit`, 404],
        [`/posts/${annAnswer}/history`, 404],
        [`/posts/${annAnswer}/flag`, 404],
        [`/spaces/${spaceId}/useful`, 200],
      ] as const) {
        const page = await ben.get(path);
        expect(page.status, path).to.equal(status);
        expect(page.body, path).not.to.contain('Ann secret answer');
        expect(page.body, path).not.to.contain('Ann Learner');
      }
      for (const action of ['react', 'unreact', 'endorse', 'accept', 'delete', 'hide', 'flag']) {
        const r = await ben.post(`/posts/${annAnswer}/${action}`);
        expect(r.status, action).to.equal(404);
      }
      // Search (space and course scope) keeps it from him too; the prompt itself is findable.
      for (const scope of ['space', 'course']) {
        const found = await ben.get(`/spaces/${spaceId}/search?q=anchoring&scope=${scope}`);
        expect(found.status, scope).to.equal(200);
        expect(found.body, scope).not.to.contain(annAnswer);
        expect(found.body, scope).not.to.contain('Ann Learner');
      }
      const sneaky = await ben.post(`/threads/${promptId}/replies`, { body: 'reply under a hidden answer', parent_post_id: annAnswer });
      expect(sneaky.status).to.equal(404);
      expect(sneaky.body).not.to.contain('Ann secret answer');

      // Staff and the mentor see everything, and find it.
      for (const who of [teacher, mentor]) {
        const page = await who.get(`/threads/${promptId}`);
        expect(page.body).to.contain('Ann secret answer');
        expect((await who.get(`/spaces/${spaceId}/search?q=anchoring`)).body).to.contain(`/posts/${annAnswer}`);
      }

      // Ben answers; now he sees Ann's.
      const benRes = await ben.post(`/threads/${promptId}/replies`, { body: 'Ben answer' });
      expect(benRes.status).to.equal(303);
      const after = await ben.follow(benRes);
      expect(after.body).to.contain('Ann secret answer about anchoring');
      expect(after.body).to.contain('Ann Learner');
      expect((await ben.get(`/posts/${annAnswer}`)).status).to.equal(303);
      expect((await ben.get(`/spaces/${spaceId}/search?q=anchoring`)).body).to.contain(`/posts/${annAnswer}`);
      expect((await ben.get(`/spaces/${spaceId}/useful`)).body).to.contain('Ann secret answer');
    });

    it('takes one answer per learner: a second answer is refused with 409 and changes nothing', async () => {
      const again = await ann.post(`/threads/${promptId}/replies`, { body: 'Second try' });
      expect(again.status).to.equal(409);
      expect(again.body).to.contain('already answered');
      const n = await stack.tool.container.db('prompt_answers').where({ thread_id: promptId }).count({ n: '*' });
      expect(Number(n[0]!.n)).to.equal(2);
      // Replies to answers are fine.
      expect((await ben.post(`/threads/${promptId}/replies`, { body: 'Nice one', parent_post_id: annAnswer })).status).to.equal(303);
    });

    it('staff reorder, edit and delete prompts', async () => {
      const second = await addPrompt('Bring one example');
      let page = await teacher.get(`/spaces/${spaceId}`);
      expect(page.body.indexOf('What do you want from the session?')).to.be.lessThan(page.body.indexOf('Bring one example'));
      expect((await teacher.post(`/prompts/${second}/move`, { direction: 'up' })).status).to.equal(303);
      page = await teacher.get(`/spaces/${spaceId}`);
      expect(page.body.indexOf('Bring one example')).to.be.lessThan(page.body.indexOf('What do you want from the session?'));
      expect((await teacher.post(`/prompts/${second}/move`, { direction: 'sideways' })).status).to.equal(400);
      const edit = await teacher.post(`/prompts/${second}/edit`, { title: 'Bring two examples', body: 'Any two.' });
      expect(edit.status).to.equal(303);
      expect((await ann.get(`/threads/${second}`)).body).to.contain('<h1>Bring two examples</h1>');
      expect((await ann.post(`/prompts/${second}/delete`)).status).to.equal(403);
      expect((await teacher.post(`/prompts/${second}/delete`)).status).to.equal(303);
      expect((await ann.get(`/threads/${second}`)).status).to.equal(404);
    });
  });

  describe('posting windows', () => {
    let threadId: string;
    before(async () => {
      const res = await ann.post(`/spaces/${spaceId}/threads`, { title: 'Window thread', body: 'open now', kind: 'discussion' });
      expect(res.status).to.equal(303);
      threadId = /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
    });

    const fmt = (ms: number): [string, string] => {
      const d = new Date(ms);
      const iso = d.toISOString();
      return [iso.slice(0, 10), iso.slice(11, 16)];
    };

    async function window(opensAt: number | null, closesAt: number | null, locked = false): Promise<void> {
      const [od, ot] = opensAt === null ? ['', ''] : fmt(opensAt);
      const [cd, ct] = closesAt === null ? ['', ''] : fmt(closesAt);
      const res = await teacher.post(`/spaces/${spaceId}/settings`, settings({ time_zone: 'UTC', opens_date: od, opens_time: ot, closes_date: cd, closes_time: ct, ...(locked ? { locked: 'on' } : {}) }));
      expect(res.status, res.body.slice(0, 1500)).to.equal(303);
    }

    for (const [name, set, code, says] of [
      ['before it opens', () => window(clock.now() + 2 * DAY, null), 'opens for posting on', 'opens for posting on'],
      ['after it closes', () => window(clock.now() - 2 * DAY, clock.now() - DAY), 'closed for posting on', 'closed for posting on'],
      ['while locked', () => window(null, null, true), 'is locked', 'is locked'],
    ] as const) {
      it(`learners cannot start threads or reply ${name}; staff can; the page says why`, async () => {
        await set();
        const page = await ann.get(`/spaces/${spaceId}`);
        expect(page.body).to.contain(says);
        expect(page.body).not.to.contain('Start a thread</a>');
        const start = await ann.post(`/spaces/${spaceId}/threads`, { title: 'late', body: 'late', kind: 'discussion' });
        expect(start.status).to.equal(403);
        expect(start.body).to.contain(code);
        const rep = await ann.post(`/threads/${threadId}/replies`, { body: 'late reply' });
        expect(rep.status).to.equal(403);
        expect((await ann.get(`/spaces/${spaceId}/threads/new`)).status).to.equal(403);
        expect((await teacher.post(`/threads/${threadId}/replies`, { body: 'staff reply' })).status).to.equal(303);
      });
    }

    it('opens again once the window is cleared', async () => {
      await window(null, null);
      expect((await ann.post(`/threads/${threadId}/replies`, { body: 'back again' })).status).to.equal(303);
    });
  });

  describe('anonymity to peers', () => {
    it('learners see other learners as a stable pseudonym; staff see the real name with a hint; the author sees themself', async () => {
      expect((await teacher.post(`/spaces/${spaceId}/settings`, settings({ anonymity: 'peers', time_zone: 'UTC' }))).status).to.equal(303);
      const res = await ann.post(`/spaces/${spaceId}/threads`, { title: 'Anonymous thread', body: 'Who am I?', kind: 'discussion' });
      expect(res.status).to.equal(303);
      const threadId = /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
      expect((await teacher.post(`/threads/${threadId}/replies`, { body: 'Teacher reply' })).status).to.equal(303);

      const asBen = await ben.get(`/threads/${threadId}`);
      expect(asBen.body).not.to.contain('Ann Learner');
      const pseudonym = /Anonymous learner (\d+)/.exec(asBen.body)?.[0];
      expect(pseudonym, asBen.body.slice(0, 3000)).to.be.a('string');
      // Staff stay named for everyone.
      expect(asBen.body).to.contain('Tess Teacher');
      // The same pseudonym in the thread list and on every later page.
      const list = await ben.get(`/spaces/${spaceId}`);
      expect(list.body).to.contain(pseudonym!);
      expect(list.body).not.to.contain('Ann Learner');
      expect((await ben.get(`/threads/${threadId}`)).body).to.contain(pseudonym!);
      // Prompt answers too (Ben answered, so he sees Ann's answer, under her pseudonym).
      const promptPage = await ben.get(`/spaces/${spaceId}`);
      const promptId = /<a href="\/threads\/([0-9a-f-]{36})\?session=[^"]+">What do you want from the session\?<\/a>/.exec(promptPage.body)![1]!;
      const answers = await ben.get(`/threads/${promptId}`);
      expect(answers.body).to.contain('Ann secret answer');
      expect(answers.body).to.contain(pseudonym!);
      expect(answers.body).not.to.contain('Ann Learner');

      // Search results name authors the same way.
      const found = await ben.get(`/spaces/${spaceId}/search?q=${encodeURIComponent('Who am I')}`);
      expect(found.body).to.contain(`/posts/`);
      expect(found.body).to.contain(pseudonym!);
      expect(found.body).not.to.contain('Ann Learner');
      expect((await teacher.get(`/spaces/${spaceId}/search?q=${encodeURIComponent('Who am I')}`)).body).to.contain('Ann Learner');
      // Notifications name the actor the same way: Ann mentions Ben in the anonymous thread.
      expect((await ann.post(`/threads/${threadId}/replies`, { body: 'Over to you, @Ben Learner' })).status).to.equal(303);
      const bell = await ben.get(`/spaces/${spaceId}/notifications`);
      expect(bell.status).to.equal(200);
      expect(bell.body).to.contain(pseudonym!);
      expect(bell.body).not.to.contain('Ann Learner');

      // "Most useful" too (Ann's prompt answer was endorsed earlier).
      const useful = await ben.get(`/spaces/${spaceId}/useful`);
      expect(useful.body).to.contain('Ann secret answer');
      expect(useful.body).to.contain(pseudonym!);
      expect(useful.body).not.to.contain('Ann Learner');

      const asTeacher = await teacher.get(`/threads/${threadId}`);
      expect(asTeacher.body).to.contain('Ann Learner');
      expect(asTeacher.body).to.contain('Shown anonymously to peers');
      expect(asTeacher.body).not.to.contain('Anonymous learner');

      const asAnn = await ann.get(`/threads/${threadId}`);
      expect(asAnn.body).to.contain('Ann Learner');
      expect(asAnn.body).to.match(/<span class="badge">you<\/span>/);
      expect(asAnn.body).to.contain('Other learners see you anonymously');

      expect((await teacher.post(`/spaces/${spaceId}/settings`, settings({ anonymity: 'off', time_zone: 'UTC' }))).status).to.equal(303);
      expect((await ben.get(`/threads/${threadId}`)).body).to.contain('Ann Learner');
    });
  });

  describe('mentor', () => {
    it('reads pages without forms, and every POST is 403 with a clear message', async () => {
      const page = await mentor.get(`/spaces/${spaceId}`);
      expect(page.status).to.equal(200);
      expect(page.body).to.contain('As a mentor you can read this space');
      expect(page.body).not.to.contain('Start a thread</a>');
      const res = await ann.post(`/spaces/${spaceId}/threads`, { title: 'Mentor target', body: 'body', kind: 'discussion' });
      const threadId = /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
      const postId = answerIdFrom(await ann.post(`/threads/${threadId}/replies`, { body: 'a reply' }));
      const thread = await mentor.get(`/threads/${threadId}`);
      expect(thread.status).to.equal(200);
      expect(thread.body).to.contain('a reply');
      expect(thread.body).not.to.contain('<form method="post"');
      const posts: Array<[string, Record<string, string>]> = [
        [`/spaces/${spaceId}/threads`, { title: 't', body: 'b' }],
        [`/threads/${threadId}/replies`, { body: 'b' }],
        ...['pin', 'unpin', 'lock', 'unlock'].map((a): [string, Record<string, string>] => [`/threads/${threadId}/${a}`, {}]),
        [`/posts/${postId}/edit`, { body: 'b' }],
        ...['delete', 'hide', 'restore', 'react', 'unreact', 'endorse', 'unendorse', 'accept', 'unaccept'].map((a): [string, Record<string, string>] => [`/posts/${postId}/${a}`, {}]),
        [`/spaces/${spaceId}/settings`, settings()],
        [`/spaces/${spaceId}/prompts`, { title: 'p' }],
        [`/app/setup`, { kind: 'prep', title: 'x', time_zone: 'UTC' }],
      ];
      for (const [path, fields] of posts) {
        const r = await mentor.post(path, fields);
        expect(r.status, path).to.equal(403);
      }
      const r = await mentor.post(`/threads/${threadId}/replies`, { body: 'b' });
      expect(r.body).to.contain('As a mentor you can read this discussion but not post');
    });
  });
});
