import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log.js';

/** What a delivery attempt came to, per statement: the sender's three outcomes. */
export type DeliveryResult = 'sent' | 'failed' | 'dead';

/** Per LRS target: statements waiting and how long the oldest has waited. */
export interface BacklogReading {
  lrsId: string;
  depth: number;
  oldestAgeMs: number | null;
}

/**
 * Threadline's Prometheus metrics (prom-client). One registry per server, not prom-client's global
 * one, so several servers in one process (tests, benchmarks) never count into each other.
 * Every label has a bounded set of values: route templates (never raw URLs with ids), status
 * codes, launch refusal codes, LRS target ids.
 */
export interface Metrics {
  readonly registry: Registry;
  /** One finished HTTP request; `route` is the express route template (or a fixed bucket). */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** A launch that reached the tool: 'ok', or the LaunchRefusal code it was refused with. */
  launch(result: string): void;
  /** `n` statements to LRS target `lrsId` came to `result`. */
  delivery(lrsId: string, result: DeliveryResult, n: number): void;
  /** Read at every scrape (a cheap query over pending rows), so the gauges are never stale. */
  setBacklogSource(read: () => Promise<BacklogReading[]>): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * prom-client's process metrics (CPU, memory, event loop lag, GC) describe the process, not a
 * server: one registry for the process, made at the first scrape. Its event-loop monitor samples
 * on a timer, so tests and benchmarks that start many servers and never scrape don't start it.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'threadline_' });
  }
  return processRegistry;
}

export function createMetrics(opts: { log: Logger; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();

  const requests = new Counter({
    name: 'threadline_http_requests_total',
    help: 'HTTP requests by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'threadline_http_request_duration_seconds',
    help: 'HTTP request latency by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const launches = new Counter({
    name: 'threadline_lti_launches_total',
    help: "LTI launches by result: 'ok', or the refusal code (state_expired, signature_invalid, …).",
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'threadline_xapi_deliveries_total',
    help: 'xAPI statements the senders handled, by LRS target and result (sent, failed: retried later, dead: rejected).',
    labelNames: ['lrs', 'result'] as const,
    registers: [registry],
  });

  let backlog: (() => Promise<BacklogReading[]>) | null = null;
  // Both gauges come from one reading per scrape; the first collect() reads, the second reuses it.
  let reading: Promise<BacklogReading[]> | null = null;
  const read = (): Promise<BacklogReading[]> => {
    reading ??= (backlog ? backlog() : Promise.resolve([])).catch((err: unknown) => {
      // A scrape must still answer (process metrics are useful when the database is not); the
      // gauges are left empty rather than showing stale numbers.
      opts.log.warn({ err }, 'outbox backlog could not be read for /metrics');
      return [];
    });
    return reading;
  };
  new Gauge({
    name: 'threadline_xapi_outbox_depth',
    help: 'xAPI statements waiting for delivery (not delivered, not dead), by LRS target.',
    labelNames: ['lrs'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read()) this.set({ lrs: r.lrsId }, r.depth);
    },
  });
  new Gauge({
    name: 'threadline_xapi_outbox_oldest_age_seconds',
    help: 'Age of the oldest xAPI statement waiting for delivery, by LRS target (0 when none waits).',
    labelNames: ['lrs'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read()) this.set({ lrs: r.lrsId }, (r.oldestAgeMs ?? 0) / 1000);
    },
  });

  return {
    registry,
    httpRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    launch(result) {
      launches.inc({ result });
    },
    delivery(lrsId, result, n) {
      if (n > 0) deliveries.inc({ lrs: lrsId, result }, n);
    },
    setBacklogSource(fn) {
      backlog = fn;
    },
    async render() {
      try {
        // Two registries in the text format concatenate into one valid exposition (distinct names).
        const own = await registry.metrics();
        return { contentType: registry.contentType, body: opts.defaultMetrics === false ? own : `${own}\n${await processMetrics().metrics()}` };
      } finally {
        reading = null;
      }
    },
  };
}
