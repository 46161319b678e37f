import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { FAKE_TRX, FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { createPostService } from '../../src/discussion/post-service.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import type { XapiActivity, XapiStatement } from '../../src/xapi/statement.js';
import { EXTENSION, VERB } from '../../src/xapi/vocabulary.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';
import { xapiProblems } from '../helpers/lrs-stub.js';

describe('discussion reactions, endorsements and accepted answers (services on fake stores)', () => {
  let store: FakeDiscussionStore;
  let threads: ReturnType<typeof createThreadService>;
  let posts: ReturnType<typeof createPostService>;
  let spaceId: string;
  let queued: Array<{ trx: unknown; statement: XapiStatement }>;
  let failEnqueue: boolean;
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const cat = launchOf('cat', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');
  const tam = launchOf('tam', 'ctx-a', 'ta');
  const outsider = launchOf('ola', 'ctx-b');
  const outsiderStaff = launchOf('oscar', 'ctx-b', 'instructor');
  const anonymous = launchOf(null, 'ctx-a');

  beforeEach(() => {
    store = new FakeDiscussionStore();
    const clock = fixedClock(1_800_000_000_000);
    queued = [];
    failEnqueue = false;
    const xapi = {
      outbox: {
        enqueue: async (trx: unknown, list: XapiStatement[]) => {
          if (failEnqueue) throw new Error('outbox down');
          for (const statement of list) queued.push({ trx, statement });
        },
      },
      statements: { publicUrl: 'https://tool.example/' },
      enqueueAlone: async () => {},
    };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock: { now: () => (clock.advance(1), clock.now()) }, pageSize: { threads: 20, replies: 20 }, xapi };
    threads = createThreadService(deps);
    posts = createPostService(deps);
    spaceId = store.addSpace('ctx-a', 'Prep').id;
    store.addSpace('ctx-b', 'Other');
  });

  const verbs = () => queued.map((q) => q.statement.verb.id);
  const question = async () => {
    const t = await threads.create(ann, spaceId, { title: 'Q', kind: 'question', body: 'Why?' });
    const { post: a } = await posts.reply(ben, t.id, { body: 'Because A.', parentPostId: null });
    const { post: b } = await posts.reply(cat, t.id, { body: 'Because B.', parentPostId: null });
    queued = [];
    return { t, a, b };
  };

  describe('helpful reactions', () => {
    it('one per user per post, toggled on and off, counted on the post and its thread', async () => {
      const { t, a } = await question();
      await posts.setReaction(ann, a.id, true);
      await posts.setReaction(ann, a.id, true); // a second "on" changes nothing
      await posts.setReaction(cat, a.id, true);
      expect(store.postRows.get(a.id)!.reactionCount).to.equal(2);
      expect(store.threadRows.get(t.id)!.reactionCount).to.equal(2);
      let view = await threads.view(ann, t.id, { page: 1 });
      const shown = view.opening.children.find((p) => p.id === a.id)!;
      expect(shown).to.include({ reactionCount: 2, reactedByMe: true });
      await posts.setReaction(ann, a.id, false);
      await posts.setReaction(ann, a.id, false);
      expect(store.postRows.get(a.id)!.reactionCount).to.equal(1);
      expect(store.threadRows.get(t.id)!.reactionCount).to.equal(1);
      view = await threads.view(ann, t.id, { page: 1 });
      expect(view.opening.children.find((p) => p.id === a.id)).to.include({ reactionCount: 1, reactedByMe: false });
    });

    it('refuses a reaction on one’s own post (403), from anonymous readers (403), on hidden posts (409)', async () => {
      const { a } = await question();
      expect((await failure(posts.setReaction(ben, a.id, true))).code).to.equal('own_post');
      expect((await failure(posts.setReaction(anonymous, a.id, true))).status).to.equal(403);
      await posts.setHidden(tess, a.id, true);
      expect((await failure(posts.setReaction(cat, a.id, true))).status).to.equal(409);
      expect(store.postRows.get(a.id)!.reactionCount).to.equal(0);
    });

    it('queues `liked` once per reaction, in its transaction; taking it back queues nothing', async () => {
      const { t, a } = await question();
      await posts.setReaction(ann, a.id, true);
      await posts.setReaction(ann, a.id, true);
      await posts.setReaction(ann, a.id, false);
      expect(verbs()).to.deep.equal([VERB.liked]);
      const s = queued[0]!;
      expect(s.trx).to.equal(FAKE_TRX);
      // Its id derives from the reaction row (gone now, with the un-react; the statement stays).
      expect(s.statement.id).to.match(/^[0-9a-f-]{36}$/);
      expect((s.statement.object as XapiActivity).id).to.equal(`https://tool.example/posts/${a.id}`);
      expect(s.statement.context!.extensions![EXTENSION.reaction]).to.equal('helpful');
      expect(s.statement.context!.contextActivities!.parent![0]!.id).to.contain(t.id);
      expect(xapiProblems(s.statement)).to.deep.equal([]);
      // Reacting again after taking it back is a new act with a new statement.
      await posts.setReaction(ann, a.id, true);
      expect(verbs()).to.deep.equal([VERB.liked, VERB.liked]);
      expect(queued[1]!.statement.id).not.to.equal(queued[0]!.statement.id);
    });

    it('leaves no reaction when its statement cannot be queued', async () => {
      const { t, a } = await question();
      failEnqueue = true;
      let error: unknown;
      await posts.setReaction(ann, a.id, true).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal('outbox down');
      expect(store.reactionRows.size).to.equal(0);
      expect(store.postRows.get(a.id)!.reactionCount).to.equal(0);
      expect(store.threadRows.get(t.id)!.reactionCount).to.equal(0);
    });
  });

  describe('endorsement', () => {
    it('staff endorse and withdraw; learners get 403; `endorsed` is queued once per endorsement', async () => {
      const { t, a } = await question();
      expect((await failure(posts.setEndorsed(ben, a.id, true))).status).to.equal(403);
      expect((await failure(posts.setEndorsed(ann, a.id, false))).status).to.equal(403);
      await posts.setEndorsed(tess, a.id, true);
      await posts.setEndorsed(tam, a.id, true); // already endorsed: nothing changes
      expect(store.postRows.get(a.id)!.endorsedBy).to.equal('tess');
      expect((await threads.view(ben, t.id, { page: 1 })).opening.children.find((p) => p.id === a.id)!.endorsed).to.equal(true);
      expect(verbs()).to.deep.equal([VERB.endorsed]);
      expect(queued[0]!.trx).to.equal(FAKE_TRX);
      expect(xapiProblems(queued[0]!.statement)).to.deep.equal([]);
      await posts.setEndorsed(tam, a.id, false);
      expect(store.postRows.get(a.id)!.endorsedAt).to.equal(null);
      expect(verbs()).to.deep.equal([VERB.endorsed]);
    });
  });

  describe('accepted answers', () => {
    it('the asker accepts, changes and clears the answer; staff can too; another learner cannot (403)', async () => {
      const { t, a, b } = await question();
      expect((await failure(posts.setAccepted(cat, a.id, true))).code).to.equal('not_asker');
      await posts.setAccepted(ann, a.id, true);
      await posts.setAccepted(ann, a.id, true); // the same answer again: no change, no statement
      expect(store.threadRows.get(t.id)!.acceptedPostId).to.equal(a.id);
      let view = await threads.view(ben, t.id, { page: 1 });
      expect(view.accepted!.id).to.equal(a.id);
      expect(view.opening.children.find((p) => p.id === a.id)!.accepted).to.equal(true);
      await posts.setAccepted(tess, b.id, true);
      expect(store.threadRows.get(t.id)!.acceptedPostId).to.equal(b.id);
      expect((await failure(posts.setAccepted(cat, b.id, false))).status).to.equal(403);
      await posts.setAccepted(ann, a.id, false); // not the answer now: nothing to clear
      expect(store.threadRows.get(t.id)!.acceptedPostId).to.equal(b.id);
      await posts.setAccepted(ann, b.id, false);
      view = await threads.view(ben, t.id, { page: 1 });
      expect(view.accepted).to.equal(null);
      expect(verbs()).to.deep.equal([VERB.accepted, VERB.accepted]);
      expect(queued.every((q) => q.trx === FAKE_TRX)).to.equal(true);
      for (const q of queued) expect(xapiProblems(q.statement)).to.deep.equal([]);
    });

    it('only in question threads, only a visible reply (409)', async () => {
      const d = await threads.create(ann, spaceId, { title: 'D', kind: 'discussion', body: 'Chat' });
      const { post: r } = await posts.reply(ben, d.id, { body: 'Hi', parentPostId: null });
      expect((await failure(posts.setAccepted(ann, r.id, true))).code).to.equal('not_a_question');
      const { t, a } = await question();
      const opening = (await store.posts.opening(t.id))!;
      expect((await failure(posts.setAccepted(ann, opening.id, true))).code).to.equal('not_a_reply');
      await posts.remove(ben, a.id);
      expect((await failure(posts.setAccepted(ann, a.id, true))).status).to.equal(409);
    });
  });

  it('sorts threads and replies by most helpful', async () => {
    const { t, a, b } = await question();
    const other = await threads.create(ben, spaceId, { title: 'Later', kind: 'discussion', body: 'x' });
    await posts.setReaction(ann, b.id, true);
    await posts.setReaction(tess, b.id, true);
    await posts.setReaction(tess, a.id, true);
    const replies = (await threads.view(ann, t.id, { page: 1, sort: 'helpful' })).opening.children.map((p) => p.id);
    expect(replies).to.deep.equal([b.id, a.id]);
    expect((await threads.view(ann, t.id, { page: 1 })).opening.children.map((p) => p.id)).to.deep.equal([a.id, b.id]);
    expect((await threads.list(ann, spaceId, { sort: 'helpful', page: 1 })).threads.map((x) => x.id)).to.deep.equal([t.id, other.id]);
    expect((await threads.list(ann, spaceId, { sort: 'newest', page: 1 })).threads.map((x) => x.id)).to.deep.equal([other.id, t.id]);
  });

  it('answers 404 for posts from another course, before any role check', async () => {
    const { a } = await question();
    for (const who of [outsider, outsiderStaff, launchOf('ann', 'ctx-b')]) {
      for (const call of [
        () => posts.setReaction(who, a.id, true),
        () => posts.setReaction(who, a.id, false),
        () => posts.setEndorsed(who, a.id, true),
        () => posts.setEndorsed(who, a.id, false),
        () => posts.setAccepted(who, a.id, true),
        () => posts.setAccepted(who, a.id, false),
      ]) {
        expect((await failure(call())).status).to.equal(404);
      }
    }
    expect(queued).to.deep.equal([]);
  });
});
