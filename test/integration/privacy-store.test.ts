import { expect } from 'chai';
import { fixedClock } from '../../src/clock.js';
import type { Db } from '../../src/db/knex.js';
import { renderMarkdown, RENDER_VERSION } from '../../src/discussion/markdown.js';
import { createPostStore } from '../../src/discussion/post-store.js';
import { createThreadStore } from '../../src/discussion/thread-store.js';
import { newId } from '../../src/ids.js';
import { createPlatformStore } from '../../src/lti/platform-store.js';
import { createPrivacyService, type PrivacyService } from '../../src/privacy/privacy-service.js';
import { createPrivacyStore } from '../../src/privacy/privacy-store.js';
import { createSearchStore } from '../../src/search/search-store.js';
import { parseQuery } from '../../src/search/search-text.js';
import { createEmbeddedLrsService, type EmbeddedLrsService } from '../../src/xapi/lrs/lrs-service.js';
import { createLrsStatementStore } from '../../src/xapi/lrs/statement-store.js';
import { createOutboxStore } from '../../src/xapi/outbox-store.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { openStoreDb, seedCourses, seedSpace, type StoreDb } from '../helpers/store-course.js';
import { testDbKind } from '../helpers/test-db.js';

const ISS = 'https://lms.example';
const body = (text: string) => ({ bodyMarkdown: text, bodyHtml: renderMarkdown(text), renderVersion: RENDER_VERSION });
const DAY = 86_400_000;

/** A statement as the builder writes it (actor names on, the case that puts names in statements). */
function statement(actorSub: string, actorName: string, verb: string, object: Record<string, unknown>, homePage = ISS): XapiStatement {
  return {
    id: newId(),
    actor: { objectType: 'Agent', name: actorName, account: { homePage, name: actorSub } },
    verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { en: verb } },
    object,
    timestamp: new Date(1_800_000_000_000).toISOString(),
  } as unknown as XapiStatement;
}

async function countWhere(db: Db, table: string, where: Record<string, unknown>): Promise<number> {
  const r = await db(table).where(where).count<{ n: number | string }[]>({ n: '*' });
  return Number(r[0]!.n);
}

/** Every row of every table as text, so a test can look for a datum wherever it might hide. */
async function everyTable(db: Db): Promise<Map<string, string>> {
  const names: string[] =
    testDbKind() === 'pg'
      ? (await db.raw<{ rows: Array<{ t: string }> }>(`select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)).rows.map((r) => r.t)
      : ((await db.raw(`select name as t from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'search_fts_%'`)) as Array<{ t: string }>).map((r) => r.t);
  const out = new Map<string, string>();
  for (const n of names) {
    const rows = (await db(n).select('*')) as Array<Record<string, unknown>>;
    out.set(n, JSON.stringify(rows, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
  }
  return out;
}

describe(`privacy: export and erase on ${testDbKind() === 'pg' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let s: StoreDb;
  let db: Db;
  let privacy: PrivacyService;
  let lrs: EmbeddedLrsService;
  const clock = fixedClock(1_800_000_000_000);
  const ann = { id: newId(), sub: 'sub-ann-7', name: 'Annabel Quintero', email: 'annabel.q@example.edu' };
  const ben = { id: newId(), sub: 'sub-ben-9', name: 'Benedikt Ostrowski' };
  /** Another platform's learner who happens to have the same LTI sub: not the same person. */
  const twin = { id: newId(), sub: ann.sub, name: 'Other Platform Twin' };
  let ctx: string;
  let space: string;
  let threadId: string;
  let annOpening: string;
  let benReply: string;
  let annReply: string;
  let annDeleted: string;
  let benStatementAboutAnn: string;
  const annKey = `account|${ISS}|${ann.sub}`;

  before(async () => {
    s = await openStoreDb();
    db = s.db;
    const t = clock.now();
    const courses = await seedCourses(db, t, { courses: ['course-a'], users: [] });
    ctx = courses.contexts[0]!;
    await db('users').insert([
      { id: ann.id, platform_id: courses.platformId, sub: ann.sub, name: ann.name, given_name: 'Annabel', family_name: 'Quintero', email: ann.email, picture: 'https://lms.example/pic/ann.png', locale: 'es', created_at: t, updated_at: t },
      { id: ben.id, platform_id: courses.platformId, sub: ben.sub, name: ben.name, created_at: t, updated_at: t },
    ]);
    const other = await createPlatformStore(db).upsert({ issuer: 'https://other-lms.example', clientId: 'c2', name: 'Other', productFamily: null, authEndpoint: 'https://other-lms.example/a', tokenEndpoint: 'https://other-lms.example/t', jwksUri: 'https://other-lms.example/j', tokenAudience: null, source: 'manual' }, t);
    await db('users').insert({ id: twin.id, platform_id: other.id, sub: twin.sub, name: twin.name, created_at: t, updated_at: t });
    space = await seedSpace(db, ctx, 'Prep space', t);
    await db('spaces').where({ id: space }).update({ created_by: ann.id });
    await db('enrolments').insert([
      { context_id: ctx, user_id: ann.id, roles: '["Learner"]', first_launch_at: t, last_launch_at: t },
      { context_id: ctx, user_id: ben.id, roles: '["Learner"]', first_launch_at: t, last_launch_at: t },
    ]);
    await db('sessions').insert([
      { token_hash: 'a'.repeat(64), platform_id: courses.platformId, deployment_id: courses.deploymentId, user_id: ann.id, context_id: ctx, launch: JSON.stringify({ user: { name: ann.name, email: ann.email } }), csrf_token: 'csrf-ann', created_at: t, expires_at: t + DAY },
      { token_hash: 'b'.repeat(64), platform_id: courses.platformId, deployment_id: courses.deploymentId, user_id: ben.id, context_id: ctx, launch: JSON.stringify({ user: { name: ben.name } }), csrf_token: 'csrf-ben', created_at: t, expires_at: t + DAY },
    ]);

    const threads = createThreadStore(db);
    const posts = createPostStore(db);
    const created = await threads.create({ spaceId: space, authorId: ann.id, title: 'Harbour logistics question', kind: 'discussion' }, body('How do cranes unload **containers** quickly?'), t);
    threadId = created.thread.id;
    annOpening = created.opening.id;
    const parent = created.opening;
    benReply = (await posts.addReply({ threadId, parent, authorId: ben.id }, body('Ben answers with gantry cranes'), t + 1)).id;
    annReply = (await posts.addReply({ threadId, parent, authorId: ann.id }, body('Annabel follows up about lighthouses'), t + 2)).id;
    annDeleted = (await posts.addReply({ threadId, parent, authorId: ann.id }, body('regretted words about tugboats'), t + 3)).id;
    await posts.tombstone(annDeleted, t + 4);
    await db('post_revisions').insert({ id: newId(), post_id: annReply, title: null, body_markdown: 'first draft about lighthouses', written_at: t + 2, replaced_at: t + 5, replaced_by: ann.id });
    const benPost = (await posts.get(ctx, benReply))!;
    const annPost = (await posts.get(ctx, annReply))!;
    await posts.react(benPost, ann.id, t + 6);
    await posts.react(annPost, ben.id, t + 6);
    await db('post_flags').insert({ id: newId(), post_id: benReply, user_id: ann.id, reason: 'other', note: 'Annabel thinks this is off', created_at: t + 7 });
    await db('notifications').insert([
      { id: newId(), user_id: ann.id, context_id: ctx, post_id: benReply, actor_id: ben.id, kind: 'reply', created_at: t + 1 },
      { id: newId(), user_id: ben.id, context_id: ctx, post_id: annReply, actor_id: ann.id, kind: 'reply', created_at: t + 2 },
    ]);
    await db('space_visits').insert([{ user_id: ann.id, space_id: space, previous_visit_at: t, current_visit_at: t + 1 }, { user_id: ben.id, space_id: space, previous_visit_at: null, current_visit_at: t }]);
    await db('thread_reads').insert([{ user_id: ann.id, thread_id: threadId, last_read_at: t }, { user_id: ben.id, thread_id: threadId, last_read_at: t }]);
    await db('space_pseudonyms').insert([{ space_id: space, user_id: ann.id, number: 1 }, { space_id: space, user_id: ben.id, number: 2 }]);
    await db('prompt_answers').insert({ thread_id: threadId, user_id: ann.id, post_id: annReply, created_at: t + 2 });
    await db('expert_profiles').insert({ context_id: ctx, user_id: ann.id, bio_markdown: 'Annabel sails dinghies', bio_html: '<p>Annabel sails dinghies</p>', expertise: '["sailing"]', open_to_mentoring: true, updated_at: t });
    const followUp = newId();
    await db('journey_follow_ups').insert({ id: followUp, space_id: space, days: 7, created_at: t });
    await db('journey_prep_completions').insert({ space_id: space, user_id: ann.id, completed_at: t });
    await db('journey_reflections').insert({ id: newId(), follow_up_id: followUp, user_id: ann.id, applied_markdown: 'I applied knot theory', helped_markdown: 'my manager', hindered_markdown: 'the weather', created_at: t, updated_at: t });
    const plan = newId();
    await db('journey_action_plans').insert({ id: plan, space_id: space, user_id: ann.id, goal: 'Annabel wants a skipper licence', situation: 'weekends', target_date: '2027-06-01', status: 'doing', barrier: '', created_at: t, updated_at: t });
    await db('journey_action_plan_changes').insert({ id: newId(), plan_id: plan, status: 'doing', barrier: '', changed_at: t });
    await db('roster_members').insert([
      { context_id: ctx, sub: ann.sub, name: ann.name, roles: '["Learner"]', primary_role: 'learner', status: 'Active', first_seen_at: t, synced_at: t, generation: 1 },
      { context_id: ctx, sub: ben.sub, name: ben.name, roles: '["Learner"]', primary_role: 'learner', status: 'Active', first_seen_at: t, synced_at: t, generation: 1 },
    ]);
    await db('grade_syncs').insert({ space_id: space, user_id: ann.id, sub: ann.sub, score: 0.75, status: 'sent', attempts: 1, updated_at: t });

    // xAPI: Ann's own statements queued (one delivered), Ben's statement that mentions Ann, the
    // same statements in the embedded LRS, and an agent-profile document about Ann.
    const outbox = createOutboxStore(db, { clock, targets: ['primary', 'embedded'] });
    const annPosted = statement(ann.sub, ann.name, 'commented', { id: 'https://tool.example/posts/1' });
    const annViewed = statement(ann.sub, ann.name, 'experienced', { id: 'https://tool.example/threads/1' });
    const benMention = statement(ben.sub, ben.name, 'mentioned', { objectType: 'Agent', name: ann.name, account: { homePage: ISS, name: ann.sub } });
    const benOwn = statement(ben.sub, ben.name, 'commented', { id: 'https://tool.example/posts/2' });
    const twinOwn = statement(twin.sub, twin.name, 'commented', { id: 'https://tool.example/posts/3' }, 'https://other-lms.example');
    benStatementAboutAnn = benMention.id;
    await outbox.enqueue(db, [annPosted, annViewed, benMention, benOwn, twinOwn]);
    await db('xapi_outbox').where({ statement_id: annViewed.id }).update({ delivered_at: t });
    lrs = createEmbeddedLrsService({ db, store: createLrsStatementStore(db), clock });
    await lrs.store([annPosted, annViewed, benMention, benOwn, twinOwn], { objectType: 'Agent', account: { homePage: 'https://tool.example', name: 'threadline' } });
    await db('lrs_documents').insert({ id: newId().replace(/-/g, ''), scope: 'x', kind: 'agent_profile', activity_id: null, agent_key: annKey, registration: null, document_id: 'prefs', content_type: 'application/json', content: Buffer.from('{"colour":"teal"}'), etag: 'e'.repeat(40), updated: t });

    privacy = createPrivacyService({ db, store: createPrivacyStore(db), clock, publicUrl: 'https://tool.example', outboxKeepDays: 30 });
  });

  after(async () => s?.close());

  it('exports everything held about the user, grouped by table, and nothing that is only about someone else', async () => {
    const doc = await privacy.exportUser(ann.id);
    expect(doc.schema).to.be.a('string');
    expect(doc.version).to.equal(1);
    expect(doc.user).to.deep.include({ id: ann.id, sub: ann.sub, name: ann.name, email: ann.email, givenName: 'Annabel', locale: 'es', createdAt: new Date(1_800_000_000_000).toISOString() });
    expect(doc.user.platform).to.deep.equal({ issuer: ISS, clientId: 'client' });
    const d = doc.data;
    expect(d.posts!.map((p) => p.bodyMarkdown)).to.have.members(['How do cranes unload **containers** quickly?', 'Annabel follows up about lighthouses', '']);
    expect(d.posts!.find((p) => p.id === annDeleted)!.deletedAt).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(d.threads!.map((x) => x.title)).to.deep.equal(['Harbour logistics question']);
    expect(d.postRevisions!.map((r) => r.bodyMarkdown)).to.deep.equal(['first draft about lighthouses']);
    expect(d.reactions!.map((r) => r.postId)).to.deep.equal([benReply]);
    expect(d.flags!.map((f) => f.note)).to.deep.equal(['Annabel thinks this is off']);
    expect(d.notifications).to.have.length(1);
    expect(d.spaceVisits).to.have.length(1);
    expect(d.threadReads).to.have.length(1);
    expect(d.pseudonyms!.map((p) => p.number)).to.deep.equal([1]);
    expect(d.promptAnswers).to.have.length(1);
    expect(d.expertProfiles![0]).to.deep.include({ bioMarkdown: 'Annabel sails dinghies', expertise: ['sailing'], openToMentoring: true });
    expect(d.prepCompletions).to.have.length(1);
    expect(d.reflections![0]).to.deep.include({ appliedMarkdown: 'I applied knot theory', followUpDays: 7 });
    expect(d.actionPlans![0]).to.deep.include({ goal: 'Annabel wants a skipper licence', targetDate: '2027-06-01' });
    expect(d.actionPlanChanges).to.have.length(1);
    expect(d.roster![0]).to.deep.include({ name: ann.name, roles: ['Learner'] });
    expect(d.grades![0]).to.deep.include({ score: 0.75 });
    expect(d.spacesCreated!.map((x) => x.title)).to.deep.equal(['Prep space']);
    expect(d.enrolments![0]).to.deep.include({ courseId: 'course-a', roles: ['Learner'] });
    expect(d.sessions![0]!.launch).to.deep.equal({ user: { name: ann.name, email: ann.email } });
    // Ann's statements (she is the actor), in the outbox for both targets and in the LRS.
    expect(d.xapiOutbox).to.have.length(4);
    expect(d.lrsStatements!.map((x) => (x.statement as { verb: { id: string } }).verb.id).sort()).to.deep.equal(['http://adlnet.gov/expapi/verbs/commented', 'http://adlnet.gov/expapi/verbs/experienced']);
    expect(d.lrsDocuments![0]).to.deep.include({ documentId: 'prefs', content: '{"colour":"teal"}' });

    const text = JSON.stringify(doc);
    // No secrets, and nothing that is only Ben's (nor the twin on the other platform).
    for (const absent of ['csrf-ann', 'a'.repeat(64), 'Ben answers with gantry cranes', ben.name, ben.sub, ben.id, twin.name, twin.id]) expect(text, absent).not.to.contain(absent);
  });

  it('erases in one go: no personal datum left in any table, posts kept without an author, statements anonymised', async () => {
    const before = await everyTable(db);
    expect([...before.values()].some((v) => v.includes(ann.email))).to.equal(true);
    const r = await privacy.eraseUser(ann.id, { by: 'admin:test' });
    expect(r.erasedNow).to.equal(true);
    expect(r.counts).to.include({ users: 1, posts: 3, threads: 1, post_reactions: 1, roster_members: 1, journey_reflections: 1, journey_action_plans: 1, lrs_statements: 3, lrs_documents: 1 });

    // Every table: Ann's id (outside the erasure log), name, email, picture, flag note, reflection and plan words are gone.
    const tables = await everyTable(db);
    for (const [table, rows] of tables) {
      if (table !== 'privacy_erasures') expect(rows, `${table} still holds the user id`).not.to.contain(ann.id);
      for (const datum of [ann.name, ann.email, 'pic/ann.png', 'Annabel thinks this is off', 'knot theory', 'skipper licence', 'sails dinghies', 'first draft about lighthouses', 'tugboats']) {
        expect(rows, `${table} still holds ${datum}`).not.to.contain(datum);
      }
      // Ann's sub, keyed with her platform, appears nowhere; the twin's (same sub, other platform) still does.
      expect(rows, `${table} still holds her xAPI account`).not.to.contain(`"homePage":"${ISS}","name":"${ann.sub}"`);
      expect(rows, `${table} still holds her agent key`).not.to.contain(annKey);
    }
    expect(await countWhere(db, 'roster_members', { sub: ann.sub })).to.equal(0);

    // The discussion keeps its words, without Ann's name: the posts have no author.
    const posts = createPostStore(db);
    const opening = (await posts.get(ctx, annOpening))!;
    expect(opening).to.deep.include({ authorId: null, authorName: null, bodyMarkdown: 'How do cranes unload **containers** quickly?' });
    expect((await posts.get(ctx, annReply))!.authorId).to.equal(null);
    expect((await createThreadStore(db).get(ctx, threadId))!.authorId).to.equal(null);
    // Her reaction to Ben's post no longer counts; Ben's reaction to her post still does.
    expect((await posts.get(ctx, benReply))!.reactionCount).to.equal(0);
    expect((await posts.get(ctx, annReply))!.reactionCount).to.equal(1);

    // Search still finds the words but names no author; the deleted post is not indexed.
    const search = createSearchStore(db);
    const hits = (await search.search({ contextId: ctx, spaceId: null, viewer: { staff: true, userId: ben.id }, phrases: parseQuery('lighthouses'), limit: 10, offset: 0 })).hits;
    expect(hits.map((h) => h.postId)).to.deep.equal([annReply]);
    expect(hits[0]).to.deep.include({ authorId: null, authorName: null });
    expect(await countWhere(db, 'search_documents', { post_id: annDeleted })).to.equal(0);

    // The embedded LRS: a query by her agent finds nothing; her statements are still there (counted
    // under one anonymous account), and Ben's mention now points at that account.
    const byAnn = await lrs.query({ agent: annKey, relatedAgents: true, relatedActivities: false, ascending: true, limit: 50 }, 'exact');
    expect(byAnn.statements).to.deep.equal([]);
    const mention = (await lrs.get(benStatementAboutAnn, { voided: false, format: 'exact' }))!;
    const anonAccount = (mention.object as { account: { homePage: string; name: string } }).account;
    expect(anonAccount.homePage).to.equal('https://tool.example/former-member');
    expect(mention.object).not.to.have.property('name');
    const anonKey = `account|${anonAccount.homePage}|${anonAccount.name}`;
    const byAnon = await lrs.query({ agent: anonKey, relatedAgents: false, relatedActivities: false, ascending: true, limit: 50 }, 'exact');
    expect(byAnon.statements).to.have.length(3); // her two, and Ben's mention of her
    for (const st of byAnon.statements.filter((x) => (x.actor as { account: { name: string } }).account.name === anonAccount.name)) expect(st.actor).to.deep.equal({ objectType: 'Agent', account: anonAccount });
    // The outbox sends the anonymous account from now on (queued rows included).
    const queued = ((await db('xapi_outbox').whereNull('delivered_at').select('statement')) as Array<{ statement: string }>).map((x) => x.statement).join('\n');
    expect(queued).to.contain(anonAccount.name).and.not.contain(ann.name);
  });

  it('leaves everyone else as they were', async () => {
    expect(await countWhere(db, 'users', { id: ben.id })).to.equal(1);
    expect(await countWhere(db, 'users', { id: twin.id })).to.equal(1);
    expect((await createPostStore(db).get(ctx, benReply))!).to.deep.include({ authorId: ben.id, authorName: ben.name });
    for (const table of ['sessions', 'enrolments', 'space_visits', 'thread_reads', 'space_pseudonyms', 'post_reactions']) expect(await countWhere(db, table, { user_id: ben.id }), table).to.equal(1);
    expect(await countWhere(db, 'notifications', { user_id: ben.id, actor_id: null })).to.equal(1); // the reply notice stays, unattributed
    expect(await countWhere(db, 'roster_members', { sub: ben.sub })).to.equal(1);
    const byBen = await lrs.query({ agent: `account|${ISS}|${ben.sub}`, relatedAgents: false, relatedActivities: false, ascending: true, limit: 50 }, 'exact');
    expect(byBen.statements).to.have.length(2);
    expect(byBen.statements.map((x) => (x.actor as { name?: string }).name)).to.deep.equal([ben.name, ben.name]);
    const byTwin = await lrs.query({ agent: `account|https://other-lms.example|${twin.sub}`, relatedAgents: false, relatedActivities: false, ascending: true, limit: 50 }, 'exact');
    expect(byTwin.statements).to.have.length(1);
  });

  it('is idempotent: erasing again changes nothing and reports the first erasure', async () => {
    const first = (await privacy.erasure(ann.id))!;
    clock.advance(DAY);
    const again = await privacy.eraseUser(ann.id, { by: 'admin:other' });
    expect(again).to.deep.include({ erasedNow: false, erasedBy: 'admin:test', erasedAt: first.erasedAt });
    expect(again.counts).to.deep.equal(first.counts);
    expect(await countWhere(db, 'privacy_erasures', { user_id: ann.id })).to.equal(1);
  });

  it('a new launch of the same sub is a new user: nothing of the old one is linked to it', async () => {
    // What the launch store does for a sub it has not seen (upsert on platform + sub).
    const platformId = ((await db('platforms').where({ issuer: ISS }).first('id')) as { id: string }).id;
    const fresh = newId();
    await db('users').insert({ id: fresh, platform_id: platformId, sub: ann.sub, name: ann.name, created_at: clock.now(), updated_at: clock.now() });
    const doc = await privacy.exportUser(fresh);
    expect(doc.data.posts).to.deep.equal([]);
    expect(doc.data.lrsStatements).to.deep.equal([]);
    expect(doc.data.roster).to.deep.equal([]);
    expect(doc.data.xapiOutbox).to.deep.equal([]);
  });

  it('refuses an unknown user, and finds one by platform and sub', async () => {
    try {
      await privacy.exportUser(newId());
      expect.fail('exported an unknown user');
    } catch (e) {
      expect((e as { status: number }).status).to.equal(404);
    }
    const u = await privacy.resolve({ issuer: ISS, sub: ben.sub });
    expect(u.id).to.equal(ben.id);
  });
});
