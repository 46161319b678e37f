import crypto from 'node:crypto';
import { expect } from 'chai';
import { startTool, type Tool } from '../helpers/stack.js';
import { testDbKind } from '../helpers/test-db.js';

const KEY = 'lrs-doc-key';
const SECRET = 'lrs-doc-secret-0123456789';

type Json = Record<string, unknown>;
const sha1 = (b: Buffer | string): string => crypto.createHash('sha1').update(b).digest('hex');
const ACT = 'https://tl.example.edu/xapi/activities/course-1';
const ann = { objectType: 'Agent', account: { homePage: 'https://lms.example.edu', name: 'ann' } };
const bob = { objectType: 'Agent', mbox: 'mailto:bob@example.edu', name: 'Bob' };

describe(`embedded LRS document, Activities and Agents resources (${testDbKind()})`, function () {
  let tool: Tool;

  interface Answer {
    status: number;
    headers: Headers;
    body: Buffer;
    text: string;
    json: unknown;
  }

  async function call(method: string, path: string, params: Record<string, string> = {}, body?: string | Buffer | Json | unknown[], headers: Record<string, string | null> = {}): Promise<Answer> {
    const h: Record<string, string> = { 'X-Experience-API-Version': '1.0.3', Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` };
    let payload: string | Buffer | undefined;
    if (body !== undefined) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
      else {
        payload = JSON.stringify(body);
        h['Content-Type'] = 'application/json';
      }
    }
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) delete h[k];
      else h[k] = v;
    }
    const qs = new URLSearchParams(params).toString();
    const res = await fetch(new URL(`${path}${qs ? `?${qs}` : ''}`, tool.publicUrl), { method, headers: h, body: Buffer.isBuffer(payload) ? new Uint8Array(payload) : payload });
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString('utf8');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: buf, text, json };
  }

  const state = (extra: Record<string, string> = {}) => ({ activityId: ACT, agent: JSON.stringify(ann), ...extra });
  const actProfile = (profileId?: string) => ({ activityId: ACT, ...(profileId ? { profileId } : {}) });
  const agentProfile = (profileId?: string, agent: Json = bob) => ({ agent: JSON.stringify(agent), ...(profileId ? { profileId } : {}) });

  before(async () => {
    tool = await startTool({ env: { EMBEDDED_LRS_KEY: KEY, EMBEDDED_LRS_SECRET: SECRET } });
  });
  after(async () => tool.close());
  beforeEach(async () => {
    await tool.container.db('lrs_documents').del();
    await tool.container.db('lrs_statements').del();
  });

  it('State: PUT stores the document as sent; GET returns it with its content type, quoted SHA-1 ETag and Last-Modified; HEAD has the headers only', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41]);
    const put = await call('PUT', '/xapi/activities/state', state({ stateId: 'bookmark' }), bytes, { 'Content-Type': 'application/octet-stream' });
    expect(put.status, put.text).to.equal(204);
    expect(put.headers.get('x-experience-api-version')).to.equal('1.0.3');
    const got = await call('GET', '/xapi/activities/state', state({ stateId: 'bookmark' }));
    expect(got.status).to.equal(200);
    expect(got.body.equals(bytes)).to.equal(true);
    expect(got.headers.get('content-type')).to.match(/^application\/octet-stream/);
    expect(got.headers.get('etag')).to.equal(`"${sha1(bytes)}"`);
    expect(Date.parse(got.headers.get('last-modified')!)).to.be.closeTo(Date.now(), 5_000);
    const head = await call('HEAD', '/xapi/activities/state', state({ stateId: 'bookmark' }));
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
    expect(head.headers.get('etag')).to.equal(`"${sha1(bytes)}"`);
    // Another agent, activity or registration is another scope.
    expect((await call('GET', '/xapi/activities/state', { ...state({ stateId: 'bookmark' }), agent: JSON.stringify(bob) })).status).to.equal(404);
    expect((await call('GET', '/xapi/activities/state', state({ stateId: 'bookmark', registration: crypto.randomUUID() }))).status).to.equal(404);
    expect((await call('GET', '/xapi/activities/state', { ...state({ stateId: 'bookmark' }), activityId: `${ACT}/other` })).status).to.equal(404);
  });

  it('State: ids list (with since), registration scope, DELETE one and DELETE all', async () => {
    const reg = crypto.randomUUID();
    expect((await call('PUT', '/xapi/activities/state', state({ stateId: 's1' }), { a: 1 })).status).to.equal(204);
    await new Promise((r) => setTimeout(r, 20));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    expect((await call('PUT', '/xapi/activities/state', state({ stateId: 's2' }), { b: 2 })).status).to.equal(204);
    expect((await call('PUT', '/xapi/activities/state', state({ stateId: 's3', registration: reg }), { c: 3 })).status).to.equal(204);
    expect((await call('GET', '/xapi/activities/state', state())).json).to.deep.equal(['s1', 's2']);
    expect((await call('GET', '/xapi/activities/state', state({ since: mid }))).json).to.deep.equal(['s2']);
    expect((await call('GET', '/xapi/activities/state', state({ registration: reg }))).json).to.deep.equal(['s3']);
    expect((await call('GET', '/xapi/activities/state', state({ since: 'yesterday' }))).status).to.equal(400);
    expect((await call('DELETE', '/xapi/activities/state', state({ stateId: 's1' }))).status).to.equal(204);
    expect((await call('GET', '/xapi/activities/state', state())).json).to.deep.equal(['s2']);
    expect((await call('DELETE', '/xapi/activities/state', state())).status).to.equal(204);
    expect((await call('GET', '/xapi/activities/state', state())).json).to.deep.equal([]);
    // DELETE all stays inside its scope: the registration's document survives.
    expect((await call('GET', '/xapi/activities/state', state({ registration: reg }))).json).to.deep.equal(['s3']);
  });

  it('State: POST stores a new document, merges JSON objects into a stored JSON document, and refuses to merge anything else (400)', async () => {
    const p = state({ stateId: 'prefs' });
    expect((await call('POST', '/xapi/activities/state', p, { a: 1, nested: { x: 1, y: 2 } })).status).to.equal(204);
    expect((await call('POST', '/xapi/activities/state', p, { b: 2, nested: { z: 3 } })).status).to.equal(204);
    const merged = await call('GET', '/xapi/activities/state', p);
    // Document Merge (§2.2): top-level keys of the new document replace the old ones, one level deep.
    expect(merged.json).to.deep.equal({ a: 1, b: 2, nested: { z: 3 } });
    expect(merged.headers.get('content-type')).to.match(/^application\/json/);
    expect(merged.headers.get('etag')).to.equal(`"${sha1(merged.body)}"`);
    expect((await call('POST', '/xapi/activities/state', p, 'plain text', { 'Content-Type': 'text/plain' })).status).to.equal(400);
    expect((await call('POST', '/xapi/activities/state', p, '{"not": json', { 'Content-Type': 'application/json' })).status).to.equal(400);
    expect((await call('POST', '/xapi/activities/state', p, [1, 2])).status).to.equal(400);
    const text = state({ stateId: 'note' });
    expect((await call('PUT', '/xapi/activities/state', text, 'hello', { 'Content-Type': 'text/plain' })).status).to.equal(204);
    expect((await call('POST', '/xapi/activities/state', text, { a: 1 })).status).to.equal(400);
    expect((await call('GET', '/xapi/activities/state', text)).text).to.equal('hello');
  });

  it('State: missing or malformed activityId, agent, stateId, registration and unknown parameters are 400', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['GET', { agent: JSON.stringify(ann) }],
      ['GET', { activityId: ACT }],
      ['GET', { activityId: ACT, agent: 'not json' }],
      ['GET', { activityId: ACT, agent: JSON.stringify({ name: 'no ifi' }) }],
      ['GET', { activityId: ACT, agent: JSON.stringify({ mbox: 'bob@example.edu' }) }],
      ['GET', { activityId: ACT, agent: JSON.stringify({ mbox: 'mailto:a@b.c', openid: 'http://x.example/a' }) }],
      ['GET', { activityId: 'not an iri', agent: JSON.stringify(ann) }],
      ['GET', state({ registration: 'nope' })],
      ['GET', state({ StateId: 'x' })],
      ['PUT', state()],
      ['POST', state()],
      ['DELETE', { agent: JSON.stringify(ann), stateId: 'x' }],
    ];
    for (const [method, params] of cases) {
      const r = await call(method, '/xapi/activities/state', params, method === 'PUT' || method === 'POST' ? { a: 1 } : undefined);
      expect(r.status, `${method} ${JSON.stringify(params)}: ${r.text}`).to.equal(400);
    }
    expect(await tool.container.db('lrs_documents').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
    // Authentication and the version header apply as on the Statement resource.
    expect((await call('GET', '/xapi/activities/state', state(), undefined, { Authorization: null })).status).to.equal(401);
    expect((await call('GET', '/xapi/activities/state', state(), undefined, { 'X-Experience-API-Version': null })).status).to.equal(400);
  });

  it('Activity Profile concurrency (§3.1): If-None-Match: * creates, If-Match must match, no header is 400 when new and 409 when it exists', async () => {
    const p = actProfile('settings');
    expect((await call('PUT', '/xapi/activities/profile', p, { v: 0 })).status, 'no header, new').to.equal(400);
    expect((await call('PUT', '/xapi/activities/profile', p, { v: 1 }, { 'If-None-Match': '*' })).status).to.equal(204);
    const first = await call('GET', '/xapi/activities/profile', p);
    const etag = first.headers.get('etag')!;
    expect(etag).to.equal(`"${sha1(JSON.stringify({ v: 1 }))}"`);
    expect((await call('PUT', '/xapi/activities/profile', p, { v: 2 }, { 'If-None-Match': '*' })).status).to.equal(412);
    const conflict = await call('PUT', '/xapi/activities/profile', p, { v: 3 });
    expect(conflict.status).to.equal(409);
    expect(conflict.text).to.match(/If-Match/);
    expect((await call('PUT', '/xapi/activities/profile', p, { v: 4 }, { 'If-Match': `"${'1'.repeat(40)}"` })).status).to.equal(412);
    expect((await call('GET', '/xapi/activities/profile', p)).json, 'refused writes change nothing').to.deep.equal({ v: 1 });
    expect((await call('PUT', '/xapi/activities/profile', p, { v: 5 }, { 'If-Match': etag })).status).to.equal(204);
    expect((await call('GET', '/xapi/activities/profile', p)).json).to.deep.equal({ v: 5 });
    // The old ETag no longer matches: a DELETE carrying it fails, one without a precondition works.
    expect((await call('DELETE', '/xapi/activities/profile', p, undefined, { 'If-Match': etag })).status).to.equal(412);
    expect((await call('DELETE', '/xapi/activities/profile', p)).status).to.equal(204);
    expect((await call('GET', '/xapi/activities/profile', p)).status).to.equal(404);
    // POST with If-Match on a missing document fails too.
    expect((await call('POST', '/xapi/activities/profile', p, { v: 6 }, { 'If-Match': etag })).status).to.equal(412);
  });

  it('Activity Profile: ids list with since; DELETE needs profileId; POST merges', async () => {
    expect((await call('POST', '/xapi/activities/profile', actProfile('a'), { x: 1 })).status).to.equal(204);
    await new Promise((r) => setTimeout(r, 20));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    expect((await call('POST', '/xapi/activities/profile', actProfile('b'), { y: 1 })).status).to.equal(204);
    expect((await call('POST', '/xapi/activities/profile', actProfile('a'), { z: 1 })).status).to.equal(204);
    expect((await call('GET', '/xapi/activities/profile', actProfile())).json).to.deep.equal(['a', 'b']);
    expect((await call('GET', '/xapi/activities/profile', { ...actProfile(), since: mid })).json).to.deep.equal(['a', 'b']);
    expect((await call('GET', '/xapi/activities/profile', actProfile('a'))).json).to.deep.equal({ x: 1, z: 1 });
    expect((await call('DELETE', '/xapi/activities/profile', actProfile())).status).to.equal(400);
    expect((await call('GET', '/xapi/activities/profile', { profileId: 'a' })).status).to.equal(400);
  });

  it('Agent Profile: stored per agent IFI; list, since, delete; Group or invalid agents are 400', async () => {
    expect((await call('PUT', '/xapi/agents/profile', agentProfile('p1'), 'text doc', { 'Content-Type': 'text/plain', 'If-None-Match': '*' })).status).to.equal(204);
    const got = await call('GET', '/xapi/agents/profile', agentProfile('p1'));
    expect(got.text).to.equal('text doc');
    expect(got.headers.get('content-type')).to.match(/^text\/plain/);
    // The same IFI with another name is the same agent (the key is the IFI, case-normalised mbox).
    expect((await call('GET', '/xapi/agents/profile', agentProfile('p1', { mbox: 'mailto:BOB@example.edu', name: 'Robert' }))).text).to.equal('text doc');
    expect((await call('GET', '/xapi/agents/profile', agentProfile('p1', ann))).status).to.equal(404);
    expect((await call('GET', '/xapi/agents/profile', agentProfile())).json).to.deep.equal(['p1']);
    expect((await call('GET', '/xapi/agents/profile', { ...agentProfile(), since: new Date(Date.now() + 60_000).toISOString() })).json).to.deep.equal([]);
    expect((await call('GET', '/xapi/agents/profile', agentProfile('p1', { objectType: 'Group', mbox: 'mailto:g@example.edu' }))).status).to.equal(400);
    expect((await call('GET', '/xapi/agents/profile', { profileId: 'p1' })).status).to.equal(400);
    expect((await call('DELETE', '/xapi/agents/profile', agentProfile('p1'))).status).to.equal(204);
    expect((await call('GET', '/xapi/agents/profile', agentProfile('p1'))).status).to.equal(404);
  });

  it('Activities: the definition merged from every statement (language maps key by key); unknown activities are just their id', async () => {
    const st = (name: Json, extra: Json = {}): Json => ({
      actor: ann,
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
      object: { objectType: 'Activity', id: ACT, definition: { name, ...extra } },
    });
    expect((await call('POST', '/xapi/statements', {}, [st({ 'en-US': 'Course' }, { type: 'http://adlnet.gov/expapi/activities/course' }), st({ 'fr-FR': 'Cours' })])).status).to.equal(200);
    const parentOnly = { actor: ann, verb: { id: 'http://adlnet.gov/expapi/verbs/attended' }, object: { id: `${ACT}/meeting` }, context: { contextActivities: { parent: [{ id: ACT, definition: { description: { 'en-US': 'A course' } } }] } } };
    expect((await call('POST', '/xapi/statements', {}, parentOnly)).status).to.equal(200);
    const got = await call('GET', '/xapi/activities', { activityId: ACT });
    expect(got.status).to.equal(200);
    expect(got.json).to.deep.equal({
      objectType: 'Activity',
      id: ACT,
      definition: { name: { 'en-US': 'Course', 'fr-FR': 'Cours' }, type: 'http://adlnet.gov/expapi/activities/course', description: { 'en-US': 'A course' } },
    });
    expect((await call('GET', '/xapi/activities', { activityId: 'http://example.com/unknown' })).json).to.deep.equal({ objectType: 'Activity', id: 'http://example.com/unknown' });
    expect((await call('GET', '/xapi/activities')).status).to.equal(400);
    expect((await call('GET', '/xapi/activities', { activityId: ACT, extra: '1' })).status).to.equal(400);
    const head = await call('HEAD', '/xapi/activities', { activityId: ACT });
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
  });

  it('Agents: a Person object with array properties; a missing or invalid agent is 400', async () => {
    const got = await call('GET', '/xapi/agents', { agent: JSON.stringify(bob) });
    expect(got.status).to.equal(200);
    expect(got.json).to.deep.equal({ objectType: 'Person', name: ['Bob'], mbox: ['mailto:bob@example.edu'] });
    expect((await call('GET', '/xapi/agents', { agent: JSON.stringify(ann) })).json).to.deep.equal({ objectType: 'Person', account: [ann.account] });
    expect((await call('GET', '/xapi/agents')).status).to.equal(400);
    expect((await call('GET', '/xapi/agents', { agent: JSON.stringify({ name: 'nobody' }) })).status).to.equal(400);
  });

  it('alternate request syntax (§1.3): a form POST with ?method= stands for the request it carries', async () => {
    const form = new URLSearchParams({
      ...state({ stateId: 'alt' }),
      Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
      content: JSON.stringify({ via: 'form' }),
    }).toString();
    const formHeaders = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: null, 'X-Experience-API-Version': null };
    const put = await call('POST', '/xapi/activities/state', { method: 'PUT' }, form, formHeaders);
    expect(put.status, put.text).to.equal(204);
    expect((await call('GET', '/xapi/activities/state', state({ stateId: 'alt' }))).json).to.deep.equal({ via: 'form' });
    const get = await call('POST', '/xapi/activities/state', { method: 'GET' }, form, formHeaders);
    expect(get.status).to.equal(200);
    expect(get.json).to.deep.equal({ via: 'form' });
    // Credentials travel in the form too: without them, 401.
    const noAuth = new URLSearchParams({ ...state({ stateId: 'alt' }), 'X-Experience-API-Version': '1.0.3' }).toString();
    expect((await call('POST', '/xapi/activities/state', { method: 'GET' }, noAuth, formHeaders)).status).to.equal(401);
    // Other parameters belong in the form, not the query string; GET with ?method= is not the syntax.
    expect((await call('POST', '/xapi/activities/state', { method: 'GET', stateId: 'alt' }, form, formHeaders)).status).to.equal(400);
    expect((await call('GET', '/xapi/activities/state', { ...state({ stateId: 'alt' }), method: 'GET' })).status).to.equal(400);
  });

  it('Statement resource: unknown or miscased parameters are 400 (§3.2); format=ids reduces sub-statements; canonical keeps the Accept-Language', async () => {
    expect((await call('GET', '/xapi/statements', { foo: 'bar' })).status).to.equal(400);
    expect((await call('GET', '/xapi/statements', { StatementId: crypto.randomUUID() })).status).to.equal(400);
    const id = crypto.randomUUID();
    const s = {
      id,
      actor: bob,
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced', 'en-GB': 'experienced (GB)', 'fr-FR': 'vécu' } },
      object: {
        objectType: 'SubStatement',
        actor: { ...ann, name: 'Ann' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended' } },
        object: { objectType: 'Activity', id: ACT, definition: { name: { 'en-US': 'Course', 'fr-FR': 'Cours' } } },
      },
    };
    expect((await call('POST', '/xapi/statements', {}, s)).status).to.equal(200);
    const ids = (await call('GET', '/xapi/statements', { statementId: id, format: 'ids' })).json as Json;
    expect(ids.actor).to.deep.equal({ objectType: 'Agent', mbox: bob.mbox });
    expect(ids.object).to.deep.equal({ objectType: 'SubStatement', actor: ann, verb: { id: 'http://adlnet.gov/expapi/verbs/attended' }, object: { id: ACT } });
    const canon = (await call('GET', '/xapi/statements', { statementId: id, format: 'canonical' }, undefined, { 'Accept-Language': 'fr;q=0.9, en-GB' })).json as { verb: Json; object: { object: { definition: Json } } };
    expect(canon.verb.display).to.deep.equal({ 'en-GB': 'experienced (GB)' });
    expect(canon.object.object.definition.name).to.deep.equal({ 'fr-FR': 'Cours' });
  });
});
