import { expect } from 'chai';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { createJourneyStore, type JourneyStore } from '../../src/journey/journey-store.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import * as journeyMigration from '../../migrations/20261130001210_journey.js';
import * as confirmationsMigration from '../../migrations/20261201000210_journey_plan_confirmations.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';

describe(`journey store on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let database: TestDatabase;
  let db: Db;
  let store: JourneyStore;
  let spaceA: string;
  let spaceB: string;
  const users = { ann: newId(), ben: newId() };
  const t = 1_800_000_000_000;

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateLatest(db);
    const platforms = createPlatformStore(db);
    const platform = await platforms.upsert(
      { issuer: 'https://lms.example', clientId: 'client', name: 'LMS', productFamily: null, authEndpoint: 'https://lms.example/auth', tokenEndpoint: 'https://lms.example/token', jwksUri: 'https://lms.example/jwks', tokenAudience: null, source: 'manual' },
      t,
    );
    const deployment = await platforms.addDeployment(platform.id, 'dep-1', t);
    const ctx = newId();
    await db('contexts').insert({ id: ctx, deployment_id: deployment.id, context_id: 'course', label: null, title: 'course', types: '[]', created_at: t, updated_at: t });
    for (const [name, id] of Object.entries(users)) await db('users').insert({ id, platform_id: platform.id, sub: name, name, created_at: t, updated_at: t });
    const spaces = createSpaceStore(db);
    spaceA = (await spaces.create({ contextId: ctx, resourceLinkId: null, kind: 'prep', title: 'A', eventAt: t, timeZone: 'Europe/Madrid', createdBy: null }, t)).id;
    spaceB = (await spaces.create({ contextId: ctx, resourceLinkId: null, kind: 'post_event', title: 'B', eventAt: t, timeZone: 'Europe/Madrid', createdBy: null }, t)).id;
    store = createJourneyStore(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('settings default to the required-prompts rule and round-trip per space', async () => {
    expect(await store.settings(spaceA)).to.deep.equal({ eventEndAt: null, rule: { requireRequiredPrompts: true, minPeerReplies: 0 } });
    const s = { eventEndAt: t + 3_600_000, rule: { requireRequiredPrompts: false, minPeerReplies: 2 } };
    await store.saveSettings(spaceA, s, t);
    await store.saveSettings(spaceA, { ...s, rule: { requireRequiredPrompts: true, minPeerReplies: 3 } }, t + 1);
    expect(await store.settings(spaceA)).to.deep.equal({ eventEndAt: t + 3_600_000, rule: { requireRequiredPrompts: true, minPeerReplies: 3 } });
    expect((await store.settings(spaceB)).rule.minPeerReplies).to.equal(0);
  });

  it('the schedule defaults to +7/+30/+90 once, even when read concurrently, and staff can add and remove', async () => {
    const [a, b] = await Promise.all([store.schedule(spaceB, t), store.schedule(spaceB, t)]);
    expect(a.map((f) => f.days)).to.deep.equal([7, 30, 90]);
    expect(b.map((f) => f.id)).to.deep.equal(a.map((f) => f.id));
    const f14 = await store.addFollowUp(spaceB, 14, t);
    expect((await store.addFollowUp(spaceB, 14, t)).id).to.equal(f14.id);
    expect((await store.schedule(spaceB, t)).map((f) => f.days)).to.deep.equal([7, 14, 30, 90]);
    expect(await store.removeFollowUp(spaceA, f14.id)).to.equal(false); // another space's id
    expect(await store.removeFollowUp(spaceB, f14.id)).to.equal(true);
    expect((await store.schedule(spaceB, t)).map((f) => f.days)).to.deep.equal([7, 30, 90]);
  });

  it('records prep completion exactly once per learner, and rolls back with its transaction', async () => {
    await db.transaction(async (trx) => {
      expect(await store.recordPrepCompletion(trx, spaceA, users.ann, t)).to.equal(true);
      expect(await store.recordPrepCompletion(trx, spaceA, users.ann, t + 5)).to.equal(false);
    });
    expect(await store.prepCompletedAt(spaceA, users.ann)).to.equal(t);
    await db
      .transaction(async (trx) => {
        expect(await store.recordPrepCompletion(trx, spaceA, users.ben, t)).to.equal(true);
        throw new Error('act failed');
      })
      .catch(() => undefined);
    expect(await store.prepCompletedAt(spaceA, users.ben)).to.equal(null);
  });

  it('counts only live replies to other people as peer replies', async () => {
    const thread = newId();
    await db('threads').insert({ id: thread, space_id: spaceA, author_id: users.ben, title: 'T', kind: 'discussion', created_at: t, updated_at: t, last_activity_at: t });
    const post = (id: string, author: string, parent: string | null, deleted = false) => ({
      id,
      thread_id: thread,
      parent_post_id: parent,
      depth: parent ? 1 : 0,
      author_id: author,
      body_markdown: 'x',
      body_html: '<p>x</p>',
      render_version: 1,
      created_at: t,
      deleted_at: deleted ? t : null,
    });
    const [benRoot, annRoot] = [newId(), newId()];
    await db('posts').insert([post(benRoot, users.ben, null), post(annRoot, users.ann, null)]);
    await db('posts').insert([post(newId(), users.ann, benRoot), post(newId(), users.ann, benRoot, true), post(newId(), users.ann, annRoot)]);
    expect(await store.peerReplies(db, spaceA, users.ann)).to.equal(1);
    expect(await store.peerReplies(db, spaceB, users.ann)).to.equal(0);
    // An answer to a prompt (a reply to its opening post) is the prompt, not a peer reply.
    const answer = newId();
    await db('posts').insert(post(answer, users.ann, benRoot));
    await db('prompt_answers').insert({ thread_id: thread, user_id: users.ann, post_id: answer, created_at: t });
    expect(await store.peerReplies(db, spaceA, users.ann)).to.equal(1);
  });

  it('keeps one editable reflection per learner per follow-up', async () => {
    const [f7] = await store.schedule(spaceB, t);
    const answers = { appliedMarkdown: 'a', helpedMarkdown: 'h', hinderedMarkdown: 'g' };
    const first = await db.transaction((trx) => store.saveReflection(trx, f7!.id, users.ann, answers, t));
    expect(first.created).to.equal(true);
    const second = await db.transaction((trx) => store.saveReflection(trx, f7!.id, users.ann, { ...answers, appliedMarkdown: '**more**' }, t + 10));
    expect(second.created).to.equal(false);
    expect(second.reflection).to.deep.include({ id: first.reflection.id, appliedMarkdown: '**more**', createdAt: t, updatedAt: t + 10 });
    expect(await store.reflectionsInSpace(spaceB)).to.have.length(1);
    expect(await store.reflectionsInSpace(spaceB, users.ben)).to.have.length(0);
    expect(await store.reflectionsInSpace(spaceA)).to.have.length(0);
    // A follow-up somebody reflected on cannot be removed from the schedule.
    expect(await store.removeFollowUp(spaceB, f7!.id)).to.equal(false);
  });

  it('action plans keep a status history, scoped by space', async () => {
    const input = { goal: 'Weekly one-to-ones', situation: 'My team of 6', targetDate: '2027-01-15', status: 'planned' as const, barrier: '' };
    const p = await db.transaction((trx) => store.createPlan(trx, spaceB, users.ann, input, t));
    expect(await store.plan(spaceA, p.id)).to.equal(null);
    const loaded = (await store.plan(spaceB, p.id))!;
    expect(loaded).to.deep.equal(p);
    const tried = await db.transaction((trx) => store.updatePlan(trx, loaded, { ...input, status: 'tried' }, t + 1));
    const reworded = await db.transaction((trx) => store.updatePlan(trx, tried, { ...input, status: 'tried', goal: 'Fortnightly one-to-ones' }, t + 2));
    await db.transaction((trx) => store.updatePlan(trx, reworded, { ...input, status: 'blocked', barrier: 'No room' }, t + 3));
    expect((await store.planHistory(p.id)).map((c) => [c.status, c.barrier, c.changedAt])).to.deep.equal([
      ['planned', '', t],
      ['tried', '', t + 1],
      ['blocked', 'No room', t + 3],
    ]);
    expect((await store.plansInSpace(spaceB, users.ann)).map((x) => x.status)).to.deep.equal(['blocked']);
    expect(await store.plansInSpace(spaceB, users.ben)).to.deep.equal([]);
  });

  it('keeps one confirmation per mentor per plan (a second edits it), with the mentor\'s name', async () => {
    const input = { goal: 'Confirm me', situation: '', targetDate: null, status: 'tried' as const, barrier: '' };
    const plan = await db.transaction((trx) => store.createPlan(trx, spaceB, users.ann, input, t));
    const other = await db.transaction((trx) => store.createPlan(trx, spaceB, users.ann, { ...input, goal: 'Not confirmed' }, t));
    // Two confirmations at once by the same mentor still make one row, and only one says `created`.
    const [a, b] = await Promise.all([
      db.transaction((trx) => store.confirmPlan(trx, plan.id, users.ben, 'Seen it', t + 5)),
      db.transaction((trx) => store.confirmPlan(trx, plan.id, users.ben, 'Seen it', t + 5)),
    ]);
    expect([a.created, b.created].filter(Boolean)).to.have.length(1);
    const edited = await db.transaction((trx) => store.confirmPlan(trx, plan.id, users.ben, 'Seen it twice', t + 9));
    expect(edited.created).to.equal(false);
    expect(edited.confirmation).to.deep.include({ planId: plan.id, mentorUserId: users.ben, mentorName: 'ben', comment: 'Seen it twice', confirmedAt: t + 5, updatedAt: t + 9 });
    await db.transaction((trx) => store.confirmPlan(trx, plan.id, users.ann, 'A second mentor', t + 7));
    const list = await store.confirmations([plan.id, other.id]);
    expect(list.map((c) => [c.mentorName, c.comment])).to.deep.equal([
      ['ben', 'Seen it twice'],
      ['ann', 'A second mentor'],
    ]);
    expect(await store.confirmations([other.id])).to.deep.equal([]);
    expect(await store.confirmations([])).to.deep.equal([]);
  });

  it('finds people by sub on one platform only, and by id', async () => {
    const platformId = (await db('users').where({ id: users.ann }).first()).platform_id as string;
    expect((await store.peopleBySub(platformId, ['ann', 'nobody', 'ann'])).map((p) => [p.id, p.sub, p.name])).to.deep.equal([[users.ann, 'ann', 'ann']]);
    expect(await store.peopleBySub(newId(), ['ann'])).to.deep.equal([]);
    const people = await store.people([users.ann, users.ben, newId()]);
    expect([...people.keys()].sort()).to.deep.equal([users.ann, users.ben].sort());
    expect(people.get(users.ben)!.name).to.equal('ben');
  });

  it('migrates down and up again', async () => {
    // The confirmations table references action plans: it goes first and comes back last.
    await confirmationsMigration.down(db);
    expect(await db.schema.hasTable('journey_plan_confirmations')).to.equal(false);
    await journeyMigration.down(db);
    expect(await db.schema.hasTable('journey_reflections')).to.equal(false);
    await journeyMigration.up(db);
    expect(await db.schema.hasTable('journey_action_plan_changes')).to.equal(true);
    await confirmationsMigration.up(db);
    expect(await db.schema.hasTable('journey_plan_confirmations')).to.equal(true);
  });
});
