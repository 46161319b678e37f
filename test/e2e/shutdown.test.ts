import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { systemClock } from '../../src/clock.js';
import { createDb, migrateLatest, type Db } from '../../src/db/knex.js';
import { PRIMARY_LRS_ID } from '../../src/xapi/lrs-routing.js';
import { createOutboxStore } from '../../src/xapi/outbox-store.js';
import { buildStatement, type StatementLaunch } from '../../src/xapi/statement-builder.js';
import type { XapiStatement } from '../../src/xapi/statement.js';
import { LrsStub } from '../helpers/lrs-stub.js';
import { createTestDatabase, testDbKind, type TestDatabase } from '../helpers/test-db.js';
import { spawnTool, type ToolProcess } from '../helpers/tool-process.js';

const LRS_KEY = 'ops-embedded-key';
const LRS_SECRET = 'ops-embedded-secret-0123456789';

const launch: StatementLaunch = {
  platform: { id: 'p', issuer: 'https://lms.example.edu', clientId: 'c', productFamily: null },
  deployment: { id: 'd', deploymentId: 'dep-1' },
  user: { sub: 'learner-1', name: null },
  context: { id: 'c', contextId: 'course-1', label: null, title: 'Course One' },
  resourceLink: { id: 'r', resourceLinkId: 'link-1', title: 'Week 1' },
  locale: 'en',
};

function statements(n: number, prefix: string): XapiStatement[] {
  return Array.from({ length: n }, (_, i) =>
    buildStatement({ kind: 'space_viewed', id: `${prefix}-${i}`, at: Date.UTC(2026, 10, 1) + i, space: { id: 'space-1', title: 'Prep', kind: 'prep', eventAt: null } }, launch, { publicUrl: 'https://tl.example.edu' }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A POST to the embedded LRS whose body arrives in two parts: the request is in flight (headers
 * read, handler waiting for the body) until the test sends the rest. An honest slow client; no
 * test-only delay in the server.
 */
function slowPost(url: string, body: string): { finish(): void; response: Promise<{ status: number; body: string }> } {
  const buf = Buffer.from(body);
  const req = http.request(`${url}/xapi/statements`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Basic ${Buffer.from(`${LRS_KEY}:${LRS_SECRET}`).toString('base64')}`,
      'x-experience-api-version': '1.0.3',
      'content-type': 'application/json',
      'content-length': String(buf.length),
    },
  });
  const half = Math.floor(buf.length / 2);
  req.write(buf.subarray(0, half));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  return { finish: () => req.end(buf.subarray(half)), response };
}

/** Resolves with the error a new TCP connection gets once the port stops accepting (a fresh socket, no pooled one). */
async function refusedCode(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  for (let i = 0; i < 100; i++) {
    const code = await new Promise<string | null>((resolve) => {
      const s = net.connect(Number(port), hostname);
      s.once('connect', () => {
        s.destroy();
        resolve(null);
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    if (code) return code;
    await sleep(50);
  }
  return 'still accepting';
}

describe(`graceful shutdown of a real process (${testDbKind()})`, function () {
  this.timeout(60_000);
  let tdb: TestDatabase;
  let db: Db;
  let stub: LrsStub;
  let tool: ToolProcess | undefined;

  beforeEach(async () => {
    tdb = await createTestDatabase();
    db = createDb(tdb.url);
    await migrateLatest(db);
    // An LRS that takes a minute to answer: the sender's batch is in flight, its rows claimed, at SIGTERM.
    stub = await LrsStub.start({ delayMs: 60_000 });
  });
  afterEach(async () => {
    if (tool && tool.child.exitCode === null && tool.child.signalCode === null) await tool.stop('SIGKILL');
    tool = undefined;
    await stub.close();
    await db.destroy();
    await tdb.drop();
  });

  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: tdb.url,
    XAPI_LRS_ENDPOINT: stub.endpoint,
    EMBEDDED_LRS_KEY: LRS_KEY,
    EMBEDDED_LRS_SECRET: LRS_SECRET,
    LOG_LEVEL: 'info',
    ...extra,
  });
  const claimedRows = async () => (await db('xapi_outbox').where({ lrs_id: PRIMARY_LRS_ID }).whereNotNull('claimed_by').count({ n: '*' }))[0]!.n;

  it('on SIGTERM: refuses new connections, lets the request in flight finish, releases outbox claims, exits 0', async () => {
    const outbox = createOutboxStore(db, { clock: systemClock, targets: [PRIMARY_LRS_ID] });
    await outbox.enqueue(db, statements(5, 'queued'));
    tool = await spawnTool(env());
    await until('the sender to claim the queued statements', async () => Number(await claimedRows()) === 5);

    const incoming = statements(1, 'in-flight')[0]!;
    const slow = slowPost(tool.url, JSON.stringify(incoming));
    await sleep(300); // the tool has read the request's headers: it is in flight
    const exited = new Promise<number | null>((resolve) => tool!.child.once('exit', (code) => resolve(code)));
    const signalledAt = Date.now();
    tool.child.kill('SIGTERM');

    expect(await refusedCode(tool.url)).to.equal('ECONNREFUSED');
    expect(tool.child.exitCode, 'still running while a request is in flight').to.equal(null);
    slow.finish();
    const answer = await slow.response;
    expect(answer.status, answer.body).to.equal(200);
    expect(JSON.parse(answer.body)).to.deep.equal([incoming.id]);

    expect(await exited, tool.output()).to.equal(0);
    expect(Date.now() - signalledAt).to.be.below(10_000);
    expect(tool.output()).to.contain('shut down cleanly');

    // What arrived during the drain was stored before the database closed.
    expect(await db('lrs_statements').where({ id: incoming.id }).first()).to.not.equal(undefined);
    // The claims this process held were released: another instance can take them right away.
    expect(Number(await claimedRows())).to.equal(0);
    const taken = await outbox.claim(PRIMARY_LRS_ID, 100, 'another-instance', Date.now(), 60_000);
    expect(taken.map((t) => t.statementId).sort()).to.deep.equal(statements(5, 'queued').map((s) => s.id).sort());
  });

  it('exits 1 with a log line when in-flight work outlasts SHUTDOWN_TIMEOUT_MS', async () => {
    tool = await spawnTool(env({ SHUTDOWN_TIMEOUT_MS: '700' }));
    const slow = slowPost(tool.url, JSON.stringify(statements(1, 'never-finished')[0]));
    slow.response.catch(() => undefined); // the connection dies with the process
    await sleep(300);
    const exited = new Promise<number | null>((resolve) => tool!.child.once('exit', (code) => resolve(code)));
    const signalledAt = Date.now();
    tool.child.kill('SIGTERM');
    expect(await exited).to.equal(1);
    const took = Date.now() - signalledAt;
    expect(took).to.be.within(600, 5_000);
    expect(tool.output()).to.match(/"msg":"shutdown timed out; exiting with work unfinished"/);
    expect(tool.output()).not.to.contain('shut down cleanly');
  });
});
