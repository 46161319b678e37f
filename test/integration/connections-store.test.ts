import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import * as profilesMigration from '../../migrations/20261130001310_expert_profiles.js';
import { createConnectionsStore, type ConnectionsStore } from '../../src/connections/connections-store.js';
import { createTagStore, type TagStore } from '../../src/curation/tag-store.js';
import { openStoreDb, seedCourses, seedSpace, usersFrom } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`connections store (help per tag, profiles) on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let tags: TagStore;
  let store: ConnectionsStore;
  let ctxA: string;
  let ctxB: string;
  let spaceA: string;
  let spaceA2: string;
  let spaceAnon: string;
  let spaceB: string;
  const users = { ann: newId(), ben: newId(), cat: newId(), dan: newId(), tess: newId() };
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);
  // A learner with no prompt answers: the data of the first test has no prompts, so post-first hides nothing there.
  const asAnn = { staff: false, userId: users.ann };

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA, ctxB] = (await seedCourses(db, t, { users: usersFrom(users) })).contexts as [string, string];
    spaceA = await seedSpace(db, ctxA, 'A', t);
    spaceA2 = await seedSpace(db, ctxA, 'A2', t);
    spaceAnon = await seedSpace(db, ctxA, 'Anon', t);
    spaceB = await seedSpace(db, ctxB, 'B', t);
    await db('spaces').where({ id: spaceAnon }).update({ anonymity: 'peers' });
    threads = createThreadStore(db);
    posts = createPostStore(db);
    tags = createTagStore(db);
    store = createConnectionsStore(db);
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
      expect(await db2.schema.hasTable('expert_profiles')).to.equal(true);
      await profilesMigration.down(db2);
      expect(await db2.schema.hasTable('expert_profiles')).to.equal(false);
      await profilesMigration.up(db2);
      expect(await db2.schema.hasTable('expert_profiles')).to.equal(true);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });

  it('scores help per tag across the course spaces with the ranking weights; hidden, deleted, anonymous and other courses never count', async () => {
    // Same label in two spaces of course A ("Safety" / "safety") counts as one tag.
    const safety = (await tags.create(spaceA, 'Safety', tick()))!;
    const safety2 = (await tags.create(spaceA2, 'safety', tick()))!;
    const tools = (await tags.create(spaceA, 'Tools', tick()))!;
    const anonTag = (await tags.create(spaceAnon, 'Safety', tick()))!;
    const bTag = (await tags.create(spaceB, 'Safety', tick()))!;

    // Space A, question tagged Safety + Tools: Ben's reply accepted (5) + 2 helpful (2) = 7; Cat endorsed (3).
    const q1 = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Q1', kind: 'question' }, body('q1'), tick());
    await tags.replace(q1.thread.id, [safety.id, tools.id], tick());
    const b1 = await posts.addReply({ threadId: q1.thread.id, parent: q1.opening, authorId: users.ben }, body('b1'), tick());
    const c1 = await posts.addReply({ threadId: q1.thread.id, parent: q1.opening, authorId: users.cat }, body('c1'), tick());
    await threads.setAccepted(q1.thread.id, b1.id, tick());
    await posts.react(b1, users.ann, tick());
    await posts.react(b1, users.dan, tick());
    await posts.setEndorsed(c1.id, { at: tick(), by: users.tess });
    // Space A2, tagged "safety": Cat 1 helpful. An untagged thread: Dan 1 helpful (total only).
    const q2 = await threads.create({ spaceId: spaceA2, authorId: users.ann, title: 'Q2', kind: 'discussion' }, body('q2'), tick());
    await tags.replace(q2.thread.id, [safety2.id], tick());
    const c2 = await posts.addReply({ threadId: q2.thread.id, parent: q2.opening, authorId: users.cat }, body('c2'), tick());
    await posts.react(c2, users.ann, tick());
    const q3 = await threads.create({ spaceId: spaceA2, authorId: users.ann, title: 'Q3', kind: 'discussion' }, body('q3'), tick());
    const d3 = await posts.addReply({ threadId: q3.thread.id, parent: q3.opening, authorId: users.dan }, body('d3'), tick());
    await posts.react(d3, users.ann, tick());

    // Not counted: a hidden reply, a deleted reply, a reply in a hidden thread, the anonymous space, course B.
    const hid = await posts.addReply({ threadId: q2.thread.id, parent: q2.opening, authorId: users.dan }, body('hidden'), tick());
    await posts.react(hid, users.ann, tick());
    await posts.setEndorsed(hid.id, { at: tick(), by: users.tess });
    await posts.setHidden(hid.id, { at: tick(), by: users.tess });
    const del = await posts.addReply({ threadId: q2.thread.id, parent: q2.opening, authorId: users.dan }, body('deleted'), tick());
    await posts.react(del, users.ann, tick());
    expect(await posts.tombstone(del.id, tick())).to.equal(true);
    const q4 = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'Q4 hidden', kind: 'discussion' }, body('q4'), tick());
    await tags.replace(q4.thread.id, [safety.id], tick());
    const d4 = await posts.addReply({ threadId: q4.thread.id, parent: q4.opening, authorId: users.dan }, body('d4'), tick());
    await posts.setEndorsed(d4.id, { at: tick(), by: users.tess });
    await posts.setHidden(q4.opening.id, { at: tick(), by: users.tess });
    const qa = await threads.create({ spaceId: spaceAnon, authorId: users.ann, title: 'Anon', kind: 'discussion' }, body('qa'), tick());
    await tags.replace(qa.thread.id, [anonTag.id], tick());
    const anonReply = await posts.addReply({ threadId: qa.thread.id, parent: qa.opening, authorId: users.dan }, body('anon'), tick());
    await posts.setEndorsed(anonReply.id, { at: tick(), by: users.tess });
    await posts.react(anonReply, users.ann, tick());
    const qb = await threads.create({ spaceId: spaceB, authorId: users.ann, title: 'B', kind: 'discussion' }, body('qb'), tick());
    await tags.replace(qb.thread.id, [bTag.id], tick());
    const bReply = await posts.addReply({ threadId: qb.thread.id, parent: qb.opening, authorId: users.dan }, body('b'), tick());
    await posts.setEndorsed(bReply.id, { at: tick(), by: users.tess });

    const help = await store.help(ctxA, asAnn);
    expect(help.map((h) => [h.name, h.score])).to.deep.equal([
      ['BEN', 7],
      ['CAT', 4],
      ['DAN', 1],
    ]);
    const ben = help.find((h) => h.userId === users.ben)!;
    expect(ben.tags.map((g) => [g.key, g.score, g.posts])).to.deep.equal([
      ['safety', 7, 1],
      ['tools', 7, 1],
    ]);
    const cat = help.find((h) => h.userId === users.cat)!;
    // Endorsed in "Safety" (space A) + 1 helpful in "safety" (space A2): one course-wide tag, 2 posts.
    expect(cat.tags.map((g) => [g.key, g.score, g.posts])).to.deep.equal([
      ['safety', 4, 2],
      ['tools', 3, 1],
    ]);
    expect(help.find((h) => h.userId === users.dan)!.tags).to.deep.equal([]);

    // Course B sees only its own: Dan's endorsed reply there.
    const helpB = await store.help(ctxB, asAnn);
    expect(helpB.map((h) => [h.userId, h.score, h.tags.map((g) => g.key)])).to.deep.equal([[users.dan, 3, ['safety']]]);

    // Turning anonymity off for the space makes its posts count (the rule is the setting, now).
    await db('spaces').where({ id: spaceAnon }).update({ anonymity: 'off' });
    expect((await store.help(ctxA, asAnn)).find((h) => h.userId === users.dan)!.score).to.equal(5);
    await db('spaces').where({ id: spaceAnon }).update({ anonymity: 'peers' });
    expect((await store.help(ctxA, asAnn)).find((h) => h.userId === users.dan)!.score).to.equal(1);
  });

  it("post-first: peers' answers to a prompt add no help for a learner who has not answered it; staff, mentors and answerers count them", async () => {
    const spacePf = await seedSpace(db, ctxA, 'Post-first', t);
    await db('spaces').where({ id: spacePf }).update({ post_first: true });
    const topic = (await tags.create(spacePf, 'Negotiation', tick()))!;
    const prompt = await threads.create({ spaceId: spacePf, authorId: users.tess, title: 'Your BATNA?', kind: 'prompt' }, body('p'), tick());
    await tags.replace(prompt.thread.id, [topic.id], tick());
    // Ben answers; Tess endorses his answer (3) and Cat finds it helpful (1).
    const answer = await posts.addReply({ threadId: prompt.thread.id, parent: prompt.opening, authorId: users.ben }, body('walk away'), tick());
    await db('prompt_answers').insert({ thread_id: prompt.thread.id, user_id: users.ben, post_id: answer.id, created_at: t });
    await posts.setEndorsed(answer.id, { at: tick(), by: users.tess });
    await posts.react(answer, users.cat, tick());
    const negotiation = async (viewer: { staff: boolean; userId: string | null; readOnly?: boolean }) =>
      (await store.help(ctxA, viewer)).find((h) => h.userId === users.ben)?.tags.find((g) => g.key === 'negotiation')?.score ?? 0;
    const benTotal = async (viewer: { staff: boolean; userId: string | null }) => (await store.help(ctxA, viewer)).find((h) => h.userId === users.ben)?.score ?? 0;

    // Dan has not answered: neither the tag nor Ben's total shows anything derived from the answer.
    const dan = { staff: false, userId: users.dan };
    expect(await negotiation(dan)).to.equal(0);
    expect(await benTotal(dan)).to.equal(7);
    // Ben sees his own; staff and a read-only mentor review every answer; an anonymous viewer sees none.
    expect(await negotiation({ staff: false, userId: users.ben })).to.equal(4);
    expect(await negotiation({ staff: true, userId: users.tess })).to.equal(4);
    expect(await negotiation({ staff: false, userId: newId(), readOnly: true })).to.equal(4);
    expect(await negotiation({ staff: false, userId: null })).to.equal(0);
    // Once Dan answers, Ben's help there counts for him too.
    const mine = await posts.addReply({ threadId: prompt.thread.id, parent: prompt.opening, authorId: users.dan }, body('mine'), tick());
    await db('prompt_answers').insert({ thread_id: prompt.thread.id, user_id: users.dan, post_id: mine.id, created_at: t });
    expect(await negotiation(dan)).to.equal(4);
    expect(await benTotal(dan)).to.equal(11);
    // Without post-first the answers are open to all, and so is the help they earned.
    await db('spaces').where({ id: spacePf }).update({ post_first: false });
    expect(await negotiation({ staff: false, userId: users.cat })).to.equal(4);
    await db('spaces').where({ id: spacePf }).update({ post_first: true });
    expect(await negotiation({ staff: false, userId: users.cat })).to.equal(0);
  });

  it('keeps one profile per person per course; saving again replaces it; other courses see none', async () => {
    expect(await store.profile(ctxA, users.ann)).to.equal(null);
    await store.saveProfile(ctxA, users.ann, { bioMarkdown: 'Hi', bioHtml: '<p>Hi</p>', renderVersion: 1, expertise: ['Forklifts', 'First aid'], openToMentoring: true }, tick());
    const at = tick();
    const saved = await store.saveProfile(ctxA, users.ann, { bioMarkdown: 'Hello', bioHtml: '<p>Hello</p>', renderVersion: 1, expertise: ['Forklifts'], openToMentoring: false }, at);
    expect(saved).to.deep.include({ userId: users.ann, bioMarkdown: 'Hello', expertise: ['Forklifts'], openToMentoring: false, updatedAt: at });
    expect(await store.profile(ctxA, users.ann)).to.deep.equal(saved);
    await store.saveProfile(ctxB, users.ben, { bioMarkdown: 'B', bioHtml: '<p>B</p>', renderVersion: 1, expertise: [], openToMentoring: true }, tick());
    expect((await store.profiles(ctxA)).map((p) => [p.name, p.openToMentoring, p.expertise])).to.deep.equal([['ANN', false, ['Forklifts']]]);
    expect((await store.profiles(ctxB)).map((p) => p.name)).to.deep.equal(['BEN']);
    expect(await store.profile(ctxB, users.ann)).to.equal(null);
  });
});
