import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { viewActId } from '../../src/discussion/discussion-xapi.js';
import { FAKE_TRX, FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { createPostService, MAX_DEPTH } from '../../src/discussion/post-service.js';
import { VISIBLE_LEVELS, type PostView } from '../../src/discussion/post-view.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import { statementId } from '../../src/xapi/statement-builder.js';
import type { XapiActivity, XapiStatement } from '../../src/xapi/statement.js';
import { VERB } from '../../src/xapi/vocabulary.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';
import { xapiProblems } from '../helpers/lrs-stub.js';

describe('discussion services (on fake stores)', () => {
  let store: FakeDiscussionStore;
  let clock: ReturnType<typeof fixedClock>;
  let threads: ReturnType<typeof createThreadService>;
  let posts: ReturnType<typeof createPostService>;
  let spaceId: string;
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');
  const tam = launchOf('tam', 'ctx-a', 'ta');
  const outsider = launchOf('ola', 'ctx-b');
  const outsiderStaff = launchOf('oscar', 'ctx-b', 'admin');
  const anonymous = launchOf(null, 'ctx-a');

  beforeEach(() => {
    store = new FakeDiscussionStore();
    clock = fixedClock(1_800_000_000_000);
    // Tick on every read, so every act has its own moment.
    const ticking = { now: () => (clock.advance(1), clock.now()) };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock: ticking, pageSize: { threads: 2, replies: 2 } };
    threads = createThreadService(deps);
    posts = createPostService(deps);
    spaceId = store.addSpace('ctx-a', 'Prep').id;
    store.addSpace('ctx-b', 'Other course');
    for (const u of ['ann', 'ben', 'tess', 'tam']) store.userNames.set(u, u.toUpperCase());
  });

  const newThread = (who = ann, title = 'T', body = 'Body') => threads.create(who, spaceId, { title, kind: 'discussion', body });

  describe('threads', () => {
    it('creates a thread with a sanitized render of its Markdown opening post', async () => {
      const t = await newThread(ann, 'Hello', '**hi** <script>alert(1)</script> [x](javascript:alert(1))');
      const opening = await store.posts.opening(t.id);
      expect(opening!.bodyHtml).to.contain('<strong>hi</strong>');
      expect(opening!.bodyHtml).not.to.match(/<script|href="javascript/i);
      expect(opening!.authorId).to.equal('ann');
      expect(t.authorName).to.equal('ANN');
    });

    it('refuses anonymous launches as authors, and launches without a course as readers', async () => {
      expect((await failure(newThread(anonymous))).status).to.equal(403);
      expect((await failure(threads.spaceForNewThread(anonymous, spaceId))).code).to.equal('anonymous');
      expect((await failure(threads.list(launchOf('ann', null), spaceId, { sort: 'active', page: 1 }))).status).to.equal(404);
      const page = await threads.list(anonymous, spaceId, { sort: 'active', page: 1 });
      expect(page.canCreate).to.equal(false);
    });

    it('lists pinned threads first, then by activity or creation, two a page', async () => {
      const a = await newThread(ann, 'A');
      const b = await newThread(ann, 'B');
      const c = await newThread(ann, 'C');
      await posts.reply(ben, a.id, { body: 'bump', parentPostId: null });
      await threads.setPinned(tess, b.id, true);
      const active = await threads.list(ben, spaceId, { sort: 'active', page: 1 });
      expect(active.threads.map((t) => t.title)).to.deep.equal(['B', 'A']);
      expect(active.pageCount).to.equal(2);
      expect((await threads.list(ben, spaceId, { sort: 'active', page: 2 })).threads.map((t) => t.title)).to.deep.equal(['C']);
      expect((await threads.list(ben, spaceId, { sort: 'newest', page: 1 })).threads.map((t) => t.title)).to.deep.equal(['B', 'C']);
      // Out-of-range pages clamp to the last one.
      expect((await threads.list(ben, spaceId, { sort: 'newest', page: 99 })).page).to.equal(2);
      expect(c.id).to.be.a('string');
    });

    it('hides the title of a thread whose opening post is hidden, from everyone but staff', async () => {
      const t = await newThread(ann, 'Rude title');
      const opening = (await store.posts.opening(t.id))!;
      await posts.setHidden(tam, opening.id, true);
      expect((await threads.list(ben, spaceId, { sort: 'active', page: 1 })).threads[0]!.title).to.equal(null);
      expect((await threads.list(ann, spaceId, { sort: 'active', page: 1 })).threads[0]!.title).to.equal(null);
      expect((await threads.list(tess, spaceId, { sort: 'active', page: 1 })).threads[0]!.title).to.equal('Rude title');
      expect((await threads.view(ben, t.id, { page: 1 })).thread.displayTitle).to.equal(null);
      expect((await threads.view(tess, t.id, { page: 1 })).opening.html).to.contain('Body');
    });

    it('lets only staff pin and lock', async () => {
      const t = await newThread();
      for (const who of [ann, ben, anonymous]) {
        expect((await failure(threads.setPinned(who, t.id, true))).status).to.equal(403);
        expect((await failure(threads.setLocked(who, t.id, true))).status).to.equal(403);
      }
      for (const who of [tess, tam, launchOf('adm', 'ctx-a', 'admin')]) {
        expect((await threads.setLocked(who, t.id, true)).locked).to.equal(true);
      }
      // A mentor is no moderator.
      expect((await failure(threads.setPinned(launchOf('m', 'ctx-a', 'mentor'), t.id, true))).status).to.equal(403);
    });

    it('nests replies three levels deep and counts the rest behind "show more"', async () => {
      const t = await newThread();
      let parent: string | null = null;
      const chain: string[] = [];
      for (let d = 1; d <= VISIBLE_LEVELS + 2; d++) {
        const { post } = await posts.reply(d % 2 ? ben : ann, t.id, { body: `depth ${d}`, parentPostId: parent });
        chain.push(post.id);
        parent = post.id;
      }
      const view = await threads.view(ann, t.id, { page: 1 });
      let node: PostView = view.opening;
      for (let d = 1; d <= VISIBLE_LEVELS; d++) {
        expect(node.children).to.have.length(1);
        node = node.children[0]!;
        expect(node.html).to.contain(`depth ${d}`);
      }
      expect(node.children).to.have.length(0);
      expect(node.moreReplies).to.equal(1);

      const focus = await threads.view(ann, t.id, { page: 1, focusId: node.id });
      expect(focus.focus!.post.id).to.equal(node.id);
      expect(focus.focus!.post.children[0]!.html).to.contain(`depth ${VISIBLE_LEVELS + 1}`);
      expect(focus.focus!.post.children[0]!.children[0]!.html).to.contain(`depth ${VISIBLE_LEVELS + 2}`);
      expect(chain).to.have.length(VISIBLE_LEVELS + 2);
    });

    it('404s a focus post from another thread or course', async () => {
      const t1 = await newThread();
      const t2 = await newThread();
      const { post } = await posts.reply(ben, t2.id, { body: 'x', parentPostId: null });
      expect((await failure(threads.view(ann, t1.id, { page: 1, focusId: post.id }))).status).to.equal(404);
      expect((await failure(threads.view(outsider, t2.id, { page: 1, focusId: post.id }))).status).to.equal(404);
    });

    it('re-renders posts whose cached HTML came from an older renderer', async () => {
      const t = await newThread(ann, 'T', '*fresh*');
      const opening = (await store.posts.opening(t.id))!;
      store.postRows.set(opening.id, { ...opening, bodyHtml: '<p>stale cache</p>', renderVersion: 0 });
      const view = await threads.view(ann, t.id, { page: 1 });
      expect(view.opening.html).to.equal('<p><em>fresh</em></p>\n');
    });
  });

  describe('replies', () => {
    it('replies to the thread or to a post, bumping count and activity', async () => {
      const t = await newThread();
      const before = (await store.threads.get('ctx-a', t.id))!.lastActivityAt;
      const { post: r1 } = await posts.reply(ben, t.id, { body: 'one', parentPostId: null });
      const { post: r2 } = await posts.reply(ann, t.id, { body: 'two', parentPostId: r1.id });
      expect(r1.depth).to.equal(1);
      expect(r2.depth).to.equal(2);
      expect(r2.branchId).to.equal(r1.id);
      const after = (await store.threads.get('ctx-a', t.id))!;
      expect(after.replyCount).to.equal(2);
      expect(after.lastActivityAt).to.be.greaterThan(before);
    });

    it('says which page a reply lands on, and shows deep replies under their parent', async () => {
      const t = await newThread();
      const locs = [];
      for (let i = 0; i < 3; i++) locs.push((await posts.reply(ben, t.id, { body: `r${i}`, parentPostId: null })).location);
      expect(locs.map((l) => l.page)).to.deep.equal([1, 1, 2]);
      let parent = locs[2]!.postId;
      let last = locs[2]!;
      for (let d = 2; d <= VISIBLE_LEVELS + 1; d++) {
        last = (await posts.reply(ann, t.id, { body: `d${d}`, parentPostId: parent })).location;
        parent = last.postId;
      }
      expect(last.page).to.equal(2);
      expect(last.focusId).to.be.a('string');
      expect(store.postRows.get(last.postId)!.parentId).to.equal(last.focusId);
    });

    it('stops nesting at MAX_DEPTH: a reply to the deepest post becomes its sibling', async () => {
      const t = await newThread();
      let parent: string | null = null;
      for (let d = 1; d <= MAX_DEPTH; d++) parent = (await posts.reply(ben, t.id, { body: `d${d}`, parentPostId: parent })).post.id;
      const { post } = await posts.reply(ann, t.id, { body: 'deeper', parentPostId: parent });
      expect(post.depth).to.equal(MAX_DEPTH);
    });

    it('refuses replies in a locked thread to learners (staff may), and to deleted or hidden posts', async () => {
      const t = await newThread();
      await threads.setLocked(tess, t.id, true);
      expect((await failure(posts.reply(ben, t.id, { body: 'x', parentPostId: null }))).code).to.equal('thread_locked');
      await posts.reply(tam, t.id, { body: 'staff note', parentPostId: null });
      await threads.setLocked(tess, t.id, false);
      const { post } = await posts.reply(ben, t.id, { body: 'x', parentPostId: null });
      await posts.remove(ben, post.id);
      expect((await failure(posts.reply(ann, t.id, { body: 'y', parentPostId: post.id }))).status).to.equal(409);
      const { post: other } = await posts.reply(ben, t.id, { body: 'z', parentPostId: null });
      await posts.setHidden(tess, other.id, true);
      expect((await failure(posts.reply(ann, t.id, { body: 'y', parentPostId: other.id }))).status).to.equal(409);
      expect((await failure(posts.reply(anonymous, t.id, { body: 'y', parentPostId: null }))).status).to.equal(403);
    });

    it('404s a parent post from another thread', async () => {
      const t1 = await newThread();
      const t2 = await newThread();
      const other = (await store.posts.opening(t2.id))!;
      expect((await failure(posts.reply(ben, t1.id, { body: 'x', parentPostId: other.id }))).status).to.equal(404);
      expect((await failure(posts.replyContext(ben, t1.id, other.id))).status).to.equal(404);
    });
  });

  describe('edits, history, delete, hide', () => {
    it('lets authors edit their own posts, keeping each earlier version', async () => {
      const t = await newThread(ann, 'Old title', 'v1');
      const opening = (await store.posts.opening(t.id))!;
      expect((await failure(posts.forEdit(ben, opening.id))).code).to.equal('not_author');
      expect((await failure(posts.edit(tess, opening.id, { body: 'staff rewrite', title: null }))).code).to.equal('not_author');
      await posts.edit(ann, opening.id, { body: 'v2', title: 'New title' });
      await posts.edit(ann, opening.id, { body: 'v3', title: 'New title' });
      expect((await store.threads.get('ctx-a', t.id))!.title).to.equal('New title');
      const h = await posts.history(tess, opening.id);
      expect(h.revisions.map((r) => r.html.trim())).to.deep.equal(['<p>v1</p>', '<p>v2</p>']);
      expect(h.revisions.map((r) => r.title)).to.deep.equal(['Old title', 'New title']);
      expect(h.view.html).to.contain('v3');
      const view = await threads.view(ben, t.id, { page: 1 });
      expect(view.opening.editedAt).to.be.a('number');
    });

    it('shows history to staff only', async () => {
      const t = await newThread();
      const opening = (await store.posts.opening(t.id))!;
      await posts.edit(ann, opening.id, { body: 'changed', title: 'T' });
      for (const who of [ann, ben]) expect((await failure(posts.history(who, opening.id))).status).to.equal(403);
      expect((await posts.history(tam, opening.id)).revisions).to.have.length(1);
      const view = await threads.view(tess, t.id, { page: 1 });
      expect(view.opening.can.history).to.equal(true);
      expect((await threads.view(ann, t.id, { page: 1 })).opening.can.history).to.equal(false);
    });

    it('reports an edit that lost a race as a conflict', async () => {
      const t = await newThread();
      const opening = (await store.posts.opening(t.id))!;
      store.posts.edit = async () => false;
      expect((await failure(posts.edit(ann, opening.id, { body: 'x', title: 'T' }))).code).to.equal('edit_conflict');
    });

    it('refuses edits of hidden posts and, for learners, in locked threads', async () => {
      const t = await newThread();
      const { post } = await posts.reply(ben, t.id, { body: 'b', parentPostId: null });
      await threads.setLocked(tess, t.id, true);
      expect((await failure(posts.forEdit(ben, post.id))).code).to.equal('thread_locked');
      await threads.setLocked(tess, t.id, false);
      await posts.setHidden(tess, post.id, true);
      expect((await failure(posts.forEdit(ben, post.id))).status).to.equal(409);
    });

    it('deletes to a tombstone that keeps replies, for the author only', async () => {
      const t = await newThread();
      const { post } = await posts.reply(ben, t.id, { body: 'regret', parentPostId: null });
      await posts.reply(ann, t.id, { body: 'answer', parentPostId: post.id });
      await posts.edit(ben, post.id, { body: 'regret v2', title: null });
      for (const who of [ann, tess]) expect((await failure(posts.remove(who, post.id))).status).to.equal(403);
      await posts.remove(ben, post.id);
      expect((await failure(posts.remove(ben, post.id))).status).to.equal(409);
      const view = await threads.view(ann, t.id, { page: 1 });
      const tomb = view.opening.children[0]!;
      expect(tomb.state).to.equal('deleted');
      expect(tomb.html).to.equal(null);
      expect(tomb.children[0]!.html).to.contain('answer');
      expect(store.postRows.get(post.id)!.bodyMarkdown).to.equal('');
      expect(store.revisionRows.filter((r) => r.postId === post.id)).to.have.length(0);
      expect((await threads.view(tess, t.id, { page: 1 })).opening.children[0]!.html).to.equal(null);
    });

    it('lets staff hide and restore; hidden words stay visible to staff only', async () => {
      const t = await newThread();
      const { post } = await posts.reply(ben, t.id, { body: 'rude', parentPostId: null });
      expect((await failure(posts.setHidden(ann, post.id, true))).code).to.equal('forbidden_role');
      expect((await failure(posts.setHidden(ben, post.id, true))).status).to.equal(403);
      await posts.setHidden(tam, post.id, true);
      expect(store.postRows.get(post.id)!.hiddenBy).to.equal('tam');
      const learnerView = (await threads.view(ann, t.id, { page: 1 })).opening.children[0]!;
      expect(learnerView.state).to.equal('hidden');
      expect(learnerView.html).to.equal(null);
      expect((await threads.view(ben, t.id, { page: 1 })).opening.children[0]!.html).to.equal(null);
      const staffView = (await threads.view(tess, t.id, { page: 1 })).opening.children[0]!;
      expect(staffView.html).to.contain('rude');
      expect(staffView.can).to.include({ hide: false, restore: true });
      await posts.setHidden(tess, post.id, false);
      expect((await threads.view(ann, t.id, { page: 1 })).opening.children[0]!.html).to.contain('rude');
    });

    it('offers each viewer only the actions they may take', async () => {
      const t = await newThread(ann);
      await posts.reply(ben, t.id, { body: 'b', parentPostId: null });
      const mine = (await threads.view(ben, t.id, { page: 1 })).opening.children[0]!;
      expect(mine.can).to.deep.equal({ reply: true, edit: true, delete: true, hide: false, restore: false, history: false, react: false, endorse: false, accept: false });
      const theirs = (await threads.view(ann, t.id, { page: 1 })).opening.children[0]!;
      expect(theirs.can).to.deep.equal({ reply: true, edit: false, delete: false, hide: false, restore: false, history: false, react: true, endorse: false, accept: false });
      const staff = (await threads.view(tess, t.id, { page: 1 })).opening.children[0]!;
      expect(staff.can).to.deep.equal({ reply: true, edit: false, delete: false, hide: true, restore: false, history: false, react: true, endorse: true, accept: false });
      const anon = (await threads.view(anonymous, t.id, { page: 1 })).opening.children[0]!;
      expect(anon.can.reply).to.equal(false);
    });
  });

  describe('course isolation', () => {
    it('answers 404, before any role check, for ids from another course', async () => {
      const t = await newThread();
      const opening = (await store.posts.opening(t.id))!;
      const { post } = await posts.reply(ben, t.id, { body: 'b', parentPostId: null });
      const calls: Array<[string, (who: LaunchContext) => Promise<unknown>]> = [
        ['list', (w) => threads.list(w, spaceId, { sort: 'active', page: 1 })],
        ['spaceForNewThread', (w) => threads.spaceForNewThread(w, spaceId)],
        ['create', (w) => threads.create(w, spaceId, { title: 'x', kind: 'discussion', body: 'x' })],
        ['view', (w) => threads.view(w, t.id, { page: 1 })],
        ['setPinned', (w) => threads.setPinned(w, t.id, true)],
        ['setLocked', (w) => threads.setLocked(w, t.id, true)],
        ['reply', (w) => posts.reply(w, t.id, { body: 'x', parentPostId: null })],
        ['replyContext', (w) => posts.replyContext(w, t.id, null)],
        ['forEdit', (w) => posts.forEdit(w, opening.id)],
        ['edit', (w) => posts.edit(w, opening.id, { body: 'x', title: 'x' })],
        ['history', (w) => posts.history(w, opening.id)],
        ['remove', (w) => posts.remove(w, post.id)],
        ['hide', (w) => posts.setHidden(w, post.id, true)],
        ['restore', (w) => posts.setHidden(w, post.id, false)],
        ['locate', (w) => posts.locate(w, post.id)],
      ];
      for (const who of [outsider, outsiderStaff, launchOf('ann', 'ctx-b'), launchOf('ann', null)]) {
        for (const [name, call] of calls) {
          const err = await failure(call(who));
          expect(err.status, `${name} as ${who.user?.id} in ${who.context?.id}`).to.equal(404);
        }
      }
      expect(store.postRows.get(post.id)!.hiddenAt).to.equal(null);
      expect(store.threadRows.get(t.id)!.pinned).to.equal(false);
    });
  });
});

describe('discussion services record their acts as xAPI statements (fake stores and outbox)', () => {
  let store: FakeDiscussionStore;
  let clock: ReturnType<typeof fixedClock>;
  let threads: ReturnType<typeof createThreadService>;
  let posts: ReturnType<typeof createPostService>;
  let spaceId: string;
  /** What the outbox was asked to queue, and in which transaction. */
  let queued: Array<{ trx: unknown; statement: XapiStatement }>;
  let alone: XapiStatement[];
  let failEnqueue: boolean;
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');

  beforeEach(() => {
    store = new FakeDiscussionStore();
    clock = fixedClock(1_800_000_000_000);
    queued = [];
    alone = [];
    failEnqueue = false;
    const xapi = {
      outbox: {
        enqueue: async (trx: unknown, list: XapiStatement[]) => {
          if (failEnqueue) throw new Error('outbox down');
          for (const statement of list) queued.push({ trx, statement });
        },
      },
      statements: { publicUrl: 'https://tool.example/' },
      enqueueAlone: async (list: XapiStatement[]) => {
        alone.push(...list);
      },
    };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock: { now: () => (clock.advance(1), clock.now()) }, xapi };
    threads = createThreadService(deps);
    posts = createPostService(deps);
    spaceId = store.addSpace('ctx-a', 'Prep').id;
  });

  const verbs = () => queued.map((q) => q.statement.verb.id);

  it('queues one statement per act, in the act’s transaction, with ids derived from the act', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'question', body: 'Why?' });
    const { post } = await posts.reply(ben, t.id, { body: 'Because.', parentPostId: null });
    await posts.edit(ben, post.id, { body: 'Because!', title: null });
    await posts.remove(ben, post.id);
    expect(verbs()).to.deep.equal([VERB.asked, VERB.replied, VERB.edited, VERB.deleted]);
    expect(queued.every((q) => q.trx === FAKE_TRX)).to.equal(true);
    const [asked, replied, edited, deleted] = queued.map((q) => q.statement);
    expect(asked!.id).to.equal(statementId('thread_created', t.id));
    expect(asked!.result).to.deep.equal({ response: 'Why?' });
    expect(replied!.id).to.equal(statementId('reply_posted', post.id));
    expect((replied!.object as XapiActivity).id).to.equal(`https://tool.example/posts/${post.id}`);
    // The edit's id is its revision's (that revision is gone with the delete, the statement stays).
    expect(edited!.id).to.match(/^[0-9a-f-]{36}$/);
    expect(edited!.result).to.deep.equal({ response: 'Because!' });
    expect(deleted!.id).to.equal(statementId('deleted', post.id));
    for (const q of queued) expect(xapiProblems(q.statement), q.statement.verb.id).to.deep.equal([]);
  });

  it('records nothing for refused acts, moderation or anonymous readers', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'B' });
    queued = [];
    const opening = (await store.posts.opening(t.id))!;
    await failure(posts.edit(ben, opening.id, { body: 'not mine', title: 'x' }));
    await failure(posts.remove(ben, opening.id));
    await failure(threads.create(launchOf(null, 'ctx-a'), spaceId, { title: 'T', kind: 'discussion', body: 'B' }));
    await threads.setPinned(tess, t.id, true);
    await threads.setLocked(tess, t.id, true);
    await posts.setHidden(tess, opening.id, true);
    await threads.recordView(launchOf(null, 'ctx-a'), store.spaceRows.get(spaceId)!);
    expect(queued).to.deep.equal([]);
    expect(alone).to.deep.equal([]);
  });

  it('leaves the act undone when its statement cannot be queued', async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'B' });
    const opening = (await store.posts.opening(t.id))!;
    failEnqueue = true;
    const threadsBefore = store.threadRows.size;
    const postsBefore = [...store.postRows.values()].map((p) => ({ ...p }));
    for (const act of [
      () => threads.create(ann, spaceId, { title: 'T2', kind: 'discussion', body: 'B2' }),
      () => posts.reply(ben, t.id, { body: 'R', parentPostId: null }),
      () => posts.edit(ann, opening.id, { body: 'B2', title: 'T2' }),
      () => posts.remove(ann, opening.id),
    ]) {
      let error: unknown;
      await act().catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal('outbox down');
    }
    expect(store.threadRows.size).to.equal(threadsBefore);
    expect([...store.postRows.values()]).to.deep.equal(postsBefore);
    expect(store.revisionRows).to.deep.equal([]);
    expect(store.threadRows.get(t.id)!.title).to.equal('T');
  });

  it('records one view per user, space and clock hour', async () => {
    const space = store.spaceRows.get(spaceId)!;
    clock.set(Date.UTC(2027, 0, 4, 10, 0, 0));
    await threads.recordView(ann, space);
    clock.set(Date.UTC(2027, 0, 4, 10, 59, 0));
    await threads.recordView(ann, space);
    await threads.recordView(ben, space);
    clock.set(Date.UTC(2027, 0, 4, 11, 0, 0));
    await threads.recordView(ann, space);
    const ids = alone.map((s) => s.id);
    expect(alone.every((s) => s.verb.id === VERB.viewed)).to.equal(true);
    expect(ids[0]).to.equal(ids[1]);
    expect(new Set(ids).size).to.equal(3);
    expect(ids[0]).to.equal(statementId('space_viewed', viewActId(spaceId, 'ann', Date.UTC(2027, 0, 4, 10, 30))));
  });
});
