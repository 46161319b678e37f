import express, { Router, type Request, type Response } from 'express';
import { withSession } from '../web/session.js';
import type { LaunchContext } from './launch-context.js';
import type { LaunchService } from './launch-service.js';
import { LaunchError, type LaunchRefusal } from './launch-errors.js';
import type { LoginRequest, LoginService } from './login-service.js';
import type { LoginStateStore } from './login-state-store.js';
import { clearStateCookie, readStateCookie, setStateCookie } from './state-cookie.js';
import type { ToolKeys } from './tool-keys.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

export interface LtiRouterDeps {
  publicUrl: string;
  login: LoginService;
  launch: LaunchService;
  states: LoginStateStore;
  keys: ToolKeys;
  clock: Clock;
  log: Logger;
  /** Told of every refused launch (admin area: launch_refusals); must not throw. */
  onRefused?(err: LaunchError): Promise<void> | void;
  /** Where a fresh launch should go first; saves the browser a hop through /app. */
  landingPath(launch: LaunchContext): Promise<string>;
  /** Each launch's outcome, 'ok' or the refusal code (ops metrics count them). */
  onLaunch?: (result: 'ok' | LaunchRefusal) => void;
}

const LOGIN_KEYS = ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'lti_deployment_id', 'client_id', 'lti_storage_target'] as const;

function loginParams(src: Record<string, unknown>): LoginRequest {
  const out: LoginRequest = {};
  for (const k of LOGIN_KEYS) if (typeof src[k] === 'string') out[k] = src[k] as string;
  return out;
}

const storageKey = (state: string): string => `tl_state_${state}`;

export function ltiRouter(deps: LtiRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  // Security Framework §6.3: our public keys, for platforms verifying what we sign.
  r.get('/.well-known/jwks.json', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(await deps.keys.jwks());
  });

  // Security Framework §5.1.1.1: platforms may initiate login with GET or POST (Moodle POSTs).
  const login = async (req: Request, res: Response): Promise<void> => {
    const params = loginParams(req.method === 'POST' ? (req.body as Record<string, unknown>) ?? {} : (req.query as Record<string, unknown>));
    await startLogin(params, res);
  };
  r.get('/lti/login', login);
  r.post('/lti/login', form, login);

  async function startLogin(params: LoginRequest, res: Response): Promise<void> {
    const started = await deps.login.start(params);
    setStateCookie(res, deps.publicUrl, started.state, started.binding);
    res.set('Cache-Control', 'no-store');
    if (started.storageTarget) {
      // The platform offers storage: keep the binding there too, in case our cookie is blocked.
      res.render('lti/login-storage', {
        title: res.locals.t('lti:opening'),
        authUrl: started.authUrl,
        storageTarget: started.storageTarget,
        platformOrigin: new URL(started.platform.authEndpoint).origin,
        storageKey: storageKey(started.state),
        binding: started.binding,
      });
      return;
    }
    // A GET redirect: Moodle's session cookie is SameSite=Lax, which a cross-site POST would lose.
    res.redirect(302, started.authUrl);
  }

  // When the browser blocked our cookie in the iframe, restart the login as a first-party window.
  r.get('/lti/login/restart', async (req, res) => {
    const state = typeof req.query.state === 'string' ? await deps.states.get(req.query.state) : null;
    if (!state || state.usedAt !== null || state.expiresAt < deps.clock.now()) {
      throw new LaunchError('state_unknown', 'This login can no longer be restarted.', 'Reload the page in your course to launch again.');
    }
    const { lti_storage_target: _ignored, ...params } = state.loginParams as LoginRequest;
    await startLogin(params, res);
  });

  r.post('/lti/launch', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const stateParam = typeof body.state === 'string' ? body.state : undefined;
    // OIDC Core §3.1.2.6: the platform may answer with an error instead of an id_token.
    if (typeof body.error === 'string' && !body.id_token) {
      const desc = typeof body.error_description === 'string' ? body.error_description : body.error;
      deps.onLaunch?.('login_params_invalid');
      throw new LaunchError('login_params_invalid', `The platform refused the sign-in: ${desc}`, 'Reload the page in your course; if it persists, ask your LMS administrator.');
    }
    try {
      const outcome = await deps.launch.launch({
        idToken: typeof body.id_token === 'string' ? body.id_token : undefined,
        state: stateParam,
        cookieBinding: stateParam ? readStateCookie(req, stateParam) : undefined,
        storageBinding: typeof body.storage_binding === 'string' ? body.storage_binding : undefined,
      });
      if (outcome.kind === 'check_storage') {
        res.set('Cache-Control', 'no-store');
        res.render('lti/launch-storage', {
          title: res.locals.t('lti:opening'),
          idToken: body.id_token,
          state: outcome.state.state,
          storageTarget: outcome.state.storageTarget,
          platformOrigin: new URL(outcome.platform.authEndpoint).origin,
          storageKey: storageKey(outcome.state.state),
          newWindowUrl: `/lti/login/restart?state=${encodeURIComponent(outcome.state.state)}`,
        });
        return;
      }
      if (stateParam) clearStateCookie(res, deps.publicUrl, stateParam);
      deps.onLaunch?.('ok');
      deps.log.info({ platform: outcome.launch.platform.id, deployment: outcome.launch.deployment.id, messageType: outcome.launch.messageType, user: outcome.launch.user?.id }, 'launch ok');
      res.redirect(303, withSession(await deps.landingPath(outcome.launch), outcome.sessionToken));
    } catch (err) {
      if (err instanceof LaunchError) {
        deps.log.warn({ reason: err.reason }, 'launch refused');
        deps.onLaunch?.(err.reason);
        await deps.onRefused?.(err);
        if (err.reason === 'state_not_bound' && stateParam) {
          Object.assign(err, { extra: { newWindowUrl: `/lti/login/restart?state=${encodeURIComponent(stateParam)}` } });
        }
      }
      throw err;
    }
  });

  return r;
}
