import { decodeJwt } from 'jose';
import type { Clock } from '../clock.js';
import { randomToken, safeEqual, sha256 } from '../ids.js';
import type { SessionStore } from '../web/session-store.js';
import type { OutboxStore } from '../xapi/outbox-store.js';
import { buildStatement, type StatementBuilderOptions } from '../xapi/statement-builder.js';
import type { IdTokenVerifier } from './id-token-verifier.js';
import { parseLaunchClaims, type LaunchClaims } from './launch-claims.js';
import type { LaunchContext } from './launch-context.js';
import { LaunchError, type RefusalWhere } from './launch-errors.js';
import type { LaunchStore } from './launch-store.js';
import type { LoginState, LoginStateStore } from './login-state-store.js';
import type { Platform, PlatformStore } from './platform-store.js';

export interface LaunchRequest {
  idToken: string | undefined;
  state: string | undefined;
  /** The binding secret from our state cookie, when the browser sent it. */
  cookieBinding: string | undefined;
  /** The binding secret read back from platform storage by the launch page, when it did. */
  storageBinding: string | undefined;
}

export type LaunchOutcome =
  | { kind: 'launched'; sessionToken: string; launch: LaunchContext }
  /** No cookie came back but the platform offers storage: the browser must read it and retry. */
  | { kind: 'check_storage'; state: LoginState; platform: Platform };

export interface LaunchServiceDeps {
  states: LoginStateStore;
  platforms: PlatformStore;
  verifier: IdTokenVerifier;
  launches: LaunchStore;
  sessions: SessionStore;
  clock: Clock;
  publicUrl: string;
  clockSkewSeconds: number;
  sessionIdleSeconds: number;
  /** Where the `launched` statement goes; without it no statement is recorded. */
  xapi?: { outbox: Pick<OutboxStore, 'enqueue'>; statements: StatementBuilderOptions };
}

/** What the launch had established when it was refused, for `LaunchError.where`. */
interface Known {
  /** From the login state (ours), as soon as it is read. */
  platformId?: string;
  platform?: Platform;
  deploymentId?: string;
}

/**
 * The platform and deployment a refused launch names: ours when the login state got that far,
 * else what the (unverified) id_token claims, cut short; never the token itself.
 */
function refusalWhere(req: LaunchRequest, known: Known): RefusalWhere {
  let claimed: Record<string, unknown> = {};
  try {
    if (req.idToken) claimed = decodeJwt(req.idToken) as Record<string, unknown>;
  } catch {
    /* not a JWT: nothing claimed */
  }
  const str = (v: unknown): string | null => (typeof v === 'string' && v ? v.slice(0, 255) : null);
  const aud = Array.isArray(claimed.aud) ? claimed.aud[0] : claimed.aud;
  return {
    platformId: known.platform?.id ?? known.platformId ?? null,
    issuer: known.platform?.issuer ?? str(claimed.iss),
    clientId: known.platform?.clientId ?? str(aud),
    deploymentId: str(known.deploymentId ?? claimed['https://purl.imsglobal.org/spec/lti/claim/deployment_id']),
  };
}

export function createLaunchService(deps: LaunchServiceDeps) {
  return {
    async launch(req: LaunchRequest): Promise<LaunchOutcome> {
      const known: Known = {};
      try {
        return await launchOnce(req, known);
      } catch (err) {
        if (err instanceof LaunchError && !err.where) err.where = refusalWhere(req, known);
        throw err;
      }
    },
  };

  async function launchOnce(req: LaunchRequest, known: Known): Promise<LaunchOutcome> {
    // (An inner block keeps the steps below as they were indented before `known` was added.)
    {
      const now = deps.clock.now();
      // Security Framework §5.1.1.3 / OIDC §3.1.2.7: the state MUST match the one this browser was given.
      if (!req.state) throw new LaunchError('state_missing', 'The launch arrived without its login state.', 'Reload the page in your course to launch again.');
      if (!req.idToken) throw new LaunchError('jwt_malformed', 'The launch arrived without an id_token.');
      const state = await deps.states.get(req.state);
      if (!state) throw new LaunchError('state_unknown', 'This launch does not match any login Threadline started.', 'Reload the page in your course to launch again.');
      known.platformId = state.platformId;
      if (state.usedAt !== null) throw new LaunchError('replayed', 'This launch has already been used. A launch can only be used once.', 'Reload the page in your course to launch again.');
      if (state.expiresAt < now) throw new LaunchError('state_expired', 'The login took too long and expired.', 'Reload the page in your course to launch again.');

      const bound = [req.cookieBinding, req.storageBinding].some((b) => b !== undefined && safeEqual(sha256(b), state.bindingHash));
      if (!bound) {
        if (state.storageTarget && req.storageBinding === undefined) {
          const platform = await deps.platforms.get(state.platformId);
          if (platform) return { kind: 'check_storage', state, platform };
        }
        throw new LaunchError(
          'state_not_bound',
          'Your browser did not keep the sign-in cookie Threadline needs inside this course page.',
          'Open Threadline in a new window to continue; your browser is blocking cookies inside embedded pages.',
        );
      }
      // Single use: of two requests racing with the same form, exactly one gets past here.
      if (!(await deps.states.consume(state.state, now))) {
        throw new LaunchError('replayed', 'This launch has already been used. A launch can only be used once.', 'Reload the page in your course to launch again.');
      }
      const platform = await deps.platforms.get(state.platformId);
      if (!platform) throw new LaunchError('platform_unknown', 'Threadline is no longer registered with this platform.');
      known.platform = platform;
      if (platform.status !== 'active') throw new LaunchError('platform_disabled', 'Threadline has been disabled for this platform.', 'Ask your Threadline administrator.');

      const payload = await deps.verifier.verify(req.idToken, { platform, expectedNonce: state.nonce, clockSkewSeconds: deps.clockSkewSeconds });
      const claims = parseLaunchClaims(payload, deps.publicUrl);
      known.deploymentId = claims.deploymentId;
      // LTI Core §3.1.3 / §5.3.3: the deployment must be one this platform registered with us.
      const deployment = await deps.platforms.findDeployment(platform.id, claims.deploymentId);
      if (!deployment) {
        throw new LaunchError(
          'deployment_unknown',
          `This course uses a deployment of Threadline (deployment id "${claims.deploymentId}") that has not been registered.`,
          `An administrator can add it with: npm run platform -- deployment add --issuer '${platform.issuer}' --client-id '${platform.clientId}' --deployment-id '${claims.deploymentId}'`,
        );
      }
      // LTI Core §5.1.2 (deployment_id): the tool decides which deployments it serves; an admin
      // disabled this one (admin area), so its launches are refused until it is enabled again.
      if (deployment.status === 'disabled') {
        throw new LaunchError(
          'deployment_disabled',
          `Threadline has been disabled for this deployment (deployment id "${claims.deploymentId}").`,
          'Ask your Threadline or LMS administrator to enable it again.',
        ).tr('admin:errors.deploymentDisabled', { deploymentId: claims.deploymentId });
      }
      const xapi = deps.xapi;
      const rows = await deps.launches.record(
        platform.id,
        deployment.id,
        claims,
        now,
        xapi &&
          (async (trx, written) => {
            // The statement is queued in the launch's own transaction: no launch without its
            // statement, no statement for a launch that rolled back.
            const l = toLaunchContext(platform, deployment, claims, written, now);
            // Only a named user's resource-link launch is a learning act; anonymous and deep-linking
            // launches have no actor or nothing launched.
            if (!l.user || !l.context || !l.resourceLink || l.messageType !== 'LtiResourceLinkRequest') return;
            // The login state is single-use, so it identifies this launch: its statement id is stable.
            const statement = buildStatement({ kind: 'launched', id: state.state, at: now }, { ...l, user: l.user }, xapi.statements);
            await xapi.outbox.enqueue(trx, [statement], platform.id);
          }),
      );
      const launch = toLaunchContext(platform, deployment, claims, rows, now);
      const sessionToken = randomToken(32);
      await deps.sessions.insert({
        tokenHash: sha256(sessionToken),
        launch,
        csrfToken: randomToken(24),
        createdAt: now,
        expiresAt: now + deps.sessionIdleSeconds * 1000,
      });
      return { kind: 'launched', sessionToken, launch };
    }
  }
}

export type LaunchService = ReturnType<typeof createLaunchService>;

function toLaunchContext(
  platform: Platform,
  deployment: { id: string; deploymentId: string },
  c: LaunchClaims,
  rows: { userId: string | null; contextId: string | null; resourceLinkId: string | null },
  now: number,
): LaunchContext {
  const name = c.user.name ?? ([c.user.givenName, c.user.familyName].filter(Boolean).join(' ') || null);
  return {
    messageType: c.messageType,
    platform: { id: platform.id, issuer: platform.issuer, clientId: platform.clientId, productFamily: platform.productFamily ?? c.toolPlatform.productFamilyCode ?? null },
    deployment: { id: deployment.id, deploymentId: deployment.deploymentId },
    user: rows.userId && c.sub ? { id: rows.userId, sub: c.sub, name, email: c.user.email ?? null, picture: c.user.picture ?? null } : null,
    context: rows.contextId && c.context ? { id: rows.contextId, contextId: c.context.id, label: c.context.label ?? null, title: c.context.title ?? null } : null,
    resourceLink: rows.resourceLinkId && c.resourceLink ? { id: rows.resourceLinkId, resourceLinkId: c.resourceLink.id, title: c.resourceLink.title ?? null } : null,
    roles: c.roles,
    mentees: c.roleScopeMentor,
    locale: c.launchPresentation.locale ?? c.user.locale ?? 'en',
    returnUrl: c.launchPresentation.returnUrl ?? null,
    documentTarget: c.launchPresentation.documentTarget ?? null,
    custom: c.custom,
    nrps: c.nrps ? { contextMembershipsUrl: c.nrps.contextMembershipsUrl } : null,
    ags: c.ags ? { scope: c.ags.scope, lineItems: c.ags.lineItems ?? null, lineItem: c.ags.lineItem ?? null } : null,
    deepLinking: c.deepLinking,
    launchedAt: now,
  };
}
