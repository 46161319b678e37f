import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { createThreadStore } from '../../src/discussion/thread-store.js';
import { type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import * as settingsMigration from '../../migrations/20261130000110_space_settings.js';
import * as promptsMigration from '../../migrations/20261130000120_prompts.js';
import * as pseudonymsMigration from '../../migrations/20261130000130_space_pseudonyms.js';
import { createAnonymityStore } from '../../src/spaces/anonymity.js';
import { createPromptStore, type PromptStore } from '../../src/spaces/prompt-store.js';
import { createSpaceStore, type SpaceStore } from '../../src/spaces/space-store.js';
import { openStoreDb, seedCourses } from '../helpers/store-course.js';
import { testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`space settings and prompt stores on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let spaces: SpaceStore;
  let prompts: PromptStore;
  let ctxA: string;
  let ctxB: string;
  let spaceId: string;
  const users = { ann: newId(), ben: newId(), tess: newId() };
  const t = 1_800_000_000_000;

  before(async () => {
    ({ database, db } = await openStoreDb());
    [ctxA, ctxB] = (await seedCourses(db, t, { users: Object.entries(users).map(([name, id]) => ({ id, sub: name, name })) })).contexts as [string, string];
    spaces = createSpaceStore(db);
    prompts = createPromptStore(db);
    spaceId = (await spaces.create({ contextId: ctxA, resourceLinkId: null, kind: 'prep', title: 'A', eventAt: null, timeZone: 'UTC', createdBy: null }, t)).id;
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('a new space has default settings; updateSettings round-trips them, scoped by context', async () => {
    const fresh = await spaces.get(ctxA, spaceId);
    expect(fresh).to.include({ introMarkdown: '', locked: false, anonymity: 'off', postFirst: false, opensAt: null, closesAt: null });
    const change = { title: 'B', eventAt: t + 5, timeZone: 'Europe/Madrid', introMarkdown: '**x**', introHtml: '<p><strong>x</strong></p>', opensAt: t, closesAt: t + 10_000_000_000, locked: true, anonymity: 'peers' as const, postFirst: true };
    expect(await spaces.updateSettings(ctxB, spaceId, change, t)).to.equal(false);
    expect(await spaces.updateSettings(ctxA, spaceId, change, t)).to.equal(true);
    expect(await spaces.get(ctxA, spaceId)).to.deep.include(change);
  });

  it('orders prompts, counts live answers, keeps one answer per user, lets a deleted one make way, cascades on delete', async () => {
    const threads = createThreadStore(db);
    const posts = createPostStore(db);
    const mk = async (title: string) =>
      (await threads.create({ spaceId, authorId: users.tess, title, kind: 'prompt' }, body(title), t, (trx, { threadId }) => prompts.addDetails(trx, { threadId, spaceId, required: true, materials: [{ label: 'R', url: 'https://example.com' }] }))).thread;
    const p1 = await mk('First');
    const p2 = await mk('Second');
    // Prompts are not threads in the list.
    expect(await threads.count(ctxA, spaceId)).to.equal(0);
    expect((await prompts.list(spaceId, null)).map((p) => [p.title, p.position])).to.deep.equal([['First', 1], ['Second', 2]]);
    expect(await prompts.move(p2.id, -1)).to.equal(true);
    expect(await prompts.move(p2.id, -1)).to.equal(false);
    expect((await prompts.list(spaceId, null)).map((p) => p.title)).to.deep.equal(['Second', 'First']);

    const opening = (await posts.opening(p1.id))!;
    const answer = (who: string) =>
      posts.addReply({ threadId: p1.id, parent: opening, authorId: who }, body(`answer by ${who}`), t, (trx, { postId }) => prompts.recordAnswer(trx, { threadId: p1.id, userId: who, postId, now: t }));
    const a1 = await answer(users.ann);
    await answer(users.ben);
    let second: unknown = null;
    await answer(users.ann).catch((e: unknown) => (second = e));
    expect(second, 'the primary key refuses a second live answer').to.not.equal(null);
    expect(await posts.countDepthOne(p1.id), 'and its post rolled back with it').to.equal(2);
    expect(await prompts.countAnswers(p1.id)).to.equal(2);
    expect(await prompts.answerOf(p1.id, users.ann)).to.equal(a1.id);
    const list = await prompts.list(spaceId, users.ann);
    expect(list.find((p) => p.threadId === p1.id)).to.include({ answerCount: 2, myAnswerId: a1.id, required: true });
    expect(list.find((p) => p.threadId === p1.id)!.materials).to.deep.equal([{ label: 'R', url: 'https://example.com' }]);

    await posts.tombstone(a1.id, t);
    expect(await prompts.answerOf(p1.id, users.ann)).to.equal(null);
    const a3 = await answer(users.ann);
    expect(await prompts.answerOf(p1.id, users.ann)).to.equal(a3.id);

    await prompts.remove(p1.id);
    expect(await prompts.details(p1.id)).to.equal(null);
    expect(await db('prompt_answers').where({ thread_id: p1.id }).count({ n: '*' }).then((r) => Number(r[0]!.n))).to.equal(0);
    expect(await db('posts').where({ thread_id: p1.id }).count({ n: '*' }).then((r) => Number(r[0]!.n))).to.equal(0);
  });

  it('pseudonyms: staff (by their enrolment roles) stay named; learners get stable numbers in order of appearance', async () => {
    const staffRole = JSON.stringify(['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor']);
    const learnerRole = JSON.stringify(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']);
    for (const [u, roles] of [[users.tess, staffRole], [users.ann, learnerRole], [users.ben, learnerRole]] as const) {
      await db('enrolments').insert({ context_id: ctxA, user_id: u, roles, first_launch_at: t, last_launch_at: t });
    }
    const store = createAnonymityStore(db);
    const first = await store.authors(ctxA, spaceId, [users.ben, users.tess]);
    expect(first.get(users.tess)).to.deep.equal({ staff: true, pseudonym: null });
    expect(first.get(users.ben)).to.deep.equal({ staff: false, pseudonym: 1 });
    const second = await store.authors(ctxA, spaceId, [users.ann, users.ben]);
    expect(second.get(users.ben)!.pseudonym).to.equal(1);
    expect(second.get(users.ann)!.pseudonym).to.equal(2);
  });

  it('migrations go down and up again', async () => {
    await pseudonymsMigration.down(db);
    await promptsMigration.down(db);
    await settingsMigration.down(db);
    expect(await db.schema.hasTable('prompt_details')).to.equal(false);
    expect(await db.schema.hasColumn('spaces', 'post_first')).to.equal(false);
    await settingsMigration.up(db);
    await promptsMigration.up(db);
    await pseudonymsMigration.up(db);
    expect(await db.schema.hasTable('prompt_answers')).to.equal(true);
    expect(await db.schema.hasColumn('spaces', 'anonymity')).to.equal(true);
  });
});
