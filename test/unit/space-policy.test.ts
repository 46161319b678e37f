import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import { FakeDiscussionStore } from '../../src/discussion/fake-discussion-store.js';
import { createPostService } from '../../src/discussion/post-service.js';
import { createThreadService } from '../../src/discussion/thread-service.js';
import { mapRoles } from '../../src/lti/claims.js';
import { FakePromptStore } from '../../src/spaces/fake-prompt-store.js';
import { createPromptService, parsePrompt } from '../../src/spaces/prompt-service.js';
import { canSeePeerAnswers, canSeePromptPost, isReadOnlyRole, postingState } from '../../src/spaces/space-policy.js';
import { parseSettings } from '../../src/spaces/space-settings.js';
import type { Space } from '../../src/spaces/space-store.js';
import { statementId } from '../../src/xapi/statement-builder.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { FIXTURE_ROLE, failure, launchOf } from '../helpers/launch-fixtures.js';

const learner = { userId: 'ann', staff: false };
const staff = { userId: 'tess', staff: true };
const mentor = { userId: 'mona', staff: false, readOnly: true };

describe('space policy', () => {
  it('posting state: locked beats dates; before opensAt not yet open; from closesAt closed', () => {
    const base = { locked: false, opensAt: 1000, closesAt: 2000 };
    expect(postingState(base, 999)).to.equal('not_yet_open');
    expect(postingState(base, 1000)).to.equal('open');
    expect(postingState(base, 1999)).to.equal('open');
    expect(postingState(base, 2000)).to.equal('closed');
    expect(postingState({ ...base, locked: true }, 1500)).to.equal('locked');
    expect(postingState({ locked: false, opensAt: null, closesAt: null }, 0)).to.equal('open');
  });

  it('post-first: learners see peers only after answering; staff, mentors and non-prompt threads always', () => {
    const on = { postFirst: true };
    const prompt = { kind: 'prompt' };
    expect(canSeePeerAnswers(learner, on, prompt, false)).to.equal(false);
    expect(canSeePeerAnswers(learner, on, prompt, true)).to.equal(true);
    expect(canSeePeerAnswers(learner, { postFirst: false }, prompt, false)).to.equal(true);
    expect(canSeePeerAnswers(learner, on, { kind: 'discussion' }, false)).to.equal(true);
    expect(canSeePeerAnswers(staff, on, prompt, false)).to.equal(true);
    expect(canSeePeerAnswers(mentor, on, prompt, false)).to.equal(true);
    // The prompt itself and one's own posts are always visible.
    expect(canSeePromptPost(learner, on, prompt, { depth: 0, authorId: 'tess' }, false)).to.equal(true);
    expect(canSeePromptPost(learner, on, prompt, { depth: 2, authorId: 'ann' }, false)).to.equal(true);
    expect(canSeePromptPost(learner, on, prompt, { depth: 1, authorId: 'ben' }, false)).to.equal(false);
  });

  it('read-only: a Mentor with no staff or learner role only', () => {
    expect(isReadOnlyRole(mapRoles([FIXTURE_ROLE.mentor]))).to.equal(true);
    expect(isReadOnlyRole(mapRoles([FIXTURE_ROLE.mentor, FIXTURE_ROLE.learner]))).to.equal(false);
    expect(isReadOnlyRole(mapRoles([FIXTURE_ROLE.mentor, FIXTURE_ROLE.instructor]))).to.equal(false);
    expect(isReadOnlyRole(mapRoles([FIXTURE_ROLE.learner]))).to.equal(false);
  });
});

describe('settings and prompt input', () => {
  const form = { title: 'Prep', time_zone: 'America/New_York', anonymity: 'peers' };
  it('reads dates in the chosen IANA zone and checks closes after opens', () => {
    const ok = parseSettings({ ...form, opens_date: '2026-12-01', opens_time: '09:00', closes_date: '2026-12-02', post_first: 'on', intro: '**Hi**' });
    expect(ok.ok).to.equal(true);
    if (!ok.ok) return;
    expect(ok.value.opensAt).to.equal(Date.UTC(2026, 11, 1, 14, 0));
    expect(ok.value.closesAt).to.equal(Date.UTC(2026, 11, 3, 4, 59));
    expect(ok.value.postFirst).to.equal(true);
    expect(ok.value.anonymity).to.equal('peers');
    expect(ok.value.introHtml).to.contain('<strong>Hi</strong>');
    const bad = parseSettings({ ...form, opens_date: '2026-12-02', closes_date: '2026-12-01' });
    expect(bad.ok === false && bad.errors.closes_date).to.equal('errors.closesBeforeOpens');
    const zone = parseSettings({ ...form, time_zone: 'Not/AZone' });
    expect(zone.ok === false && zone.errors.time_zone).to.equal('errors.zone');
    // 02:30 on the spring-forward night does not exist in New York.
    const gap = parseSettings({ ...form, event_date: '2026-03-08', event_time: '02:30' });
    expect(gap.ok === false && gap.errors.event_date).to.equal('errors.noSuchDate');
    const huge = parseSettings({ ...form, intro: 'x'.repeat(10_001) });
    expect(huge.ok === false && huge.status).to.equal(413);
    expect(huge.ok === false && huge.values.intro?.length).to.equal(10_001);
  });

  it('accepts only https material links', () => {
    expect(parsePrompt({ title: 'Q', material_label_0: 'R', material_url_0: 'https://example.com/r' }).ok).to.equal(true);
    for (const url of ['http://example.com', 'javascript:alert(1)', 'data:text/html,x', 'example.com']) {
      const r = parsePrompt({ title: 'Q', material_url_0: url });
      expect(r.ok === false && r.errors.material_url_0, url).to.equal('errors.url');
    }
  });
});

describe('prompts on fake stores', () => {
  let store: FakeDiscussionStore;
  let prompts: FakePromptStore;
  let threads: ReturnType<typeof createThreadService>;
  let posts: ReturnType<typeof createPostService>;
  let promptService: ReturnType<typeof createPromptService>;
  let space: Space;
  let queued: XapiStatement[];
  const ann = launchOf('ann', 'ctx-a');
  const ben = launchOf('ben', 'ctx-a');
  const tess = launchOf('tess', 'ctx-a', 'instructor');
  const mona = launchOf('mona', 'ctx-a', 'mentor');
  const clock = fixedClock(1_800_000_000_000);

  beforeEach(() => {
    store = new FakeDiscussionStore();
    prompts = new FakePromptStore(store);
    queued = [];
    const xapi = { outbox: { enqueue: async (_trx: unknown, list: XapiStatement[]) => void queued.push(...list) }, statements: { publicUrl: 'https://tool.example', actorNames: false }, enqueueAlone: async () => {} };
    const deps = { spaces: store.spaces, threads: store.threads, posts: store.posts, prompts, clock, xapi: xapi as never };
    threads = createThreadService(deps);
    posts = createPostService(deps);
    promptService = createPromptService(deps);
    space = store.addSpace('ctx-a', 'Prep');
    store.spaceRows.set(space.id, { ...space, postFirst: true });
  });

  it('only staff create prompts; a learner answers once, recorded as prompt_answered', async () => {
    expect((await failure(promptService.create(ann, space.id, { title: 'Q', body: 'Q', required: true, materials: [] }))).status).to.equal(403);
    const p = await promptService.create(tess, space.id, { title: 'Q', body: 'Why?', required: true, materials: [] });
    const { post } = await posts.reply(ann, p.id, { body: 'Because', parentPostId: null });
    expect(queued.map((s) => s.id)).to.deep.equal([statementId('prompt_answered', post.id)]);
    const again = await failure(posts.reply(ann, p.id, { body: 'Again', parentPostId: null }));
    expect([again.status, again.code]).to.deep.equal([409, 'already_answered']);
    const list = await threads.list(ann, space.id, { sort: 'active', page: 1 });
    expect(list.threads).to.have.length(0); // prompts are listed apart from threads
    expect(list.prompts.map((x) => [x.title, x.myAnswerId, x.answerCount])).to.deep.equal([['Q', post.id, 1]]);
  });

  it('post-first hides peers from the thread view, ?focus and every post route until the learner answers', async () => {
    const p = await promptService.create(tess, space.id, { title: 'Q', body: 'Why?', required: true, materials: [] });
    const { post: annAnswer } = await posts.reply(ann, p.id, { body: 'Ann words', parentPostId: null });
    const hidden = await threads.view(ben, p.id, { page: 1 });
    expect(hidden.prompt).to.include({ peersHidden: true, answerCount: 1, canAnswer: true });
    expect(hidden.opening.children).to.have.length(0);
    expect((await failure(threads.view(ben, p.id, { page: 1, focusId: annAnswer.id }))).status).to.equal(404);
    expect((await failure(posts.locate(ben, annAnswer.id))).status).to.equal(404);
    expect((await failure(posts.setReaction(ben, annAnswer.id, true))).status).to.equal(404);
    expect((await failure(posts.reply(ben, p.id, { body: 'x', parentPostId: annAnswer.id }))).status).to.equal(404);
    // Staff and mentors see everything.
    expect((await threads.view(tess, p.id, { page: 1 })).opening.children.map((c) => c.id)).to.deep.equal([annAnswer.id]);
    expect((await threads.view(mona, p.id, { page: 1 })).opening.children.map((c) => c.id)).to.deep.equal([annAnswer.id]);
    await posts.reply(ben, p.id, { body: 'Ben words', parentPostId: null });
    const shown = await threads.view(ben, p.id, { page: 1 });
    expect(shown.prompt!.peersHidden).to.equal(false);
    expect(shown.opening.children.map((c) => c.html)).to.have.members(['<p>Ann words</p>\n', '<p>Ben words</p>\n']);
  });

  it('windows and mentors: learners cannot post outside the window, staff can; mentors never write', async () => {
    store.spaceRows.set(space.id, { ...store.spaceRows.get(space.id)!, closesAt: clock.now() - 1 });
    const closed = await failure(threads.create(ann, space.id, { title: 'T', kind: 'discussion', body: 'b' }));
    expect([closed.status, closed.code]).to.deep.equal([403, 'space_closed']);
    const t = await threads.create(tess, space.id, { title: 'T', kind: 'discussion', body: 'b' });
    expect((await failure(posts.reply(ann, t.id, { body: 'late', parentPostId: null }))).code).to.equal('space_closed');
    const view = await threads.view(ann, t.id, { page: 1 });
    expect(view.can.reply).to.equal(false);
    store.spaceRows.set(space.id, { ...store.spaceRows.get(space.id)!, closesAt: null });
    expect((await failure(posts.reply(mona, t.id, { body: 'hi', parentPostId: null }))).code).to.equal('read_only');
    const asMentor = await threads.view(mona, t.id, { page: 1 });
    expect(Object.values(asMentor.opening.can).some(Boolean)).to.equal(false);
    expect((await threads.list(mona, space.id, { sort: 'active', page: 1 })).canCreate).to.equal(false);
  });
});
