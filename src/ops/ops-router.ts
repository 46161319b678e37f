import { Router, type Request } from 'express';
import { safeEqual, sha256 } from '../ids.js';
import { NotFoundError, UnauthorizedError } from '../web/errors.js';
import type { HealthService } from './health-service.js';
import type { Metrics } from './metrics-registry.js';

export interface OpsRouterDeps {
  health: HealthService;
  metrics: Metrics;
  /** METRICS_TOKEN; null: /metrics is off (404). */
  metricsToken: string | null;
}

/**
 * Probes and metrics for whoever runs Threadline: outside LTI (no launch, no session), and nothing
 * in their answers is about a person.
 */
export function opsRouter(deps: OpsRouterDeps): Router {
  const r = Router();

  // Liveness: the process is up and its event loop answers. No database: a database outage must
  // not get healthy processes restarted.
  r.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  // Readiness: send traffic here only when the database answers, the schema is current, and the
  // process is not shutting down (then 503 lets a load balancer drain it).
  r.get('/readyz', async (_req, res) => {
    const state = await deps.health.readiness();
    res.set('Cache-Control', 'no-store');
    if (state.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not_ready', reason: state.reason });
  });

  r.get('/metrics', async (req, res) => {
    // Off unless configured: an unset token must not mean "open to anyone".
    if (deps.metricsToken === null) throw new NotFoundError('There is no page at this address.').tr('errors:no_page');
    if (!bearerMatches(req, deps.metricsToken)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedError('metrics_token_invalid', 'Metrics need the bearer token configured in METRICS_TOKEN.').tr('ops:metrics_token_invalid');
    }
    const { contentType, body } = await deps.metrics.render();
    res.set('Cache-Control', 'no-store').type(contentType).send(body);
  });

  return r;
}

/** RFC 6750 §2.1 bearer token; compared as hashes, in constant time whatever the lengths. */
function bearerMatches(req: Request, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m !== null && safeEqual(sha256(m[1]!), sha256(token));
}
