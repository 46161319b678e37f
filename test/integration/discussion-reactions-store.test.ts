import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import * as reactionsMigration from '../../migrations/20261129000100_post_reactions.js';
import { openStoreDb, seedCourses, seedSpace, usersFrom } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`discussion reaction, endorsement and answer stores on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let ctxA: string;
  let spaceA: string;
  const users = { ann: newId(), ben: newId(), cat: newId(), tess: newId() };
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA] = (await seedCourses(db, t, { courses: ['course-a'], users: usersFrom(users) })).contexts as [string];
    spaceA = await seedSpace(db, ctxA, 'A', t);
    threads = createThreadStore(db);
    posts = createPostStore(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  async function question(title = 'Q') {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title, kind: 'question' }, body('why?'), tick());
    const a = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('a'), tick());
    const b = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.cat }, body('b'), tick());
    return { thread, opening, a, b };
  }

  it('migrates down and up again, on its own database', async () => {
    const fresh = await createTestDatabase();
    const db2 = createDb(fresh.url);
    try {
      await migrateLatest(db2);
      expect(await db2.schema.hasTable('post_reactions')).to.equal(true);
      await reactionsMigration.down(db2);
      expect(await db2.schema.hasTable('post_reactions')).to.equal(false);
      expect(await db2.schema.hasColumn('posts', 'reaction_count')).to.equal(false);
      expect(await db2.schema.hasColumn('threads', 'accepted_post_id')).to.equal(false);
      await reactionsMigration.up(db2);
      expect(await db2.schema.hasColumn('threads', 'reaction_count')).to.equal(true);
      expect(await db2.schema.hasColumn('posts', 'endorsed_at')).to.equal(true);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });

  it('keeps one reaction per user per post, with counts on the post and the thread, in one transaction with `also`', async () => {
    const { thread, a, b } = await question();
    const seen: string[] = [];
    expect(await posts.react(a, users.ann, tick(), async (trx, w) => void seen.push(w.reactionId, typeof trx))).to.equal(true);
    expect(await posts.react(a, users.ann, tick(), async () => void seen.push('again'))).to.equal(false);
    expect(await posts.react(a, users.cat, tick())).to.equal(true);
    expect(await posts.react(b, users.ann, tick())).to.equal(true);
    expect(seen).to.have.length(2);
    expect((await posts.get(ctxA, a.id))!.reactionCount).to.equal(2);
    expect((await threads.get(ctxA, thread.id))!.reactionCount).to.equal(3);
    expect([...(await posts.reactedBy(users.ann, [a.id, b.id, thread.id]))].sort()).to.deep.equal([a.id, b.id].sort());
    expect(await posts.unreact(a, users.ann)).to.equal(true);
    expect(await posts.unreact(a, users.ann)).to.equal(false);
    expect((await posts.get(ctxA, a.id))!.reactionCount).to.equal(1);
    expect((await threads.get(ctxA, thread.id))!.reactionCount).to.equal(2);
    expect(await posts.reactedBy(users.ann, [])).to.deep.equal(new Set());
  });

  it('rolls the reaction back when `also` throws', async () => {
    const { thread, a } = await question();
    let error: unknown;
    await posts
      .react(a, users.ann, tick(), async () => {
        throw new Error('outbox down');
      })
      .catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('outbox down');
    expect((await posts.get(ctxA, a.id))!.reactionCount).to.equal(0);
    expect((await threads.get(ctxA, thread.id))!.reactionCount).to.equal(0);
    expect(await posts.reactedBy(users.ann, [a.id])).to.deep.equal(new Set());
  });

  it('counts concurrent reactions of many users exactly', async () => {
    const { thread, a } = await question();
    const many = Object.values(users).filter((u) => u !== users.ben);
    const results = await Promise.all([...many, ...many].map((u) => posts.react(a, u, tick()).catch(() => false)));
    expect(results.filter(Boolean).length).to.be.at.most(many.length);
    const n = Number((await db('post_reactions').where({ post_id: a.id }).count({ n: '*' }))[0]!.n);
    expect((await posts.get(ctxA, a.id))!.reactionCount).to.equal(n);
    expect((await threads.get(ctxA, thread.id))!.reactionCount).to.equal(n);
  });

  it('endorses and withdraws; a repeat changes nothing and skips `also`', async () => {
    const { a } = await question();
    let calls = 0;
    const also = async () => void calls++;
    expect(await posts.setEndorsed(a.id, { at: tick(), by: users.tess }, also)).to.equal(true);
    expect(await posts.setEndorsed(a.id, { at: tick(), by: users.tess }, also)).to.equal(false);
    expect(calls).to.equal(1);
    expect((await posts.get(ctxA, a.id))!).to.include({ endorsedBy: users.tess });
    expect(await posts.setEndorsed(a.id, null)).to.equal(true);
    expect(await posts.setEndorsed(a.id, null)).to.equal(false);
    expect((await posts.get(ctxA, a.id))!.endorsedAt).to.equal(null);
  });

  it('accepts, changes and clears the answer; only a change runs `also`', async () => {
    const { thread, a, b } = await question();
    let calls = 0;
    const also = async () => void calls++;
    expect(await threads.setAccepted(thread.id, a.id, tick(), also)).to.equal(true);
    expect(await threads.setAccepted(thread.id, a.id, tick(), also)).to.equal(false);
    expect(await threads.setAccepted(thread.id, b.id, tick(), also)).to.equal(true);
    expect(calls).to.equal(2);
    expect((await threads.get(ctxA, thread.id))!.acceptedPostId).to.equal(b.id);
    expect(await threads.setAccepted(thread.id, null, tick())).to.equal(true);
    expect(await threads.setAccepted(thread.id, null, tick())).to.equal(false);
    expect((await threads.get(ctxA, thread.id))!.acceptedPostId).to.equal(null);
  });

  it('orders replies and threads by most helpful, ties by the default order', async () => {
    const { thread, opening, a, b } = await question('Helpful');
    const c = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.tess }, body('c'), tick());
    await posts.react(c, users.ann, tick());
    await posts.react(c, users.ben, tick());
    await posts.react(b, users.ann, tick());
    const page = await posts.page(thread.id, { limit: 2, offset: 0, maxDepth: 1, order: 'helpful' });
    expect(page.posts.map((p) => p.id)).to.deep.equal([c.id, b.id]);
    expect(page.hasMore).to.equal(true);
    expect((await posts.page(thread.id, { limit: 2, offset: 2, maxDepth: 1, order: 'helpful' })).posts.map((p) => p.id)).to.deep.equal([a.id]);
    expect((await posts.page(thread.id, { limit: 5, offset: 0, maxDepth: 1 })).posts.map((p) => p.id)).to.deep.equal([a.id, b.id, c.id]);
    const list = await threads.list(ctxA, spaceA, { sort: 'helpful', limit: 100, offset: 0 });
    const counts = list.map((x) => x.reactionCount);
    expect(counts).to.deep.equal([...counts].sort((x, y) => y - x));
    expect(list[0]!.id).to.equal(thread.id);
  });
});
