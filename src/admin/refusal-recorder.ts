import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { LaunchError } from '../lti/launch-errors.js';
import type { LaunchRefusalStore } from './launch-refusal-store.js';

/**
 * What lti-router.ts calls when it refuses a launch: one row in launch_refusals (reason code, the
 * platform and deployment the launch named, our own short message), never the id_token or who
 * the user was. Recording must never change the refusal the browser gets, so it runs in the
 * background and a failure is only logged.
 */
export function createRefusalRecorder(deps: { store: LaunchRefusalStore; clock: Clock; log: Logger }): (err: LaunchError) => Promise<void> {
  return async (err) => {
    const w = err.where;
    try {
      await deps.store.record({ platformId: w?.platformId ?? null, issuer: w?.issuer ?? null, clientId: w?.clientId ?? null, deploymentId: w?.deploymentId ?? null, reason: err.reason, detail: err.message }, deps.clock.now());
    } catch (e) {
      deps.log.warn({ err: e, reason: err.reason }, 'launch refusal not recorded');
    }
  };
}
