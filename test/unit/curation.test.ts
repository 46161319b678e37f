import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { createPostService } from '../../src/discussion/post-service.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import { createCurationService, excerptOf } from '../../src/curation/curation-service.js';
import { parseFlagInput } from '../../src/curation/curation-input.js';
import { FakeFlagStore } from '../../src/curation/fake-flag-store.js';
import { FakeTagStore } from '../../src/curation/fake-tag-store.js';
import { createTagService } from '../../src/curation/tag-service.js';
import { createWriteLimiter, FakeWriteLog, RateLimitedError, rateLimitsFrom, type WriteLog } from '../../src/curation/rate-limits.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { VERB } from '../../src/xapi/vocabulary.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('write rate limits (limiter on a fake write log, injected clock)', () => {
  const limits = rateLimitsFrom({ RATE_POSTS_PER_MINUTE: '3', RATE_POSTS_PER_HOUR: '5', RATE_FLAGS_PER_HOUR: '2', RATE_REACTIONS_PER_HOUR: '4' });
  const learner = { userId: 'ann', staff: false };

  it('allows up to the limit in a window and refuses the next, saying when (Retry-After)', async () => {
    const log = new FakeWriteLog();
    const limiter = createWriteLimiter(log, limits);
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 3; i++) {
      await limiter.check('post', learner, t0 + i * 1000);
      log.add('post', 'ann', t0 + i * 1000);
    }
    const e = await failure(limiter.check('post', learner, t0 + 10_000));
    expect(e).to.be.instanceOf(RateLimitedError);
    expect(e.status).to.equal(429);
    // The oldest of the three leaves the one-minute window at t0 + 60 s.
    expect((e as RateLimitedError).retryAt).to.equal(t0 + MIN);
    expect((e as RateLimitedError).retryAfterSeconds).to.equal(50);
    // The boundary: still refused 1 ms before, allowed at exactly t0 + 60 s.
    await failure(limiter.check('post', learner, t0 + MIN - 1));
    await limiter.check('post', learner, t0 + MIN);
  });

  it('applies the hourly window too, and the later of the two retry times wins', async () => {
    const log = new FakeWriteLog();
    const limiter = createWriteLimiter(log, limits);
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 5; i++) log.add('post', 'ann', t0 + i * 2 * MIN);
    const now = t0 + 20 * MIN;
    const e = (await failure(limiter.check('post', learner, now))) as RateLimitedError;
    expect(e.retryAt).to.equal(t0 + HOUR);
    await failure(limiter.check('post', learner, t0 + HOUR - 1));
    await limiter.check('post', learner, t0 + HOUR);
  });

  it('exempts staff from post limits but not from flag limits; counts each user and kind apart', async () => {
    const log = new FakeWriteLog();
    const limiter = createWriteLimiter(log, limits);
    const now = 1_800_000_000_000;
    for (let i = 0; i < 10; i++) log.add('post', 'tess', now - i);
    await limiter.check('post', { userId: 'tess', staff: true }, now);
    log.add('flag', 'tess', now - 1);
    log.add('flag', 'tess', now - 2);
    await failure(limiter.check('flag', { userId: 'tess', staff: true }, now));
    await limiter.check('flag', learner, now);
    await limiter.check('reaction', { userId: 'tess', staff: true }, now);
  });

  it('reads its numbers from the environment, with defaults', () => {
    const d = rateLimitsFrom({});
    expect(d.post.map((w) => w.max)).to.deep.equal([6, 60]);
    expect(d.flag[0]!.max).to.equal(20);
    expect(d.reaction[0]!.max).to.equal(120);
    expect(rateLimitsFrom({ RATE_FLAGS_PER_HOUR: '7' }).flag[0]!.max).to.equal(7);
    expect(() => rateLimitsFrom({ RATE_POSTS_PER_MINUTE: 'lots' })).to.throw();
  });
});

describe('flags, moderation queue and post rate limits (services on fake stores)', () => {
  let store: FakeDiscussionStore;
  let flags: FakeFlagStore;
  let threads: ReturnType<typeof createThreadService>;
  let posts: ReturnType<typeof createPostService>;
  let curation: ReturnType<typeof createCurationService>;
  let clock: ReturnType<typeof fixedClock>;
  let spaceId: string;
  let queued: XapiStatement[];
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const cat = launchOf('cat', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');
  const outsiderStaff = launchOf('oscar', 'ctx-b', 'instructor');
  const anonymous = launchOf(null, 'ctx-a');

  beforeEach(() => {
    store = new FakeDiscussionStore();
    flags = new FakeFlagStore(store);
    clock = fixedClock(1_800_000_000_000);
    queued = [];
    // The write log reads the fake's own rows, as the knex one reads the tables.
    const log: WriteLog = {
      recent: async (kind, userId, since, limit) => {
        const times = kind === 'post' ? [...store.postRows.values()].filter((p) => p.authorId === userId).map((p) => p.createdAt) : kind === 'flag' ? flags.rows.filter((f) => f.userId === userId).map((f) => f.createdAt) : [];
        return times.filter((t) => t > since).sort((a, b) => b - a).slice(0, limit);
      },
    };
    const xapi = { outbox: { enqueue: async (_trx: unknown, list: XapiStatement[]) => void queued.push(...list) }, statements: { publicUrl: 'https://tool.example' }, enqueueAlone: async () => {} };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock, xapi, limits: createWriteLimiter(log, rateLimitsFrom({ RATE_POSTS_PER_MINUTE: '2', RATE_FLAGS_PER_HOUR: '3' })) };
    threads = createThreadService(deps);
    posts = createPostService(deps);
    curation = createCurationService({ ...deps, flags });
    spaceId = store.addSpace('ctx-a', 'Prep').id;
    store.addSpace('ctx-b', 'Other');
  });

  const setup = async () => {
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'Opening' });
    clock.advance(MIN);
    const { post: b } = await posts.reply(ben, t.id, { body: 'Buy   cheap\nwatches', parentPostId: null });
    queued = [];
    return { t, b };
  };

  it('a learner flags another’s post once (a second open flag is a no-op) and queues `flagged` with the reason', async () => {
    const { b } = await setup();
    expect((await curation.flag(ann, b.id, { reason: 'spam', note: 'zq-private-note' })).added).to.equal(true);
    expect((await curation.flag(ann, b.id, { reason: 'abusive', note: null })).added).to.equal(false);
    expect(flags.rows).to.have.length(1);
    expect(queued.map((s) => s.verb.id)).to.deep.equal([VERB.flagged]);
    expect(JSON.stringify(queued[0])).to.contain('spam').and.not.to.contain('zq-private-note');
  });

  it('refuses flags on one’s own post (403), from anonymous launches (403), on hidden posts (409), from another course (404)', async () => {
    const { b } = await setup();
    expect((await failure(curation.flag(ben, b.id, { reason: 'spam', note: null }))).code).to.equal('own_post');
    expect((await failure(curation.flag(anonymous, b.id, { reason: 'spam', note: null }))).status).to.equal(403);
    expect((await failure(curation.flag(launchOf('ola', 'ctx-b'), b.id, { reason: 'spam', note: null }))).status).to.equal(404);
    await curation.moderate(tess, spaceId, b.id, 'hide');
    expect((await failure(curation.flag(cat, b.id, { reason: 'spam', note: null }))).status).to.equal(409);
  });

  it('groups open flags by post for staff, without who flagged; learners and other courses get 403/404', async () => {
    const { t, b } = await setup();
    await curation.flag(ann, b.id, { reason: 'spam', note: 'ads' });
    await curation.flag(cat, b.id, { reason: 'off_topic', note: null });
    const q = await curation.queue(tess, spaceId);
    expect(q.open).to.have.length(1);
    expect(q.open[0]).to.deep.include({ postId: b.id, threadId: t.id, count: 2, reasons: { spam: 1, off_topic: 1 }, notes: ['ads'], excerpt: 'Buy cheap watches', state: 'visible' });
    expect(JSON.stringify(q)).not.to.contain('"ann"').and.not.to.contain('"cat"');
    expect(await curation.openCount(tess, spaceId)).to.equal(2);
    expect(await curation.openCount(ann, spaceId)).to.equal(null);
    expect((await failure(curation.queue(ann, spaceId))).status).to.equal(403);
    expect((await failure(curation.queue(outsiderStaff, spaceId))).status).to.equal(404);
    expect((await failure(curation.moderate(outsiderStaff, spaceId, b.id, 'hide'))).status).to.equal(404);
    expect((await failure(curation.moderate(ann, spaceId, b.id, 'hide'))).status).to.equal(403);
  });

  it('hide, restore, lock and dismiss each resolve the open flags with who and when; history keeps them', async () => {
    const { t, b } = await setup();
    await curation.flag(ann, b.id, { reason: 'spam', note: null });
    clock.advance(1000);
    expect((await curation.moderate(tess, spaceId, b.id, 'hide')).resolved).to.equal(1);
    expect(store.postRows.get(b.id)!.hiddenAt).to.equal(clock.now());
    let q = await curation.queue(tess, spaceId);
    expect(q.open).to.deep.equal([]);
    expect(q.history[0]).to.include({ postId: b.id, resolution: 'hidden', hidden: true });
    expect(flags.rows[0]).to.include({ resolvedBy: 'tess', resolvedAt: clock.now() });
    // Learners no longer see the words; a new flag can be raised once the old one is resolved.
    const view = await threads.view(cat, t.id, { page: 1 });
    expect(view.opening.children[0]!.html).to.equal(null);
    await curation.moderate(tess, spaceId, b.id, 'restore');
    expect(store.postRows.get(b.id)!.hiddenAt).to.equal(null);
    await curation.flag(ann, b.id, { reason: 'other', note: null });
    await curation.moderate(tess, spaceId, b.id, 'lock');
    expect(store.threadRows.get(t.id)!.locked).to.equal(true);
    await curation.flag(cat, b.id, { reason: 'other', note: null });
    await curation.moderate(tess, spaceId, b.id, 'dismiss');
    expect(store.postRows.get(b.id)!.hiddenAt).to.equal(null);
    q = await curation.queue(tess, spaceId);
    expect(q.history.map((h) => h.resolution).sort()).to.deep.equal(['dismissed', 'hidden', 'locked']);
  });

  it('limits posts per learner (threads and replies share it) with a 429 saying when; staff are exempt', async () => {
    const t = await threads.create(ann, spaceId, { title: 'One', kind: 'discussion', body: 'x' });
    await posts.reply(ann, t.id, { body: 'two', parentPostId: null });
    const e = (await failure(posts.reply(ann, t.id, { body: 'three', parentPostId: null }))) as RateLimitedError;
    expect(e.status).to.equal(429);
    expect(e.retryAfterSeconds).to.be.within(1, 60);
    expect((await failure(threads.create(ann, spaceId, { title: 'Two', kind: 'discussion', body: 'y' }))).status).to.equal(429);
    expect(store.threadRows.size).to.equal(1);
    // Another learner has their own budget; staff have none.
    await posts.reply(ben, t.id, { body: 'ben', parentPostId: null });
    for (let i = 0; i < 4; i++) await posts.reply(tess, t.id, { body: `tess ${i}`, parentPostId: null });
    clock.advance(MIN);
    await posts.reply(ann, t.id, { body: 'three, later', parentPostId: null });
  });

  it('limits flags per hour', async () => {
    const t = await threads.create(ben, spaceId, { title: 'Many', kind: 'discussion', body: 'x' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(MIN);
      ids.push((await posts.reply(ben, t.id, { body: `r${i}`, parentPostId: null })).post.id);
    }
    for (const id of ids.slice(0, 3)) await curation.flag(ann, id, { reason: 'spam', note: null });
    expect((await failure(curation.flag(ann, ids[3]!, { reason: 'spam', note: null }))).status).to.equal(429);
  });

  it('validates flag input at the edge: a reason from the list, a note up to 500 characters (413 beyond)', () => {
    expect(parseFlagInput({ reason: 'spam', note: '  ' })).to.deep.equal({ ok: true, value: { reason: 'spam', note: null } });
    const bad = parseFlagInput({ reason: 'nope', note: 'kept' });
    expect(bad).to.deep.include({ ok: false, status: 400, values: { reason: 'nope', note: 'kept' } });
    const long = parseFlagInput({ reason: 'other', note: 'x'.repeat(501) });
    expect(long).to.include({ ok: false, status: 413 });
    expect(parseFlagInput({ reason: 'other', note: 'x'.repeat(500) }).ok).to.equal(true);
    expect(excerptOf('a'.repeat(300))).to.have.length(240);
  });
});

describe('tags (services on fake stores)', () => {
  let store: FakeDiscussionStore;
  let tagStore: FakeTagStore;
  let threads: ReturnType<typeof createThreadService>;
  let tags: ReturnType<typeof createTagService>;
  let spaceId: string;
  let otherSpaceId: string;
  let queued: Array<{ trx: unknown; statement: XapiStatement }>;
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');
  const outsiderStaff = launchOf('oscar', 'ctx-b', 'instructor');

  beforeEach(() => {
    store = new FakeDiscussionStore();
    tagStore = new FakeTagStore(store);
    queued = [];
    const xapi = { outbox: { enqueue: async (trx: unknown, list: XapiStatement[]) => void queued.push(...list.map((statement) => ({ trx, statement }))) }, statements: { publicUrl: 'https://tool.example' }, enqueueAlone: async () => {} };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, clock: fixedClock(1_800_000_000_000), xapi, tags: tagStore };
    threads = createThreadService(deps);
    tags = createTagService(deps);
    spaceId = store.addSpace('ctx-a', 'Prep').id;
    otherSpaceId = store.addSpace('ctx-a', 'Another space').id;
    store.addSpace('ctx-b', 'Other course');
  });

  it('staff create, rename and delete tags, unique per space ignoring case; learners and other courses may not', async () => {
    const safety = await tags.create(tess, spaceId, 'Safety');
    expect((await failure(tags.create(tess, spaceId, 'SAFETY'))).status).to.equal(409);
    await tags.create(tess, otherSpaceId, 'safety'); // another space may have it
    expect((await failure(tags.create(ann, spaceId, 'Mine'))).status).to.equal(403);
    expect((await failure(tags.create(outsiderStaff, spaceId, 'Theirs'))).status).to.equal(404);
    const tools = await tags.create(tess, spaceId, 'Tools');
    expect((await failure(tags.rename(tess, spaceId, tools.id, 'safety'))).status).to.equal(409);
    await tags.rename(tess, spaceId, tools.id, 'Equipment');
    expect((await tags.list(ann, spaceId)).map((t) => t.label)).to.deep.equal(['Equipment', 'Safety']);
    expect((await failure(tags.remove(tess, otherSpaceId, safety.id))).status).to.equal(404);
    expect((await failure(tags.remove(outsiderStaff, spaceId, safety.id))).status).to.equal(404);
    await tags.remove(tess, spaceId, safety.id);
    expect((await tags.list(ann, spaceId)).map((t) => t.label)).to.deep.equal(['Equipment']);
  });

  it('applies the tags picked on a new thread in its transaction, with one `tagged` statement each', async () => {
    const a = await tags.create(tess, spaceId, 'A');
    const b = await tags.create(tess, spaceId, 'B');
    const t = await threads.create(ann, spaceId, { title: 'Tagged', kind: 'discussion', body: 'x', tagIds: [a.id, b.id] });
    expect(queued.map((q) => q.statement.verb.id)).to.deep.equal([VERB.posted, VERB.tagged, VERB.tagged]);
    expect(new Set(queued.map((q) => q.trx)).size).to.equal(1);
    expect(tagStore.trxSeen).to.deep.equal([queued[0]!.trx]);
    const view = await threads.view(ben, t.id, { page: 1 });
    expect(view.tags.map((g) => g.label)).to.deep.equal(['A', 'B']);
    const list = await threads.list(ben, spaceId, { sort: 'active', page: 1 });
    expect(list.threads[0]!.tags.map((g) => g.label)).to.deep.equal(['A', 'B']);
  });

  it('refuses a tag of another space (400) and filters only by this space’s tags (404 otherwise)', async () => {
    const foreign = await tags.create(tess, otherSpaceId, 'Foreign');
    expect((await failure(threads.create(ann, spaceId, { title: 'Forged', kind: 'discussion', body: 'x', tagIds: [foreign.id] }))).status).to.equal(400);
    expect(store.threadRows.size).to.equal(0);
    expect((await failure(threads.list(ann, spaceId, { sort: 'active', page: 1, tagId: foreign.id }))).status).to.equal(404);
    const own = await tags.create(tess, spaceId, 'Own');
    expect((await threads.list(ann, spaceId, { sort: 'active', page: 1, tagId: own.id })).tag).to.deep.include({ id: own.id });
  });

  it('lets the author (or staff) change a thread’s tags, recording only newly applied ones', async () => {
    const a = await tags.create(tess, spaceId, 'A');
    const b = await tags.create(tess, spaceId, 'B');
    const t = await threads.create(ann, spaceId, { title: 'T', kind: 'discussion', body: 'x', tagIds: [a.id] });
    queued = [];
    expect((await failure(tags.setThreadTags(ben, t.id, [b.id]))).status).to.equal(403);
    await tags.setThreadTags(ann, t.id, [a.id, b.id]);
    expect(queued.map((q) => JSON.stringify(q.statement.context?.contextActivities?.other))).to.have.length(1);
    expect(JSON.stringify(queued[0]!.statement)).to.contain(`/tags/${b.id}`);
    await tags.setThreadTags(tess, t.id, []);
    expect((await tags.forThread(ann, t.id)).chosen.size).to.equal(0);
  });
});
