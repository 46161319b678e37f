import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { sha256 } from '../../src/ids.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}

interface Person {
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>, opts?: { csrf?: string | null }): Promise<Page>;
}

describe('curation: flags, moderation queue, most useful, rate limits (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ann: Person;
  let ben: Person;
  let cat: Person;
  let spaceId: string;

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, spec);
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const csrf = (await stack.tool.container.sessions.get(sha256(token)))!.csrfToken;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}, opts = {}) => {
        const form: Record<string, string> = { session: token, ...fields };
        const c = opts.csrf === undefined ? csrf : opts.csrf;
        if (c !== null) form._csrf = c;
        return r.browser.request(`${base}${path}`, { form });
      },
    };
  }

  const see = (res: Page, status = 303): Page => {
    expect(res.status, res.body.slice(0, 800)).to.equal(status);
    return res;
  };
  const threadIdFrom = (res: Page): string => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
  const postIdFrom = (res: Page): string => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')![1]!;
  const startThread = async (who: Person, title: string, kind = 'discussion'): Promise<string> => threadIdFrom(see(await who.post(`/spaces/${spaceId}/threads`, { title, body: `${title} body`, kind })));
  const reply = async (who: Person, threadId: string, body: string): Promise<string> => postIdFrom(see(await who.post(`/threads/${threadId}/replies`, { body })));

  before(async () => {
    // Small post limits so the 429 is reachable; flags and reactions keep their defaults.
    stack = await startStack({ clock: strictlyIncreasingClock(), env: { RATE_POSTS_PER_MINUTE: '4' } });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = see(await teacher.post('/app/setup', { kind: 'post_event', title: 'Curation space', time_zone: 'UTC' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    cat = await join({ sub: 'cat', name: 'Cat Learner', roles: [ROLE.learner] });
  });
  after(async () => stack?.close());

  it('a learner flags a post → staff see it in the queue (badge, reasons, no names) → hide → learners cannot read it', async () => {
    const threadId = await startThread(ann, 'Flag flow');
    const b = await reply(ben, threadId, 'Buy cheap watches at example.com');
    const page = see(await cat.get(`/threads/${threadId}`), 200);
    expect(page.body).to.contain(`/posts/${b}/flag`);
    // Ben's own post has no flag link for him, and the route refuses (403).
    expect(see(await ben.get(`/threads/${threadId}`), 200).body).not.to.contain(`/posts/${b}/flag`);
    see(await ben.post(`/posts/${b}/flag`, { reason: 'spam' }), 403);
    // No CSRF token: refused, nothing recorded.
    see(await cat.post(`/posts/${b}/flag`, { reason: 'spam' }, { csrf: null }), 403);
    const form = see(await cat.get(`/posts/${b}/flag`), 200);
    expect(form.body).to.contain('name="reason"').and.to.contain('<label for="note">');

    // Malformed: no reason → 400 with the note given back; an over-long note → 413.
    const bad = see(await cat.post(`/posts/${b}/flag`, { note: 'my <b>note</b> kept' }), 400);
    expect(bad.body).to.contain('Choose a reason.').and.to.contain('my &lt;b&gt;note&lt;/b&gt; kept</textarea>');
    see(await cat.post(`/posts/${b}/flag`, { reason: 'other', note: 'x'.repeat(501) }), 413);

    const sent = see(await cat.post(`/posts/${b}/flag`, { reason: 'spam', note: 'Advertising, zq-note' }));
    expect(see(await cat.get(sent.headers.get('location')!.replace(base, '').replace(/[?&]session=[^&]*/, '')), 200).body).to.contain('Your flag was sent');
    const again = see(await cat.post(`/posts/${b}/flag`, { reason: 'abusive' }));
    expect(again.headers.get('location')).to.contain('sent=already');
    see(await ann.post(`/posts/${b}/flag`, { reason: 'off_topic' }));

    // Learners see no badge and cannot open the queue.
    const learnerSpace = see(await cat.get(`/spaces/${spaceId}`), 200);
    expect(learnerSpace.body).not.to.contain('open flag').and.not.to.contain('/moderation');
    see(await cat.get(`/spaces/${spaceId}/moderation`), 403);
    see(await cat.post(`/spaces/${spaceId}/moderation/posts/${b}/hide`), 403);

    const staffSpace = see(await teacher.get(`/spaces/${spaceId}`), 200);
    expect(staffSpace.body).to.contain('2 open flags');
    const queue = see(await teacher.get(`/spaces/${spaceId}/moderation`), 200);
    expect(queue.body).to.contain(`id="flagged-${b}"`).and.to.contain('2 flags').and.to.contain('Spam or advertising: 1').and.to.contain('Off topic: 1');
    expect(queue.body).to.contain('Advertising, zq-note').and.to.contain('Buy cheap watches');
    expect(queue.body).not.to.contain('Cat Learner').and.not.to.contain('Ann Learner');

    see(await teacher.post(`/spaces/${spaceId}/moderation/posts/${b}/hide`));
    const after = see(await cat.get(`/threads/${threadId}`), 200);
    expect(after.body).to.contain('This post was hidden by a moderator.').and.not.to.contain('Buy cheap watches');
    const queue2 = see(await teacher.get(`/spaces/${spaceId}/moderation`), 200);
    expect(queue2.body).not.to.contain(`id="flagged-${b}"`);
    expect(queue2.body).to.contain('Post hidden').and.to.contain('by Tess Teacher');
    expect(see(await teacher.get(`/spaces/${spaceId}`), 200).body).not.to.contain('open flag');
    // A hidden post takes no flags.
    see(await ann.post(`/posts/${b}/flag`, { reason: 'spam' }), 409);
    // Restore from the history.
    see(await teacher.post(`/spaces/${spaceId}/moderation/posts/${b}/restore`));
    expect(see(await cat.get(`/threads/${threadId}`), 200).body).to.contain('Buy cheap watches');
  });

  it('dismiss resolves the flags and leaves the post; lock locks the thread; an unknown action is 404', async () => {
    const threadId = await startThread(ben, 'Dismiss me');
    const c = await reply(cat, threadId, 'A fine reply');
    see(await ann.post(`/posts/${c}/flag`, { reason: 'other', note: 'not sure' }));
    see(await teacher.post(`/spaces/${spaceId}/moderation/posts/${c}/bogus`), 404);
    see(await teacher.post(`/spaces/${spaceId}/moderation/posts/${c}/dismiss`));
    const queue = see(await teacher.get(`/spaces/${spaceId}/moderation`), 200);
    expect(queue.body).not.to.contain(`id="flagged-${c}"`);
    expect(queue.body).to.contain('Flags dismissed');
    expect(see(await ben.get(`/threads/${threadId}`), 200).body).to.contain('A fine reply');
    see(await ann.post(`/posts/${c}/flag`, { reason: 'abusive' }));
    see(await teacher.post(`/spaces/${spaceId}/moderation/posts/${c}/lock`));
    expect(see(await ann.get(`/threads/${threadId}`), 200).body).to.contain('This thread is locked');
    see(await ann.post(`/threads/${threadId}/replies`, { body: 'late' }), 403);
  });

  it('most useful lists posts by score with links to each, excluding hidden ones', async () => {
    const threadId = await startThread(ann, 'Useful question', 'question');
    const b = await reply(ben, threadId, 'Endorsed answer text');
    const c = await reply(cat, threadId, 'Accepted answer text');
    see(await teacher.post(`/posts/${b}/endorse`));
    see(await ann.post(`/posts/${c}/accept`));
    const page = see(await cat.get(`/spaces/${spaceId}/useful`), 200);
    expect(page.body.indexOf('Accepted answer text')).to.be.greaterThan(-1);
    expect(page.body.indexOf('Accepted answer text')).to.be.lessThan(page.body.indexOf('Endorsed answer text'));
    expect(page.body).to.contain(`/posts/${c}?session=`).and.to.contain('Score 5').and.to.contain('Score 3');
    see(await teacher.post(`/posts/${c}/hide`));
    expect(see(await cat.get(`/spaces/${spaceId}/useful`), 200).body).not.to.contain('Accepted answer text');
    expect(see(await cat.get(`/spaces/${spaceId}`), 200).body).to.contain(`/spaces/${spaceId}/useful`);
  });

  it('rate-limits posts: 429 with Retry-After, a message saying when, and the form keeps the text; staff exempt', async () => {
    const dan = await join({ sub: 'dan', name: 'Dan Learner', roles: [ROLE.learner] });
    const threadId = await startThread(dan, 'Fast poster');
    for (let i = 0; i < 3; i++) await reply(dan, threadId, `quick ${i}`);
    const refused = see(await dan.post(`/threads/${threadId}/replies`, { body: 'Fifth <em>post</em> too fast' }), 429);
    expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
    expect(refused.body).to.match(/You can post again in \d+ seconds?, at \d\d:\d\d:\d\d UTC/);
    expect(refused.body).to.contain('>Fifth &lt;em&gt;post&lt;/em&gt; too fast</textarea>');
    const thread = see(await dan.post(`/spaces/${spaceId}/threads`, { title: 'Kept title', body: 'Kept body', kind: 'question' }), 429);
    expect(thread.body).to.contain('value="Kept title"').and.to.contain('>Kept body</textarea>');
    expect(thread.headers.get('retry-after')).to.match(/^\d+$/);
    for (let i = 0; i < 5; i++) await reply(teacher, threadId, `staff ${i}`);
  });

  describe('another course', () => {
    it('gets 404 for this course’s flag, queue, moderation and most-useful addresses', async () => {
      const threadId = await startThread(ann, 'Cross-course');
      const b = await reply(ben, threadId, 'cross');
      const other = await join({ sub: 'oscar', name: 'Oscar', roles: [ROLE.instructor], contextId: 'course-other', contextTitle: 'Other course' });
      for (const res of [
        await other.get(`/posts/${b}/flag`),
        await other.post(`/posts/${b}/flag`, { reason: 'spam' }),
        await other.get(`/spaces/${spaceId}/moderation`),
        await other.post(`/spaces/${spaceId}/moderation/posts/${b}/hide`),
        await other.get(`/spaces/${spaceId}/useful`),
      ]) {
        expect(res.status, res.body.slice(0, 200)).to.equal(404);
        expect(res.body).not.to.contain('cross');
      }
    });
  });
});
