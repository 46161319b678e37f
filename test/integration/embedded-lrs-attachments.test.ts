import crypto from 'node:crypto';
import { expect } from 'chai';
import { CompactSign } from 'jose';
import { startTool, type Tool } from '../helpers/stack.js';
import { testDbKind } from '../helpers/test-db.js';
import { boundaryOf, parseMultipart } from '../../src/xapi/lrs/multipart.js';

const KEY = 'lrs-att-key';
const SECRET = 'lrs-att-secret-0123456789';
const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature';

type Json = Record<string, unknown>;
const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

function statement(attachments?: Json[]): Json {
  const s: Json = {
    id: crypto.randomUUID(),
    actor: { objectType: 'Agent', mbox: 'mailto:ann@example.edu' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/shared', display: { 'en-US': 'shared' } },
    object: { objectType: 'Activity', id: 'https://tl.example.edu/xapi/activities/notes' },
  };
  if (attachments) s.attachments = attachments;
  return s;
}

const attachment = (content: Buffer, extra: Json = {}): Json => ({
  usageType: 'http://id.tincanapi.com/attachment/supporting_media',
  display: { 'en-US': 'notes' },
  contentType: 'text/plain',
  length: content.length,
  sha2: sha256(content),
  ...extra,
});

interface PartSpec {
  headers: Record<string, string>;
  body: Buffer | string;
}

function multipart(parts: PartSpec[], boundary = 'b0undary-xyz'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = Object.entries(p.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}

const jsonPart = (v: unknown): PartSpec => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(v) });
const filePart = (content: Buffer, type = 'text/plain', hash = sha256(content)): PartSpec => ({ headers: { 'Content-Type': type, 'Content-Transfer-Encoding': 'binary', 'X-Experience-API-Hash': hash }, body: content });

describe(`embedded LRS attachments and signed statements (${testDbKind()})`, function () {
  let tool: Tool;
  const headers = (extra: Record<string, string> = {}) => ({ 'X-Experience-API-Version': '1.0.3', Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`, ...extra });

  async function send(body: Buffer | string, contentType: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${tool.publicUrl}/xapi/statements`, { method: 'POST', headers: headers({ 'Content-Type': contentType }), body: typeof body === 'string' ? body : new Uint8Array(body) });
    return { status: res.status, text: await res.text() };
  }
  const count = async (table: string): Promise<number> => Number(((await tool.container.db(table).count({ n: '*' }).first()) as { n: unknown }).n);

  before(async () => {
    tool = await startTool({ env: { EMBEDDED_LRS_KEY: KEY, EMBEDDED_LRS_SECRET: SECRET } });
  });
  after(async () => tool.close());
  beforeEach(async () => {
    await tool.container.db('lrs_statements').del();
    await tool.container.db('lrs_attachments').del();
  });

  it('stores a multipart/mixed statement with its attachment; attachments=true answers multipart with the content, otherwise JSON', async () => {
    const file = Buffer.from('meeting notes\r\n--not-a-boundary\r\nline 3');
    const s = statement([attachment(file)]);
    const { body, contentType } = multipart([jsonPart(s), filePart(file)]);
    const r = await send(body, contentType);
    expect(r.status, r.text).to.equal(200);
    expect(await count('lrs_attachments')).to.equal(1);

    const plain = await fetch(`${tool.publicUrl}/xapi/statements?statementId=${s.id as string}`, { headers: headers() });
    expect(plain.headers.get('content-type')).to.match(/^application\/json/);
    for (const url of [`/xapi/statements?statementId=${s.id as string}&attachments=true`, '/xapi/statements?attachments=true']) {
      const res = await fetch(`${tool.publicUrl}${url}`, { headers: headers() });
      expect(res.status).to.equal(200);
      const ct = res.headers.get('content-type')!;
      expect(ct).to.match(/^multipart\/mixed/);
      const parts = parseMultipart(Buffer.from(await res.arrayBuffer()), boundaryOf(ct)!);
      expect(parts).to.have.length(2);
      expect(parts[0]!.headers['content-type']).to.match(/^application\/json/);
      const json = JSON.parse(parts[0]!.body.toString('utf8')) as Json & { statements?: Json[] };
      expect((json.statements?.[0] ?? json).id).to.equal(s.id);
      expect(parts[1]!.headers['x-experience-api-hash']).to.equal(sha256(file));
      expect(parts[1]!.headers['content-transfer-encoding']).to.equal('binary');
      expect(parts[1]!.body.equals(file)).to.equal(true);
    }
  });

  it('accepts fileUrl-only attachments as application/json, and refuses content-less ones', async () => {
    const withUrl = statement([attachment(Buffer.from('x'), { fileUrl: 'https://files.example.edu/x.txt' })]);
    expect((await send(JSON.stringify(withUrl), 'application/json')).status).to.equal(200);
    const without = statement([attachment(Buffer.from('y'))]);
    expect((await send(JSON.stringify(without), 'application/json')).status).to.equal(400);
    expect(await count('lrs_statements')).to.equal(1);
  });

  it('refuses malformed multipart requests (§1.5.2) and stores nothing', async () => {
    const file = Buffer.from('content');
    const s = statement([attachment(file)]);
    const bad: Array<[string, { body: Buffer; contentType: string }]> = [
      ['hash header does not match the content', multipart([jsonPart(s), filePart(file, 'text/plain', sha256('other'))])],
      ['no hash header', multipart([jsonPart(s), { headers: { 'Content-Type': 'text/plain', 'Content-Transfer-Encoding': 'binary' }, body: file }])],
      ['no Content-Transfer-Encoding', multipart([jsonPart(s), { headers: { 'Content-Type': 'text/plain', 'X-Experience-API-Hash': sha256(file) }, body: file }])],
      ['an excess part', multipart([jsonPart(s), filePart(file), filePart(Buffer.from('extra'))])],
      ['the content is missing', multipart([jsonPart(s)])],
      ['first part is not JSON', multipart([filePart(file), jsonPart(s)])],
      ['no boundary parameter', { ...multipart([jsonPart(s), filePart(file)]), contentType: 'multipart/mixed' }],
      ['multipart/form-data', { ...multipart([jsonPart(s), filePart(file)]), contentType: 'multipart/form-data; boundary=b0undary-xyz' }],
    ];
    for (const [why, req] of bad) expect((await send(req.body, req.contentType)).status, why).to.equal(400);
    expect(await count('lrs_statements')).to.equal(0);
    expect(await count('lrs_attachments')).to.equal(0);
  });

  it('signed statements (Data §2.6): accepts an RS256 JWS of the statement; refuses other algorithms, other payloads, non-JWS and the wrong contentType', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sign = async (payload: Json, alg = 'RS256', key: crypto.KeyObject | Uint8Array = privateKey) =>
      Buffer.from(await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg }).sign(key));
    const signed = async (jws: Buffer | ((s: Json) => Promise<Buffer>), extra: Json = {}) => {
      const s = statement();
      const sig = typeof jws === 'function' ? await jws(s) : jws;
      const full = { ...s, attachments: [attachment(sig, { usageType: SIGNATURE, contentType: 'application/octet-stream', ...extra })] };
      return multipart([jsonPart(full), filePart(sig, 'application/octet-stream')]);
    };
    const ok = await signed((s) => sign(s));
    const r = await send(ok.body, ok.contentType);
    expect(r.status, r.text).to.equal(200);
    const hs = await signed((s) => sign(s, 'HS256', new TextEncoder().encode('0123456789abcdef0123456789abcdef')));
    expect((await send(hs.body, hs.contentType)).status, 'HS256').to.equal(400);
    const other = await signed(() => sign({ ...statement(), verb: { id: 'http://adlnet.gov/expapi/verbs/voided' } }));
    expect((await send(other.body, other.contentType)).status, 'payload of another statement').to.equal(400);
    const garbage = await signed(Buffer.from('not.a-jws'));
    expect((await send(garbage.body, garbage.contentType)).status, 'not a JWS').to.equal(400);
    const wrongType = await signed((s) => sign(s), { contentType: 'text/plain' });
    expect((await send(wrongType.body, wrongType.contentType)).status, 'text/plain signature').to.equal(400);
    expect(await count('lrs_statements')).to.equal(1);
  });
});
