import { Router, type Response } from 'express';
import type { Clock } from '../clock.js';
import type { HttpFetch } from '../http-client.js';
import type { Logger } from '../log.js';
import { AppError } from '../web/errors.js';
import type { PlatformStore } from './platform-store.js';
import { createRegistrationService, platformUrlProblem } from './registration-service.js';

export interface RegistrationRouterDeps {
  publicUrl: string;
  platforms: PlatformStore;
  clock: Clock;
  fetch: HttpFetch;
  log: Logger;
}

/** LTI Dynamic Registration 1.0 at the fixed address GET /lti/register. */
export function registrationRouter(deps: RegistrationRouterDeps): Router {
  const registration = createRegistrationService(deps);
  const r = Router();

  r.get('/lti/register', async (req, res) => {
    const openidConfiguration = typeof req.query.openid_configuration === 'string' ? req.query.openid_configuration : undefined;
    // The token is a credential: it goes to the platform and nowhere else (not into logs or pages).
    const registrationToken = typeof req.query.registration_token === 'string' ? req.query.registration_token : undefined;
    res.set('Cache-Control', 'no-store');
    allowFramingBy(res, openidConfiguration);
    try {
      const outcome = await registration.register({ openidConfiguration, registrationToken });
      deps.log.info(
        { platform: outcome.platform.id, issuer: outcome.platform.issuer, clientId: outcome.platform.clientId, deployment: outcome.deploymentId, productFamily: outcome.productFamily },
        'dynamic registration ok',
      );
      res.render('lti/register-done', {
        title: res.locals.t('home:registered.title'),
        platform: outcome.platform,
        deploymentId: outcome.deploymentId,
        needsActivation: outcome.needsActivation,
        scopes: outcome.request.scope ? outcome.request.scope.split(' ') : [],
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      deps.log.warn({ code: err.code, status: err.status }, 'dynamic registration failed');
      res.locals.errorCode = err.code;
      // §3.6 asks the tool to signal the platform window "successfully or not"; this page does it
      // when the admin has read the problem and presses Close.
      res.status(err.status).render('lti/register-error', { title: res.locals.t('home:registerFailed'), error: err });
    }
  });

  return r;
}

/**
 * The LMS shows the registration page in an iframe before it is a registered platform, so its
 * origin is not yet among the CSP frame-ancestors: add the origin that sent the configuration.
 * Harmless if forged: the page has nothing to click that the forger could not request directly.
 */
function allowFramingBy(res: Response, configUrl: string | undefined): void {
  if (!configUrl || platformUrlProblem(configUrl)) return;
  const origin = new URL(configUrl).origin;
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp !== 'string') return;
  res.setHeader('Content-Security-Policy', csp.replace(/frame-ancestors([^;]*)/, (_m, list: string) => `frame-ancestors${list.trimEnd()} ${origin}`));
}
