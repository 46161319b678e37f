import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { createThreadStore } from '../../src/discussion/thread-store.js';
import type { Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { createJourneyPrepStatusSource } from '../../src/journey/journey-prep-status.js';
import { createJourneyStore } from '../../src/journey/journey-store.js';
import { createPromptPrepStatusSource } from '../../src/readiness/prep-status.js';
import { createPromptStore } from '../../src/spaces/prompt-store.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import { openStoreDb, seedCourses, usersFrom, type StoreDb } from '../helpers/store-course.js';
import { testDbKind } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`prep status by the journey's completion rule on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  const users = { ann: newId(), ben: newId(), cy: newId(), dee: newId(), tess: newId() };
  const t = 1_800_000_000_000;

  let store: StoreDb;
  let db: Db;
  let contextId: string;

  before(async () => {
    store = await openStoreDb();
    db = store.db;
    contextId = (await seedCourses(db, t, { courses: ['course-j'], users: usersFrom(users) })).contexts[0]!;
  });

  after(async () => {
    await store?.close();
  });

  it('prepared when the rule is met or a completion was recorded; replies to peers count when asked for; prompt answers are not peer replies', async () => {
    const spaces = createSpaceStore(db);
    const threads = createThreadStore(db);
    const posts = createPostStore(db);
    const prompts = createPromptStore(db);
    const journey = createJourneyStore(db);
    const spaceId = (await spaces.create({ contextId, resourceLinkId: null, kind: 'prep', title: 'S', eventAt: null, timeZone: 'UTC', createdBy: null }, t)).id;
    const mkPrompt = async (title: string, required: boolean) =>
      (await threads.create({ spaceId, authorId: users.tess, title, kind: 'prompt' }, body(title), t, (trx, { threadId }) => prompts.addDetails(trx, { threadId, spaceId, required, materials: [] }))).thread;
    const p1 = await mkPrompt('One', true);
    const p2 = await mkPrompt('Two', true);
    const answer = async (thread: { id: string }, who: string, at: number) => {
      const opening = (await posts.opening(thread.id))!;
      return posts.addReply({ threadId: thread.id, parent: opening, authorId: who }, body('a'), at, (trx, { postId }) => prompts.recordAnswer(trx, { threadId: thread.id, userId: who, postId, now: at }));
    };
    for (const who of [users.ann, users.ben, users.cy]) {
      await answer(p1, who, t + 10);
      await answer(p2, who, t + 20);
    }
    // Ben replies to Ann's thread: a peer reply. Dee only posts a thread: in progress.
    const annThread = await threads.create({ spaceId, authorId: users.ann, title: 'Ann asks', kind: 'discussion' }, body('q'), t + 30);
    await posts.addReply({ threadId: annThread.thread.id, parent: (await posts.opening(annThread.thread.id))!, authorId: users.ben }, body('r'), t + 40);
    await threads.create({ spaceId, authorId: users.dee, title: 'Dee', kind: 'discussion' }, body('d'), t + 50);

    const source = createJourneyPrepStatusSource({ db, journey, activity: createPromptPrepStatusSource(db) });
    const all = [users.ann, users.ben, users.cy, users.dee, newId()];
    const states = async () => [...(await source.statuses(spaceId, all)).byUser.values()].map((s) => s.state);

    // The default rule (required prompts): the same answer as the prompt-based source.
    expect(await states()).to.deep.equal(['prepared', 'prepared', 'prepared', 'in_progress', 'not_started']);
    const r = await source.statuses(spaceId, [users.ben]);
    expect(r.prompts).to.equal(2);
    expect(r.byUser.get(users.ben)).to.deep.equal({ state: 'prepared', lastActivityAt: t + 40, answered: 2, prompts: 2, posts: 1 });

    // One reply to a peer required: only Ben has one (their prompt answers do not count).
    await journey.saveSettings(spaceId, { eventEndAt: null, rule: { requireRequiredPrompts: true, minPeerReplies: 1 } }, t);
    expect(await states()).to.deep.equal(['in_progress', 'prepared', 'in_progress', 'in_progress', 'not_started']);

    // Cy's completion was recorded under the earlier rule (before the event): it stands.
    await db.transaction((trx) => journey.recordPrepCompletion(trx, spaceId, users.cy, t + 25));
    expect(await states()).to.deep.equal(['in_progress', 'prepared', 'prepared', 'in_progress', 'not_started']);

    // A rule with nothing to do prepares nobody who has no recorded completion.
    await journey.saveSettings(spaceId, { eventEndAt: null, rule: { requireRequiredPrompts: false, minPeerReplies: 0 } }, t);
    expect(await states()).to.deep.equal(['in_progress', 'in_progress', 'prepared', 'in_progress', 'not_started']);
  });
});
