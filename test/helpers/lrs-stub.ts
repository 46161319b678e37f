import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import validation from '@learninglocker/xapi-validation';
import express, { type Request, type Response } from 'express';

/**
 * A real HTTP LRS for tests: the Statement Resource of xAPI 1.0.3 Communication §2.1, strict where
 * a client can go wrong (version header, basic auth, statement validity via Learning Locker's
 * validator, id conflicts, all-or-nothing batches) and able to misbehave on demand (503/429).
 */

type Validate = typeof validation.default;
/**
 * The package is CommonJS with `exports.default`; depending on the loader's interop the default
 * import is either the function or the exports object, so take whichever it is.
 */
const validate: Validate = typeof validation === 'function' ? (validation as unknown as Validate) : validation.default;

/** Learning Locker's xAPI validation: one line per problem (path, warning, expected type); empty means valid. */
export function xapiProblems(statement: unknown): string[] {
  return validate(JSON.parse(JSON.stringify(statement))).map(
    (w) => `${w.path.join('.')}: ${w.name}${'typeName' in w ? ` (${String((w as { typeName?: unknown }).typeName)})` : ''}`,
  );
}

export interface StubStatement {
  id: string;
  [key: string]: unknown;
}

export interface StubRequest {
  method: string;
  status: number;
  ids: string[];
  at: number;
}

interface Failure {
  status: number;
  retryAfter?: string;
}

export interface LrsStubOptions {
  username?: string;
  password?: string;
  /** Wait this long before answering each statements request (to widen race windows). */
  delayMs?: number;
}

export class LrsStub {
  url = '';
  /** Every request to the statements resource, in order. */
  readonly requests: StubRequest[] = [];
  /** Statements as first stored, in order. */
  readonly stored: StubStatement[] = [];
  /** How many times each statement id arrived in a request the LRS accepted (dedup makes >1 harmless). */
  readonly acceptedCount = new Map<string, number>();
  /** Statement ids that were in two requests being handled at the same time. */
  readonly concurrentDuplicates: string[] = [];
  /** The most statements requests this stub was handling at one time. */
  maxInFlight = 0;
  private inFlightRequests = 0;
  private readonly byId = new Map<string, { statement: StubStatement; canonical: string }>();
  private readonly inFlight = new Map<string, number>();
  private failNextCount = 0;
  private failNextWith: Failure = { status: 503 };
  private failUntilMs = 0;
  private failUntilWith: Failure = { status: 503 };
  private server?: Server;

  private constructor(private readonly opts: LrsStubOptions) {}

  static async start(opts: LrsStubOptions = {}): Promise<LrsStub> {
    const stub = new LrsStub(opts);
    const app = express();
    app.use(express.json({ limit: '20mb', type: () => true }));
    app.all('/xapi/statements', (req, res) => stub.handle(req, res));
    await new Promise<void>((resolve) => {
      stub.server = app.listen(0, '127.0.0.1', () => resolve());
    });
    stub.url = `http://127.0.0.1:${(stub.server!.address() as AddressInfo).port}`;
    return stub;
  }

  /** The xAPI endpoint to configure a client with (XAPI_LRS_ENDPOINT). */
  get endpoint(): string {
    return `${this.url}/xapi/`;
  }

  /** Answer the next `n` statements requests with `status` (and Retry-After, if given). */
  failNext(n: number, failure: Failure = { status: 503 }): void {
    this.failNextCount = n;
    this.failNextWith = failure;
  }

  /** Answer every statements request with `status` for the next `ms` milliseconds. */
  failFor(ms: number, failure: Failure = { status: 503 }): void {
    this.failUntilMs = Date.now() + ms;
    this.failUntilWith = failure;
  }

  /** The stored statement with this id, if any. */
  get(id: string): StubStatement | undefined {
    return this.byId.get(id)?.statement;
  }

  private async handle(req: Request, res: Response): Promise<void> {
    const ids = idsOf(req.body);
    const record = (status: number): void => {
      this.requests.push({ method: req.method, status, ids, at: Date.now() });
    };
    this.inFlightRequests++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlightRequests);
    for (const id of ids) {
      const n = this.inFlight.get(id) ?? 0;
      if (n > 0) this.concurrentDuplicates.push(id);
      this.inFlight.set(id, n + 1);
    }
    try {
      if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
      const failure = this.failNextCount > 0 ? (this.failNextCount--, this.failNextWith) : Date.now() < this.failUntilMs ? this.failUntilWith : null;
      if (failure) {
        if (failure.retryAfter !== undefined) res.set('Retry-After', failure.retryAfter);
        record(failure.status);
        res.status(failure.status).json({ error: 'LRS unavailable (simulated)' });
        return;
      }
      const problem = this.checkRequest(req);
      if (problem) {
        record(problem.status);
        res.status(problem.status).json({ error: problem.message });
        return;
      }
      const result = this.store(req);
      record(result.status);
      if (result.status === 200) res.status(200).json(result.ids);
      else if (result.status === 204) res.status(204).end();
      else res.status(result.status).json({ error: result.message });
    } finally {
      this.inFlightRequests--;
      for (const id of ids) this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1);
    }
  }

  private checkRequest(req: Request): { status: number; message: string } | null {
    // xAPI 1.0.3 Communication §3.3: requests without a 1.0.x version header are rejected.
    const version = req.get('X-Experience-API-Version');
    if (!version || !/^1\.0(\.\d+)?$/.test(version)) return { status: 400, message: `X-Experience-API-Version must be 1.0.x, got ${version ?? 'nothing'}` };
    if (this.opts.username !== undefined) {
      const expected = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
      const got = req.get('Authorization') ?? '';
      if (got.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected))) return { status: 401, message: 'bad credentials' };
    }
    if (req.method !== 'POST' && req.method !== 'PUT') return { status: 405, message: 'only POST and PUT are supported by this stub' };
    if (!req.is('application/json')) return { status: 400, message: 'Content-Type must be application/json' };
    return null;
  }

  /** xAPI 1.0.3 Communication §2.1.2 (PUT) and §2.1.3 (POST): all or nothing. */
  private store(req: Request): { status: number; ids: string[]; message?: string } {
    const body: unknown = req.body;
    let list: StubStatement[];
    if (req.method === 'PUT') {
      const statementId = typeof req.query.statementId === 'string' ? req.query.statementId : '';
      if (!statementId || Array.isArray(body) || typeof body !== 'object' || body === null) return { status: 400, ids: [], message: 'PUT takes one statement and a statementId parameter' };
      const s = body as StubStatement;
      if (s.id !== undefined && s.id !== statementId) return { status: 400, ids: [], message: 'statement id does not match statementId' };
      list = [{ ...s, id: statementId }];
    } else {
      const raw = Array.isArray(body) ? (body as unknown[]) : [body];
      list = raw.map((s) => (typeof s === 'object' && s !== null ? (s as StubStatement) : ({ id: '' } as StubStatement)));
      for (const s of list) if (s.id === undefined) s.id = crypto.randomUUID();
    }
    const problems = list.flatMap((s, i) => xapiProblems(s).map((p) => `[${i}] ${p}`));
    if (problems.length) return { status: 400, ids: [], message: `invalid statement(s): ${problems.join('; ')}` };
    const ids = list.map((s) => s.id);
    if (new Set(ids).size !== ids.length) return { status: 400, ids: [], message: 'duplicate statement ids in one batch' };
    const fresh: Array<{ statement: StubStatement; canonical: string }> = [];
    for (const s of list) {
      const canonical = canonicalJson(s);
      const existing = this.byId.get(s.id);
      // Same id, same content: a no-op. Same id, other content: conflict, and nothing is stored.
      if (existing && existing.canonical !== canonical) return { status: 409, ids: [], message: `statement ${s.id} already exists with different content` };
      if (!existing) fresh.push({ statement: s, canonical });
    }
    for (const f of fresh) {
      this.byId.set(f.statement.id, f);
      this.stored.push(f.statement);
    }
    for (const id of ids) this.acceptedCount.set(id, (this.acceptedCount.get(id) ?? 0) + 1);
    return req.method === 'PUT' ? { status: 204, ids } : { status: 200, ids };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function idsOf(body: unknown): string[] {
  const list = Array.isArray(body) ? body : [body];
  return list.flatMap((s) => (typeof s === 'object' && s !== null && typeof (s as { id?: unknown }).id === 'string' ? [(s as { id: string }).id] : []));
}

/** JSON with object keys sorted, so two encodings of the same statement compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
