import { expect } from 'chai';
import { createDb } from '../../src/db/knex.js';
import { createLogger } from '../../src/log.js';
import { createHealthService } from '../../src/ops/health-service.js';
import { ROLE } from '../helpers/emulator/platform-emulator.js';
import { expectStatus, joinCourse, type Participant } from '../helpers/participant.js';
import { launch, startStack, startTool, type Stack, type Tool } from '../helpers/stack.js';
import { createTestDatabase, testDbKind } from '../helpers/test-db.js';

const METRICS_TOKEN = 'test-metrics-token-0123456789';
const LEARNER = { sub: 'learner-ops-7', name: 'Olivia Opsworth', email: 'olivia.opsworth@example.edu', roles: [ROLE.learner] };

/** One Prometheus sample's value, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const got = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[2]);
  }
  return undefined;
}

describe(`operations: probes, metrics, logs, registration limit (${testDbKind()})`, function () {
  this.timeout(60_000);
  let stack: Stack;
  let base: string;
  const logLines: string[] = [];
  let learner: Participant;
  let teacher: Participant;
  let spaceId: string;

  const metrics = async (auth: string | null = `Bearer ${METRICS_TOKEN}`) => fetch(`${base}/metrics`, { headers: auth ? { authorization: auth } : {} });

  before(async () => {
    stack = await startStack({
      env: { METRICS_TOKEN, REGISTER_RATE_PER_HOUR: '3' },
      // Everything the tool logs, at the level an operator runs it, captured line by line.
      log: createLogger('info', { write: (s: string) => void logLines.push(...s.split('\n').filter(Boolean)) }),
    });
    base = stack.tool.publicUrl;
    // Embedded delivery runs only when a test asks (tick), so outbox depth is stable while we read it.
    await stack.tool.container.embeddedDelivery.stop();
    stack.tool.container.embeddedDelivery.start(3_600_000);
    teacher = await joinCourse(stack, { sub: 'teacher-ops', name: 'Tomas Teachwell', email: 'tomas.teachwell@example.edu', roles: [ROLE.instructor] });
    const setup = expectStatus(await teacher.post('/app/setup', { kind: 'prep', title: 'Ops workshop', time_zone: 'Europe/Madrid' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    learner = await joinCourse(stack, LEARNER);
  });
  after(async () => stack?.close());

  describe('probes', () => {
    it('/healthz answers 200 while the process runs; /readyz 200 when the database answers and migrations are current', async () => {
      const h = await fetch(`${base}/healthz`);
      expect(h.status).to.equal(200);
      expect(await h.json()).to.deep.equal({ status: 'ok' });
      const r = await fetch(`${base}/readyz`);
      expect(r.status).to.equal(200);
      expect(await r.json()).to.deep.equal({ status: 'ready' });
      expect(r.headers.get('cache-control')).to.equal('no-store');
    });

    it('/readyz is 503 with migrations_pending when a shipped migration is not applied', async () => {
      const db = stack.tool.container.db;
      const last = (await db('knex_migrations').orderBy('id', 'desc').first()) as { id: number; name: string; batch: number; migration_time: unknown };
      await db('knex_migrations').where({ id: last.id }).del();
      try {
        const r = await fetch(`${base}/readyz`);
        expect(r.status).to.equal(503);
        expect(await r.json()).to.deep.equal({ status: 'not_ready', reason: 'migrations_pending' });
        // Liveness is unaffected: restarting the process would not apply the migration.
        expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      } finally {
        await db('knex_migrations').insert(last);
      }
      expect((await fetch(`${base}/readyz`)).status).to.equal(200);
    });

    it('reports database_unreachable when the database does not answer, migrations_pending on a database never migrated', async () => {
      const db = createDb(stack.tool.db.url);
      await db.destroy();
      expect(await createHealthService({ db, timeoutMs: 1_000 }).readiness()).to.deep.equal({ ready: false, reason: 'database_unreachable' });
      const empty = await createTestDatabase();
      const fresh = createDb(empty.url);
      try {
        expect(await createHealthService({ db: fresh }).readiness()).to.deep.equal({ ready: false, reason: 'migrations_pending' });
      } finally {
        await fresh.destroy();
        await empty.drop();
      }
    });

    it('/readyz is 503 shutting_down once draining starts, /healthz still 200; /metrics is 404 without METRICS_TOKEN', async () => {
      const tool: Tool = await startTool();
      try {
        expect((await fetch(`${tool.publicUrl}/metrics`)).status).to.equal(404);
        expect((await fetch(`${tool.publicUrl}/metrics`, { headers: { authorization: 'Bearer anything-at-all-here' } })).status).to.equal(404);
        tool.container.health.startDraining();
        const r = await fetch(`${tool.publicUrl}/readyz`);
        expect(r.status).to.equal(503);
        expect(await r.json()).to.deep.equal({ status: 'not_ready', reason: 'shutting_down' });
        expect((await fetch(`${tool.publicUrl}/healthz`)).status).to.equal(200);
      } finally {
        await tool.close();
      }
    });
  });

  describe('/metrics', () => {
    it('asks for the bearer token: none or a wrong one is 401 with WWW-Authenticate', async () => {
      for (const auth of [null, 'Bearer wrong-token-wrong-token', `Bearer ${METRICS_TOKEN}x`, `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`, METRICS_TOKEN]) {
        const r = await metrics(auth);
        expect(r.status, String(auth)).to.equal(401);
        expect(r.headers.get('www-authenticate')).to.match(/^Bearer/);
        expect(await r.text()).not.to.contain('# TYPE');
      }
    });

    it('counts requests by route template and status, with a latency histogram, never raw ids', async () => {
      expectStatus(await learner.get(`/spaces/${spaceId}`), 200);
      expectStatus(await learner.get(`/spaces/${spaceId}`), 200);
      const r = await metrics();
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await r.text();
      expect(sample(text, 'threadline_http_requests_total', { method: 'GET', route: '/spaces/:id', status: '200' })).to.be.at.least(2);
      expect(sample(text, 'threadline_http_requests_total', { method: 'POST', route: '/lti/launch', status: '303' })).to.be.at.least(2);
      expect(sample(text, 'threadline_http_request_duration_seconds_count', { method: 'GET', route: '/spaces/:id' })).to.be.at.least(2);
      expect(sample(text, 'threadline_http_request_duration_seconds_bucket', { method: 'GET', route: '/spaces/:id', le: '+Inf' })).to.be.at.least(2);
      // Bounded cardinality: no space id, user, or session in any label.
      expect(text).not.to.contain(spaceId);
      expect(text).not.to.contain(learner.token);
      // Default process metrics come along.
      expect(text).to.match(/^threadline_process_cpu_user_seconds_total \d/m);
      expect(text).to.match(/^threadline_nodejs_heap_size_used_bytes \d/m);
    });

    it('puts unmatched paths in one bucket rather than one series per URL', async () => {
      for (const p of ['/no/such/a1', '/no/such/b2']) expect((await fetch(`${base}${p}`)).status).to.equal(404);
      const text = await (await metrics()).text();
      expect(sample(text, 'threadline_http_requests_total', { method: 'GET', route: '(unmatched)', status: '404' })).to.be.at.least(2);
      expect(text).not.to.contain('/no/such');
    });

    it('counts launches: ok, and refused by reason code', async () => {
      const before = await (await metrics()).text();
      const okBefore = sample(before, 'threadline_lti_launches_total', { result: 'ok' }) ?? 0;
      const refusedBefore = sample(before, 'threadline_lti_launches_total', { result: 'state_unknown' }) ?? 0;
      expect((await launch(stack, LEARNER)).response.status).to.equal(303);
      const refused = await launch(stack, LEARNER, { mutate: (f) => ({ ...f, state: 'a-state-threadline-never-issued' }) });
      expect(refused.response.status).to.equal(401);
      const after = await (await metrics()).text();
      expect(sample(after, 'threadline_lti_launches_total', { result: 'ok' })).to.equal(okBefore + 1);
      expect(sample(after, 'threadline_lti_launches_total', { result: 'state_unknown' })).to.equal(refusedBefore + 1);
    });

    it('shows outbox depth and oldest age per LRS at scrape time, and deliveries by LRS and result', async () => {
      const c = stack.tool.container;
      const waiting = Number(((await c.db('xapi_outbox').where({ lrs_id: 'embedded', dead: false }).whereNull('delivered_at').count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
      expect(waiting, 'launches and the space view queued statements').to.be.greaterThan(0);
      let text = await (await metrics()).text();
      expect(sample(text, 'threadline_xapi_outbox_depth', { lrs: 'embedded' })).to.equal(waiting);
      expect(sample(text, 'threadline_xapi_outbox_oldest_age_seconds', { lrs: 'embedded' })).to.be.greaterThan(0);
      const sentBefore = sample(text, 'threadline_xapi_deliveries_total', { lrs: 'embedded', result: 'sent' }) ?? 0;

      const report = await c.embeddedDelivery.tick();
      expect(report.delivered).to.equal(waiting);
      text = await (await metrics()).text();
      expect(sample(text, 'threadline_xapi_outbox_depth', { lrs: 'embedded' })).to.equal(0);
      expect(sample(text, 'threadline_xapi_outbox_oldest_age_seconds', { lrs: 'embedded' })).to.equal(0);
      expect(sample(text, 'threadline_xapi_deliveries_total', { lrs: 'embedded', result: 'sent' })).to.equal(sentBefore + waiting);
    });
  });

  describe('logs', () => {
    it('log one JSON line per request with request id, method, route template, status and time; nothing about the person but ids', async () => {
      const from = logLines.length;
      const fresh = await joinCourse(stack, { sub: 'learner-ops-8', name: 'Priya Privatename', email: 'priya.private@example.edu', roles: [ROLE.learner] });
      const thread = await fresh.post(`/spaces/${spaceId}/threads`, { title: 'Logging question', body: 'My phone is 555-0199, please call' });
      expectStatus(thread);
      expectStatus(await fresh.get(`/spaces/${spaceId}`), 200);
      const lines = logLines.slice(from);
      expect(lines.length).to.be.greaterThan(4);
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const requests = parsed.filter((l) => l.msg === 'request');
      const routes = requests.map((l) => `${l.method as string} ${l.route as string}`);
      expect(routes).to.include.members(['GET /lti/login', 'POST /lti/launch', 'POST /spaces/:id/threads', 'GET /spaces/:id']);
      for (const l of requests) {
        expect(l.reqId, JSON.stringify(l)).to.match(/^[0-9a-f-]{36}$/);
        expect(l.status).to.be.a('number');
        expect(l.ms).to.be.a('number');
        expect(l.method).to.be.a('string');
      }
      expect(parsed.some((l) => l.msg === 'launch ok')).to.equal(true);
      const all = lines.join('\n');
      // No id_token or other JWT (a JWT's header always starts "eyJ"), no session or CSRF token,
      // no cookie, nothing the person is or wrote.
      expect(all).not.to.match(/eyJ[\w-]{10,}/);
      expect(all).not.to.contain(fresh.token);
      expect(all).not.to.contain(fresh.csrf);
      expect(all).not.to.match(/tl_state|cookie/i);
      for (const personal of ['Priya', 'Privatename', 'priya.private@example.edu', 'example.edu', '555-0199', 'Logging question']) expect(all).not.to.contain(personal);
    });

    it('keeps a well-formed incoming X-Request-Id, echoes it, and replaces one that is not', async () => {
      const from = logLines.length;
      const kept = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'lb-7f3a.92_c' } });
      expect(kept.headers.get('x-request-id')).to.equal('lb-7f3a.92_c');
      const replaced = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'bad id {"msg":"forged"}' } });
      expect(replaced.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      const tooLong = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'a'.repeat(65) } });
      expect(tooLong.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      const logged = logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.route === '/healthz');
      expect(logged.map((l) => l.reqId)).to.deep.equal(['lb-7f3a.92_c', replaced.headers.get('x-request-id'), tooLong.headers.get('x-request-id')]);
    });
  });

  describe('Dynamic Registration rate limit', () => {
    it('answers 429 with Retry-After once an address made REGISTER_RATE_PER_HOUR attempts, in the reader\'s language', async () => {
      for (let i = 0; i < 3; i++) expect((await fetch(`${base}/lti/register`)).status).to.not.equal(429);
      const limited = await fetch(`${base}/lti/register`, { headers: { 'accept-language': 'es' } });
      expect(limited.status).to.equal(429);
      const retry = Number(limited.headers.get('retry-after'));
      expect(retry).to.be.within(1, 3600);
      const body = await limited.text();
      expect(body).to.contain('Demasiados intentos de registro');
      expect(body).not.to.contain('Too many registration attempts');
      // Other endpoints are not affected.
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      expect((await fetch(`${base}/.well-known/jwks.json`)).status).to.equal(200);
      const text = await (await metrics()).text();
      // Refused before any route matched, yet counted under the endpoint's own template.
      expect(sample(text, 'threadline_http_requests_total', { method: 'GET', route: '/lti/register', status: '429' })).to.equal(1);
      expect(sample(text, 'threadline_http_requests_total', { method: 'GET', route: '(unmatched)', status: '429' })).to.equal(undefined);
    });

    it('counts per client address (behind a proxy, as TRUST_PROXY resolves it), and warns when TRUST_PROXY=true', async () => {
      const lines: string[] = [];
      const capture = createLogger('warn', { write: (l: string) => void lines.push(l) });
      const proxied = await startTool({ env: { TRUST_PROXY: '1', REGISTER_RATE_PER_HOUR: '1' }, log: capture });
      try {
        const from = (ip: string) => fetch(`${proxied.publicUrl}/lti/register`, { headers: { 'x-forwarded-for': ip } });
        expect((await from('203.0.113.5')).status).to.not.equal(429);
        expect((await from('203.0.113.5')).status).to.equal(429);
        expect((await from('203.0.113.6')).status).to.not.equal(429);
        expect(lines.join('')).not.to.contain('TRUST_PROXY=true');
      } finally {
        await proxied.close();
      }
      const permissive = await startTool({ env: { TRUST_PROXY: 'true' }, log: capture });
      await permissive.close();
      expect(lines.join('')).to.contain('TRUST_PROXY=true believes any X-Forwarded-For');
    });
  });
});
