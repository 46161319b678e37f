import { expect } from 'chai';
import type { Clock } from '../../src/clock.js';
import { createPostService } from '../../src/discussion/post-service.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import { createThreadStore } from '../../src/discussion/thread-store.js';
import { viewActId } from '../../src/discussion/discussion-xapi.js';
import { sha256 } from '../../src/ids.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { createSpaceStore } from '../../src/spaces/space-store.js';
import { statementId } from '../../src/xapi/statement-builder.js';
import type { XapiActivity, XapiStatement } from '../../src/xapi/statement.js';
import { ACTIVITY_TYPE, EXTENSION, VERB } from '../../src/xapi/vocabulary.js';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { LrsStub, xapiProblems } from '../helpers/lrs-stub.js';
import { launch, startStack, type Stack } from '../helpers/stack.js';
import type { Page, TestBrowser } from '../helpers/test-browser.js';

/** Real time, but never the same millisecond twice. */
function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)) };
}

async function waitFor<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Person {
  browser: TestBrowser;
  token: string;
  launch: LaunchContext;
  landing: string;
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string>): Promise<Page>;
}

describe('xAPI: discussion acts become statements, each in its act’s transaction', function () {
  this.timeout(120_000);
  let stub: LrsStub;
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ann: Person;
  let ben: Person;
  let spaceId: string;
  const ids: Record<string, string> = {};

  async function join(spec: LaunchSpec): Promise<Person> {
    const r = await launch(stack, { resourceLinkId: 'xapi-link', resourceLinkTitle: 'Week 1 prep', contextId: 'xapi-course', ...spec });
    expect(r.response.status, r.response.body.slice(0, 300)).to.equal(303);
    const token = r.sessionToken!;
    const session = (await stack.tool.container.sessions.get(sha256(token)))!;
    const withToken = (path: string) => `${base}${path}${path.includes('?') ? '&' : '?'}session=${encodeURIComponent(token)}`;
    return {
      browser: r.browser,
      token,
      launch: session.launch,
      landing: r.response.headers.get('location')!,
      get: (path) => r.browser.request(withToken(path)),
      post: (path, fields = {}) => r.browser.request(`${base}${path}`, { form: { session: token, _csrf: session.csrfToken, ...fields } }),
    };
  }

  const threadIdFrom = (res: Page): string => /\/threads\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
  const postIdFrom = (res: Page): string => /#post-([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')![1]!;
  const see = (res: Page, status = 303): Page => {
    expect(res.status, res.body.slice(0, 800)).to.equal(status);
    return res;
  };

  const outboxCount = async (): Promise<number> => Number((await stack.tool.container.db('xapi_outbox').count({ n: '*' }))[0]!.n);
  const openingOf = async (threadId: string): Promise<string> => (await stack.tool.container.db('posts').where({ thread_id: threadId, depth: 0 }).first('id')).id as string;
  const revisionsOf = async (postId: string): Promise<string[]> =>
    ((await stack.tool.container.db('post_revisions').where({ post_id: postId }).orderBy('replaced_at').select('id')) as Array<{ id: string }>).map((r) => r.id);
  /** Delivers what is queued now, then the statement with this id as the LRS stored it. */
  const delivered = async (id: string): Promise<XapiStatement> => {
    await stack.tool.container.xapiSender.tick();
    return (await waitFor(`statement ${id}`, () => stub.get(id))) as unknown as XapiStatement;
  };
  const discussionStatements = (): XapiStatement[] => (stub.stored as unknown as XapiStatement[]).filter((s) => s.verb.id !== VERB.launched);

  before(async () => {
    stub = await LrsStub.start({ username: 'tl-key', password: 'tl-secret' });
    stack = await startStack({ clock: strictlyIncreasingClock(), env: { XAPI_LRS_ENDPOINT: stub.endpoint, XAPI_LRS_USERNAME: 'tl-key', XAPI_LRS_PASSWORD: 'tl-secret', XAPI_BATCH_SIZE: '10' } });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'x-teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    // An event far ahead: every act here is prep, days before it.
    const setup = see(await teacher.post('/app/setup', { kind: 'prep', title: 'Before the workshop', event_date: '2099-01-01', event_time: '09:00', time_zone: 'UTC' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'x-ann', name: 'Ann Learner', roles: [ROLE.learner] });
    ben = await join({ sub: 'x-ben', name: 'Ben Learner', roles: [ROLE.learner] });
  });
  after(async () => {
    await stack?.close();
    await stub?.close();
  });

  it('a learner opening the space records one `viewed` per hour, however often she opens it', async () => {
    expect(ann.landing).to.match(new RegExp(`^/spaces/${spaceId}\\?`));
    const viewIdAt = (at: number) => statementId('space_viewed', viewActId(spaceId, ann.launch.user!.id, at));
    const t0 = Date.now();
    see(await ann.browser.get(`${base}${ann.landing}`), 200);
    see(await ann.get(`/spaces/${spaceId}?sort=newest`), 200);
    see(await ann.get(`/spaces/${spaceId}?page=2`), 200);
    // The window is the clock hour of the first view (t0's, unless the hour turned just then).
    await stack.tool.container.xapiSender.tick();
    const s = (await waitFor('ann’s view', () => stub.get(viewIdAt(t0)) ?? stub.get(viewIdAt(Date.now())))) as unknown as XapiStatement;
    const id = s.id;
    expect(s.verb.id).to.equal(VERB.viewed);
    const object = s.object as XapiActivity;
    expect(object.id).to.equal(`${base}/spaces/${spaceId}`);
    expect(object.definition).to.deep.include({ type: ACTIVITY_TYPE.space });
    expect(s.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: stack.emu.issuer, name: 'x-ann' } });
    expect(s.context!.contextActivities!.parent).to.equal(undefined);
    expect(s.context!.extensions![EXTENSION.phase]).to.equal('prep');
    expect(s.result).to.equal(undefined);
    expect(discussionStatements().filter((d) => d.verb.id === VERB.viewed)).to.have.length(1);
    ids.annViewed = id;
  });

  it('thread, reply, edits and delete each arrive once, with the right verb, objects, parents and text', async () => {
    see(await ben.browser.get(`${base}${ben.landing}`), 200);
    ids.benViewed = statementId('space_viewed', viewActId(spaceId, ben.launch.user!.id, stack.tool.container.clock.now()));

    // Ann starts a discussion; Ben asks a question.
    const annThread = threadIdFrom(see(await ann.post(`/spaces/${spaceId}/threads`, { title: 'What do you hope to learn?', body: 'One thing *each*.', kind: 'discussion' })));
    const benQuestion = threadIdFrom(see(await ben.post(`/spaces/${spaceId}/threads`, { title: 'Is there parking?', body: 'Driving in.', kind: 'question' })));
    // Ben replies to Ann's thread; Ann answers his reply (a nested reply).
    const benReply = postIdFrom(see(await ben.post(`/threads/${annThread}/replies`, { body: 'Better one-to-ones.' })));
    const annReply = postIdFrom(see(await ann.post(`/threads/${annThread}/replies`, { body: 'Same here!', parent_post_id: benReply })));
    // Ann edits her opening post twice (title and text) and her reply once, then deletes the reply.
    const opening = await openingOf(annThread);
    see(await ann.post(`/posts/${opening}/edit`, { title: 'What will you take away?', body: 'One thing each, please.' }));
    see(await ann.post(`/posts/${opening}/edit`, { title: 'What will you take away?', body: 'One thing each, please. Be brief.' }));
    see(await ann.post(`/posts/${annReply}/edit`, { body: 'Same here, weekly.' }));
    const [openingRev1, openingRev2] = await revisionsOf(opening);
    const [replyRev] = await revisionsOf(annReply);
    see(await ann.post(`/posts/${annReply}/delete`));

    const threadUrl = `${base}/threads/${annThread}`;
    const spaceUrl = `${base}/spaces/${spaceId}`;

    const posted = await delivered(statementId('thread_created', annThread));
    expect(posted.verb.id).to.equal(VERB.posted);
    expect(posted.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: stack.emu.issuer, name: 'x-ann' } });
    expect(posted.object).to.deep.include({ id: threadUrl });
    expect((posted.object as XapiActivity).definition).to.deep.equal({ type: ACTIVITY_TYPE.discussionThread, name: { 'en-US': 'What do you hope to learn?' } });
    expect(posted.result).to.deep.equal({ response: 'One thing *each*.' });
    expect(posted.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([spaceUrl]);
    const grouping = posted.context!.contextActivities!.grouping!.map((g) => g.definition?.type);
    expect(grouping).to.deep.equal([ACTIVITY_TYPE.course, ACTIVITY_TYPE.resourceLink]);
    expect(posted.context!.extensions![EXTENSION.lti]).to.deep.include({ context_id: 'xapi-course', resource_link_id: 'xapi-link' });
    expect(posted.context!.extensions![EXTENSION.phase]).to.equal('prep');
    expect(posted.context!.extensions![EXTENSION.daysFromEvent]).to.be.lessThan(0);

    const asked = await delivered(statementId('thread_created', benQuestion));
    expect(asked.verb.id).to.equal(VERB.asked);
    expect(asked.actor).to.deep.include({ account: { homePage: stack.emu.issuer, name: 'x-ben' } });
    expect((asked.object as XapiActivity).definition!.type).to.equal(ACTIVITY_TYPE.question);
    expect(asked.result).to.deep.equal({ response: 'Driving in.' });

    for (const [postId, who, text] of [
      [benReply, 'x-ben', 'Better one-to-ones.'],
      [annReply, 'x-ann', 'Same here!'],
    ] as const) {
      const replied = await delivered(statementId('reply_posted', postId));
      expect(replied.verb.id).to.equal(VERB.replied);
      expect(replied.actor).to.deep.include({ account: { homePage: stack.emu.issuer, name: who } });
      expect(replied.object).to.deep.equal({ objectType: 'Activity', id: `${base}/posts/${postId}`, definition: { type: ACTIVITY_TYPE.reply } });
      expect(replied.result).to.deep.equal({ response: text });
      // A nested reply is still a reply in the thread: the thread is its parent, the space groups it.
      expect(replied.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([threadUrl]);
      expect(replied.context!.contextActivities!.grouping!.map((g) => g.id)).to.include(spaceUrl);
    }

    // Editing the opening post edits the thread (its title in the statement is the new one).
    const edits = [
      [openingRev1!, 'One thing each, please.'],
      [openingRev2!, 'One thing each, please. Be brief.'],
    ] as const;
    for (const [rev, text] of edits) {
      const edited = await delivered(statementId('post_edited', rev));
      expect(edited.verb.id).to.equal(VERB.edited);
      expect(edited.object).to.deep.include({ id: threadUrl });
      expect((edited.object as XapiActivity).definition!.name).to.deep.equal({ 'en-US': 'What will you take away?' });
      expect(edited.result).to.deep.equal({ response: text });
      expect(edited.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([spaceUrl]);
    }
    const replyEdited = await delivered(statementId('post_edited', replyRev!));
    expect(replyEdited.object).to.deep.include({ id: `${base}/posts/${annReply}` });
    expect(replyEdited.result).to.deep.equal({ response: 'Same here, weekly.' });
    expect(replyEdited.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([threadUrl]);

    const deleted = await delivered(statementId('deleted', annReply));
    expect(deleted.verb.id).to.equal(VERB.deleted);
    expect(deleted.object).to.deep.include({ id: `${base}/posts/${annReply}` });
    expect(deleted.result).to.equal(undefined);
    expect(deleted.context!.contextActivities!.parent!.map((p) => p.id)).to.deep.equal([threadUrl]);

    Object.assign(ids, {
      posted: posted.id,
      asked: asked.id,
      benReplied: statementId('reply_posted', benReply),
      annReplied: statementId('reply_posted', annReply),
      edit1: statementId('post_edited', openingRev1!),
      edit2: statementId('post_edited', openingRev2!),
      edit3: statementId('post_edited', replyRev!),
      deleted: deleted.id,
      annReply,
    });
    await waitFor('ben’s view', () => stub.get(ids.benViewed!));

    // Exactly these, each once, every one valid xAPI (the stub refuses invalid ones too).
    const expected = [ids.annViewed, ids.benViewed, ids.posted, ids.asked, ids.benReplied, ids.annReplied, ids.edit1, ids.edit2, ids.edit3, ids.deleted].sort();
    const got = discussionStatements();
    expect(got.map((s) => s.id).sort()).to.deep.equal(expected);
    for (const s of got) expect(xapiProblems(s), s.id).to.deep.equal([]);
    expect(stub.requests.every((q) => q.status === 200)).to.equal(true);
  });

  it('never counts an act twice: a second delete records nothing, a replay changes nothing', async () => {
    const before = await outboxCount();
    const storedBefore = stub.stored.length;
    see(await ann.post(`/posts/${ids.annReply}/delete`), 409);
    // Views in the same hour collapse into the first.
    see(await ann.get(`/spaces/${spaceId}`), 200);
    expect(await outboxCount()).to.equal(before);

    // Resend everything delivered: the same ids with the same content are no-ops at the LRS.
    const c = stack.tool.container;
    await waitFor('everything delivered', async () => {
      await c.xapiSender.tick();
      const [st] = await c.outbox.stats(Date.now());
      return st!.depth === 0 ? true : undefined;
    });
    const requeued = await c.outbox.replay(0, c.clock.now() + 1);
    expect(requeued).to.equal(before);
    await waitFor('the replay', async () => {
      await c.xapiSender.tick();
      const [st] = await c.outbox.stats(Date.now());
      return st!.depth === 0 ? true : undefined;
    });
    expect(stub.stored.length).to.equal(storedBefore);
    expect(stub.acceptedCount.get(ids.deleted!)).to.equal(2);
    // No 409: a resent statement is byte-for-byte what the LRS already has.
    expect(stub.requests.every((q) => q.status === 200)).to.equal(true);
  });

  it('queues nothing for an act that fails or is refused (invalid input, not the author), nor for moderation', async () => {
    const before = await outboxCount();
    const thread = threadIdFrom(see(await ben.post(`/spaces/${spaceId}/threads`, { title: 'Rollback', body: 'Base.' })));
    const opening = await openingOf(thread);
    const afterThread = before + 1;
    expect(await outboxCount()).to.equal(afterThread);
    see(await ann.post(`/spaces/${spaceId}/threads`, { title: '', body: 'no title' }), 400);
    see(await ann.post(`/threads/${thread}/replies`, { body: '   ' }), 400);
    see(await ann.post(`/posts/${opening}/edit`, { title: 'Not mine', body: 'Not mine' }), 403);
    see(await ann.post(`/posts/${opening}/delete`), 403);
    see(await ben.post(`/posts/${opening}/edit`, { title: 'Rollback', body: '' }), 400);
    // Staff moderation is not a learning act in our vocabulary: pin, lock, hide record nothing.
    see(await teacher.post(`/threads/${thread}/pin`));
    see(await teacher.post(`/threads/${thread}/lock`));
    see(await teacher.post(`/posts/${opening}/hide`));
    see(await teacher.post(`/posts/${opening}/restore`));
    expect(await outboxCount()).to.equal(afterThread);
  });

  it('rolls the act back with its statement when the transaction fails after queuing it', async () => {
    const c = stack.tool.container;
    const db = c.db;
    // The real stores and the real outbox, but the transaction fails right after the statement is queued.
    const failing = {
      outbox: {
        enqueue: async (trx: Parameters<typeof c.outbox.enqueue>[0], list: XapiStatement[]) => {
          await c.outbox.enqueue(trx, list);
          throw new Error('forced failure after queuing');
        },
      },
      statements: c.statements,
      enqueueAlone: async () => {
        throw new Error('not used');
      },
    };
    const deps = { spaces: createSpaceStore(db), threads: createThreadStore(db), posts: createPostStore(db), clock: c.clock, xapi: failing };
    const threads = createThreadService(deps);
    const posts = createPostService(deps);
    const counts = async () => ({
      outbox: await outboxCount(),
      threads: Number((await db('threads').count({ n: '*' }))[0]!.n),
      posts: Number((await db('posts').count({ n: '*' }))[0]!.n),
      revisions: Number((await db('post_revisions').count({ n: '*' }))[0]!.n),
    });
    const thread = threadIdFrom(see(await ann.post(`/spaces/${spaceId}/threads`, { title: 'Survives', body: 'Kept.' })));
    const opening = await openingOf(thread);
    const before = await counts();

    const failures = [
      () => threads.create(ann.launch, spaceId, { title: 'Never', body: 'Never.', kind: 'discussion' }),
      () => posts.reply(ann.launch, thread, { body: 'Never.', parentPostId: null }),
      () => posts.edit(ann.launch, opening, { title: 'Never', body: 'Never.' }),
      () => posts.remove(ann.launch, opening),
    ];
    for (const act of failures) {
      let error: unknown;
      await act().catch((e: unknown) => (error = e));
      expect((error as Error | undefined)?.message).to.equal('forced failure after queuing');
    }
    expect(await counts()).to.deep.equal(before);
    const row = await db('posts').where({ id: opening }).first('body_markdown', 'deleted_at');
    expect(row).to.deep.include({ body_markdown: 'Kept.', deleted_at: null });
    expect((await db('threads').where({ id: thread }).first('title')).title).to.equal('Survives');
  });
  it('helpful, endorsement and accepted answer each arrive once; un-react, repeats and refusals record nothing', async () => {
    const c = stack.tool.container;
    const question = threadIdFrom(see(await ann.post(`/spaces/${spaceId}/threads`, { title: 'Which room?', body: 'Asking.', kind: 'question' })));
    const answer = postIdFrom(see(await ben.post(`/threads/${question}/replies`, { body: 'Room 2.' })));
    await c.xapiSender.tick();
    const before = await outboxCount();
    const storedBefore = discussionStatements().length;

    see(await ann.post(`/posts/${answer}/react`));
    see(await ann.post(`/posts/${answer}/react`)); // already reacted: no second act
    see(await ann.post(`/posts/${answer}/unreact`)); // taking it back records nothing
    see(await ann.post(`/posts/${answer}/react`)); // reacting again is a new act
    see(await ben.post(`/posts/${answer}/react`), 403); // his own post
    see(await ann.post(`/posts/${answer}/endorse`), 403); // learners cannot endorse
    see(await teacher.post(`/posts/${answer}/endorse`));
    see(await teacher.post(`/posts/${answer}/endorse`)); // already endorsed
    see(await ben.post(`/posts/${answer}/accept`), 403); // not the asker
    see(await ann.post(`/posts/${answer}/accept`));
    see(await ann.post(`/posts/${answer}/accept`)); // already the answer
    expect(await outboxCount()).to.equal(before + 4);

    await waitFor('delivery', async () => {
      await c.xapiSender.tick();
      const [st] = await c.outbox.stats(Date.now());
      return st!.depth === 0 ? true : undefined;
    });
    const fresh = discussionStatements().slice(storedBefore);
    // Acts in the same millisecond may be delivered in either order: compare the sets.
    expect(fresh.map((x) => x.verb.id).sort()).to.deep.equal([VERB.liked, VERB.liked, VERB.endorsed, VERB.accepted].sort());
    for (const x of fresh) {
      expect(stub.acceptedCount.get(x.id), x.verb.id).to.equal(1);
      expect(xapiProblems(x), x.verb.id).to.deep.equal([]);
      expect((x.object as XapiActivity).id).to.equal(`${base}/posts/${answer}`);
      expect(x.context!.contextActivities!.parent![0]!.id).to.equal(`${base}/threads/${question}`);
    }
    const [liked1, liked2, endorsed, accepted] = fresh;
    expect(liked1!.id).not.to.equal(liked2!.id);
    expect(liked1!.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: stack.emu.issuer, name: 'x-ann' } });
    expect(liked1!.context!.extensions![EXTENSION.reaction]).to.equal('helpful');
    expect(endorsed!.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: stack.emu.issuer, name: 'x-teacher' } });
    expect(accepted!.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: stack.emu.issuer, name: 'x-ann' } });
    expect(stub.requests.every((q) => q.status === 200)).to.equal(true);
  });

  it('rolls a reaction, endorsement or acceptance back with its statement when the transaction fails', async () => {
    const c = stack.tool.container;
    const db = c.db;
    const failing = {
      outbox: {
        enqueue: async (trx: Parameters<typeof c.outbox.enqueue>[0], list: XapiStatement[]) => {
          await c.outbox.enqueue(trx, list);
          throw new Error('forced failure after queuing');
        },
      },
      statements: c.statements,
      enqueueAlone: async () => {
        throw new Error('not used');
      },
    };
    const posts = createPostService({ spaces: createSpaceStore(db), threads: createThreadStore(db), posts: createPostStore(db), clock: c.clock, xapi: failing });
    const question = threadIdFrom(see(await ann.post(`/spaces/${spaceId}/threads`, { title: 'Rollback Q', body: 'Q.', kind: 'question' })));
    const answer = postIdFrom(see(await ben.post(`/threads/${question}/replies`, { body: 'A.' })));
    const before = await outboxCount();
    for (const act of [() => posts.setReaction(ann.launch, answer, true), () => posts.setEndorsed(teacher.launch, answer, true), () => posts.setAccepted(ann.launch, answer, true)]) {
      let error: unknown;
      await act().catch((e: unknown) => (error = e));
      expect((error as Error | undefined)?.message).to.equal('forced failure after queuing');
    }
    expect(await outboxCount()).to.equal(before);
    const post = await db('posts').where({ id: answer }).first();
    expect(Number(post.reaction_count)).to.equal(0);
    expect(post.endorsed_at).to.equal(null);
    expect(Number((await db('post_reactions').where({ post_id: answer }).count({ n: '*' }))[0]!.n)).to.equal(0);
    const thread = await db('threads').where({ id: question }).first();
    expect(thread.accepted_post_id).to.equal(null);
    expect(Number(thread.reaction_count)).to.equal(0);
  });
});
