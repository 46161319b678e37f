import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Container } from './container.js';
import { configRouter } from './lti/config-router.js';
import { ltiRouter } from './lti/lti-router.js';
import { registrationRouter } from './lti/registration-router.js';
import { discussionRouter } from './discussion/discussion-router.js';
import { API_BASE, apiRouter } from './api/api-router.js';
import { apiRoutes } from './api/api-routes.js';
import { searchRouter } from './search/search-router.js';
import { connectionsRouter } from './connections/connections-router.js';
import { readinessRouter } from './readiness/readiness-router.js';
import { analyticsRouter } from './analytics/analytics-router.js';
import { curationRouter } from './curation/curation-router.js';
import { journeyRouter } from './journey/journey-router.js';
import { mentionRouter } from './mentions/mention-router.js';
import { spaceRouter } from './spaces/space-router.js';
import { spaceSettingsRouter } from './spaces/space-settings-router.js';
import { landingPath } from './spaces/space-service.js';
import { fieldMessage } from './discussion/discussion-input.js';
import { errorHandler } from './web/error-handler.js';
import { NotFoundError } from './web/errors.js';
import { createI18n } from './i18n/i18n.js';
import { liveNavigation } from './web/live-navigation.js';
import { localize } from './web/locale.js';
import { requestLog } from './web/request-log.js';
import { platformOrigins, securityHeaders } from './web/security-headers.js';
import { requireSession } from './web/session.js';
import { xapiRouter } from './xapi/xapi-router.js';
import { embeddedLrsRouter } from './xapi/lrs/lrs-router.js';
import { httpMetrics } from './ops/http-metrics.js';
import { opsRouter } from './ops/ops-router.js';
import { registerRateLimit } from './ops/register-rate-limit.js';
import { routeTemplate } from './web/route-template.js';
import { adminRouter } from './admin/admin-router.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? '..' : '.');

/** Builds the express app from a container. No I/O at import time. */
export function createApp(c: Container): Express {
  const app = express();
  app.set('trust proxy', c.config.trustProxy);
  app.set('views', path.join(root, 'views'));
  app.set('view engine', 'ejs');
  // Post forms' field errors are catalogue keys; every view that prints one translates with this.
  app.locals.fieldMessage = fieldMessage;
  // Compile each template once; express only does this by default when NODE_ENV=production.
  app.set('view cache', true);
  app.disable('x-powered-by');

  app.use(routeTemplate());
  app.use(requestLog(c.log));
  app.use(httpMetrics(c.metrics));
  app.use(localize(createI18n(path.join(root, 'locales'))));
  app.use(liveNavigation());
  // Probes and metrics before anything that reads the database (security headers list platforms):
  // /healthz must answer while the database is down.
  app.use(opsRouter({ health: c.health, metrics: c.metrics, metricsToken: c.config.ops.metricsToken }));
  app.use('/public', express.static(path.join(root, 'public'), { maxAge: '1h', index: false }));
  app.use(securityHeaders(frameAncestorsFrom(c)));

  const session = requireSession(c.sessions, c.clock, c.config.sessionIdleSeconds);
  app.get('/', (_req, res) => res.render('home', { title: 'Threadline', publicUrl: c.config.publicUrl }));
  app.use(ltiRouter({ publicUrl: c.config.publicUrl, login: c.login, launch: c.launch, states: c.states, keys: c.keys, clock: c.clock, log: c.log, landingPath: async (launch) => landingPath(await c.spaces.landing(launch)), onLaunch: (result) => c.metrics.launch(result), onRefused: c.onLaunchRefused }));
  app.use('/lti/register', registerRateLimit({ perHour: c.config.ops.registerPerHour, trustProxy: c.config.trustProxy, log: c.log }));
  app.use(registrationRouter({ publicUrl: c.config.publicUrl, platforms: c.platforms, clock: c.clock, fetch: c.fetch, log: c.log }));
  app.use(configRouter({ publicUrl: c.config.publicUrl }));
  // Before the space page's own route: it adds the journey notice (prep checklist, due follow-ups) to it.
  app.use(journeyRouter({ journey: c.journey, session }));
  app.use(spaceRouter({ publicUrl: c.config.publicUrl, spaces: c.spaces, keys: c.keys, clock: c.clock, session }));
  // Before the discussion router: it adds the staff flag badge to the space page that one renders.
  app.use(curationRouter({ curation: c.curation, tags: c.tags, session }));
  app.use(discussionRouter({ threads: c.threads, posts: c.posts, session, mentions: c.mentions }));
  app.use(mentionRouter({ mentions: c.mentions, session }));
  app.use(API_BASE, apiRouter({ session, routes: apiRoutes(c), info: { publicUrl: c.config.publicUrl, version: '1.0.0' } }));
  app.use(spaceSettingsRouter({ settings: c.spaceSettings, prompts: c.prompts, session }));
  app.use(searchRouter({ search: c.search, session }));
  app.use(connectionsRouter({ connections: c.connections, session }));
  app.use(readinessRouter({ readiness: c.readiness, grading: c.grading, session }));
  app.use(analyticsRouter({ analytics: c.analytics, session }));
  app.use(xapiRouter());
  app.use(adminRouter({ admin: c.admin, auth: c.adminAuth, sessions: c.sessions, clock: c.clock, publicUrl: c.config.publicUrl, log: c.log, privacy: c.privacy }));
  app.use(embeddedLrsRouter({ publicUrl: c.config.publicUrl, lrs: c.embeddedLrs, documents: c.embeddedLrsDocuments, credentials: c.embeddedLrsCreds }));

  app.use(() => {
    throw new NotFoundError('There is no page at this address.').tr('errors:no_page');
  });
  app.use(errorHandler(c.log));
  return app;
}

/**
 * Registered platforms' origins, re-read at most every 5 s, and at once after a registration
 * through this process (so the LMS that just registered us can frame its first launch).
 */
function frameAncestorsFrom(c: Container): () => Promise<string[]> {
  let cached: string[] = [];
  let at = -Infinity;
  let seen = -1;
  return async () => {
    if (c.clock.now() - at < 5_000 && seen === c.platforms.generation()) return cached;
    seen = c.platforms.generation();
    const list = await c.platforms.list();
    cached = platformOrigins(list.flatMap((p) => [p.issuer, p.authEndpoint]));
    at = c.clock.now();
    return cached;
  };
}
