import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import type { Db } from '../../src/db/knex.js';
import { newId } from '../../src/ids.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { createPrivacyService, type PrivacyService } from '../../src/privacy/privacy-service.js';
import { createPrivacyStore } from '../../src/privacy/privacy-store.js';
import { openStoreDb, seedCourses, type StoreDb } from '../helpers/store-course.js';
import { testDbKind } from '../helpers/test-db.js';

const DAY = 86_400_000;

describe(`privacy: retention on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let s: StoreDb;
  let db: Db;
  let privacy: PrivacyService;
  const start = 1_800_000_000_000;
  const clock = fixedClock(start);
  let platformId: string;
  let otherPlatformId: string;
  let ctx: string;
  const users = { old: newId(), recent: newId(), neverInCourse: newId(), otherPlatform: newId() };

  const exists = async (id: string): Promise<boolean> => (await db('users').where({ id }).first('id')) !== undefined;
  const enrol = (userId: string, lastLaunch: number) => db('enrolments').insert({ context_id: ctx, user_id: userId, roles: '[]', first_launch_at: lastLaunch, last_launch_at: lastLaunch });

  before(async () => {
    s = await openStoreDb();
    db = s.db;
    const seeded = await seedCourses(db, start, { courses: ['course'] });
    platformId = seeded.platformId;
    ctx = seeded.contexts[0]!;
    otherPlatformId = (await createPlatformStore(db).upsert({ issuer: 'https://keep.example', clientId: 'k', name: 'Keep', productFamily: null, authEndpoint: 'https://keep.example/a', tokenEndpoint: 'https://keep.example/t', jwksUri: 'https://keep.example/j', tokenAudience: null, source: 'manual' }, start)).id;
    const user = (id: string, platform: string, sub: string, at: number) => ({ id, platform_id: platform, sub, name: sub, created_at: at, updated_at: at });
    await db('users').insert([
      // Last launched 40 days before `start`; the profile row is as old.
      user(users.old, platformId, 'old', start - 40 * DAY),
      // Joined long ago, but launched 5 days before `start`.
      user(users.recent, platformId, 'recent', start - 5 * DAY),
      user(users.neverInCourse, platformId, 'no-course', start - 31 * DAY),
      user(users.otherPlatform, otherPlatformId, 'other', start - 400 * DAY),
    ]);
    await db('users').where({ id: users.recent }).update({ created_at: start - 300 * DAY });
    await enrol(users.old, start - 40 * DAY);
    await enrol(users.recent, start - 5 * DAY);
    await db('posts').insert({ id: newId(), thread_id: await thread(), parent_post_id: null, branch_id: null, depth: 0, author_id: users.old, body_markdown: 'old words', body_html: '<p>old words</p>', render_version: 1, created_at: start - 40 * DAY });

    // Operational rows: delivered statements old and new, one never delivered, expired logins and sessions.
    const outboxRow = (createdAt: number, delivered: boolean) => ({ id: newId(), statement_id: newId(), lrs_id: 'primary', statement: '{}', created_at: createdAt, available_at: createdAt, attempts: 1, delivered_at: delivered ? createdAt + 1000 : null, dead: false });
    await db('xapi_outbox').insert([outboxRow(start - 31 * DAY, true), outboxRow(start - 29 * DAY, true), outboxRow(start - 90 * DAY, false)]);
    await db('login_states').insert([
      { state: 's-expired', nonce: 'n1', binding_hash: 'h', platform_id: platformId, target_link_uri: 'https://t', login_params: '{}', created_at: start - 600_000, expires_at: start - 300_000 },
      { state: 's-live', nonce: 'n2', binding_hash: 'h', platform_id: platformId, target_link_uri: 'https://t', login_params: '{}', created_at: start, expires_at: start + 300_000 },
    ]);
    await db('sessions').insert([
      { token_hash: 'e'.repeat(64), platform_id: platformId, deployment_id: seeded.deploymentId, user_id: users.recent, context_id: ctx, launch: '{}', csrf_token: 'x', created_at: start - DAY, expires_at: start - 1 },
      { token_hash: 'f'.repeat(64), platform_id: platformId, deployment_id: seeded.deploymentId, user_id: users.recent, context_id: ctx, launch: '{}', csrf_token: 'y', created_at: start, expires_at: start + DAY },
    ]);
    privacy = createPrivacyService({ db, store: createPrivacyStore(db), clock, publicUrl: 'https://tool.example', outboxKeepDays: 30 });
  });

  after(async () => s?.close());

  async function thread(): Promise<string> {
    const space = newId();
    await db('spaces').insert({ id: space, context_id: ctx, resource_link_id: null, kind: 'prep', title: 'S', event_at: null, time_zone: 'UTC', created_by: null, created_at: start, updated_at: start });
    const id = newId();
    await db('threads').insert({ id, space_id: space, author_id: users.old, title: 'T', kind: 'discussion', created_at: start, updated_at: start, last_activity_at: start });
    return id;
  }

  it('with no retention period set, erases nobody (but still prunes operational rows)', async () => {
    const run = await privacy.runRetention();
    expect(run).to.deep.equal({ erased: 0, prunedOutbox: 1, prunedLoginStates: 1, prunedSessions: 1 });
    for (const id of Object.values(users)) expect(await exists(id)).to.equal(true);
    // What is left: the delivered row inside the 30-day window and the undelivered one, however old.
    const left = (await db('xapi_outbox').orderBy('created_at').select('created_at', 'delivered_at')) as Array<{ created_at: number | string; delivered_at: number | null }>;
    expect(left.map((r) => [Number(r.created_at), r.delivered_at === null])).to.deep.equal([[start - 90 * DAY, true], [start - 29 * DAY, false]]);
    expect((await db('login_states').pluck('state')) as string[]).to.deep.equal(['s-live']);
    expect((await db('sessions').pluck('csrf_token')) as string[]).to.deep.equal(['y']);
  });

  it('erases users whose last launch is older than the platform period, through the same erase', async () => {
    const set = await privacy.setRetention('https://lms.example', null, 30);
    expect(set).to.deep.equal([{ issuer: 'https://lms.example', clientId: 'client', retentionDays: 30 }]);
    const run = await privacy.runRetention();
    expect(run.erased).to.equal(2);
    expect(await exists(users.old)).to.equal(false);
    expect(await exists(users.neverInCourse)).to.equal(false);
    expect(await exists(users.recent)).to.equal(true);
    // The other platform keeps its data (no period), however old.
    expect(await exists(users.otherPlatform)).to.equal(true);
    const log = (await privacy.erasure(users.old))!;
    expect(log).to.deep.include({ reason: 'retention', erasedBy: 'retention' });
    expect(log.counts).to.include({ users: 1, posts: 1, threads: 1, enrolments: 1 });
    expect(((await db('posts').first('author_id', 'body_markdown')) as { author_id: string | null; body_markdown: string })).to.deep.equal({ author_id: null, body_markdown: 'old words' });
  });

  it('time passes: a learner who stops launching is erased once the period runs out, not a day before', async () => {
    clock.set(start + 24 * DAY); // 29 days after the recent learner's last launch
    expect((await privacy.runRetention()).erased).to.equal(0);
    expect(await exists(users.recent)).to.equal(true);
    clock.set(start + 25 * DAY + 1); // 30 days and a millisecond
    expect((await privacy.runRetention()).erased).to.equal(1);
    expect(await exists(users.recent)).to.equal(false);
    // The delivered row from 29 days before `start` is now past the window too.
    expect(await db('xapi_outbox').whereNotNull('delivered_at').count<{ n: number | string }[]>({ n: '*' })).to.satisfy((r: Array<{ n: number | string }>) => Number(r[0]!.n) === 0);
  });

  it('a launch resets the clock; clearing the period stops erasing', async () => {
    const id = newId();
    const now = clock.now();
    await db('users').insert({ id, platform_id: platformId, sub: 'back', name: 'back', created_at: now - 100 * DAY, updated_at: now - 100 * DAY });
    await enrol(id, now - DAY);
    expect((await privacy.runRetention()).erased).to.equal(0);
    // By Threadline's platform id as well as by issuer.
    expect(await privacy.setRetention(platformId, null, null)).to.deep.equal([{ issuer: 'https://lms.example', clientId: 'client', retentionDays: null }]);
    clock.set(now + 365 * DAY);
    expect((await privacy.runRetention()).erased).to.equal(0);
    expect(await exists(id)).to.equal(true);
  });

  it('refuses a nonsense period or an unknown platform', async () => {
    for (const days of [0, -3, 1.5]) {
      try {
        await privacy.setRetention('https://lms.example', null, days);
        expect.fail(`accepted ${days}`);
      } catch (e) {
        expect((e as { code: string }).code).to.equal('bad_retention');
      }
    }
    try {
      await privacy.setRetention('https://nowhere.example', null, 10);
      expect.fail('accepted an unknown platform');
    } catch (e) {
      expect((e as { status: number }).status).to.equal(404);
    }
  });
});
