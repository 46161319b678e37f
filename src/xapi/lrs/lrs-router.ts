import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { safeEqual } from '../../ids.js';
import { agentKey } from './ifi.js';
import { attachmentHashes, checkAttachments, readMultipartStatements, type AttachmentContent } from './attachments.js';
import { canonicalFormat, languageRanges } from './canonical.js';
import { buildMultipart } from './multipart.js';
import type { EmbeddedLrsCredentials } from './credentials.js';
import { documentRouter } from './document-router.js';
import type { LrsDocumentService } from './document-service.js';
import { badRequest, LrsError } from './lrs-errors.js';
import { bool, onlyParams, str, time, type Q } from './lrs-params.js';
import type { EmbeddedLrsService, StatementFormat } from './lrs-service.js';
import type { StatementQuery } from './statement-store.js';

/** The xAPI version this LRS speaks, sent on every response (xAPI 1.0.3 Communication §3.3). */
export const LRS_VERSION = '1.0.3';
const ACCEPTED_VERSIONS = /^1\.0(\.[0-3])?$/;

export interface LrsRouterDeps {
  publicUrl: string;
  lrs: EmbeddedLrsService;
  documents: LrsDocumentService;
  credentials: () => Promise<EmbeddedLrsCredentials>;
}

type Json = Record<string, unknown>;

const FILTERS = ['agent', 'verb', 'activity', 'registration', 'related_activities', 'related_agents', 'since', 'until', 'limit', 'ascending'] as const;
const GET_PARAMS = ['statementId', 'voidedStatementId', ...FILTERS, 'format', 'attachments', 'more'];

/** Every path the embedded LRS answers under {PUBLIC_URL}/xapi/ with authentication. */
const LRS_PATHS = ['/xapi/statements', '/xapi/activities', '/xapi/agents'];
const isLrsPath = (p: string): boolean => LRS_PATHS.some((x) => p === x || p.startsWith(`${x}/`));

/** Request headers the alternate request syntax may carry as form fields (Communication §1.3). */
const FORM_HEADERS = ['authorization', 'x-experience-api-version', 'content-type', 'content-length', 'if-match', 'if-none-match'];

function format(q: Q): StatementFormat {
  const f = str(q, 'format') ?? 'exact';
  if (f !== 'exact' && f !== 'ids' && f !== 'canonical') throw badRequest('format must be ids, exact or canonical.');
  return f;
}

/** Reads the filters of GET /statements into a store query (without paging position). */
function parseQuery(q: Q): Omit<StatementQuery, 'after'> {
  let agent: string | undefined;
  const a = str(q, 'agent');
  if (a !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(a);
    } catch {
      throw badRequest('agent must be a JSON Agent or identified Group.');
    }
    const k = agentKey(parsed);
    if (k === null) throw badRequest('agent must carry exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account).');
    agent = k;
  }
  const limitRaw = str(q, 'limit');
  if (limitRaw !== undefined && !/^\d+$/.test(limitRaw)) throw badRequest('limit must be a non-negative integer.');
  const registration = str(q, 'registration');
  if (registration !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(registration)) throw badRequest('registration must be a UUID.');
  return {
    agent,
    verb: str(q, 'verb'),
    activity: str(q, 'activity'),
    registration,
    relatedActivities: bool(q, 'related_activities'),
    relatedAgents: bool(q, 'related_agents'),
    since: time(q, 'since'),
    until: time(q, 'until'),
    ascending: bool(q, 'ascending'),
    limit: limitRaw === undefined ? 0 : Number(limitRaw),
  };
}

interface Cursor {
  q: Omit<StatementQuery, 'after'>;
  f: StatementFormat;
  a: { stored: number; id: string };
  /** attachments=true */
  t?: boolean;
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(token: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (typeof c?.a?.stored !== 'number' || typeof c.a.id !== 'string' || typeof c.q !== 'object') throw new Error('shape');
    return c;
  } catch {
    throw badRequest('The more cursor is not valid.');
  }
}

/**
 * The alternate request syntax (xAPI 1.0.3 Communication §1.3): a POST with `?method=` and a form
 * body whose fields are the request's headers, its `content` and its query parameters. Rewrites
 * the request into the one it stands for, so every later step sees an ordinary request; the
 * content is kept in res.locals.altBody for the body readers.
 */
function alternateSyntax(): RequestHandler {
  const form = express.urlencoded({ extended: false, limit: '10mb', type: () => true });
  return (req, res, next) => {
    const method = req.query.method;
    if (method === undefined || !isLrsPath(req.path)) return next();
    try {
      if (req.method !== 'POST') throw badRequest('The alternate request syntax (?method=) is used with POST only.');
      if (typeof method !== 'string' || !/^(GET|HEAD|PUT|POST|DELETE)$/i.test(method)) throw badRequest('method must be GET, HEAD, PUT, POST or DELETE.');
      if (Object.keys(req.query as Q).length !== 1) throw badRequest('With the alternate request syntax, every parameter travels in the form body (§1.3).');
      if (!req.is('application/x-www-form-urlencoded')) throw badRequest('The alternate request syntax needs an application/x-www-form-urlencoded body.');
    } catch (err) {
      return next(err);
    }
    form(req, res, (err?: unknown) => {
      if (err) return next(err);
      const fields = (req.body ?? {}) as Record<string, unknown>;
      const params = new URLSearchParams();
      let content: string | undefined;
      for (const [k, v] of Object.entries(fields)) {
        if (typeof v !== 'string') return next(badRequest(`Give ${k} once.`));
        if (FORM_HEADERS.includes(k.toLowerCase())) req.headers[k.toLowerCase()] = v;
        else if (k === 'content') content = v;
        else params.append(k, v);
      }
      if (content !== undefined) {
        res.locals.altBody = Buffer.from(content, 'utf8');
        req.headers['content-length'] = String(res.locals.altBody.length);
      }
      req.method = method.toUpperCase();
      const qs = params.toString();
      req.url = qs ? `${req.path}?${qs}` : req.path;
      next();
    });
  };
}

/**
 * The embedded LRS (xAPI 1.0.3 Communication): Statements (§2.1), the document resources (§2.3,
 * §2.6, §2.7), Activities (§2.5), Agents (§2.4) and About (§2.8) under {PUBLIC_URL}/xapi/, with
 * HTTP Basic authentication. HEAD is answered by express from each GET route, without the body.
 */
export function embeddedLrsRouter(deps: LrsRouterDeps): Router {
  const r = Router();
  const basePath = new URL(deps.publicUrl).pathname.replace(/\/+$/, '');
  const moreUrl = (token: string): string => `${basePath}/xapi/statements?more=${token}`;

  // Every answer, errors included, names the version.
  r.use([...LRS_PATHS, '/xapi/about'], (_req, res, next) => {
    res.set('X-Experience-API-Version', LRS_VERSION);
    next();
  });

  // About (§2.8) is public and needs no version header.
  r.get('/xapi/about', (req, res) => {
    onlyParams(req.query as Q, []);
    res.json({ version: [LRS_VERSION, '1.0.2', '1.0.1', '1.0.0'], extensions: { 'https://threadline.example/xapi/embedded-lrs': { resources: ['statements', 'activities', 'activities/state', 'activities/profile', 'agents', 'agents/profile', 'about'] } } });
  });

  r.use(alternateSyntax());

  r.use(LRS_PATHS, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const v = req.get('X-Experience-API-Version');
      if (!v) throw badRequest('The X-Experience-API-Version header is required.');
      if (!ACCEPTED_VERSIONS.test(v.trim())) throw badRequest(`xAPI version ${v} is not supported; use ${LRS_VERSION}.`);
      const creds = await deps.credentials();
      const m = /^Basic\s+(.+)$/i.exec(req.get('Authorization') ?? '');
      const [user, ...rest] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : [];
      if (!m || !safeEqual(user ?? '', creds.key) || !safeEqual(rest.join(':'), creds.secret)) {
        res.set('WWW-Authenticate', 'Basic realm="Threadline LRS", charset="UTF-8"');
        throw new LrsError(401, 'xapi_unauthorized', 'Valid basic-auth credentials for the embedded LRS are required.');
      }
      res.locals.lrsKey = creds.key;
      next();
    } catch (err) {
      next(err);
    }
  });

  // Bodies: the alternate syntax's `content` when there is one, else the request stream.
  const raw = express.raw({ limit: '10mb', type: () => true });
  const rawBody: RequestHandler = (req, res, next) => {
    if (res.locals.altBody !== undefined) {
      req.body = res.locals.altBody;
      next();
      return;
    }
    raw(req, res, next);
  };
  // Statements: JSON, or multipart/mixed with the attachments' contents (Communication §1.5.2),
  // kept in res.locals.attachments for the handler.
  const statementBody: RequestHandler = (req, res, next) => {
    rawBody(req, res, (err?: unknown) => {
      if (err) return next(err);
      const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.locals.attachments = [];
      if (req.is('multipart/*')) {
        try {
          const { statements, attachments } = readMultipartStatements(buf, req.get('Content-Type') ?? '');
          req.body = statements;
          res.locals.attachments = attachments;
        } catch (e) {
          return next(e);
        }
        return next();
      }
      const text = buf.toString('utf8');
      try {
        req.body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        return next(badRequest('The body is not valid JSON.'));
      }
      next();
    });
  };
  const authority = (res: Response) => ({ objectType: 'Agent', account: { homePage: deps.publicUrl, name: String(res.locals.lrsKey) } });

  const parts = (res: Response): AttachmentContent[] => res.locals.attachments as AttachmentContent[];

  r.post('/xapi/statements', statementBody, async (req, res) => {
    onlyParams(req.query as Q, []);
    const body: unknown = req.body;
    if (body === undefined) throw badRequest('The body must be a statement or an array of statements.');
    const list = Array.isArray(body) ? body : [body];
    await checkAttachments(list, parts(res));
    const ids = await deps.lrs.store(list, authority(res), parts(res));
    res.set('X-Experience-API-Consistent-Through', deps.lrs.consistentThrough()).json(ids);
  });

  r.put('/xapi/statements', statementBody, async (req, res) => {
    onlyParams(req.query as Q, ['statementId']);
    const id = str(req.query as Q, 'statementId');
    if (!id) throw badRequest('PUT needs a statementId parameter.');
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be one statement.');
    const s = body as Record<string, unknown>;
    if (s.id !== undefined && String(s.id).toLowerCase() !== id.toLowerCase()) throw badRequest('The statement id does not match statementId.');
    await checkAttachments([s], parts(res));
    await deps.lrs.store([{ ...s, id }], authority(res), parts(res));
    res.status(204).end();
  });

  /**
   * The answer to a statement GET: JSON, or with attachments=true multipart/mixed — the JSON first,
   * then each attachment the statements carry and the LRS holds (Communication §2.1.3, §1.5.2).
   */
  async function answer(res: Response, body: unknown, statements: Json[], withAttachments: boolean): Promise<void> {
    if (!withAttachments) {
      res.json(body);
      return;
    }
    const hashes = [...new Set(statements.flatMap(attachmentHashes))];
    const files = await deps.lrs.attachments(hashes);
    const { body: out, contentType } = buildMultipart([
      { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) },
      ...files.map((f) => ({ headers: { 'Content-Type': f.contentType, 'Content-Transfer-Encoding': 'binary', 'X-Experience-API-Hash': f.sha2 }, body: f.content })),
    ]);
    res.type(contentType).send(out);
  }

  r.get('/xapi/statements', async (req, res) => {
    const q = req.query as Q;
    res.set('X-Experience-API-Consistent-Through', deps.lrs.consistentThrough());
    onlyParams(q, GET_PARAMS);
    const ranges = languageRanges(req.get('Accept-Language'));
    const statementId = str(q, 'statementId');
    const voidedId = str(q, 'voidedStatementId');
    if (statementId !== undefined || voidedId !== undefined) {
      if (statementId !== undefined && voidedId !== undefined) throw badRequest('Give statementId or voidedStatementId, not both.');
      if (FILTERS.some((f) => q[f] !== undefined) || q.more !== undefined) throw badRequest('statementId and voidedStatementId take no other filters.');
      const found = await deps.lrs.get((statementId ?? voidedId)!, { voided: voidedId !== undefined, format: format(q) });
      if (!found) throw new LrsError(404, 'xapi_not_found', 'No such statement.');
      const st = format(q) === 'canonical' ? canonicalFormat(found, ranges) : found;
      await answer(res, st, [st], bool(q, 'attachments'));
      return;
    }
    let query: Omit<StatementQuery, 'after'>;
    let fmt: StatementFormat;
    let after: Cursor['a'] | undefined;
    let withAttachments: boolean;
    const more = str(q, 'more');
    if (more !== undefined) {
      const c = decodeCursor(more);
      query = c.q;
      fmt = c.f;
      after = c.a;
      withAttachments = c.t === true;
    } else {
      query = parseQuery(q);
      fmt = format(q);
      withAttachments = bool(q, 'attachments');
    }
    const page = await deps.lrs.query({ ...query, after }, fmt);
    const next = page.next ? encodeCursor({ q: query, f: fmt, a: JSON.parse(page.next) as Cursor['a'], t: withAttachments || undefined }) : null;
    const statements = fmt === 'canonical' ? page.statements.map((st) => canonicalFormat(st, ranges)) : page.statements;
    await answer(res, { statements, more: next ? moreUrl(next) : '' }, statements, withAttachments);
  });

  r.use(documentRouter({ lrs: deps.lrs, documents: deps.documents, rawBody }));

  return r;
}
