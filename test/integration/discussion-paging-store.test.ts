import { expect } from 'chai';
import type { Post, RenderedBody, ThreadListItem, ThreadSort } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import * as reactionsMigration from '../../migrations/20261129000100_post_reactions.js';
import * as orderIndexesMigration from '../../migrations/20261130000610_discussion_order_indexes.js';
import { openStoreDb, seedCourses, seedSpace } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

/** The SQL that defines an index, lower-cased, or null when there is none by that name. */
async function indexDefinition(db: Db, name: string): Promise<string | null> {
  if (testDbKind() === 'pg') {
    const r = await db.raw<{ rows: Array<{ indexdef: string }> }>('select indexdef from pg_indexes where indexname = ? and schemaname = current_schema()', [name]);
    return r.rows[0]?.indexdef.toLowerCase() ?? null;
  }
  const r = await db('sqlite_master').where({ type: 'index', name }).first<{ sql: string } | undefined>('sql');
  return r ? r.sql.toLowerCase().replace(/[`"]/g, '') : null;
}

/**
 * Thread and reply pages read ids first and rows second (a deferred join, for pages whose cost
 * does not grow with the offset; bench/discussion). These pin down that every page is still
 * exactly its slice of the full order, with ties, pins and deep offsets, and still scoped by course.
 */
describe(`discussion paging stores on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let ctxA: string;
  let ctxB: string;
  let spaceA: string;
  const people = Array.from({ length: 6 }, () => newId());
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA, ctxB] = (await seedCourses(db, t, { users: people.map((id, i) => ({ id, sub: `u${i}`, name: `User ${i}` })) })).contexts as [string, string];
    spaceA = await seedSpace(db, ctxA, 'A', t);
    threads = createThreadStore(db);
    posts = createPostStore(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('pages a space of many threads as slices of one order, for every sort, pinned first, ties by id', async () => {
    // 23 threads: reaction counts 0–2 (many ties), replies bump activity out of creation order,
    // two pinned.
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: people[i % people.length]!, title: `T${i}`, kind: 'discussion' }, body(`t${i}`), tick());
      ids.push(thread.id);
      for (let r = 0; r < i % 3; r++) await posts.react(opening, people[r]!, tick());
    }
    for (const i of [4, 17, 0, 9]) {
      const opening = (await posts.opening(ids[i]!))!;
      await posts.addReply({ threadId: ids[i]!, parent: opening, authorId: people[1]! }, body('bump'), tick());
    }
    await threads.setFlags(ids[20]!, { pinned: true }, tick());
    await threads.setFlags(ids[2]!, { pinned: true }, tick());

    const all = await threads.list(ctxA, spaceA, { sort: 'active', limit: 100, offset: 0 });
    expect(all).to.have.length(23);
    const key: Record<ThreadSort, (x: ThreadListItem) => number[]> = {
      active: (x) => [Number(x.pinned), x.lastActivityAt],
      newest: (x) => [Number(x.pinned), x.createdAt],
      helpful: (x) => [Number(x.pinned), x.reactionCount, x.lastActivityAt],
    };
    for (const sort of ['active', 'newest', 'helpful'] as const) {
      // The expected order, worked out here from the rows themselves.
      const expected = [...all]
        .sort((a, b) => {
          const [ka, kb] = [key[sort](a), key[sort](b)];
          for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i]! - ka[i]!;
          return a.id < b.id ? 1 : -1;
        })
        .map((x) => x.id);
      const paged: string[] = [];
      for (let offset = 0; offset < 30; offset += 4) {
        const page = await threads.list(ctxA, spaceA, { sort, limit: 4, offset });
        expect(page.length, `${sort} @${offset}`).to.equal(Math.max(0, Math.min(4, 23 - offset)));
        paged.push(...page.map((x) => x.id));
      }
      expect(paged, sort).to.deep.equal(expected);
      expect(paged.slice(0, 2).sort(), sort).to.deep.equal([ids[2]!, ids[20]!].sort());
    }
    const helpful = await threads.list(ctxA, spaceA, { sort: 'helpful', limit: 100, offset: 0 });
    expect(helpful.find((x) => x.id === ids[5])).to.include({ reactionCount: 2, authorName: 'User 5', openingHidden: false, openingDeleted: false });
    // The rows of a page still come only from the viewer's course.
    expect(await threads.list(ctxB, spaceA, { sort: 'active', limit: 4, offset: 0 })).to.deep.equal([]);
    expect(await threads.list(ctxB, spaceA, { sort: 'helpful', limit: 4, offset: 8 })).to.deep.equal([]);
    expect(await threads.count(ctxA, spaceA)).to.equal(23);
    expect(await threads.count(ctxB, spaceA)).to.equal(0);
  });

  it('pages a long thread\'s replies, oldest or most helpful first, with their descendants', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: people[0]!, title: 'Long', kind: 'question' }, body('root'), tick());
    const top: Post[] = [];
    for (let i = 0; i < 17; i++) top.push(await posts.addReply({ threadId: thread.id, parent: opening, authorId: people[i % people.length]! }, body(`r${i}`), tick()));
    // Reactions 0–3 with ties; one nested reply under every fourth branch.
    for (const [i, r] of top.entries()) for (let k = 0; k < (i * 7) % 4; k++) await posts.react(r, people[k]!, tick());
    const nested = new Map<string, string>();
    for (const r of top.filter((_, i) => i % 4 === 0)) nested.set(r.id, (await posts.addReply({ threadId: thread.id, parent: r, authorId: people[2]! }, body(`under ${r.bodyMarkdown}`), tick())).id);

    const counts = new Map(top.map((r, i) => [r.id, (i * 7) % 4]));
    const byOrder = {
      oldest: top.map((r) => r.id),
      // Most helpful first; equal counts oldest first (creation order here).
      helpful: [...top].sort((a, b) => counts.get(b.id)! - counts.get(a.id)! || a.createdAt - b.createdAt).map((r) => r.id),
    };
    for (const order of ['oldest', 'helpful'] as const) {
      const seen: string[] = [];
      for (let offset = 0; offset < 17; offset += 5) {
        const page = await posts.page(thread.id, { limit: 5, offset, maxDepth: 3, order });
        expect(page.hasMore, `${order} @${offset}`).to.equal(offset + 5 < 17);
        const branches = page.posts.filter((p) => p.depth === 1);
        seen.push(...branches.map((p) => p.id));
        // The page's branches, then their descendants: exactly those of these branches.
        const below = page.posts.filter((p) => p.depth === 2).map((p) => p.id);
        expect(below.sort()).to.deep.equal(branches.filter((b) => nested.has(b.id)).map((b) => nested.get(b.id)!).sort());
        expect(page.posts.slice(0, branches.length).every((p) => p.depth === 1)).to.equal(true);
        expect(branches.every((b) => b.reactionCount === counts.get(b.id) && b.authorName !== null)).to.equal(true);
      }
      expect(seen, order).to.deep.equal(byOrder[order]);
    }
    expect((await posts.page(thread.id, { limit: 5, offset: 40, maxDepth: 3 })).posts).to.deep.equal([]);
  });

  it('migrates its indexes down and up again; the reactions migration still goes down and up after it', async () => {
    const fresh = await createTestDatabase();
    const db2 = createDb(fresh.url);
    try {
      await migrateLatest(db2);
      expect(await indexDefinition(db2, 'posts_thread_helpful_idx')).to.match(/reaction_count desc, created_at, id\)/);
      expect(await indexDefinition(db2, 'threads_space_helpful_idx')).to.match(/reaction_count, last_activity_at, id\)/);
      await orderIndexesMigration.down(db2);
      expect(await indexDefinition(db2, 'posts_thread_helpful_idx')).to.match(/reaction_count, created_at, id\)/);
      expect(await indexDefinition(db2, 'threads_space_helpful_idx')).to.match(/reaction_count, id\)/);
      await orderIndexesMigration.up(db2);
      // An older migration's down drops these indexes by name: it must still find them.
      await reactionsMigration.down(db2);
      expect(await indexDefinition(db2, 'posts_thread_helpful_idx')).to.equal(null);
      await reactionsMigration.up(db2);
      await orderIndexesMigration.up(db2);
      expect(await indexDefinition(db2, 'posts_thread_helpful_idx')).to.match(/reaction_count desc/);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });
});
