import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import * as flagsMigration from '../../migrations/20261130000210_post_flags.js';
import * as ratesMigration from '../../migrations/20261130000220_write_rate_indexes.js';
import * as tagsMigration from '../../migrations/20261130000230_space_tags.js';
import { createFlagStore, type FlagStore } from '../../src/curation/flag-store.js';
import { createRankingStore, type RankingStore } from '../../src/curation/ranking-store.js';
import { createWriteLog, type WriteLog } from '../../src/curation/rate-limits.js';
import { createTagStore, type TagStore } from '../../src/curation/tag-store.js';
import { openStoreDb, seedCourses, seedSpace, usersFrom } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });
/** A learner with no prompt answers: what post-first lets anyone see (these spaces have no prompts). */
const anyLearner = { staff: false, userId: null, readOnly: false } as const;

describe(`curation stores (flags, ranking, write log) on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let flags: FlagStore;
  let ranking: RankingStore;
  let writes: WriteLog;
  let tags: TagStore;
  let ctxA: string;
  let ctxB: string;
  let spaceA: string;
  let spaceA2: string;
  const users = { ann: newId(), ben: newId(), cat: newId(), tess: newId() };
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA, ctxB] = (await seedCourses(db, t, { users: usersFrom(users) })).contexts as [string, string];
    spaceA = await seedSpace(db, ctxA, 'A', t);
    spaceA2 = await seedSpace(db, ctxA, 'A2', t);
    threads = createThreadStore(db);
    posts = createPostStore(db);
    flags = createFlagStore(db);
    ranking = createRankingStore(db);
    writes = createWriteLog(db);
    tags = createTagStore(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('migrates down and up again, on its own database', async () => {
    const fresh = await createTestDatabase();
    const db2 = createDb(fresh.url);
    try {
      await migrateLatest(db2);
      expect(await db2.schema.hasTable('post_flags')).to.equal(true);
      expect(await db2.schema.hasTable('space_tags')).to.equal(true);
      await tagsMigration.down(db2);
      await ratesMigration.down(db2);
      await flagsMigration.down(db2);
      expect(await db2.schema.hasTable('post_flags')).to.equal(false);
      expect(await db2.schema.hasTable('thread_tags')).to.equal(false);
      await flagsMigration.up(db2);
      await ratesMigration.up(db2);
      await tagsMigration.up(db2);
      expect(await db2.schema.hasTable('thread_tags')).to.equal(true);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });

  it('keeps one open flag per user per post (also joins the transaction), scoped by course and space', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Flag me', kind: 'discussion' }, body('open'), tick());
    const r = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('spam spam'), tick());
    const seen: string[] = [];
    expect(await flags.add({ postId: r.id, userId: users.ann, reason: 'spam', note: 'n1' }, tick(), async (_trx, w) => void seen.push(w.flagId))).to.equal(true);
    expect(await flags.add({ postId: r.id, userId: users.ann, reason: 'other', note: null }, tick(), async () => void seen.push('again'))).to.equal(false);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.not.equal('again');
    expect(await flags.add({ postId: r.id, userId: users.cat, reason: 'abusive', note: null }, tick())).to.equal(true);
    // A throw from `also` rolls the flag back.
    const failing = flags.add({ postId: opening.id, userId: users.cat, reason: 'spam', note: null }, tick(), async () => {
      throw new Error('outbox down');
    });
    await failing.then(() => expect.fail('should throw'), (e: Error) => expect(e.message).to.equal('outbox down'));
    const open = await flags.inSpace(ctxA, spaceA, { open: true, limit: 100 });
    expect(open.map((f) => f.reason)).to.deep.equal(['abusive', 'spam']);
    expect(open[0]).to.include({ postId: r.id, threadId: thread.id, threadTitle: 'Flag me', postDepth: 1, postAuthorName: 'BEN', postMarkdown: 'spam spam', threadLocked: false });
    expect(await flags.openCount(ctxA, spaceA)).to.equal(2);
    expect(await flags.openCount(ctxB, spaceA)).to.equal(0);
    expect(await flags.inSpace(ctxB, spaceA, { open: true, limit: 100 })).to.deep.equal([]);
    expect(await flags.openCount(ctxA, spaceA2)).to.equal(0);

    // Hide resolves both, with who and when; the same person may flag again afterwards.
    const at = tick();
    expect(await flags.moderate({ id: r.id, threadId: thread.id }, 'hide', users.tess, at)).to.equal(2);
    const hidden = await posts.get(ctxA, r.id);
    expect(hidden).to.include({ hiddenAt: at, hiddenBy: users.tess });
    expect(await flags.openCount(ctxA, spaceA)).to.equal(0);
    const history = await flags.inSpace(ctxA, spaceA, { open: false, limit: 100 });
    expect(history.map((f) => [f.resolution, f.resolvedAt, f.resolvedByName])).to.deep.equal([
      ['hidden', at, 'TESS'],
      ['hidden', at, 'TESS'],
    ]);
    expect(await flags.add({ postId: r.id, userId: users.ann, reason: 'spam', note: null }, tick())).to.equal(true);
    expect(await flags.moderate({ id: r.id, threadId: thread.id }, 'restore', users.tess, tick())).to.equal(1);
    expect((await posts.get(ctxA, r.id))!.hiddenAt).to.equal(null);
    await flags.add({ postId: r.id, userId: users.cat, reason: 'spam', note: null }, tick());
    await flags.moderate({ id: r.id, threadId: thread.id }, 'lock', users.tess, tick());
    expect((await threads.get(ctxA, thread.id))!.locked).to.equal(true);
    await flags.add({ postId: r.id, userId: users.ann, reason: 'other', note: null }, tick());
    expect(await flags.moderate({ id: r.id, threadId: thread.id }, 'dismiss', users.tess, tick())).to.equal(1);
    expect((await flags.inSpace(ctxA, spaceA, { open: false, limit: 100 })).map((f) => f.resolution)).to.deep.equal(['dismissed', 'locked', 'restored', 'hidden', 'hidden']);
  });

  it('ranks the most useful posts by score, newest first on ties, without hidden or deleted posts; paged', async () => {
    const { thread, opening } = await threads.create({ spaceId: spaceA2, authorId: users.ann, title: 'Rank', kind: 'question' }, body('q'), tick());
    const a = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('a'), tick());
    const b = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.cat }, body('b'), tick());
    const c = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.cat }, body('c'), tick());
    const d = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('d'), tick());
    const e = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('e'), tick());
    await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.ben }, body('no score'), tick());
    // a: 2 helpful = 2; b: endorsed = 3; c: accepted = 5; d: 1 helpful, newer than… ; opening: 1 helpful.
    await posts.react(a, users.ann, tick());
    await posts.react(a, users.cat, tick());
    await posts.setEndorsed(b.id, { at: tick(), by: users.tess });
    await threads.setAccepted(thread.id, c.id, tick());
    await posts.react(d, users.ann, tick());
    await posts.react(opening, users.ben, tick());
    await posts.react(e, users.ann, tick());
    await posts.setHidden(e.id, { at: tick(), by: users.tess });
    const all = await ranking.mostUseful(ctxA, spaceA2, { limit: 10, offset: 0, viewer: anyLearner });
    expect(all.map((p) => [p.postId, p.score])).to.deep.equal([
      [c.id, 5],
      [b.id, 3],
      [a.id, 2],
      [d.id, 1], // d and the opening tie at 1: d is newer
      [opening.id, 1],
    ]);
    expect(all[0]).to.include({ accepted: true, endorsed: false, threadTitle: 'Rank', authorName: 'CAT', bodyMarkdown: 'c' });
    expect(all[1]).to.include({ endorsed: true });
    expect(await ranking.countUseful(ctxA, spaceA2, { viewer: anyLearner })).to.equal(5);
    expect((await ranking.mostUseful(ctxA, spaceA2, { limit: 2, offset: 2, viewer: anyLearner })).map((p) => p.postId)).to.deep.equal([a.id, d.id]);
    expect(await ranking.mostUseful(ctxB, spaceA2, { limit: 10, offset: 0, viewer: anyLearner })).to.deep.equal([]);
    await posts.tombstone(c.id, tick());
    expect((await ranking.mostUseful(ctxA, spaceA2, { limit: 1, offset: 0, viewer: anyLearner }))[0]!.postId).to.equal(b.id);
    // A hidden opening takes its thread's replies out of the list.
    await posts.setHidden(opening.id, { at: tick(), by: users.tess });
    expect(await ranking.countUseful(ctxA, spaceA2, { viewer: anyLearner })).to.equal(0);
  });

  it('reads a user’s recent writes (posts, flags, reactions) newest first, since a time, up to a limit', async () => {
    const since = t;
    const { thread, opening } = await threads.create({ spaceId: spaceA, authorId: users.cat, title: 'Writes', kind: 'discussion' }, body('w'), tick());
    const r1 = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.cat }, body('1'), tick());
    const r2 = await posts.addReply({ threadId: thread.id, parent: opening, authorId: users.cat }, body('2'), tick());
    expect(await writes.recent('post', users.cat, since, 10)).to.deep.equal([r2.createdAt, r1.createdAt, opening.createdAt]);
    expect(await writes.recent('post', users.cat, since, 2)).to.deep.equal([r2.createdAt, r1.createdAt]);
    expect(await writes.recent('post', users.cat, r1.createdAt, 10)).to.deep.equal([r2.createdAt]);
    const at = tick();
    await posts.react(r1, users.tess, at);
    expect(await writes.recent('reaction', users.tess, since, 10)).to.deep.equal([at]);
    const fat = tick();
    await flags.add({ postId: r2.id, userId: users.tess, reason: 'spam', note: null }, fat);
    expect(await writes.recent('flag', users.tess, since, 10)).to.deep.equal([fat]);
    expect(await writes.recent('flag', users.ann, since, 10)).to.deep.equal([]);
  });

  it('keeps tags unique per space case-insensitively, scoped by course; applies, replaces, filters and ranks by tag', async () => {
    const safety = (await tags.create(spaceA, 'Safety', tick()))!;
    expect(await tags.create(spaceA, 'safety', tick())).to.equal(null);
    expect(await tags.create(spaceA2, 'SAFETY', tick())).to.not.equal(null); // another space may
    const tools = (await tags.create(spaceA, 'Tools', tick()))!;
    const extra = (await tags.create(spaceA, 'Extra', tick()))!;
    expect(await tags.rename(extra.id, 'TOOLS')).to.equal(false);
    expect(await tags.rename(extra.id, 'Misc')).to.equal(true);
    expect((await tags.list(ctxA, spaceA)).map((g) => g.label)).to.deep.equal(['Misc', 'Safety', 'Tools']);
    expect(await tags.list(ctxB, spaceA)).to.deep.equal([]);
    expect(await tags.get(ctxB, safety.id)).to.equal(null);
    expect(await tags.get(ctxA, safety.id)).to.deep.equal({ id: safety.id, spaceId: spaceA, label: 'Safety' });

    const { thread: t1, opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Tagged', kind: 'discussion' }, body('t'), tick());
    const { thread: t2 } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Other', kind: 'discussion' }, body('o'), tick());
    expect(await db.transaction((trx) => tags.applyIn(trx, t1.id, [safety.id, tools.id, safety.id], tick()))).to.deep.equal([safety.id, tools.id]);
    expect(await db.transaction((trx) => tags.applyIn(trx, t1.id, [safety.id], tick()))).to.deep.equal([]);
    const seen: string[][] = [];
    expect(await tags.replace(t2.id, [tools.id], tick(), async (_trx, added) => void seen.push(added))).to.deep.equal([tools.id]);
    expect(seen).to.deep.equal([[tools.id]]);
    const of = await tags.ofThreads([t1.id, t2.id]);
    expect(of.get(t1.id)!.map((g) => g.label)).to.deep.equal(['Safety', 'Tools']);
    expect(of.get(t2.id)!.map((g) => g.label)).to.deep.equal(['Tools']);

    // The thread list filter (thread-store) and the ranking filter.
    expect((await threads.list(ctxA, spaceA, { sort: 'newest', limit: 50, offset: 0, tagId: safety.id })).map((x) => x.id)).to.deep.equal([t1.id]);
    expect(await threads.count(ctxA, spaceA, tools.id)).to.equal(2);
    expect(await threads.count(ctxA, spaceA, extra.id)).to.equal(0);
    await posts.react(opening, users.ben, tick());
    expect((await ranking.mostUseful(ctxA, spaceA, { limit: 10, offset: 0, tagId: safety.id, viewer: anyLearner })).map((p) => p.postId)).to.deep.equal([opening.id]);
    expect(await ranking.countUseful(ctxA, spaceA, { tagId: extra.id, viewer: anyLearner })).to.equal(0);

    // Replacing drops what is not kept; deleting a tag takes it off its threads.
    await tags.replace(t1.id, [tools.id], tick());
    expect((await tags.ofThreads([t1.id])).get(t1.id)!.map((g) => g.id)).to.deep.equal([tools.id]);
    await tags.remove(tools.id);
    expect(await tags.ofThreads([t1.id, t2.id])).to.deep.equal(new Map());
    expect(await tags.get(ctxA, tools.id)).to.equal(null);
  });
});
