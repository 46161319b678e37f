import { expect } from 'chai';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { expectStatus, joinCourse, postIdFrom, strictlyIncreasingClock, threadIdFrom, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

type Person = Participant;

describe('discussion reactions, endorsements and accepted answers (e2e through the platform emulator)', function () {
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
  const startThread = async (who: Person, title: string, kind = 'question'): Promise<string> => threadIdFrom(see(await who.post(`/spaces/${spaceId}/threads`, { title, body: `${title} body`, kind })));
  const reply = async (who: Person, threadId: string, body: string): Promise<string> => postIdFrom(see(await who.post(`/threads/${threadId}/replies`, { body })));
  /** The rendered article of one post (its first occurrence: in the replies, or as the accepted answer). */
  const articleOf = (page: Page, postId: string, prefix = ''): string => {
    const start = page.body.indexOf(`id="${prefix}post-${postId}"`);
    expect(start, `post ${postId} on the page`).to.be.greaterThan(-1);
    return page.body.slice(start, page.body.indexOf('</article>', start));
  };

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock() });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = see(await teacher.post('/app/setup', { kind: 'post_event', title: 'Reactions space', time_zone: 'UTC' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Learner', roles: [ROLE.learner] });
    cat = await join({ sub: 'cat', name: 'Cat Learner', roles: [ROLE.learner] });
  });
  after(async () => stack?.close());

  it('marks a post helpful and takes it back, with a count and no-JS buttons; not one’s own post (403)', async () => {
    const threadId = await startThread(ann, 'Helpful or not');
    const b = await reply(ben, threadId, 'Ben answers');
    let page = see(await ann.get(`/threads/${threadId}`), 200);
    let art = articleOf(page, b);
    expect(art).to.contain(`action="/posts/${b}/react"`);
    expect(art).to.contain('0 people found this helpful');
    // Ben's own post offers him no button, and the route refuses.
    expect(articleOf(see(await ben.get(`/threads/${threadId}`), 200), b)).not.to.contain(`/posts/${b}/react"`);
    const own = see(await ben.post(`/posts/${b}/react`), 403);
    expect(own.body).to.contain('own_post');
    // Without the CSRF token: refused, nothing counted.
    see(await ann.post(`/posts/${b}/react`, {}, { csrf: null }), 403);

    const res = see(await ann.post(`/posts/${b}/react`));
    expect(res.headers.get('location')).to.match(new RegExp(`#post-${b}$`));
    see(await ann.post(`/posts/${b}/react`)); // a reload of the same POST changes nothing
    see(await cat.post(`/posts/${b}/react`));
    page = see(await ann.get(`/threads/${threadId}`), 200);
    art = articleOf(page, b);
    expect(art).to.contain('2 people found this helpful');
    expect(art).to.contain(`action="/posts/${b}/unreact"`);
    expect(art).to.contain('aria-pressed="true"');

    see(await ann.post(`/posts/${b}/unreact`));
    see(await ann.post(`/posts/${b}/unreact`));
    art = articleOf(see(await ann.get(`/threads/${threadId}`), 200), b);
    expect(art).to.contain('1 person found this helpful');
    expect(art).to.contain(`action="/posts/${b}/react"`);
  });

  it('staff endorse a post with a visible badge, and withdraw it; a learner gets 403', async () => {
    const threadId = await startThread(ann, 'Endorse me', 'discussion');
    const b = await reply(ben, threadId, 'Worth endorsing');
    const refused = see(await ann.post(`/posts/${b}/endorse`), 403);
    expect(refused.body).to.contain('forbidden_role');
    see(await ben.post(`/posts/${b}/unendorse`), 403);
    expect(articleOf(see(await ann.get(`/threads/${threadId}`), 200), b)).not.to.contain('/endorse"');

    expect(articleOf(see(await teacher.get(`/threads/${threadId}`), 200), b)).to.contain(`action="/posts/${b}/endorse"`);
    see(await teacher.post(`/posts/${b}/endorse`));
    expect(articleOf(see(await ann.get(`/threads/${threadId}`), 200), b)).to.contain('Endorsed by instructor');
    expect(articleOf(see(await teacher.get(`/threads/${threadId}`), 200), b)).to.contain(`action="/posts/${b}/unendorse"`);
    see(await teacher.post(`/posts/${b}/unendorse`));
    expect(articleOf(see(await ann.get(`/threads/${threadId}`), 200), b)).not.to.contain('Endorsed by instructor');
  });

  it('the asker accepts an answer, staff change it, another learner cannot (403); shown at the top', async () => {
    const threadId = await startThread(ann, 'Which answer?');
    const b = await reply(ben, threadId, 'Ben’s answer');
    const c = await reply(cat, threadId, 'Cat’s answer');
    // Only the asker and staff see the button; Cat is neither.
    expect(articleOf(see(await cat.get(`/threads/${threadId}`), 200), b)).not.to.contain('/accept"');
    const refused = see(await cat.post(`/posts/${b}/accept`), 403);
    expect(refused.body).to.contain('not_asker');

    see(await ann.post(`/posts/${b}/accept`));
    let page = see(await cat.get(`/threads/${threadId}`), 200);
    expect(page.body).to.contain('<h2 id="accepted-h">Accepted answer</h2>');
    expect(page.body.indexOf(`id="accepted-post-${b}"`)).to.be.lessThan(page.body.indexOf(`id="post-${c}"`));
    expect(articleOf(page, b, 'accepted-')).to.contain('Accepted answer');
    expect(page.body.match(new RegExp(`id="post-${b}"`, 'g'))).to.have.length(1);

    see(await teacher.post(`/posts/${c}/accept`));
    page = see(await ann.get(`/threads/${threadId}`), 200);
    expect(page.body).to.contain(`id="accepted-post-${c}"`);
    expect(page.body).not.to.contain(`id="accepted-post-${b}"`);
    expect(articleOf(page, c, 'accepted-')).to.contain(`action="/posts/${c}/unaccept"`);
    const list = see(await ben.get(`/spaces/${spaceId}`), 200);
    expect(list.body).to.contain('badge--accepted');

    see(await cat.post(`/posts/${c}/unaccept`), 403);
    see(await ann.post(`/posts/${c}/unaccept`));
    expect(see(await ann.get(`/threads/${threadId}`), 200).body).not.to.contain('accepted-h');
    // A discussion thread has no answer to accept.
    const d = await startThread(ann, 'Just chatting', 'discussion');
    const r = await reply(ben, d, 'Chat');
    expect(see(await ann.post(`/posts/${r}/accept`), 409).body).to.contain('not_a_question');
  });

  it('sorts threads and replies by most helpful', async () => {
    const popular = await startThread(ben, 'Popular thread', 'discussion');
    const quiet = await startThread(ben, 'Quiet thread', 'discussion');
    const first = await reply(ann, popular, 'First, less helpful');
    const second = await reply(cat, popular, 'Second, most helpful');
    see(await ben.post(`/posts/${second}/react`));
    see(await teacher.post(`/posts/${second}/react`));
    see(await teacher.post(`/posts/${first}/react`));
    const threadPage = see(await ann.get(`/threads/${popular}?sort=helpful`), 200);
    expect(threadPage.body.indexOf(`id="post-${second}"`)).to.be.lessThan(threadPage.body.indexOf(`id="post-${first}"`));
    expect(threadPage.body).to.match(/<a href="[^"]*sort=helpful[^"]*" aria-current="true">Most helpful<\/a>/);
    const oldest = see(await ann.get(`/threads/${popular}`), 200);
    expect(oldest.body.indexOf(`id="post-${first}"`)).to.be.lessThan(oldest.body.indexOf(`id="post-${second}"`));

    const helpful = see(await ann.get(`/spaces/${spaceId}?sort=helpful`), 200);
    expect(helpful.body.indexOf('Popular thread')).to.be.greaterThan(-1);
    expect(helpful.body.indexOf('Popular thread')).to.be.lessThan(helpful.body.indexOf('Quiet thread'));
    expect(helpful.body).to.contain('3 helpful');
    const newest = see(await ann.get(`/spaces/${spaceId}?sort=newest`), 200);
    expect(newest.body.indexOf('Quiet thread')).to.be.lessThan(newest.body.indexOf('Popular thread'));
    expect(quiet).to.be.a('string');
  });

  it('answers 404 to other courses for every new route, and changes nothing', async () => {
    const threadId = await startThread(ann, 'Course one question');
    const b = await reply(ben, threadId, 'Course one answer');
    const outsiders = [
      await join({ sub: 'outsider', roles: [ROLE.learner], contextId: 'course-2', resourceLinkId: 'b-link' }),
      await join({ sub: 'outsider-teacher', roles: [ROLE.instructor], contextId: 'course-2', resourceLinkId: 'b-link' }),
      await join({ sub: 'ann', roles: [ROLE.learner], contextId: 'course-3', resourceLinkId: 'c-link' }),
    ];
    for (const who of outsiders) {
      for (const action of ['react', 'unreact', 'endorse', 'unendorse', 'accept', 'unaccept']) {
        expect((await who.post(`/posts/${b}/${action}`)).status, action).to.equal(404);
      }
    }
    const post = await stack.tool.container.db('posts').where({ id: b }).first();
    expect(Number(post.reaction_count)).to.equal(0);
    expect(post.endorsed_at).to.equal(null);
    expect((await stack.tool.container.db('threads').where({ id: threadId }).first()).accepted_post_id).to.equal(null);
  });
});
