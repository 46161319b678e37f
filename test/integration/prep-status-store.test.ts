import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { createThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { createPromptPrepStatusSource } from '../../src/readiness/prep-status.js';
import { createPromptStore } from '../../src/spaces/prompt-store.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`prep status from prompts and posts on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  const users = { ann: newId(), ben: newId(), cy: newId(), dee: newId(), tess: newId() };
  const t = 1_800_000_000_000;

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateLatest(db);
    const platform = await createPlatformStore(db).upsert(
      { issuer: 'https://lms.example', clientId: 'client', name: 'LMS', productFamily: null, authEndpoint: 'https://lms.example/auth', tokenEndpoint: 'https://lms.example/token', jwksUri: 'https://lms.example/jwks', tokenAudience: null, source: 'manual' },
      t,
    );
    const deployment = await createPlatformStore(db).addDeployment(platform.id, 'dep-1', t);
    await db('contexts').insert({ id: 'ctx-a', deployment_id: deployment.id, context_id: 'course-a', label: null, title: 'A', types: '[]', created_at: t, updated_at: t });
    for (const [name, id] of Object.entries(users)) await db('users').insert({ id, platform_id: platform.id, sub: name, name, created_at: t, updated_at: t });
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('prepared / in progress / not started, answered X of Y, last activity; deleted posts and other spaces do not count', async () => {
    const spaces = createSpaceStore(db);
    const threads = createThreadStore(db);
    const posts = createPostStore(db);
    const prompts = createPromptStore(db);
    const mkSpace = async () => (await spaces.create({ contextId: 'ctx-a', resourceLinkId: null, kind: 'prep', title: 'S', eventAt: null, timeZone: 'UTC', createdBy: null }, t)).id;
    const [spaceId, other] = [await mkSpace(), await mkSpace()];
    const mkPrompt = async (space: string, title: string, required: boolean) =>
      (await threads.create({ spaceId: space, authorId: users.tess, title, kind: 'prompt' }, body(title), t, (trx, { threadId }) => prompts.addDetails(trx, { threadId, spaceId: space, required, materials: [] }))).thread;
    const p1 = await mkPrompt(spaceId, 'One', true);
    const p2 = await mkPrompt(spaceId, 'Two', true);
    await mkPrompt(spaceId, 'Optional', false);
    const elsewhere = await mkPrompt(other, 'Elsewhere', true);
    const answer = async (thread: { id: string }, who: string, at: number) => {
      const opening = (await posts.opening(thread.id))!;
      return posts.addReply({ threadId: thread.id, parent: opening, authorId: who }, body('a'), at, (trx, { postId }) => prompts.recordAnswer(trx, { threadId: thread.id, userId: who, postId, now: at }));
    };
    await answer(p1, users.ann, t + 10);
    await answer(p2, users.ann, t + 20);
    await answer(p1, users.ben, t + 5);
    // Cy's only answer is deleted; Cy's thread elsewhere is another space: not started here.
    const gone = await answer(p1, users.cy, t + 30);
    await posts.tombstone(gone.id, t + 31);
    await answer(elsewhere, users.cy, t + 40);
    // Dee posted a thread in the space (not a prompt answer): in progress.
    await threads.create({ spaceId, authorId: users.dee, title: 'Hello', kind: 'discussion' }, body('hi'), t + 50);

    const r = await createPromptPrepStatusSource(db).statuses(spaceId, [users.ann, users.ben, users.cy, users.dee, newId()]);
    expect(r.prompts).to.equal(3);
    expect(r.byUser.get(users.ann)).to.deep.equal({ state: 'prepared', lastActivityAt: t + 20, answered: 2, prompts: 3, posts: 0 });
    expect(r.byUser.get(users.ben)).to.deep.equal({ state: 'in_progress', lastActivityAt: t + 5, answered: 1, prompts: 3, posts: 0 });
    expect(r.byUser.get(users.cy)).to.deep.equal({ state: 'not_started', lastActivityAt: null, answered: 0, prompts: 3, posts: 0 });
    expect(r.byUser.get(users.dee)).to.deep.equal({ state: 'in_progress', lastActivityAt: t + 50, answered: 0, prompts: 3, posts: 1 });
    expect(r.byUser.size).to.equal(5);
    // No prompt required: answering all of them is what counts.
    const loose = await mkSpace();
    const only = await mkPrompt(loose, 'Only', false);
    await answer(only, users.ben, t + 60);
    expect((await createPromptPrepStatusSource(db).statuses(loose, [users.ben])).byUser.get(users.ben)!.state).to.equal('prepared');
  });
});
