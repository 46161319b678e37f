import { expect } from 'chai';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { expectStatus, joinCourse, postIdFrom, strictlyIncreasingClock, threadIdFrom, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';

type Person = Participant;

describe('curation: flags, moderation queue, most useful, rate limits (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ann: Person;
  let ben: Person;
  let cat: Person;
  let spaceId: string;

  const join = (spec: LaunchSpec): Promise<Person> => joinCourse(stack, spec);

  const see = expectStatus;
  const startThread = async (who: Person, title: string, kind = 'discussion'): Promise<string> => threadIdFrom(see(await who.post(`/spaces/${spaceId}/threads`, { title, body: `${title} body`, kind })));
  const reply = async (who: Person, threadId: string, body: string): Promise<string> => postIdFrom(see(await who.post(`/threads/${threadId}/replies`, { body })));

  before(async () => {
    // Small post limits so the 429 is reachable; flags and reactions keep their defaults.
    stack = await startStack({ clock: strictlyIncreasingClock(), env: { RATE_POSTS_PER_MINUTE: '4', RATE_POSTS_PER_HOUR: '60', RATE_FLAGS_PER_HOUR: '20', RATE_REACTIONS_PER_HOUR: '120' } });
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

  it('tags: staff manage them (unique, ≤ 40 characters), learners pick them, the list filters by tag keeping sort and paging', async () => {
    // A learner of their own, so the post rate limit of the other tests leaves them alone.
    const eve = await join({ sub: 'eve', name: 'Eve Learner', roles: [ROLE.learner] });
    see(await ann.get(`/spaces/${spaceId}/tags`), 403);
    see(await ann.post(`/spaces/${spaceId}/tags`, { label: 'Sneaky' }), 403);
    const tagIdOf = async (label: string): Promise<string> => {
      const page = see(await teacher.get(`/spaces/${spaceId}/tags`), 200);
      const m = new RegExp(`id="rename-([0-9a-f-]{36})" name="label" maxlength="\\d+" required value="${label}"`).exec(page.body);
      expect(m, `tag ${label}`).to.not.equal(null);
      return m![1]!;
    };
    see(await teacher.post(`/spaces/${spaceId}/tags`, { label: '  Safety   first ' }));
    see(await teacher.post(`/spaces/${spaceId}/tags`, { label: 'Tools' }));
    see(await teacher.post(`/spaces/${spaceId}/tags`, { label: 'Old name' }));
    const dup = see(await teacher.post(`/spaces/${spaceId}/tags`, { label: 'SAFETY FIRST' }), 409);
    expect(dup.body).to.contain('already has a tag with that label').and.to.contain('value="SAFETY FIRST"');
    const long = see(await teacher.post(`/spaces/${spaceId}/tags`, { label: 'x'.repeat(41) }), 400);
    expect(long.body).to.contain('40 characters').and.to.contain(`value="${'x'.repeat(41)}"`);
    const safety = await tagIdOf('Safety first');
    const tools = await tagIdOf('Tools');
    const old = await tagIdOf('Old name');
    see(await teacher.post(`/spaces/${spaceId}/tags/${old}/rename`, { label: 'Renamed' }));
    expect(await tagIdOf('Renamed')).to.equal(old);
    see(await teacher.post(`/spaces/${spaceId}/tags/${old}/rename`, { label: 'tools' }), 409);

    const form = see(await eve.get(`/spaces/${spaceId}/threads/new`), 200);
    expect(form.body).to.contain(`name="tags" value="${safety}"`);
    const tagged = threadIdFrom(see(await eve.post(`/spaces/${spaceId}/threads`, { title: 'Tagged thread', body: 'b', kind: 'discussion', tags: safety })));
    see(await eve.post(`/spaces/${spaceId}/threads`, { title: 'Forged tag', body: 'b', kind: 'discussion', tags: '00000000-0000-4000-8000-000000000000' }), 400);
    await startThread(eve, 'Untagged thread');
    const tp = see(await ben.get(`/threads/${tagged}`), 200);
    expect(tp.body).to.contain('class="tag-chip"').and.to.contain('Safety first');
    let list = see(await ben.get(`/spaces/${spaceId}?tag=${safety}&sort=newest`), 200);
    expect(list.body).to.contain('Tagged thread');
    expect(list.body).not.to.contain('Untagged thread');
    expect(list.body).to.contain(`?sort=active&amp;tag=${safety}`);
    see(await ben.get(`/spaces/${spaceId}?tag=00000000-0000-4000-8000-000000000000`), 404);

    // The author changes the thread's tags; another learner may not.
    see(await ben.post(`/threads/${tagged}/tags`, { tags: tools }), 403);
    see(await eve.post(`/threads/${tagged}/tags`, { tags: [tools, old].join(',') }), 400);
    const xapiBefore = Number((await stack.tool.container.db('xapi_outbox').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    see(await eve.post(`/threads/${tagged}/tags`, { tags: tools }));
    list = see(await ben.get(`/spaces/${spaceId}?tag=${tools}`), 200);
    expect(list.body).to.contain('Tagged thread');
    expect(see(await ben.get(`/spaces/${spaceId}?tag=${safety}`), 200).body).not.to.contain('Tagged thread');
    const xapiAfter = Number((await stack.tool.container.db('xapi_outbox').count<{ n: number }[]>({ n: '*' }))[0]!.n);
    expect(xapiAfter).to.be.greaterThan(xapiBefore);
    // Deleting a tag takes it off its threads.
    see(await teacher.post(`/spaces/${spaceId}/tags/${tools}/delete`));
    see(await ben.get(`/spaces/${spaceId}?tag=${tools}`), 404);
    expect(see(await ben.get(`/threads/${tagged}`), 200).body).not.to.contain('class="tag-chip"');
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
