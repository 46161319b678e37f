import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';
import { isTransientDbError } from './db-errors.js';
import { AppError, localizedError } from './errors.js';

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path.startsWith('/xapi/') || (req.accepts(['html', 'json']) === 'json');
}

/** What a 503 for a busy database tells clients to wait, in seconds. */
export const DB_BUSY_RETRY_AFTER_SECONDS = 2;

/** The one place errors become responses: a page inside the iframe, or JSON for the API. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let appErr: AppError;
    const e = err as { type?: string; status?: number; expose?: boolean };
    if (err instanceof AppError) appErr = err;
    else if (e?.type === 'entity.too.large') appErr = new AppError(413, 'payload_too_large', 'What you sent is too large.', 'Shorten it and try again.').tr('errors:payload_too_large');
    else if (e?.type === 'entity.parse.failed' || e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') appErr = new AppError(400, 'malformed_body', 'The request body could not be read.').tr('errors:malformed_body');
    else if (isTransientDbError(err)) {
      // The database is busy (SQLite's write lock held past busy_timeout, a PostgreSQL serialization
      // failure or deadlock, a lost connection): the request itself was fine, so say "try again"
      // (RFC 9110 §15.6.4 503, with Retry-After §10.2.3) rather than "something broke".
      // Code and name only: knex puts the SQL (with its values) in the message.
      log.warn({ reqId: res.locals.requestId, path: req.path, code: (err as { code?: unknown }).code, name: (err as { name?: unknown }).name }, 'database busy; answered 503');
      appErr = new AppError(503, 'database_busy', 'Threadline is busy right now and could not save or load this.', 'Nothing was lost. Try again in a few seconds.').tr('errors:database_busy');
      if (!res.headersSent) res.set('Retry-After', String(DB_BUSY_RETRY_AFTER_SECONDS));
    } else {
      log.error({ err, reqId: res.locals.requestId, path: req.path }, 'unhandled error');
      appErr = new AppError(500, 'internal_error', 'Something went wrong on our side.', `Try again in a moment. If it keeps happening, give your administrator this reference: ${res.locals.requestId ?? ''}`).tr('errors:internal_error', { ref: res.locals.requestId ?? '' });
    }
    res.locals.errorCode = appErr.code;
    if (appErr.status < 500) log.info({ reqId: res.locals.requestId, code: appErr.code, status: appErr.status }, 'request refused');
    if (res.headersSent) return;
    res.status(appErr.status);
    // A rate-limit refusal says when to come back (RFC 9110 §10.2.3 Retry-After).
    const retry = (appErr as AppError & { retryAfterSeconds?: number }).retryAfterSeconds;
    if (appErr.status === 429 && retry !== undefined) res.set('Retry-After', String(retry));
    if (wantsJson(req)) {
      // `fix` is the API's name for the hint (docs: GET /api/v1/openapi.json); `hint` stays for
      // existing clients. `fields` says what is wrong with each input field, when we know.
      const fields = (appErr as AppError & { fields?: Record<string, string> }).fields;
      // In the caller's language when it has one (the session's launch locale, else Accept-Language).
      const { message, hint } = localizedError(res.locals.t ?? ((_k: string, o: { defaultValue: string }) => o.defaultValue), appErr);
      res.json({ error: { code: appErr.code, message, ...(hint ? { fix: hint, hint } : {}), ...(fields ? { fields } : {}) } });
      return;
    }
    res.render('errors/error', { title: 'Threadline', error: appErr, text: localizedError(res.locals.t, appErr), extra: (appErr as AppError & { extra?: unknown }).extra });
  };
}
