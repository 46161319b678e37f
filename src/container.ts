import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/knex.js';
import type { HttpFetch } from './http-client.js';
import type { Logger } from './log.js';
import { createAgsClient } from './lti/ags-client.js';
import { createAnalyticsService } from './analytics/analytics-service.js';
import { createAnalyticsStore } from './analytics/analytics-store.js';
import { IdTokenVerifier } from './lti/id-token-verifier.js';
import { createLaunchService } from './lti/launch-service.js';
import { createLaunchStore } from './lti/launch-store.js';
import { createLoginService } from './lti/login-service.js';
import { createLoginStateStore } from './lti/login-state-store.js';
import { createNrpsClient } from './lti/nrps-client.js';
import { createJourneyService } from './journey/journey-service.js';
import { createJourneyStore } from './journey/journey-store.js';
import { createJourneyPrepStatusSource } from './journey/journey-prep-status.js';
import { createRosterService } from './journey/roster-service.js';
import { createRosterStore } from './journey/roster-store.js';
import { PlatformJwks } from './lti/platform-jwks.js';
import { cachedPlatformStore, createPlatformStore } from './lti/platform-store.js';
import { ServiceTokens } from './lti/service-token.js';
import { createToolKeyStore } from './lti/tool-key-store.js';
import { ToolKeys } from './lti/tool-keys.js';
import { createPostService } from './discussion/post-service.js';
import { createPostStore } from './discussion/post-store.js';
import { createThreadService } from './discussion/thread-service.js';
import { createThreadStore } from './discussion/thread-store.js';
import { createSearchService } from './search/search-service.js';
import { createSearchStore } from './search/search-store.js';
import { createCurationService } from './curation/curation-service.js';
import { createFlagStore } from './curation/flag-store.js';
import { createWriteLimiter, createWriteLog } from './curation/rate-limits.js';
import { createRankingStore } from './curation/ranking-store.js';
import { createTagService } from './curation/tag-service.js';
import { createTagStore } from './curation/tag-store.js';
import { createConnectionsService } from './connections/connections-service.js';
import { createConnectionsStore } from './connections/connections-store.js';
import { createMentionHooks } from './mentions/mention-hooks.js';
import { createMentionService } from './mentions/mention-service.js';
import { createNotificationStore } from './mentions/notification-store.js';
import { createPeopleStore } from './mentions/people-store.js';
import { createReadStore } from './mentions/read-store.js';
import { createSpaceService } from './spaces/space-service.js';
import { createPromptPrepStatusSource } from './readiness/prep-status.js';
import { createReadinessService } from './readiness/readiness-service.js';
import { createGradingService } from './readiness/grading-service.js';
import { createGradingStore } from './readiness/grading-store.js';
import { createSpaceStore } from './spaces/space-store.js';
import { createPromptStore } from './spaces/prompt-store.js';
import { createAnonymityStore } from './spaces/anonymity.js';
import { createPromptService } from './spaces/prompt-service.js';
import { createSpaceSettingsService } from './spaces/space-settings.js';
import { cachedSessionStore, createSessionStore } from './web/session-store.js';
import { createLrsSender, type LrsTarget } from './xapi/lrs-sender.js';
import { createTargetRouting, PRIMARY_LRS_ID } from './xapi/lrs-routing.js';
import { createLrsTargetStore } from './xapi/lrs-target-store.js';
import { createOutboxStore } from './xapi/outbox-store.js';
import { embeddedLrsCredentials } from './xapi/lrs/credentials.js';
import { createEmbeddedDelivery } from './xapi/lrs/embedded-delivery.js';
import { createLrsDocumentService } from './xapi/lrs/document-service.js';
import { createLrsDocumentStore } from './xapi/lrs/document-store.js';
import { createEmbeddedLrsService } from './xapi/lrs/lrs-service.js';
import { createLrsStatementStore } from './xapi/lrs/statement-store.js';
import type { XapiStatement } from './xapi/statement.js';
import { createHealthService } from './ops/health-service.js';
import { createMetrics } from './ops/metrics-registry.js';
import { createPrivacyService } from './privacy/privacy-service.js';
import { createPrivacyStore } from './privacy/privacy-store.js';
import { createAdminAuth } from './admin/admin-auth.js';
import { createAdminService } from './admin/admin-service.js';
import { createAdminTokenStore } from './admin/admin-token-store.js';
import { createLaunchRefusalStore } from './admin/launch-refusal-store.js';
import { createRefusalRecorder } from './admin/refusal-recorder.js';

export interface ContainerDeps {
  config: Config;
  db: Db;
  log: Logger;
  clock: Clock;
  /** Outbound HTTP; tests may pass their own. */
  fetch?: HttpFetch;
}

/** The one place that wires knex → stores → services. No I/O happens here. */
export function createContainer({ config, db, log, clock, fetch: fetchImpl = fetch }: ContainerDeps) {
  // Operations (ops/): Prometheus metrics fed by the router, the senders and the outbox; probes.
  const metrics = createMetrics({ log });
  const health = createHealthService({ db });
  const platforms = cachedPlatformStore(createPlatformStore(db), () => clock.now());
  const states = createLoginStateStore(db);
  const sessions = cachedSessionStore(createSessionStore(db), () => clock.now());
  const keys = new ToolKeys(createToolKeyStore(db), clock);
  const jwks = new PlatformJwks(clock, fetchImpl);
  const verifier = new IdTokenVerifier(jwks, clock);
  // xAPI: statements go to the outbox in the act's transaction, one row per target LRS that applies
  // to the act's platform (lrs-routing.ts); the sender (started by server.ts) delivers them. The
  // default target is XAPI_LRS_ENDPOINT, or the embedded LRS when that is unset.
  const primaryLrs: LrsTarget | null = config.xapi.lrs ? lrsTarget(PRIMARY_LRS_ID, config.xapi.lrs) : null;
  const lrsTargets = createLrsTargetStore(db);
  const lrsRouting = createTargetRouting({ store: lrsTargets, primary: primaryLrs, clock });
  const outbox = createOutboxStore(db, { clock, targets: lrsRouting });
  const xapiSender = createLrsSender({ outbox, targets: () => lrsRouting.senderTargets(), fetch: fetchImpl, clock, log, batchSize: config.xapi.batchSize, onDelivery: metrics.delivery });
  metrics.setBacklogSource(() => outbox.backlog(clock.now()));
  const statements = { publicUrl: config.publicUrl, actorNames: config.xapi.actorNames };
  // The embedded LRS at {PUBLIC_URL}/xapi/: where statements land when no external LRS is set.
  const embeddedLrs = createEmbeddedLrsService({ db, store: createLrsStatementStore(db), clock });
  const embeddedLrsDocuments = createLrsDocumentService({ db, store: createLrsDocumentStore(db), clock });
  const embeddedLrsCreds = embeddedLrsCredentials(db, clock, config.xapi.embeddedLrs);
  const embeddedDelivery = createEmbeddedDelivery({
    outbox,
    lrs: embeddedLrs,
    authority: { objectType: 'Agent', account: { homePage: config.publicUrl, name: 'threadline' } },
    clock,
    log,
    onDelivery: metrics.delivery,
  });
  const login = createLoginService({ platforms, states, clock, publicUrl: config.publicUrl });
  const launch = createLaunchService({
    states,
    platforms,
    verifier,
    launches: createLaunchStore(db),
    sessions,
    clock,
    publicUrl: config.publicUrl,
    clockSkewSeconds: config.clockSkewSeconds,
    sessionIdleSeconds: config.sessionIdleSeconds,
    xapi: { outbox, statements },
  });
  // LTI Advantage services: one token cache per process, shared by NRPS and AGS.
  const serviceTokens = new ServiceTokens({ keys, clock, fetch: fetchImpl });
  const nrps = createNrpsClient(serviceTokens);
  const ags = createAgsClient(serviceTokens, clock);
  // Who is in a course: the NRPS roster (read on demand, kept a while) joined with launches.
  const roster = createRosterService({ store: createRosterStore(db), nrps, platforms, clock, log });
  const spaces = createSpaceService(createSpaceStore(db), clock);
  // Discussion: threads and posts in a space; every lookup is scoped by the launch's course.
  // Each act queues its xAPI statement in its own transaction; a view, which writes nothing else, on its own.
  const discussion = {
    spaces: createSpaceStore(db),
    threads: createThreadStore(db),
    posts: createPostStore(db),
    prompts: createPromptStore(db),
    anonymity: createAnonymityStore(db),
    clock,
    xapi: { outbox, statements, enqueueAlone: (list: XapiStatement[], platformId: string | null) => outbox.enqueue(db, list, platformId) },
    // Per-user write limits, counted from the rows themselves (curation/rate-limits.ts).
    limits: createWriteLimiter(createWriteLog(db), config.rateLimits),
    tags: createTagStore(db),
  };
  // @mentions and notifications: posts render against the course's people and notify them in the post's transaction.
  const people = createPeopleStore(db);
  const notifications = createNotificationStore(db);
  // Journey (issue 5): prep completion is checked inside the answer/reply transaction that may complete it.
  const journey = createJourneyService({ spaces: discussion.spaces, journey: createJourneyStore(db), clock, db, xapi: discussion.xapi });
  const withMentions = { ...discussion, mentions: createMentionHooks({ people, notifications, xapi: discussion.xapi }), journey };
  const mentions = createMentionService({ spaces: discussion.spaces, people, notifications, reads: createReadStore(db), clock, anonymity: discussion.anonymity });
  const threads = createThreadService(withMentions);
  const posts = createPostService(withMentions);
  // Space settings and prep prompts (staff); answers go through `posts` (a reply to the prompt).
  const spaceSettings = createSpaceSettingsService({ spaces: discussion.spaces, clock });
  const prompts = createPromptService(discussion);
  // Search: queues its `searched` statement without waiting; a failure is logged, the page unharmed.
  const search = createSearchService({ spaces: discussion.spaces, anonymity: discussion.anonymity, search: createSearchStore(db), clock, xapi: discussion.xapi, onRecordError: (err) => log.warn({ err }, 'searched statement not queued') });
  const curation = createCurationService({ ...discussion, flags: createFlagStore(db), ranking: createRankingStore(db) });
  const tags = createTagService(discussion);
  // Connections: the course's people directory (help per tag, profiles, "who knows X").
  const connections = createConnectionsService({ spaces: discussion.spaces, connections: createConnectionsStore(db), clock });
  // Readiness before the event: roster × prep status, "prepared" by the journey's own completion
  // rule (journey-prep-status.ts), so roster, CSV and grading agree with the learner's checklist.
  const prepStatus = createJourneyPrepStatusSource({ db, journey: createJourneyStore(db), activity: createPromptPrepStatusSource(db) });
  const readiness = createReadinessService({ spaces: discussion.spaces, roster, prep: prepStatus, clock });
  // Participation grading (optional per space) through AGS; server.ts retries failed sends.
  const grading = createGradingService({ store: createGradingStore(db), spaces: discussion.spaces, roster, prep: prepStatus, ags, platforms, clock, log });
  // Analytics (issue 5): the instructor dashboard, aggregated in SQL over the same tables.
  const analytics = createAnalyticsService({ store: createAnalyticsStore(db), roster, clock });
  // Privacy (issue 6): export and erase a user, retention per platform (server.ts runs the job).
  const privacy = createPrivacyService({ db, store: createPrivacyStore(db), clock, publicUrl: config.publicUrl, outboxKeepDays: config.privacy.outboxKeepDays, log, onErased: (userId) => sessions.forgetUser?.(userId) });
  // Admin area (issue 6): tool-wide admins by token, platform admins by launch; refused launches recorded.
  const launchRefusals = createLaunchRefusalStore(db);
  const onLaunchRefused = createRefusalRecorder({ store: launchRefusals, clock, log });
  const adminAuth = createAdminAuth({ store: createAdminTokenStore(db), clock });
  const admin = createAdminService({ platforms, keys, lrsTargets, lrsRouting, outbox, refusals: launchRefusals, clock });
  return { config, db, log, clock, fetch: fetchImpl, platforms, states, sessions, keys, jwks, login, launch, serviceTokens, nrps, ags, roster, spaces, threads, posts, spaceSettings, prompts, outbox, xapiSender, statements, embeddedLrs, embeddedLrsDocuments, embeddedLrsCreds, embeddedDelivery, search, curation, tags, mentions, lrsTargets, lrsRouting, connections, journey, readiness, grading, metrics, health, analytics, privacy, launchRefusals, onLaunchRefused, adminAuth, admin };
}

export type Container = ReturnType<typeof createContainer>;

/** The LRS from XAPI_LRS_ENDPOINT as a sender target; its password stays non-enumerable. */
function lrsTarget(id: string, c: { endpoint: string; username: string | null; password: string | null }): LrsTarget {
  const t = { id, endpoint: c.endpoint, username: c.username } as LrsTarget;
  Object.defineProperty(t, 'password', { value: c.password, enumerable: false });
  return t;
}
