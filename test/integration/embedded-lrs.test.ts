import crypto from 'node:crypto';
import { expect } from 'chai';
import { startTool, type Tool } from '../helpers/stack.js';
import { testDbKind } from '../helpers/test-db.js';
import { createOutboxStore } from '../../src/xapi/outbox-store.js';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/log.js';
import { createEmbeddedDelivery } from '../../src/xapi/lrs/embedded-delivery.js';

const KEY = 'lrs-test-key';
const SECRET = 'lrs-test-secret-0123456789';
const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';

type Json = Record<string, unknown>;

const uuid = (): string => crypto.randomUUID();
const agent = (name: string): Json => ({ objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name } });
const verb = (v: string): Json => ({ id: `http://adlnet.gov/expapi/verbs/${v}`, display: { 'en-US': v } });
const activity = (id: string): Json => ({ objectType: 'Activity', id: `https://tl.example.edu/xapi/activities/${id}` });

/** The statement with another object (typed as a statement, not as the spread). */
const withObject = (s: Json, object: unknown): Json => ({ ...s, object });

function statement(o: { actor?: string; verb?: string; object?: string; registration?: string; parent?: string; instructor?: string; id?: string | null } = {}): Json {
  const s: Json = {
    actor: agent(o.actor ?? 'learner-1'),
    verb: verb(o.verb ?? 'experienced'),
    object: activity(o.object ?? 'a1'),
    timestamp: '2026-11-01T10:00:00.000Z',
  };
  if (o.id !== null) s.id = o.id ?? uuid();
  const ctx: Json = {};
  if (o.registration) ctx.registration = o.registration;
  if (o.parent) ctx.contextActivities = { parent: [activity(o.parent)] };
  if (o.instructor) ctx.instructor = agent(o.instructor);
  if (Object.keys(ctx).length) s.context = ctx;
  return s;
}

describe(`embedded LRS over HTTP (${testDbKind()})`, function () {
  let tool: Tool;
  const auth = (key = KEY, secret = SECRET) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string | null> = {}) {
    const h: Record<string, string> = { 'X-Experience-API-Version': '1.0.3', Authorization: auth(), 'Content-Type': 'application/json' };
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) delete h[k];
      else h[k] = v;
    }
    const res = await fetch(new URL(path, tool.publicUrl), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as unknown) : undefined };
  }
  const post = (body: unknown) => call('POST', '/xapi/statements', body);
  async function query(params: Record<string, string>): Promise<{ statements: Json[]; more: string }> {
    const r = await call('GET', `/xapi/statements?${new URLSearchParams(params)}`);
    expect(r.status, r.text).to.equal(200);
    return r.json as { statements: Json[]; more: string };
  }
  const ids = (list: Json[]) => list.map((s) => s.id);

  before(async () => {
    tool = await startTool({ env: { EMBEDDED_LRS_KEY: KEY, EMBEDDED_LRS_SECRET: SECRET } });
  });
  after(async () => tool.close());
  beforeEach(async () => {
    await tool.container.db('lrs_statements').del();
  });

  it('stores a statement and reads it back (POST → GET by statementId), setting stored, authority and version', async () => {
    const s = statement();
    const r = await post(s);
    expect(r.status, r.text).to.equal(200);
    expect(r.json).to.deep.equal([s.id]);
    expect(r.headers.get('x-experience-api-version')).to.equal('1.0.3');
    expect(r.headers.get('x-experience-api-consistent-through')).to.match(/^\d{4}-\d\d-\d\dT/);
    const g = await call('GET', `/xapi/statements?statementId=${s.id as string}`);
    expect(g.status).to.equal(200);
    expect(g.headers.get('x-experience-api-version')).to.equal('1.0.3');
    expect(Date.parse(g.headers.get('x-experience-api-consistent-through')!)).to.be.at.least(Date.parse((g.json as Json).stored as string));
    const got = g.json as Json;
    expect(got).to.deep.include({ ...s, version: '1.0.0' });
    expect(got.stored).to.be.a('string');
    expect(got.authority).to.deep.equal({ objectType: 'Agent', account: { homePage: tool.publicUrl, name: KEY } });
    expect((await call('GET', `/xapi/statements?statementId=${uuid()}`)).status).to.equal(404);
  });

  it('accepts a single Activity as a contextActivities value and returns it as an array of one (Data §2.4.6.2)', async () => {
    const parent = { objectType: 'Activity', id: 'http://example.com/parent' };
    const s: Json = { ...statement(), context: { contextActivities: { parent, grouping: [parent] } } };
    const r = await post(s);
    expect(r.status, r.text).to.equal(200);
    const got = (await call('GET', `/xapi/statements?statementId=${s.id as string}`)).json as { context: { contextActivities: Record<string, unknown> } };
    expect(got.context.contextActivities.parent).to.deep.equal([parent]);
    expect(got.context.contextActivities.grouping).to.deep.equal([parent]);
    // The same statement sent again with the array form is the same statement, not a conflict.
    expect((await post({ ...s, context: { contextActivities: { parent: [parent], grouping: [parent] } } })).status).to.equal(200);
  });

  it('assigns ids when missing and takes a single statement or an array', async () => {
    const r = await post([statement({ id: null }), statement({ id: null })]);
    expect(r.status, r.text).to.equal(200);
    const got = r.json as string[];
    expect(got).to.have.length(2);
    for (const id of got) expect(id).to.match(/^[0-9a-f-]{36}$/);
    expect(ids((await query({})).statements)).to.have.members(got);
  });

  it('refuses wrong or missing credentials (401) and a missing or unknown version header (400)', async () => {
    expect((await call('GET', '/xapi/statements', undefined, { Authorization: auth(KEY, 'wrong-secret-xxxxxxxx') })).status).to.equal(401);
    const none = await call('GET', '/xapi/statements', undefined, { Authorization: null });
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^Basic/);
    expect((await call('POST', '/xapi/statements', statement(), { Authorization: auth('other', SECRET) })).status).to.equal(401);
    const nov = await call('POST', '/xapi/statements', statement(), { 'X-Experience-API-Version': null });
    expect(nov.status).to.equal(400);
    expect(nov.headers.get('x-experience-api-version')).to.equal('1.0.3');
    expect((await call('GET', '/xapi/statements', undefined, { 'X-Experience-API-Version': '2.0.0' })).status).to.equal(400);
    expect((await call('GET', '/xapi/statements', undefined, { 'X-Experience-API-Version': '1.0.1' })).status).to.equal(200);
    expect(await tool.container.db('lrs_statements').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('serves About without credentials', async () => {
    const r = await fetch(`${tool.publicUrl}/xapi/about`);
    expect(r.status).to.equal(200);
    expect(((await r.json()) as { version: string[] }).version).to.include('1.0.3');
  });

  it('a batch is all-or-nothing: one invalid statement or a duplicate id stores nothing', async () => {
    const bad = { ...statement(), verb: { id: 'not-an-iri' } };
    const r1 = await post([statement(), bad, statement()]);
    expect(r1.status).to.equal(400);
    expect(r1.text).to.match(/\[1\]/);
    const dup = statement();
    expect((await post([dup, statement(), dup])).status).to.equal(400);
    expect((await query({})).statements).to.have.length(0);
  });

  it('same id + same content is a no-op; different content is 409 and the batch stores nothing', async () => {
    const s = statement();
    expect((await post(s)).status).to.equal(200);
    const again = await post(s);
    expect(again.status).to.equal(200);
    expect(again.json).to.deep.equal([s.id]);
    const fresh = statement();
    const conflict = await post([fresh, { ...s, timestamp: '2020-01-01T00:00:00.000Z' }]);
    expect(conflict.status).to.equal(409);
    expect(ids((await query({})).statements)).to.deep.equal([s.id]);
    // PUT: same rules, 204.
    const p = statement({ id: null });
    const id = uuid();
    expect((await call('PUT', `/xapi/statements?statementId=${id}`, p)).status).to.equal(204);
    expect((await call('PUT', `/xapi/statements?statementId=${id}`, p)).status).to.equal(204);
    expect((await call('PUT', `/xapi/statements?statementId=${id}`, { ...p, verb: verb('attended') })).status).to.equal(409);
    expect((await call('PUT', `/xapi/statements?statementId=${id}`, { ...p, id: uuid() })).status).to.equal(400);
    expect((await call('PUT', '/xapi/statements', p)).status).to.equal(400);
  });

  it('concurrent POSTs of the same statement all succeed and store it once', async () => {
    const s = statement();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(s)));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(ids((await query({})).statements)).to.deep.equal([s.id]);
  });

  it('concurrent large batches, one of them refused, are all answered and stored in order', async () => {
    // 450 statements × 3 activity rows each: more rows than one multi-row INSERT takes, so the
    // chunking is exercised; the refused batch (409) must not stall the writes queued behind it.
    const taken = statement();
    expect((await post(taken)).status).to.equal(200);
    const batches = Array.from({ length: 5 }, (_, b) => Array.from({ length: 450 }, (_, i) => statement({ actor: `bulk-${b}-${i}`, object: `bulk-${b}`, parent: 'bulk-course' })));
    const refused = [statement(), { ...taken, verb: verb('attended') }];
    const answers = await Promise.all([...batches.slice(0, 2).map(post), post(refused), ...batches.slice(2).map(post)]);
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 409, 200, 200, 200]);
    const all: Json[] = [];
    let page = await query({ activity: 'https://tl.example.edu/xapi/activities/bulk-course', related_activities: 'true', ascending: 'true', limit: '500' });
    all.push(...page.statements);
    while (page.more) {
      const r = await call('GET', page.more);
      page = r.json as { statements: Json[]; more: string };
      all.push(...page.statements);
    }
    expect(all).to.have.length(5 * 450);
    expect(new Set(ids(all))).to.deep.equal(new Set(batches.flat().map((s) => s.id)));
    // One stored instant per batch (each is one transaction); the refused batch left nothing.
    expect(new Set(all.map((s) => s.stored)).size).to.equal(5);
    expect((await call('GET', `/xapi/statements?statementId=${refused[0]!.id as string}`)).status).to.equal(404);
  });

  it('filters by agent, verb, activity and registration', async () => {
    const reg = uuid();
    const a = statement({ actor: 'ann', verb: 'attended', object: 'meeting', registration: reg });
    const b = statement({ actor: 'bob', verb: 'attended', object: 'meeting' });
    const c = statement({ actor: 'ann', verb: 'experienced', object: 'link' });
    const d = withObject(statement({ actor: 'carl', verb: 'experienced' }), agent('ann'));
    expect((await post([a, b, c, d])).status).to.equal(200);
    expect(ids((await query({ agent: JSON.stringify(agent('ann')) })).statements)).to.have.members([a.id, c.id, d.id]);
    expect(ids((await query({ verb: 'http://adlnet.gov/expapi/verbs/attended' })).statements)).to.have.members([a.id, b.id]);
    expect(ids((await query({ activity: 'https://tl.example.edu/xapi/activities/meeting' })).statements)).to.have.members([a.id, b.id]);
    expect(ids((await query({ registration: reg })).statements)).to.deep.equal([a.id]);
    expect(ids((await query({ agent: JSON.stringify(agent('ann')), verb: 'http://adlnet.gov/expapi/verbs/attended' })).statements)).to.deep.equal([a.id]);
    expect((await call('GET', `/xapi/statements?agent=${encodeURIComponent('{"name":"no ifi"}')}`)).status).to.equal(400);
    expect((await call('GET', '/xapi/statements?registration=nope')).status).to.equal(400);
  });

  it('related_activities and related_agents widen activity and agent to context, authority and sub-statements', async () => {
    const inParent = statement({ object: 'post-1', parent: 'course-1' });
    const direct = statement({ object: 'course-1' });
    const taught = statement({ actor: 'dora', instructor: 'ivan' });
    const sub = withObject(statement({ actor: 'eve' }), { objectType: 'SubStatement', actor: agent('ivan'), verb: verb('attended'), object: activity('course-1') });
    expect((await post([inParent, direct, taught, sub])).status, 'stored').to.equal(200);
    const course = 'https://tl.example.edu/xapi/activities/course-1';
    expect(ids((await query({ activity: course })).statements)).to.deep.equal([direct.id]);
    expect(ids((await query({ activity: course, related_activities: 'true' })).statements)).to.have.members([inParent.id, direct.id, sub.id]);
    const ivan = JSON.stringify(agent('ivan'));
    expect((await query({ agent: ivan })).statements).to.have.length(0);
    expect(ids((await query({ agent: ivan, related_agents: 'true' })).statements)).to.have.members([taught.id, sub.id]);
    // The authority is a related agent of every statement sent with these credentials.
    const authority = JSON.stringify({ account: { homePage: tool.publicUrl, name: KEY } });
    expect((await query({ agent: authority, related_agents: 'true' })).statements).to.have.length(4);
  });

  it('since / until on stored, ascending order, and limit with `more` paging', async () => {
    const first = statement();
    await post(first);
    await new Promise((r) => setTimeout(r, 15));
    const batch = Array.from({ length: 7 }, () => statement());
    await post(batch);
    const all = (await query({})).statements;
    expect(all).to.have.length(8);
    // Newest first by default; ascending=true reverses.
    expect(ids(all)[7]).to.equal(first.id);
    const asc = (await query({ ascending: 'true' })).statements;
    expect(ids(asc)).to.deep.equal(ids(all).reverse());
    const firstStored = (asc[0] as Json).stored as string;
    expect(ids((await query({ until: firstStored })).statements)).to.deep.equal([first.id]);
    expect(ids((await query({ since: firstStored })).statements)).to.have.members(batch.map((s) => s.id));

    for (const ascending of ['false', 'true']) {
      const seen: unknown[] = [];
      let page = await query({ limit: '3', ascending });
      let pages = 1;
      seen.push(...ids(page.statements));
      while (page.more) {
        expect(page.more).to.match(/^\/xapi\/statements\?more=/);
        const r = await call('GET', page.more);
        expect(r.status).to.equal(200);
        expect(r.headers.get('x-experience-api-consistent-through')).to.be.a('string');
        page = r.json as { statements: Json[]; more: string };
        seen.push(...ids(page.statements));
        pages++;
      }
      expect(pages).to.equal(3);
      expect(seen).to.deep.equal(ascending === 'true' ? ids(asc) : ids(all));
    }
    expect((await query({ limit: '8' })).more).to.equal('');
    expect((await call('GET', '/xapi/statements?since=yesterday')).status).to.equal(400);
    expect((await call('GET', '/xapi/statements?more=garbage')).status).to.equal(400);
  });

  it('accepts format=ids/exact/canonical; ids reduces agents, verbs and activities to identifiers', async () => {
    const s = withObject(statement(), { ...activity('a1'), definition: { name: { 'en-US': 'A1' } } });
    await post(s);
    const exact = (await query({ format: 'exact' })).statements[0]!;
    expect(exact.object).to.deep.equal(s.object);
    expect((await query({ format: 'canonical' })).statements[0]).to.deep.equal(exact);
    const idsOnly = (await query({ format: 'ids' })).statements[0]!;
    expect(idsOnly.verb).to.deep.equal({ id: 'http://adlnet.gov/expapi/verbs/experienced' });
    expect(idsOnly.object).to.deep.equal({ id: 'https://tl.example.edu/xapi/activities/a1' });
    expect((await call('GET', '/xapi/statements?format=pretty')).status).to.equal(400);
  });

  it('voiding hides the target from queries; voidedStatementId still finds it', async () => {
    const target = statement({ verb: 'attended' });
    const other = statement();
    await post([target, other]);
    const voiding = withObject(statement({ verb: 'voided' }), { objectType: 'StatementRef', id: target.id });
    expect((await post(voiding)).status).to.equal(200);
    expect(ids((await query({})).statements)).to.have.members([other.id, voiding.id]);
    // The voided target no longer matches; the voiding statement does, through its StatementRef (§2.1.3).
    expect(ids((await query({ verb: 'http://adlnet.gov/expapi/verbs/attended' })).statements)).to.deep.equal([voiding.id]);
    expect((await call('GET', `/xapi/statements?statementId=${target.id as string}`)).status).to.equal(404);
    const v = await call('GET', `/xapi/statements?voidedStatementId=${target.id as string}`);
    expect(v.status).to.equal(200);
    expect((v.json as Json).id).to.equal(target.id);
    expect((await call('GET', `/xapi/statements?voidedStatementId=${other.id as string}`)).status).to.equal(404);
    // A voiding statement cannot itself be voided.
    const again = withObject(statement({ verb: 'voided' }), { objectType: 'StatementRef', id: voiding.id });
    await post(again);
    expect((await call('GET', `/xapi/statements?statementId=${voiding.id as string}`)).status).to.equal(200);
    // A statement arriving after its voiding statement is voided on arrival.
    const late = statement();
    await post(withObject(statement({ verb: 'voided' }), { objectType: 'StatementRef', id: late.id }));
    await post(late);
    expect((await call('GET', `/xapi/statements?voidedStatementId=${late.id as string}`)).status).to.equal(200);
    expect(VOIDED).to.equal('http://adlnet.gov/expapi/verbs/voided');
  });

  it('filters match statements whose StatementRef targets a match, recursively, with since/until/limit on the referring statement (§2.1.3)', async () => {
    const target = statement({ actor: 'ann', verb: 'attended', object: 'meeting' });
    await post(target);
    await new Promise((r) => setTimeout(r, 15));
    const ref1 = withObject(statement({ actor: 'bob', verb: 'experienced' }), { objectType: 'StatementRef', id: target.id });
    await post(ref1);
    await new Promise((r) => setTimeout(r, 15));
    const ref2 = withObject(statement({ actor: 'carl', verb: 'shared' }), { objectType: 'StatementRef', id: ref1.id });
    const unrelated = statement({ actor: 'dora', verb: 'experienced' });
    await post([ref2, unrelated]);
    const attended = 'http://adlnet.gov/expapi/verbs/attended';
    expect(ids((await query({ verb: attended })).statements)).to.deep.equal([ref2.id, ref1.id, target.id]);
    expect(ids((await query({ verb: attended, ascending: 'true' })).statements)).to.deep.equal([target.id, ref1.id, ref2.id]);
    expect(ids((await query({ agent: JSON.stringify(agent('ann')) })).statements)).to.deep.equal([ref2.id, ref1.id, target.id]);
    expect(ids((await query({ activity: 'https://tl.example.edu/xapi/activities/meeting' })).statements)).to.have.members([target.id, ref1.id, ref2.id]);
    // Time bounds and the page size apply to the referring statements themselves.
    const ref1Stored = ((await call('GET', `/xapi/statements?statementId=${ref1.id as string}`)).json as Json).stored as string;
    expect(ids((await query({ verb: attended, since: ref1Stored })).statements)).to.deep.equal([ref2.id]);
    expect(ids((await query({ verb: attended, until: ref1Stored })).statements)).to.deep.equal([ref1.id, target.id]);
    const first = await query({ verb: attended, limit: '2' });
    expect(ids(first.statements)).to.deep.equal([ref2.id, ref1.id]);
    const rest = (await call('GET', first.more)).json as { statements: Json[] };
    expect(ids(rest.statements)).to.deep.equal([target.id]);
    // Statements reached only through the ref chain's own verb do not pull in the target.
    expect(ids((await query({ verb: 'http://adlnet.gov/expapi/verbs/shared' })).statements)).to.deep.equal([ref2.id]);
  });

  it('moves statements queued for the embedded target from the outbox into the LRS, idempotently', async () => {
    const c = tool.container;
    // The server's own interval would race this test for the rows: pause it, drive a fresh one.
    await c.embeddedDelivery.stop();
    const delivery = createEmbeddedDelivery({ outbox: c.outbox, lrs: c.embeddedLrs, authority: { objectType: 'Agent', account: { homePage: tool.publicUrl, name: 'threadline' } }, clock: systemClock, log: createLogger('silent') });
    const outbox = createOutboxStore(c.db, { clock: systemClock, targets: ['embedded'] });
    const good = [statement(), statement()] as never[];
    const bad = { ...statement(), verb: { id: 'nope' } } as never;
    await c.db.transaction((trx) => outbox.enqueue(trx, [good[0]!, bad, good[1]!]));
    const report = await delivery.tick();
    expect(report).to.deep.equal({ delivered: 2, dead: 1, retried: 0 });
    const stored = (await query({})).statements;
    expect(ids(stored)).to.have.members(good.map((s: Json) => s.id));
    expect(stored[0]!.authority).to.deep.equal({ objectType: 'Agent', account: { homePage: tool.publicUrl, name: 'threadline' } });
    // Replayed: delivered again as a no-op.
    expect(await outbox.replay(0, Date.now() + 1)).to.equal(2);
    expect(await delivery.tick()).to.deep.equal({ delivered: 2, dead: 0, retried: 0 });
    expect((await query({})).statements).to.have.length(2);
    await c.db('xapi_outbox').del();
    c.embeddedDelivery.start(1_000);
  });
});

describe(`embedded LRS credentials (${testDbKind()})`, () => {
  it('are generated on first start, kept in the database, and never enumerable', async () => {
    const tool = await startTool();
    try {
      const c = await tool.container.embeddedLrsCreds();
      expect(c.source).to.equal('generated');
      expect(c.secret.length).to.be.greaterThan(20);
      expect(JSON.stringify(c)).not.to.include(c.secret);
      const rows = (await tool.container.db('lrs_settings').select('key')) as Array<{ key: string }>;
      expect(rows.map((r) => r.key).sort()).to.deep.equal(['embedded_lrs_key', 'embedded_lrs_secret']);
      const ok = await fetch(`${tool.publicUrl}/xapi/statements`, { headers: { 'X-Experience-API-Version': '1.0.3', Authorization: `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}` } });
      expect(ok.status).to.equal(200);
    } finally {
      await tool.close();
    }
  });
});
