import crypto from 'node:crypto';
import { compactVerify, importX509 } from 'jose';
import { badRequest } from './lrs-errors.js';
import { arrayContextActivities, canonicalJson } from './lrs-service.js';
import { boundaryOf, parseMultipart } from './multipart.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Data §2.6: the usageType of a statement signature attachment. */
export const SIGNATURE_USAGE = 'http://adlnet.gov/expapi/attachments/signature';
const SIGNATURE_ALGS = ['RS256', 'RS384', 'RS512'];

export interface AttachmentContent {
  sha2: string;
  contentType: string;
  content: Buffer;
}

/**
 * A multipart/mixed statement request (Communication §1.5.2): the first part holds the
 * statement(s) as application/json; every other part is one attachment's raw content, with
 * `X-Experience-API-Hash` (its SHA-256) and `Content-Transfer-Encoding: binary`.
 */
export function readMultipartStatements(body: Buffer, contentType: string): { statements: unknown; attachments: AttachmentContent[] } {
  if (!/^multipart\/mixed\s*(;|$)/i.test(contentType)) throw badRequest('Statements with attachments are sent as multipart/mixed (or application/json with fileUrl attachments).');
  const boundary = boundaryOf(contentType);
  if (!boundary) throw badRequest('The multipart/mixed Content-Type needs a boundary parameter.');
  const [first, ...rest] = parseMultipart(body, boundary);
  if (!first || !/^application\/json\s*(;|$)/i.test(first.headers['content-type'] ?? '')) throw badRequest('The first part of a multipart statement request must be the application/json statement(s).');
  let statements: unknown;
  try {
    statements = JSON.parse(first.body.toString('utf8'));
  } catch {
    throw badRequest('The first part is not valid JSON.');
  }
  const attachments = rest.map((p, i): AttachmentContent => {
    const hash = p.headers['x-experience-api-hash'];
    if (!hash) throw badRequest(`Multipart part ${i + 2} has no X-Experience-API-Hash header.`);
    if ((p.headers['content-transfer-encoding'] ?? '').toLowerCase() !== 'binary') throw badRequest(`Multipart part ${i + 2} needs Content-Transfer-Encoding: binary.`);
    const actual = crypto.createHash('sha256').update(p.body).digest('hex');
    if (actual !== hash.toLowerCase()) throw badRequest(`Multipart part ${i + 2}: X-Experience-API-Hash does not match its content's SHA-256.`);
    return { sha2: actual, contentType: p.headers['content-type'] ?? 'application/octet-stream', content: p.body };
  });
  return { statements, attachments };
}

const attachmentsOf = (s: unknown): Json[] => (isObj(s) && Array.isArray(s.attachments) ? s.attachments.filter(isObj) : []);

/** The sha2 values of a statement's attachments. */
export const attachmentHashes = (s: unknown): string[] => attachmentsOf(s).flatMap((a) => (typeof a.sha2 === 'string' ? [a.sha2.toLowerCase()] : []));

/**
 * Data §2.4.11, Communication §1.5: every attachment without a fileUrl has its content in the
 * request, and every part is some attachment's content; Data §2.6: a signature attachment is a
 * valid JWS (RS256/384/512) of the statement. Checked before anything is stored.
 */
export async function checkAttachments(statements: unknown[], parts: AttachmentContent[]): Promise<void> {
  const byHash = new Map(parts.map((p) => [p.sha2, p]));
  const wanted = new Set<string>();
  for (const [i, s] of statements.entries()) {
    for (const a of attachmentsOf(s)) {
      const sha2 = typeof a.sha2 === 'string' ? a.sha2.toLowerCase() : '';
      wanted.add(sha2);
      const part = byHash.get(sha2);
      if (a.fileUrl === undefined && !part) throw badRequest(`[${i}] an attachment has neither a fileUrl nor its content in the request (sha2 ${sha2}).`);
      if (a.usageType === SIGNATURE_USAGE) {
        if (String(a.contentType).split(';')[0]!.trim().toLowerCase() !== 'application/octet-stream') throw badRequest(`[${i}] a signature attachment must have contentType application/octet-stream (Data §2.6).`);
        if (!part) throw badRequest(`[${i}] the signature attachment's content is missing.`);
        await verifySignature(s as Json, part.content.toString('utf8'), i);
      }
    }
  }
  for (const p of parts) if (!wanted.has(p.sha2)) throw badRequest(`A multipart part (sha2 ${p.sha2}) is no attachment of any statement.`);
}

/** The statement as a signer saw it: without what the LRS adds and without the attachments. */
function signedView(s: Json): string {
  const copy: Json = JSON.parse(JSON.stringify(s)) as Json;
  for (const k of ['attachments', 'authority', 'stored', 'version', 'id']) delete copy[k];
  arrayContextActivities(copy);
  return canonicalJson(copy);
}

const b64json = (seg: string): unknown => JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));

async function verifySignature(statement: Json, jws: string, i: number): Promise<void> {
  const bad = (why: string) => badRequest(`[${i}] the statement signature is not valid: ${why} (Data §2.6).`);
  const segs = jws.trim().split('.');
  if (segs.length !== 3 || segs.some((x) => !/^[A-Za-z0-9_-]*$/.test(x))) throw bad('not a JWS compact serialization');
  let header: unknown;
  let payload: unknown;
  try {
    header = b64json(segs[0]!);
    payload = b64json(segs[1]!);
  } catch {
    throw bad('its header or payload is not JSON');
  }
  if (!isObj(header) || !SIGNATURE_ALGS.includes(String(header.alg))) throw bad('the algorithm must be RS256, RS384 or RS512');
  if (!isObj(payload)) throw bad('the payload is not a statement');
  if (payload.id !== undefined && statement.id !== undefined && String(payload.id).toLowerCase() !== String(statement.id).toLowerCase()) throw bad('the payload is another statement');
  if (signedView(payload) !== signedView(statement)) throw bad('the payload differs from the statement');
  // With the signer's certificate in x5c, the signature itself is checked too.
  if (Array.isArray(header.x5c) && typeof header.x5c[0] === 'string') {
    try {
      const pem = `-----BEGIN CERTIFICATE-----\n${header.x5c[0].match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
      await compactVerify(jws.trim(), await importX509(pem, String(header.alg)));
    } catch {
      throw bad('the signature does not verify with the x5c certificate');
    }
  }
}
