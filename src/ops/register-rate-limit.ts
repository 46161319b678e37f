import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from '../log.js';
import { AppError } from '../web/errors.js';

/**
 * Per-IP limit on Dynamic Registration (GET /lti/register): the endpoint is unauthenticated by
 * design (LTI Dynamic Registration §3.3: anyone can start it with an openid_configuration URL) and
 * every attempt makes us fetch from, and post to, a URL the caller chose.
 *
 * express-rate-limit with its in-memory store: each instance counts on its own, so behind N
 * instances a client gets up to N × `perHour`. That is enough here: the goal is to stop one
 * address hammering the endpoint, not to meter it exactly, and registrations are rare (one per
 * LMS, by an administrator). The client address is `req.ip`: set TRUST_PROXY behind a proxy, or
 * every client shares the proxy's budget.
 */
export function registerRateLimit(opts: { perHour: number; trustProxy: boolean | number | string; log: Logger }): RequestHandler {
  // The library's own configuration checks print to the console, outside our JSON logs; the one
  // that matters here is said once, at start, in the log.
  if (opts.trustProxy === true) {
    opts.log.warn('TRUST_PROXY=true believes any X-Forwarded-For, so a client can pick the address the /lti/register limit counts; set a hop count or the proxy subnet');
  }
  return rateLimit({
    validate: false,
    windowMs: 60 * 60_000,
    limit: opts.perHour,
    // RFC 9110 §10.2.3 Retry-After is set by the library on the 429; IETF RateLimit headers too.
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // IPv6 clients are counted per /56 (the library's default), so one host can't rotate addresses.
    handler: (req, res, next) => {
      // Refused before the route matched: name it for logs and metrics all the same.
      res.locals.routeTemplate = '/lti/register';
      const resetAt = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + 60_000;
      next(new RegisterRateLimitedError(Math.max(1, Math.ceil((resetAt - Date.now()) / 1000))));
    },
  });
}

export class RegisterRateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'register_rate_limited',
      `Too many registration attempts from your network. You can try again in ${retryAfterSeconds} seconds.`,
      'Wait, then start the registration again from your LMS.',
    );
    this.tr('ops:register_rate_limited', { count: retryAfterSeconds });
  }
}
