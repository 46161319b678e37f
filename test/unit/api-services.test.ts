import { expect } from 'chai';
import { PostJson, PostResultJson, ThreadPageJson } from '../../src/api/api-schemas.js';
import { authorJson, postJson, threadPageJson } from '../../src/api/api-serializers.js';
import { fixedClock } from '../../src/clock.js';
import { FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { createPostService } from '../../src/discussion/post-service.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import type { Translate } from '../../src/i18n/i18n.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';

/** Serializers print pseudonyms through the catalogue; a stand-in that shows the key and number. */
const tr = ((key: string, o?: { n?: number }) => `${key}#${o?.n ?? ''}`) as unknown as Translate;

/** What the JSON API asks of the discussion services, beyond what the pages do; on fake stores. */
describe('discussion services for the JSON API (on fake stores)', () => {
  let store: FakeDiscussionStore;
  let threads: ReturnType<typeof createThreadService>;
  let posts: ReturnType<typeof createPostService>;
  let spaceId: string;
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');
  const outsider = launchOf('ola', 'ctx-b');

  beforeEach(() => {
    store = new FakeDiscussionStore();
    const clock = fixedClock(1_800_000_000_000);
    const ticking = { now: () => (clock.advance(1), clock.now()) };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock: ticking, pageSize: { threads: 2, replies: 2 } };
    threads = createThreadService(deps);
    posts = createPostService(deps);
    spaceId = store.addSpace('ctx-a', 'Prep').id;
    store.addSpace('ctx-b', 'Other course');
    for (const u of ['ann', 'ben', 'tess']) store.userNames.set(u, u.toUpperCase());
  });

  it('posts.view: one post as the viewer sees it, whether they found it helpful, and where it is shown', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'opening' });
    const replies = [];
    for (const body of ['one', 'two', 'three']) replies.push((await posts.reply(ben, t.id, { body: `**${body}**`, parentPostId: null })).post);
    await posts.setReaction(ann, replies[2]!.id, true);
    const mine = await posts.view(ann, replies[2]!.id);
    expect(mine.post).to.include({ reactedByMe: true, reactionCount: 1, markdown: '**three**', mine: false });
    expect(mine.post.html).to.equal('<p><strong>three</strong></p>\n');
    // Page size 2: the third reply is on page 2.
    expect(mine.location).to.deep.equal({ threadId: t.id, postId: replies[2]!.id, page: 2, focusId: null });
    expect((await posts.view(ben, replies[2]!.id)).post).to.include({ reactedByMe: false, mine: true });
    expect((await failure(posts.view(outsider, replies[2]!.id))).status).to.equal(404);
    expect((await failure(posts.view(ann, 'no-such-post'))).status).to.equal(404);
  });

  it('gives the Markdown source exactly to whoever may read the HTML', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'secret' });
    const r = (await posts.reply(ben, t.id, { body: 'reply secret', parentPostId: null })).post;
    await posts.setHidden(tess, r.id, true);
    expect((await posts.view(ann, r.id)).post).to.include({ state: 'hidden', html: null, markdown: null });
    expect((await posts.view(tess, r.id)).post).to.include({ state: 'hidden', markdown: 'reply secret' });
    await posts.remove(ann, (await store.posts.opening(t.id))!.id);
    expect((await threads.view(tess, t.id, { page: 1 })).opening).to.include({ state: 'deleted', html: null, markdown: null });
  });

  it('says how many items a page holds and how many there are in all', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'b' });
    for (const body of ['1', '2', '3', '4', '5']) await posts.reply(ben, t.id, { body, parentPostId: null });
    await threads.create(ben, spaceId, { title: 'U', kind: 'question', body: 'b' });
    await threads.create(ben, spaceId, { title: 'V', kind: 'question', body: 'b' });
    const page = await threads.view(ann, t.id, { page: 3 });
    expect(page).to.include({ page: 3, pageCount: 3, pageSize: 2, replyTotal: 5 });
    expect(threadPageJson(tr, page).pagination).to.deep.equal({ page: 3, pageCount: 3, pageSize: 2, total: 5 });
    const list = await threads.list(ann, spaceId, { sort: 'newest', page: 1 });
    expect(list).to.include({ pageSize: 2, threadCount: 3, pageCount: 2 });
  });

  it('serializes to the documented shapes, and the schemas drop anything else', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'question', body: 'b' });
    await posts.reply(ben, t.id, { body: 'r', parentPostId: null });
    const page = threadPageJson(tr, await threads.view(ann, t.id, { page: 1 }));
    const parsed = ThreadPageJson.parse(page);
    expect(parsed.thread).to.include({ id: t.id, title: 'T', kind: 'question', authorName: 'ANN', acceptedPostId: null });
    expect(parsed.opening.replies[0]).to.include({ markdown: 'r', authorName: 'BEN', depth: 1 });
    expect(parsed.thread.createdAt).to.equal(new Date(t.createdAt).toISOString());
    // A key a serializer did not mean to send never reaches the client.
    const leaky = { ...postJson(tr, (await posts.view(ann, parsed.opening.id)).post), authorId: 'ann', bodyHtml: '<b>' };
    expect(PostJson.parse(leaky)).not.to.have.any.keys('authorId', 'bodyHtml');
    expect(() => PostResultJson.parse({ post: { ...leaky, html: 42 }, location: { threadId: 'x', postId: 'y', page: 1, focusId: null } })).to.throw();
  });

  it('prints an author as the pages do: a pseudonym through the catalogue, else the name', () => {
    expect(authorJson(tr, { authorName: null, pseudonym: 3 })).to.deep.equal({ authorName: 'spaces:anon.learner#3', pseudonym: 3, anonymousToPeers: false });
    expect(authorJson(tr, { authorName: 'Ben', pseudonym: null, anonymousToPeers: true })).to.deep.equal({ authorName: 'Ben', pseudonym: null, anonymousToPeers: true });
    expect(authorJson(tr, { authorName: null })).to.deep.equal({ authorName: null, pseudonym: null, anonymousToPeers: false });
  });
});
