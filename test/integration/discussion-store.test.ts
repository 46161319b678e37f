import { expect } from 'chai';
import type { Post, RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { migrationSource } from '../../migrations/index.js';
import * as threadsMigration from '../../migrations/20261127000100_threads.js';
import * as postsMigration from '../../migrations/20261127000200_posts.js';
import * as revisionsMigration from '../../migrations/20261127000300_post_revisions.js';
import { openStoreDb, seedCourses, seedSpace, usersFrom } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`discussion stores on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let ctxA: string;
  let ctxB: string;
  let spaceA: string;
  let spaceA2: string;
  let spaceB: string;
  const users = { ann: newId(), ben: newId(), tess: newId() };
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA, ctxB] = (await seedCourses(db, t, { users: usersFrom(users) })).contexts as [string, string];
    spaceA = await seedSpace(db, ctxA, 'A', t);
    spaceA2 = await seedSpace(db, ctxA, 'A2', t);
    spaceB = await seedSpace(db, ctxB, 'B', t);
    threads = createThreadStore(db);
    posts = createPostStore(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('migrates down and up again, on its own database', async () => {
    // Only our three migrations, on a database migrated up to the spaces they hang from.
    const fresh = await createTestDatabase();
    const db2 = createDb(fresh.url);
    try {
      while (!(await db2.schema.hasTable('spaces'))) await db2.migrate.up({ migrationSource });
      const ours = [threadsMigration, postsMigration, revisionsMigration];
      for (const m of ours) await m.up(db2);
      expect(await db2.schema.hasTable('post_revisions')).to.equal(true);
      for (const m of [...ours].reverse()) await m.down(db2);
      for (const table of ['threads', 'posts', 'post_revisions']) expect(await db2.schema.hasTable(table), table).to.equal(false);
      for (const m of ours) await m.up(db2);
      expect(await db2.schema.hasTable('posts')).to.equal(true);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });

  it('creates a thread with its opening post, read back only within its course', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Hello', kind: 'question' }, body('first'), tick());
    expect(thread).to.include({ title: 'Hello', kind: 'question', pinned: false, locked: false, replyCount: 0, authorName: 'ANN' });
    expect(opening).to.include({ depth: 0, parentId: null, branchId: null, bodyMarkdown: 'first', authorName: 'ANN' });
    expect(await threads.get(ctxA, thread.id)).to.deep.equal(thread);
    expect(await threads.get(ctxB, thread.id)).to.equal(null);
    expect(await posts.get(ctxA, opening.id)).to.deep.equal(opening);
    expect(await posts.get(ctxB, opening.id)).to.equal(null);
    expect(await posts.opening(thread.id)).to.deep.equal(opening);
    expect(await threads.list(ctxB, spaceA, { sort: 'active', limit: 10, offset: 0 })).to.deep.equal([]);
    expect(await threads.count(ctxB, spaceA)).to.equal(0);
  });

  it('lists a space\'s threads pinned first, then by activity or creation, in stable pages', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await threads.create({ spaceId: spaceA2, authorId: users.ben, title: `T${i}`, kind: 'discussion' }, body(`b${i}`), tick())).thread.id);
    await threads.create({ spaceId: spaceB, authorId: users.ben, title: 'other course', kind: 'discussion' }, body('x'), tick());
    // T1 gets a reply (most active); T3 is pinned.
    const t1Opening = (await posts.opening(made[1]!))!;
    await posts.addReply({ threadId: made[1]!, parent: t1Opening, authorId: users.ann }, body('bump'), tick());
    await threads.setFlags(made[3]!, { pinned: true }, tick());
    const titles = async (sort: 'active' | 'newest', offset: number, limit = 10) => (await threads.list(ctxA, spaceA2, { sort, limit, offset })).map((x) => x.title);
    expect(await titles('active', 0)).to.deep.equal(['T3', 'T1', 'T4', 'T2', 'T0']);
    expect(await titles('newest', 0)).to.deep.equal(['T3', 'T4', 'T2', 'T1', 'T0']);
    expect([...(await titles('active', 0, 2)), ...(await titles('active', 2, 2)), ...(await titles('active', 4, 2))]).to.deep.equal(['T3', 'T1', 'T4', 'T2', 'T0']);
    expect(await threads.count(ctxA, spaceA2)).to.equal(5);
    const [first] = await threads.list(ctxA, spaceA2, { sort: 'active', limit: 1, offset: 0 });
    expect(first).to.include({ pinned: true, openingHidden: false, openingDeleted: false, authorName: 'BEN' });
  });

  it('threads replies into branches and pages them with their descendants', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Tree', kind: 'discussion' }, body('root'), tick());
    const r1 = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('r1'), tick());
    const r2 = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('r2'), tick());
    const r1a = await posts.addReply({ threadId: thread.id, parent: r1, authorId: users.ann }, body('r1a'), tick());
    const r1a1 = await posts.addReply({ threadId: thread.id, parent: r1a, authorId: users.ben }, body('r1a1'), tick());
    const r1a1x = await posts.addReply({ threadId: thread.id, parent: r1a1, authorId: users.ann }, body('r1a1x'), tick());
    await posts.addReply({ threadId: thread.id, parent: r1, authorId: users.tess }, body('r1b'), tick());
    const r2a = await posts.addReply({ threadId: thread.id, parent: r2, authorId: users.ann }, body('r2a'), tick());
    expect([r1.depth, r1a.depth, r1a1.depth, r1a1x.depth]).to.deep.equal([1, 2, 3, 4]);
    expect([r1.branchId, r1a.branchId, r1a1x.branchId, r2a.branchId]).to.deep.equal([r1.id, r1.id, r1.id, r2.id]);
    const saved = (await threads.get(ctxA, thread.id))!;
    expect(saved.replyCount).to.equal(7);
    expect(saved.lastActivityAt).to.equal(r2a.createdAt);

    const p1 = await posts.page(thread.id, { limit: 1, offset: 0, maxDepth: 3 });
    expect(p1.hasMore).to.equal(true);
    expect(p1.posts.map((p) => p.bodyMarkdown)).to.deep.equal(['r1', 'r1a', 'r1b', 'r1a1']);
    const p2 = await posts.page(thread.id, { limit: 1, offset: 1, maxDepth: 4 });
    expect(p2.hasMore).to.equal(false);
    expect(p2.posts.map((p) => p.bodyMarkdown)).to.deep.equal(['r2', 'r2a']);
    expect((await posts.page(thread.id, { limit: 5, offset: 0, maxDepth: 4 })).posts).to.have.length(7);

    expect((await posts.subtree(r1a, 4)).map((p) => p.bodyMarkdown)).to.deep.equal(['r1a', 'r1a1', 'r1a1x']);
    expect((await posts.subtree(r1a, 3)).map((p) => p.bodyMarkdown)).to.deep.equal(['r1a', 'r1a1']);
    expect((await posts.subtree(opening, 1)).map((p) => p.bodyMarkdown)).to.deep.equal(['root', 'r1', 'r2']);
    expect(await posts.branchIndex(thread.id, r1.id)).to.equal(0);
    expect(await posts.branchIndex(thread.id, r2.id)).to.equal(1);
    expect(await posts.countDepthOne(thread.id)).to.equal(2);
  });

  it('counts concurrent replies exactly', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Busy', kind: 'discussion' }, body('root'), tick());
    const now = tick();
    await Promise.all(Array.from({ length: 12 }, (_v, i) => posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body(`c${i}`), now + i)));
    expect((await threads.get(ctxA, thread.id))!.replyCount).to.equal(12);
    expect(await posts.countDepthOne(thread.id)).to.equal(12);
  });

  it('keeps each replaced version on edit, with the title of an opening post, and refuses a stale edit', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Old', kind: 'discussion' }, body('v1'), tick());
    expect(await posts.edit(opening, { ...body('v2'), title: { previous: 'Old', next: 'New' } }, users.ann, tick())).to.equal(true);
    const v2 = (await posts.get(ctxA, opening.id))!;
    expect(v2.bodyMarkdown).to.equal('v2');
    expect(v2.editedAt).to.be.a('number');
    expect((await threads.get(ctxA, thread.id))!.title).to.equal('New');
    // Editing from the version read before the first edit would overwrite it unseen.
    expect(await posts.edit(opening, body('lost update'), users.ann, tick())).to.equal(false);
    expect(await posts.edit(v2, body('v3'), users.ann, tick())).to.equal(true);
    const revs = await posts.revisions(opening.id);
    expect(revs.map((r) => r.bodyMarkdown)).to.deep.equal(['v1', 'v2']);
    expect(revs.map((r) => r.title)).to.deep.equal(['Old', null]);
    expect(revs[0]!.writtenAt).to.equal(opening.createdAt);
    expect(revs[1]!.writtenAt).to.equal(v2.editedAt);
    expect(revs[0]!.replacedBy).to.equal(users.ann);
    expect((await posts.get(ctxA, opening.id))!.bodyMarkdown).to.equal('v3');
  });

  it('tombstones a post: content and history go, the row and its replies stay', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Del', kind: 'discussion' }, body('root'), tick());
    const r = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('oops'), tick());
    const child = await posts.addReply({ threadId: thread.id, parent: r, authorId: users.ann }, body('child'), tick());
    await posts.edit(r, body('oops v2'), users.ben, tick());
    const at = tick();
    expect(await posts.tombstone(r.id, at)).to.equal(true);
    expect(await posts.tombstone(r.id, tick())).to.equal(false);
    const gone = (await posts.get(ctxA, r.id))!;
    expect(gone).to.include({ deletedAt: at, bodyMarkdown: '', bodyHtml: '' });
    expect(await posts.revisions(r.id)).to.deep.equal([]);
    expect((await posts.get(ctxA, child.id))!.bodyMarkdown).to.equal('child');
    const [listed] = await threads.list(ctxA, spaceA, { sort: 'active', limit: 1, offset: 0 });
    expect(listed!.id).to.equal(thread.id);
    // A deleted post can no longer be edited.
    expect(await posts.edit(gone, body('back'), users.ben, tick())).to.equal(false);
  });

  it('hides and restores, and lists a thread whose opening post is hidden as such', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ben, title: 'Rude', kind: 'discussion' }, body('rude'), tick());
    const at = tick();
    await posts.setHidden(opening.id, { at, by: users.tess });
    expect(await posts.get(ctxA, opening.id)).to.include({ hiddenAt: at, hiddenBy: users.tess });
    const listed = (await threads.list(ctxA, spaceA, { sort: 'newest', limit: 20, offset: 0 })).find((x) => x.id === thread.id)!;
    expect(listed.openingHidden).to.equal(true);
    await posts.setHidden(opening.id, null);
    expect(await posts.get(ctxA, opening.id)).to.include({ hiddenAt: null, hiddenBy: null });
  });

  it('sets pinned and locked independently', async () => {
    const { thread } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Flags', kind: 'discussion' }, body('x'), tick());
    await threads.setFlags(thread.id, { locked: true }, tick());
    expect(await threads.get(ctxA, thread.id)).to.include({ locked: true, pinned: false });
    await threads.setFlags(thread.id, { pinned: true }, tick());
    await threads.setFlags(thread.id, { locked: false }, tick());
    expect(await threads.get(ctxA, thread.id)).to.include({ locked: false, pinned: true });
  });

  it('keeps long Unicode bodies intact', async () => {
    const text = `${'é🙂'.repeat(6_000)}\n\nend`;
    // (compared by length and ends first, so a failure prints no 30 kB string)
    const { opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Ünïcödé 🙂', kind: 'discussion' }, body(text), tick());
    const back: Post = (await posts.get(ctxA, opening.id))!;
    expect(back.bodyMarkdown.length).to.equal(text.length);
    expect(back.bodyMarkdown === text).to.equal(true);
  });
});
