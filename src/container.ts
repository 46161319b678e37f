import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/knex.js';
import type { HttpFetch } from './http-client.js';
import type { Logger } from './log.js';
import { createAgsClient } from './lti/ags-client.js';
import { IdTokenVerifier } from './lti/id-token-verifier.js';
import { createLaunchService } from './lti/launch-service.js';
import { createLaunchStore } from './lti/launch-store.js';
import { createLoginService } from './lti/login-service.js';
import { createLoginStateStore } from './lti/login-state-store.js';
import { createNrpsClient } from './lti/nrps-client.js';
import { PlatformJwks } from './lti/platform-jwks.js';
import { cachedPlatformStore, createPlatformStore } from './lti/platform-store.js';
import { ServiceTokens } from './lti/service-token.js';
import { createToolKeyStore } from './lti/tool-key-store.js';
import { ToolKeys } from './lti/tool-keys.js';
import { createSpaceService } from './spaces/space-service.js';
import { createSpaceStore } from './spaces/space-store.js';
import { cachedSessionStore, createSessionStore } from './web/session-store.js';

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
  const platforms = cachedPlatformStore(createPlatformStore(db), () => clock.now());
  const states = createLoginStateStore(db);
  const sessions = cachedSessionStore(createSessionStore(db), () => clock.now());
  const keys = new ToolKeys(createToolKeyStore(db), clock);
  const jwks = new PlatformJwks(clock, fetchImpl);
  const verifier = new IdTokenVerifier(jwks, clock);
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
  });
  // LTI Advantage services: one token cache per process, shared by NRPS and AGS.
  const serviceTokens = new ServiceTokens({ keys, clock, fetch: fetchImpl });
  const nrps = createNrpsClient(serviceTokens);
  const ags = createAgsClient(serviceTokens, clock);
  const spaces = createSpaceService(createSpaceStore(db), clock);
  return { config, db, log, clock, fetch: fetchImpl, platforms, states, sessions, keys, jwks, login, launch, serviceTokens, nrps, ags, spaces };
}

export type Container = ReturnType<typeof createContainer>;
