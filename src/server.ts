import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createContainer, type Container } from './container.js';
import { createDb, migrateLatest } from './db/knex.js';
import type { HttpFetch } from './http-client.js';
import { createLogger, type Logger } from './log.js';
import { createPeriodicWorker } from './periodic-worker.js';

/** How often the xAPI sender looks for statements to deliver. */
const XAPI_SEND_INTERVAL_MS = 1_000;
/** How often the retention job runs (privacy-service.ts runRetention). */
const RETENTION_INTERVAL_MS = 3_600_000;

export interface RunningServer {
  container: Container;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** config → database → migrations → first key → listen. Used by main.ts, tests and benchmarks. */
export async function startServer(config: Config, opts: { log?: Logger; clock?: Clock; fetch?: HttpFetch } = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = createDb(config.databaseUrl);
  await migrateLatest(db);
  const container = createContainer({ config, db, log, clock: opts.clock ?? systemClock, fetch: opts.fetch });
  await container.keys.ensureKey();
  const app = createApp(container);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  const purge = setInterval(() => {
    const now = container.clock.now();
    Promise.all([container.states.purgeExpired(now - 60_000), container.sessions.purgeExpired(now)]).catch((err: unknown) => log.warn({ err }, 'purge failed'));
  }, 5 * 60_000);
  purge.unref();
  // Participation grades that failed to reach the LMS are retried (with backoff) once a minute;
  // one run at a time, so a slow platform cannot pile runs up.
  let gradeRun: Promise<unknown> | null = null;
  const gradeRetry = setInterval(() => {
    gradeRun ??= container.grading.retryDue().catch((err: unknown) => log.warn({ err }, 'grade retry failed')).finally(() => (gradeRun = null));
  }, 60_000);
  gradeRetry.unref();
  container.xapiSender.start(XAPI_SEND_INTERVAL_MS);
  // Retention (issue 6): hourly, erase users past their platform's retention period and prune
  // delivered statements, expired sessions and login states. A pass that finds nothing is cheap.
  const retention = createPeriodicWorker({ job: () => container.privacy.runRetention(), onError: (err) => log.warn({ err }, 'retention pass failed') });
  retention.start(RETENTION_INTERVAL_MS);
  // Statements queued for the embedded LRS move into lrs_statements on the same interval.
  container.embeddedDelivery.start(XAPI_SEND_INTERVAL_MS);
  const port = (server.address() as AddressInfo).port;
  return {
    container,
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      // Graceful shutdown (issue 6). /readyz answers 503 from here on, so a load balancer drains us.
      container.health.startDraining();
      clearInterval(purge);
      clearInterval(gradeRetry);
      // Stop accepting connections; requests in flight run to their end. Keep-alive connections
      // would hold server.close() open, so each is closed as soon as it is idle (its request done).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const reap = setInterval(() => server.closeIdleConnections(), 50);
      try {
        // Meanwhile the workers end their run in flight and release this process's outbox claims,
        // so another instance can deliver those statements now rather than when the lease expires.
        await Promise.all([closed, gradeRun, retention.stop(), container.xapiSender.stop(), container.embeddedDelivery.stop()]);
      } finally {
        clearInterval(reap);
      }
      // Last: nothing uses the pool any more.
      await db.destroy();
    },
  };
}
