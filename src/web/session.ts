import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { safeEqual, sha256 } from '../ids.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import type { Session, SessionStore } from './session-store.js';

/** Name of the query/body parameter that carries the launch session token. */
export const SESSION_PARAM = 'session';

declare module 'express-serve-static-core' {
  interface Locals {
    session?: Session;
    sessionToken?: string;
    launch?: LaunchContext;
  }
}

/**
 * Sessions don't ride on cookies: inside an LMS iframe third-party cookies are blocked by Safari
 * and Chromium, and one cookie would also mix up two courses open in two tabs. The token from a
 * launch travels in links and forms (`?session=`) or an `Authorization: Bearer` header (API).
 * Referrer-Policy: no-referrer keeps it from leaking to other sites; logs strip it.
 */
export function readSessionToken(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const q = req.query[SESSION_PARAM];
  if (typeof q === 'string' && q) return q;
  const b = (req.body as Record<string, unknown> | undefined)?.[SESSION_PARAM];
  if (typeof b === 'string' && b) return b;
  return undefined;
}

const TOUCH_EVERY_MS = 60_000;

export function requireSession(sessions: SessionStore, clock: Clock, idleSeconds: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = readSessionToken(req);
    if (!token) throw new UnauthorizedError('session_missing', 'Threadline needs to be opened from your course.', 'Open the Threadline link in your course again.').tr('errors:session_missing');
    const hash = sha256(token);
    const session = await sessions.get(hash);
    const now = clock.now();
    if (!session || session.expiresAt < now) {
      throw new UnauthorizedError('session_expired', 'Your Threadline session has expired.', 'Reload the page in your course to continue.').tr('errors:session_expired');
    }
    // Sliding expiry, written at most once a minute to keep reads cheap.
    const expiresAt = now + idleSeconds * 1000;
    if (expiresAt - session.expiresAt > TOUCH_EVERY_MS) await sessions.touch(hash, expiresAt);
    // Pages carry the session token in links and forms: never let a cache keep them.
    res.set('Cache-Control', 'no-store');
    res.locals.session = session;
    res.locals.sessionToken = token;
    res.locals.launch = session.launch;
    next();
  };
}

/**
 * Synchronizer-token CSRF defence (OWASP): every state-changing request carries the session's
 * CSRF token in the form body (`_csrf`) or the `X-CSRF-Token` header.
 */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const session = res.locals.session;
  const sent = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!session || typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
    throw new ForbiddenError('csrf_invalid', 'This form has expired or did not come from Threadline.', 'Reload the page and try again; what you typed is kept below.').tr('errors:csrf_invalid');
  }
  next();
}

/** `path` with the session token appended, for links and redirects inside the app. */
export function withSession(path: string, token: string): string {
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}${SESSION_PARAM}=${encodeURIComponent(token)}`;
}
