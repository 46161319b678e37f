import crypto from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../clock.js';
import { createPeriodicWorker } from '../periodic-worker.js';
import { USER_AGENT, safeHost, type HttpFetch } from '../http-client.js';
import type { Logger } from '../log.js';
import type { ClaimedStatement, OutboxStore } from './outbox-store.js';

/** An LRS the sender delivers to. `id` is the outbox target id. */
export interface LrsTarget {
  id: string;
  /** The LRS's xAPI base endpoint, e.g. https://lrs.example.org/xapi/ (statements live under it). */
  endpoint: string;
  username: string | null;
  password: string | null;
}

export interface LrsSenderOptions {
  outbox: OutboxStore;
  /** The LRSs to deliver to, or a function asked before every pass (targets an admin adds while the server runs). */
  targets: LrsTarget[] | (() => Promise<LrsTarget[]>);
  fetch: HttpFetch;
  clock: Clock;
  log: Logger;
  /** Statements per POST (default 50). */
  batchSize?: number;
  /** How long a claim is held; must outlast one request (default 60 s). */
  leaseMs?: number;
  /** Per-request timeout (default 20 s). */
  timeoutMs?: number;
  /** Exponential backoff after a transient failure: base, doubled per attempt, capped (default 1 s … 10 min). */
  backoff?: { baseMs: number; maxMs: number };
  /** Batches per target per tick, so a backlog drains quickly without starving other targets (default 20). */
  maxBatchesPerTick?: number;
  /** Batches in flight per target at once (default 2). */
  concurrency?: number;
  workerId?: string;
  /** [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
  /** Told how many statements per target were sent, failed (retried later) or dead-lettered (ops/metrics). */
  onDelivery?: (lrsId: string, result: 'sent' | 'failed' | 'dead', n: number) => void;
}

export interface TickReport {
  delivered: number;
  dead: number;
  retried: number;
}

export interface LrsSender {
  readonly workerId: string;
  /** One pass over every target. Concurrent calls share the pass in progress. */
  tick(): Promise<TickReport>;
  start(intervalMs: number): void;
  /** Stops the interval, aborts the request in flight, and releases every claim this worker holds. */
  stop(): Promise<void>;
}

/** xAPI 1.0.3 Communication §3.3: every request names the version it speaks. */
export const XAPI_VERSION = '1.0.3';

type Answer =
  | { kind: 'ok' }
  | { kind: 'conflict'; detail: string }
  | { kind: 'rejected'; detail: string }
  | Transient;
type Transient = { kind: 'transient'; detail: string; retryAfterMs: number | null };

export function createLrsSender(o: LrsSenderOptions): LrsSender {
  const batchSize = o.batchSize ?? 50;
  const leaseMs = o.leaseMs ?? 60_000;
  const timeoutMs = o.timeoutMs ?? 20_000;
  const backoff = o.backoff ?? { baseMs: 1_000, maxMs: 10 * 60_000 };
  const maxBatches = o.maxBatchesPerTick ?? 20;
  const concurrency = Math.max(1, o.concurrency ?? 2);
  const random = o.random ?? Math.random;
  const workerId = o.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  /** After a transient failure a target is left alone until its backoff ends: its other rows would fail too. */
  const pausedUntil = new Map<string, number>();
  let abort = new AbortController();

  async function post(t: LrsTarget, statements: ClaimedStatement[]): Promise<Answer> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Experience-API-Version': XAPI_VERSION,
      'User-Agent': USER_AGENT,
    };
    // xAPI 1.0.3 Communication §4.1: HTTP Basic is the authentication every LRS must offer.
    if (t.username !== null) headers.Authorization = `Basic ${Buffer.from(`${t.username}:${t.password ?? ''}`).toString('base64')}`;
    let res: Response;
    let text: string;
    try {
      res = await o.fetch(statementsUrl(t.endpoint), {
        method: 'POST',
        headers,
        // The outbox holds each statement as JSON text already: join, don't parse and re-serialise.
        body: `[${statements.map((s) => s.json).join(',')}]`,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), abort.signal]),
      });
      text = (await res.text()).slice(0, 1000);
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : abort.signal.aborted ? 'was interrupted by shutdown' : 'could not be reached';
      return { kind: 'transient', detail: `${safeHost(t.endpoint)} ${why}`, retryAfterMs: null };
    }
    const detail = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
    if (res.ok) return { kind: 'ok' };
    // xAPI 1.0.3 Communication §2.1.3: 409 means the LRS already holds a statement with that id.
    if (res.status === 409) return { kind: 'conflict', detail };
    // 400: something in the batch is invalid and the LRS stored none of it (a batch is all or
    // nothing); 413: the batch is too large. Either way, smaller batches will get through.
    if (res.status === 400 || res.status === 413) return { kind: 'rejected', detail };
    // 429, 5xx and anything else (401/403/404 are configuration problems, not the statements'
    // fault): try again later, never drop the statements.
    return { kind: 'transient', detail, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), o.clock.now()) };
  }

  function delayFor(attempts: number, retryAfterMs: number | null): number {
    // The LRS said when to come back (RFC 9110 §10.2.3): believe it.
    if (retryAfterMs !== null) return retryAfterMs;
    // "Equal jitter": half the exponential delay fixed, half random, so many senders spread out.
    const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp / 2 + (random() * exp) / 2);
  }

  /**
   * Delivers a batch, or the parts of it that can be delivered. A 400/409 on a batch of several
   * is bisected until the statements at fault stand alone: those are dead-lettered (400) or taken as
   * already delivered (409), the rest go through. Returns the transient failure that stopped it, if any.
   */
  /** Adds to the pass's report and tells the metrics which target it was. */
  function tally(t: LrsTarget, report: TickReport, key: keyof TickReport, n: number): void {
    add(report, key, n);
    o.onDelivery?.(t.id, key === 'delivered' ? 'sent' : key === 'retried' ? 'failed' : 'dead', n);
  }

  async function deliver(t: LrsTarget, items: ClaimedStatement[], report: TickReport): Promise<Transient | null> {
    const answer = await post(t, items);
    const ids = items.map((i) => i.id);
    switch (answer.kind) {
      case 'ok':
        tally(t, report, 'delivered', await o.outbox.ack(ids, o.clock.now()));
        return null;
      case 'transient': {
        if (worker.stopped) {
          // Shutting down: hand the rows straight back, no backoff.
          tally(t, report, 'retried', await o.outbox.retryLater(ids, o.clock.now(), answer.detail));
          return answer;
        }
        const attempts = Math.max(...items.map((i) => i.attempts));
        const at = o.clock.now() + delayFor(attempts, answer.retryAfterMs);
        tally(t, report, 'retried', await o.outbox.retryLater(ids, at, answer.detail));
        pausedUntil.set(t.id, at);
        o.log.warn({ lrs: t.id, host: safeHost(t.endpoint), statements: items.length, retryAt: new Date(at).toISOString(), error: answer.detail }, 'xAPI delivery failed; will retry');
        return answer;
      }
      case 'conflict':
      case 'rejected': {
        if (items.length === 1) {
          const only = items[0]!;
          if (answer.kind === 'conflict') {
            // The LRS already has this id. Our ids are per act, so it is this act: counted once, done.
            o.log.warn({ lrs: t.id, statementId: only.statementId }, 'LRS already holds this statement id (409); treating it as delivered');
            tally(t, report, 'delivered', await o.outbox.ack(ids, o.clock.now()));
          } else {
            o.log.error({ lrs: t.id, statementId: only.statementId, error: answer.detail }, 'LRS rejected a statement; dead-lettered');
            tally(t, report, 'dead', await o.outbox.deadLetter(only.id, answer.detail));
          }
          return null;
        }
        const mid = Math.ceil(items.length / 2);
        const left = items.slice(0, mid);
        const right = items.slice(mid);
        const failed = await deliver(t, left, report);
        if (failed) {
          tally(t, report, 'retried', await o.outbox.retryLater(
            right.map((i) => i.id),
            worker.stopped ? o.clock.now() : (pausedUntil.get(t.id) ?? o.clock.now()),
            failed.detail,
          ));
          return failed;
        }
        return deliver(t, right, report);
      }
    }
  }

  async function drain(t: LrsTarget, report: TickReport): Promise<void> {
    let batches = 0;
    let done = false;
    // Each lane claims its own rows (claims never overlap), so up to `concurrency` POSTs are in
    // flight per target: the round trips of one batch overlap the claim and ack of the next.
    const lane = async (): Promise<void> => {
      while (!done && !worker.stopped && batches < maxBatches) {
        if ((pausedUntil.get(t.id) ?? 0) > o.clock.now()) return;
        batches++;
        const batch = await o.outbox.claim(t.id, batchSize, workerId, o.clock.now(), leaseMs);
        if (batch.length < batchSize) done = true;
        if (batch.length === 0) return;
        if (await deliver(t, batch, report)) done = true;
      }
    };
    // allSettled: a lane that fails must not leave the others running after the pass has ended
    // (stop() waits for the pass, then the database may close).
    const failed = (await Promise.allSettled(Array.from({ length: concurrency }, lane))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async function pass(): Promise<TickReport> {
    const report: TickReport = { delivered: 0, dead: 0, retried: 0 };
    let targets: LrsTarget[];
    try {
      targets = typeof o.targets === 'function' ? await o.targets() : o.targets;
    } catch (err) {
      o.log.error({ err }, 'xAPI sender could not read its LRS targets');
      return report;
    }
    for (const t of targets) {
      if (worker.stopped) break;
      try {
        await drain(t, report);
      } catch (err) {
        // A database hiccup: claims not acked expire and are picked up again.
        o.log.error({ err, lrs: t.id }, 'xAPI sender pass failed');
      }
    }
    return report;
  }

  const worker = createPeriodicWorker({ job: pass, onError: (err) => o.log.error({ err }, 'xAPI sender pass failed') });

  const sender: LrsSender = {
    workerId,
    tick() {
      if (worker.stopped) return Promise.resolve({ delivered: 0, dead: 0, retried: 0 });
      return worker.run();
    },
    start(intervalMs) {
      if (Array.isArray(o.targets) && o.targets.length === 0) return;
      if (abort.signal.aborted) abort = new AbortController();
      worker.start(intervalMs);
    },
    async stop() {
      // Stopped first, so the batch in flight hands its rows straight back (no backoff) when the
      // abort below ends its request; then wait for that batch before releasing what is left.
      const ended = worker.stop();
      abort.abort();
      await ended;
      try {
        await o.outbox.release(workerId);
      } catch (err) {
        o.log.warn({ err }, 'could not release xAPI claims; they expire on their own');
      }
    },
  };
  return sender;
}

/**
 * Adds to a shared report. Lanes run concurrently: `report.n += await x` reads report.n before
 * the await and would lose what other lanes added meanwhile.
 */
function add(report: TickReport, key: keyof TickReport, n: number): void {
  report[key] += n;
}

/** xAPI 1.0.3 Communication §2.1: the Statement Resource is `statements` under the LRS endpoint. */
export function statementsUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/statements`;
}

/** RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
