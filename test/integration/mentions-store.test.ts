import { expect } from 'chai';
import type { RenderedBody } from '../../src/discussion/discussion-model.js';
import { createPostStore, type PostStore } from '../../src/discussion/post-store.js';
import { createThreadStore, type ThreadStore } from '../../src/discussion/thread-store.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import * as notificationsMigration from '../../migrations/20261130000310_notifications.js';
import * as readMarksMigration from '../../migrations/20261130000320_read_marks.js';
import { createNotificationStore, type NotificationStore, type Recipient } from '../../src/mentions/notification-store.js';
import { createPeopleStore } from '../../src/mentions/people-store.js';
import { createReadStore, type ReadStore } from '../../src/mentions/read-store.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import { openStoreDb, seedCourses } from '../helpers/store-course.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

const body = (text: string): RenderedBody => ({ bodyMarkdown: text, bodyHtml: `<p>${text}</p>`, renderVersion: 1 });

describe(`mention, notification and read-mark stores on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let threads: ThreadStore;
  let posts: PostStore;
  let notifications: NotificationStore;
  let reads: ReadStore;
  let ctxA: string;
  let ctxB: string;
  let spaceA: string;
  const users = { ann: newId(), ben: newId(), cat: newId(), nameless: newId(), other: newId() };
  let t = 1_800_000_000_000;
  const tick = (): number => (t += 1000);

  before(async () => {
    ({ database, db } = await openStoreDb());
    const seeded = await seedCourses(db, t);
    [ctxA = '', ctxB = ''] = seeded.contexts;
    const platform = { id: seeded.platformId };
    const names: Record<string, string | null> = { ann: 'Ann Lima', ben: 'Ben Ortiz', cat: 'Cat Núñez', nameless: null, other: 'Olga Other' };
    for (const [key, id] of Object.entries(users)) {
      await db('users').insert({ id, platform_id: platform.id, sub: `sub-${key}`, name: names[key], created_at: t, updated_at: t });
      await db('enrolments').insert({ context_id: key === 'other' ? ctxB : ctxA, user_id: id, roles: '[]', first_launch_at: t, last_launch_at: t });
    }
    spaceA = (await createSpaceStore(db).create({ contextId: ctxA, resourceLinkId: null, kind: 'prep', title: 'A', eventAt: null, timeZone: 'UTC', createdBy: null }, t)).id;
    threads = createThreadStore(db);
    posts = createPostStore(db);
    notifications = createNotificationStore(db);
    reads = createReadStore(db);
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
      expect(await db2.schema.hasTable('notifications')).to.equal(true);
      await readMarksMigration.down(db2);
      await notificationsMigration.down(db2);
      expect(await db2.schema.hasTable('notifications')).to.equal(false);
      expect(await db2.schema.hasTable('space_visits')).to.equal(false);
      expect(await db2.schema.hasTable('thread_reads')).to.equal(false);
      await notificationsMigration.up(db2);
      await readMarksMigration.up(db2);
      expect(await db2.schema.hasTable('thread_reads')).to.equal(true);
    } finally {
      await db2.destroy();
      await fresh.drop();
    }
  });

  it('lists the people of a course: enrolled, named, not from other courses', async () => {
    const people = await createPeopleStore(db).inCourse(ctxA);
    expect(people.map((p) => p.name)).to.deep.equal(['Ann Lima', 'Ben Ortiz', 'Cat Núñez']);
    expect(people[0]).to.deep.equal({ id: users.ann, name: 'Ann Lima', sub: 'sub-ann' });
    expect((await createPeopleStore(db).inCourse(ctxB)).map((p) => p.name)).to.deep.equal(['Olga Other']);
    expect(await createPeopleStore(db).inCourse(ctxA, 1)).to.have.length(1);
  });

  it('adds notifications once per person, post and kind, inside a transaction; lists newest first; counts and marks read per course', async () => {
    const { opening } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'T', kind: 'discussion' }, body('x'), tick());
    const r1 = await posts.addReply({ threadId: opening.threadId, parent: opening, authorId: users.cat }, body('r1'), tick());
    const ben: Recipient = { userId: users.ben, contextId: ctxA, staff: false };
    await db.transaction(async (trx) => {
      await notifications.addIn(trx, [{ userId: users.ben, contextId: ctxA, postId: opening.id, actorId: users.ann, kind: 'mention' }], tick());
    });
    await db.transaction(async (trx) => {
      await notifications.addIn(
        trx,
        [
          { userId: users.ben, contextId: ctxA, postId: opening.id, actorId: users.ann, kind: 'mention' }, // again: ignored
          { userId: users.ben, contextId: ctxA, postId: r1.id, actorId: users.cat, kind: 'reply' },
        ],
        tick(),
      );
    });
    // A rolled-back transaction leaves nothing.
    await db
      .transaction(async (trx) => {
        await notifications.addIn(trx, [{ userId: users.cat, contextId: ctxA, postId: opening.id, actorId: users.ann, kind: 'mention' }], tick());
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect(await notifications.count({ userId: users.cat, contextId: ctxA, staff: false })).to.equal(0);

    const list = await notifications.list(ben, { limit: 10, offset: 0 });
    expect(list.map((n) => [n.kind, n.postId, n.actorName, n.threadTitle])).to.deep.equal([
      ['reply', r1.id, 'Cat Núñez', 'T'],
      ['mention', opening.id, 'Ann Lima', 'T'],
    ]);
    expect(await notifications.list(ben, { limit: 1, offset: 1 })).to.have.length(1);
    expect(await notifications.countUnread(ben)).to.equal(2);
    // The same person in another course has none of them.
    expect(await notifications.count({ ...ben, contextId: ctxB })).to.equal(0);
    expect(await notifications.markRead({ ...ben, contextId: ctxB }, list[0]!.id, tick())).to.equal(false);
    expect(await notifications.markRead({ ...ben, userId: users.cat }, list[0]!.id, tick())).to.equal(false);
    const at = tick();
    expect(await notifications.markRead(ben, list[0]!.id, at)).to.equal(true);
    expect(await notifications.markRead(ben, list[0]!.id, tick())).to.equal(true);
    expect((await notifications.list(ben, { limit: 10, offset: 0 }))[0]!.readAt).to.equal(at);
    expect(await notifications.countUnread(ben)).to.equal(1);

    // A post hidden by a moderator drops out for learners, not for staff; a deleted one for all.
    await posts.setHidden(r1.id, { at: tick(), by: users.ann });
    expect(await notifications.count(ben)).to.equal(1);
    expect(await notifications.count({ ...ben, staff: true })).to.equal(2);
    await posts.tombstone(opening.id, tick());
    expect(await notifications.count({ ...ben, staff: true })).to.equal(1);
    // "Mark all" also settles the ones no longer shown, so none can come back as unread.
    expect(await notifications.markAllRead(ben, tick())).to.equal(1);
    expect(await notifications.markAllRead(ben, tick())).to.equal(0);
    expect(await notifications.countUnread({ ...ben, staff: true })).to.equal(0);
  });

  it('upserts space visits and thread reads (the read time never moves back)', async () => {
    expect(await reads.spaceVisit(users.ann, spaceA)).to.equal(null);
    await reads.saveSpaceVisit(users.ann, spaceA, { previous: null, current: 100 });
    await reads.saveSpaceVisit(users.ann, spaceA, { previous: 100, current: 200 });
    expect(await reads.spaceVisit(users.ann, spaceA)).to.deep.equal({ previous: 100, current: 200 });
    const { thread } = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'R', kind: 'discussion' }, body('x'), tick());
    expect(await reads.threadRead(users.ben, thread.id)).to.equal(null);
    await reads.markThreadRead(users.ben, thread.id, 5000);
    await reads.markThreadRead(users.ben, thread.id, 4000);
    expect(await reads.threadRead(users.ben, thread.id)).to.equal(5000);
    await reads.markThreadRead(users.ben, thread.id, 6000);
    expect(await reads.threadRead(users.ben, thread.id)).to.equal(6000);
  });

  it('counts unread posts by others per thread and what is new since a time, in one query', async () => {
    const a = await threads.create({ spaceId: spaceA, authorId: users.ann, title: 'U1', kind: 'discussion' }, body('x'), tick());
    const b = await threads.create({ spaceId: spaceA, authorId: users.ben, title: 'U2', kind: 'discussion' }, body('y'), tick());
    const since = tick();
    const r1 = await posts.addReply({ threadId: a.thread.id, parent: a.opening, authorId: users.cat }, body('c1'), tick());
    await posts.addReply({ threadId: a.thread.id, parent: a.opening, authorId: users.ben }, body('b-own'), tick());
    const hidden = await posts.addReply({ threadId: a.thread.id, parent: a.opening, authorId: users.cat }, body('c2'), tick());
    await posts.setHidden(hidden.id, { at: tick(), by: users.ann });
    let m = await reads.unreadIn(users.ben, [a.thread.id, b.thread.id], since);
    // Ann's opening and Cat's visible reply; not Ben's own, not the hidden one; Ben's own thread has nothing of others.
    expect(Object.fromEntries(m)).to.deep.equal({ [a.thread.id]: { unread: 2, fresh: true } });
    await reads.markThreadRead(users.ben, a.thread.id, r1.createdAt);
    m = await reads.unreadIn(users.ben, [a.thread.id], null);
    expect(Object.fromEntries(m)).to.deep.equal({});
    m = await reads.unreadIn(users.ben, [a.thread.id], since);
    expect(Object.fromEntries(m)).to.deep.equal({ [a.thread.id]: { unread: 0, fresh: true } });
    expect((await reads.unreadIn(users.ben, [], since)).size).to.equal(0);
  });
});
