import { expect } from 'chai';
import { renderMarkdown, RENDER_VERSION } from '../../src/discussion/markdown.js';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { migrationSource } from '../../migrations/index.js';
import * as searchIndexMigration from '../../migrations/20261130000410_search_index.js';
import * as searchBackfillMigration from '../../migrations/20261130000420_search_backfill.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { createSearchStore, type SearchRequest, type SearchStore } from '../../src/search/search-store.js';
import { highlightHtml, parseQuery } from '../../src/search/search-text.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import { openStoreDb, seedCourses, seedSpace, usersFrom } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: renderMarkdown(text), renderVersion: RENDER_VERSION });

describe(`search store on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let search: SearchStore;
  let ctxA: string;
  let ctxB: string;
  let spaceA: string;
  let spaceA2: string;
  let spaceB: string;
  const users = { ann: newId(), ben: newId() };
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);
  const learner = { staff: false, userId: users.ben };
  const staff = { staff: true, userId: users.ann };

  const find = async (q: string, opts: Partial<SearchRequest> = {}) =>
    search.search({ contextId: ctxA, spaceId: spaceA, viewer: learner, phrases: parseQuery(q), limit: 20, offset: 0, ...opts });
  const ids = async (q: string, opts: Partial<SearchRequest> = {}) => (await find(q, opts)).hits.map((h) => h.postId);
  const thread = async (spaceId: string, title: string, text: string) => threads.create({ spaceId, authorId: users.ann, title, kind: 'discussion' }, body(text), tick());
  const reply = async (th: Awaited<ReturnType<typeof thread>>, text: string) =>
    posts.addReply({ threadId: th.thread.id, parent: th.opening, authorId: users.ben }, body(text), tick());

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA, ctxB] = (await seedCourses(db, t, { users: usersFrom(users) })).contexts as [string, string];
    spaceA = await seedSpace(db, ctxA, 'A', t);
    spaceA2 = await seedSpace(db, ctxA, 'A2', t);
    spaceB = await seedSpace(db, ctxB, 'B', t);
    threads = createThreadStore(db);
    posts = createPostStore(db);
    search = createSearchStore(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('ranks the better match first: a title match, and more matching words, beat a passing mention', async () => {
    const passing = await thread(spaceA, 'Weekly notes', 'Some words about many things, and once about zebrafish.');
    const strong = await thread(spaceA, 'Zebrafish husbandry', 'Zebrafish tanks: feeding zebrafish twice a day.');
    const found = await ids('zebrafish');
    expect(found).to.deep.equal([strong.opening.id, passing.opening.id]);
  });

  it('folds diacritics both ways: café finds cafe, cafe finds café (English and Spanish alike)', async () => {
    const accented = await thread(spaceA, 'Pausa', 'Nos vemos en el café después de la sesión.');
    const plain = await thread(spaceA, 'Break', 'Meet at the cafe after the session.');
    expect(await ids('cafe')).to.have.members([accented.opening.id, plain.opening.id]);
    expect(await ids('café')).to.have.members([accented.opening.id, plain.opening.id]);
    expect(await ids('despues sesion')).to.deep.equal([accented.opening.id]);
  });

  it('needs every word, and a quoted phrase in its order', async () => {
    const a = await thread(spaceA, 'Phrases', 'The quick brown fox jumps.');
    const b = await thread(spaceA, 'Phrases again', 'A brown dog is quick.');
    expect(await ids('quick brown')).to.have.members([a.opening.id, b.opening.id]);
    expect(await ids('"quick brown"')).to.deep.equal([a.opening.id]);
    expect(await ids('quick fox')).to.deep.equal([a.opening.id]);
    expect(await ids('quick cat')).to.deep.equal([]);
  });

  it('indexes plain text, not Markdown: link URLs and syntax are not found, link text is', async () => {
    const th = await thread(spaceA, 'Links', 'See [the handbook](https://example.org/secretpath) and **boldword**.');
    expect(await ids('handbook')).to.deep.equal([th.opening.id]);
    expect(await ids('boldword')).to.deep.equal([th.opening.id]);
    expect(await ids('secretpath')).to.deep.equal([]);
  });

  it('hides hidden posts and hidden threads from learners; staff find them, marked', async () => {
    const th = await thread(spaceA, 'Moderation', 'Visible opening about walrus.');
    const r = await reply(th, 'A reply about walrus that gets hidden.');
    await posts.setHidden(r.id, { at: tick(), by: users.ann });
    expect(await ids('walrus')).to.deep.equal([th.opening.id]);
    const forStaff = await find('walrus', { viewer: staff });
    expect(forStaff.hits.map((h) => [h.postId, h.hidden])).to.have.deep.members([
      [th.opening.id, false],
      [r.id, true],
    ]);
    // Hiding the opening post hides the thread: none of its posts are found by learners.
    const r2 = await reply(th, 'Another walrus reply, visible itself.');
    await posts.setHidden(th.opening.id, { at: tick(), by: users.ann });
    expect(await ids('walrus')).to.deep.equal([]);
    expect((await find('walrus', { viewer: staff })).hits.find((h) => h.postId === r2.id)?.hidden).to.equal(true);
    await posts.setHidden(th.opening.id, null);
    expect(await ids('walrus')).to.have.members([th.opening.id, r2.id]);
  });

  it('re-indexes an edit (body and title) and drops a deleted post, for everyone', async () => {
    const th = await thread(spaceA, 'Old title', 'Original narwhal text.');
    const r = await reply(th, 'Reply mentioning okapi.');
    expect(await ids('narwhal')).to.deep.equal([th.opening.id]);
    await posts.edit(th.opening, { ...body('Rewritten about capybara.'), title: { previous: 'Old title', next: 'Pangolin facts' } }, users.ann, tick());
    expect(await ids('narwhal')).to.deep.equal([]);
    expect(await ids('capybara')).to.deep.equal([th.opening.id]);
    const byTitle = await find('pangolin');
    expect(byTitle.hits.map((h) => h.postId)).to.deep.equal([th.opening.id]);
    expect(byTitle.hits[0]!.titleMarked).to.include('\u0002Pangolin\u0003');
    expect(await posts.tombstone(r.id, tick())).to.equal(true);
    expect(await ids('okapi', { viewer: staff })).to.deep.equal([]);
    expect(await db('search_documents').where({ post_id: r.id }).first()).to.equal(undefined);
  });

  it('searches one space, or every space of the course, and never another course', async () => {
    const here = await thread(spaceA, 'Here', 'Axolotl in space A.');
    const there = await thread(spaceA2, 'There', 'Axolotl in space A2.');
    const elsewhere = await thread(spaceB, 'Elsewhere', 'Axolotl in course B.');
    expect(await ids('axolotl')).to.deep.equal([here.opening.id]);
    expect(await ids('axolotl', { spaceId: null })).to.have.members([here.opening.id, there.opening.id]);
    // A space id from another course, asked for from this one: nothing.
    expect(await ids('axolotl', { spaceId: spaceB })).to.deep.equal([]);
    expect(await ids('axolotl', { contextId: ctxB, spaceId: null })).to.deep.equal([elsewhere.opening.id]);
    const hit = (await find('axolotl', { spaceId: null })).hits.find((h) => h.postId === there.opening.id)!;
    expect([hit.spaceId, hit.spaceTitle, hit.threadTitle, hit.authorName, hit.isOpening]).to.deep.equal([spaceA2, 'A2', 'There', 'ANN', true]);
  });

  it('pages results and counts them all', async () => {
    for (let i = 0; i < 5; i++) await thread(spaceA2, `Page ${i}`, `Quokka number ${i}.`);
    const first = await find('quokka', { spaceId: spaceA2, limit: 2 });
    const second = await find('quokka', { spaceId: spaceA2, limit: 2, offset: 2 });
    const third = await find('quokka', { spaceId: spaceA2, limit: 2, offset: 4 });
    expect([first.total, second.total, third.total]).to.deep.equal([5, 5, 5]);
    // Past the end there is no row to carry the count: it is counted on its own.
    expect(await find('quokka', { spaceId: spaceA2, limit: 2, offset: 10 })).to.deep.equal({ hits: [], total: 5 });
    const all = [...first.hits, ...second.hits, ...third.hits].map((h) => h.postId);
    expect(new Set(all).size).to.equal(5);
  });

  it('never errors on hostile queries: FTS and SQL syntax are words or nothing', async () => {
    const th = await thread(spaceA, 'Operators', 'Talk about NEAR and OR and AND and NOT, plus title colon.');
    const hostile = ['"', '""', '*', 'NEAR(', 'NEAR(a b)', 'OR', 'AND', 'NOT', '-', '- -', ':', 'title:', '^', '(', ')', "'; drop table posts; --", "' OR 1=1 --", 'a OR', '"unbalanced', 'x* OR y*', '\\', '%', '_', '{title}:x', '!', '<->', '&', '|'];
    for (const q of hostile) {
      const r = await find(q);
      expect(r.total, q).to.be.a('number');
    }
    // Operator words are plain words to find.
    expect(await ids('OR')).to.include(th.opening.id);
    expect(await ids('NEAR(')).to.include(th.opening.id);
    expect(await ids('title:')).to.include(th.opening.id);
    // Only punctuation: nothing, not an error.
    expect(await ids('"*:-()')).to.deep.equal([]);
    expect(await db.schema.hasTable('posts')).to.equal(true);
  });

  it('marks matches in a snippet that escapes to text: a <script> post yields &lt;script&gt; and <mark> only', async () => {
    const th = await thread(spaceA, 'Hostile', 'Before <script>alert("tapir")</script> after <b>bold</b> \u0002forged\u0003 markers.');
    const hit = (await find('tapir')).hits.find((h) => h.postId === th.opening.id)!;
    expect(hit, 'found').to.not.equal(undefined);
    const html = highlightHtml(hit.snippetMarked);
    expect(html).to.include('&lt;script&gt;');
    expect(html).to.match(/<mark>tapir<\/mark>/i);
    expect(html.replace(/<\/?mark>/g, '')).to.not.match(/[<>]/);
    // The sentinels a user typed were stripped when indexed: "forged" is never marked.
    expect(html).to.not.match(/<mark>forged/);
  });

  it('migrates down and up again, backfilling posts written before search existed', async () => {
    const fresh = await createTestDatabase();
    const db2 = createDb(fresh.url);
    try {
      const ours = [searchIndexMigration, searchBackfillMigration];
      // Every other migration applied (later ones included), then search's own taken down again.
      await db2.migrate.latest({ migrationSource });
      for (const m of [...ours].reverse()) await m.down(db2);
      // Posts written by the stores before the index exists would fail to index, so write rows directly.
      const now = 1_800_000_000_000;
      const ctx = newId();
      const plat = await createPlatformStore(db2).upsert(
        { issuer: 'https://lms.example', clientId: 'c', name: 'LMS', productFamily: null, authEndpoint: 'https://lms.example/a', tokenEndpoint: 'https://lms.example/t', jwksUri: 'https://lms.example/j', tokenAudience: null, source: 'manual' },
        now,
      );
      const dep = await createPlatformStore(db2).addDeployment(plat.id, 'd', now);
      await db2('contexts').insert({ id: ctx, deployment_id: dep.id, context_id: 'c', label: null, title: 'c', types: '[]', created_at: now, updated_at: now });
      const space = (await createSpaceStore(db2).create({ contextId: ctx, resourceLinkId: null, kind: 'prep', title: 'S', eventAt: null, timeZone: 'UTC', createdBy: null }, now)).id;
      const [threadId, live, gone] = [newId(), newId(), newId()];
      await db2('threads').insert({ id: threadId, space_id: space, author_id: null, title: 'Ocelot title', kind: 'discussion', pinned: false, locked: false, reply_count: 1, created_at: now, updated_at: now, last_activity_at: now });
      const row = { thread_id: threadId, author_id: null, body_html: '', render_version: 1, created_at: now };
      await db2('posts').insert({ ...row, id: live, parent_post_id: null, branch_id: null, depth: 0, body_markdown: 'Old *marmot* post' });
      await db2('posts').insert({ ...row, id: gone, parent_post_id: live, branch_id: gone, depth: 1, body_markdown: '', deleted_at: now });
      for (const m of ours) await m.up(db2);
      const s2 = createSearchStore(db2);
      const q = (text: string) => s2.search({ contextId: ctx, spaceId: null, viewer: learner, phrases: parseQuery(text), limit: 20, offset: 0 }).then((r) => r.hits.map((h) => h.postId));
      expect(await q('marmot')).to.deep.equal([live]);
      expect(await q('ocelot')).to.deep.equal([live]);
      expect(await db2('search_documents').count<{ n: number | string }[]>({ n: '*' }).then((r) => Number(r[0]!.n))).to.equal(1);
      for (const m of [...ours].reverse()) await m.down(db2);
      expect(await db2.schema.hasTable('search_documents')).to.equal(false);
      for (const m of ours) await m.up(db2);
      expect(await q('marmot')).to.deep.equal([live]);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });
});
