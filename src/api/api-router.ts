import { fieldMessage } from '../discussion/discussion-input.js';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Translate } from '../i18n/i18n.js';
import { RateLimitedError } from '../curation/rate-limits.js';
import { AppError, UnauthorizedError } from '../web/errors.js';
import { FieldErrors } from './api-errors.js';
import { buildOpenApiDocument, type OpenApiInfo } from './api-openapi.js';
import { apiRoute, expressPath, pathParams, type ApiRoute } from './api-route.js';

/** Where the API lives; every route path is relative to it. */
export const API_BASE = '/api/v1';

/**
 * A post holds up to 20,000 characters, and JSON may spell each as a 6-byte `\uXXXX` escape;
 * a body bigger than this is refused by the parser (413 JSON) before we read it.
 */
export const JSON_LIMIT = '160kb';

/** Fields whose text being over its limit answers 413 (as the HTML forms do for a post body), not 400. */
const LARGE_FIELDS = new Set(['body']);

export interface ApiRouterDeps {
  /** The launch-session middleware (web/session.ts requireSession). */
  session: RequestHandler;
  /** Every endpoint but the document itself: see api-routes.ts. */
  routes: ApiRoute[];
  info: OpenApiInfo;
}

/**
 * Only `Authorization: Bearer <session token>` authenticates the API: never `?session=` or a
 * body field, which the HTML pages use. That is what makes the API safe from CSRF without a CSRF
 * token: a browser attaches nothing ambient (no cookie, no query string it did not write) to a
 * cross-site request, and it cannot add an Authorization header to one without a CORS preflight,
 * which this tool never grants. A token in a URL would also end up in logs and histories.
 */
function bearerOnly(session: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!/^Bearer\s+\S/i.test(req.get('authorization') ?? '')) {
      throw new UnauthorizedError('bearer_required', res.locals.t('api:errors.bearerRequired'), res.locals.t('api:errors.bearerRequiredFix'));
    }
    return session(req, res, next);
  };
}

const CATALOGUE_KEY = /^[a-z]+:[A-Za-z0-9_.]+$/;

/** A zod failure as one message per field (the first), and whether it was a too-long text. */
function fieldErrors(t: Translate, error: z.ZodError, raw: unknown): FieldErrors {
  const fields: Record<string, string> = {};
  let tooLarge = false;
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.map(String).join('.') : '_';
    const given = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[String(issue.path[0])] : undefined;
    // The discussion schemas say "This field is missing." for any non-string; say what was wrong.
    fields[field] ??= issue.code === 'invalid_type' && given !== undefined ? t('api:errors.expectedType', { type: issue.expected }) : fieldMessage(t, 'en', issue.message, typeof given === 'string' && issue.path[0] === 'body' ? given : undefined);
    if (issue.code === 'too_big' && LARGE_FIELDS.has(field)) tooLarge = true;
  }
  return new FieldErrors(t, tooLarge ? 413 : 400, fields);
}

/** Parses `raw` with `schema`, or throws the 400/413 that says what is wrong with each field. */
export function validate<S extends z.ZodType>(t: Translate, schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw fieldErrors(t, r.error, raw);
  return r.data;
}

/** The OpenAPI document as an endpoint: public, so a client can read it before it has a token. */
function documentRoute(doc: () => Record<string, unknown>): ApiRoute {
  return apiRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This API, described as an OpenAPI 3.1 document',
    tag: 'meta',
    auth: false,
    response: z.looseObject({ openapi: z.string() }),
    errors: [],
    handler: async () => doc() as { openapi: string },
  });
}

/** All of the API: each route from its definition, and the document that describes them. */
export function apiRouter(deps: ApiRouterDeps): Router {
  const r = Router();
  const auth = bearerOnly(deps.session);
  const json = express.json({ limit: JSON_LIMIT, strict: true });
  let doc: Record<string, unknown> | undefined;
  const routes: ApiRoute[] = [...deps.routes, documentRoute(() => (doc ??= buildOpenApiDocument(routes, deps.info, API_BASE)))];

  for (const route of routes) {
    const names = pathParams(route.path);
    const handle = async (req: Request, res: Response): Promise<void> => {
      if (route.body && !req.is('application/json')) {
        throw new AppError(415, 'unsupported_media_type', res.locals.t('api:errors.unsupportedMediaType'), res.locals.t('api:errors.unsupportedMediaTypeFix'));
      }
      if (route.body && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
        throw new AppError(400, 'malformed_body', res.locals.t('api:errors.notAnObject'));
      }
      const params = Object.fromEntries(names.map((n) => [n, String(req.params[n])]));
      const query = route.query ? validate(res.locals.t, route.query, req.query) : undefined;
      const body = route.body ? validate(res.locals.t, route.body, req.body) : undefined;
      let result: unknown;
      try {
        result = await route.handler({ launch: res.locals.launch!, session: res.locals.session!, params, query, body, req, res });
      } catch (e) {
        // The limiter's refusal is English and speaks of a form; say it in the caller's language.
        // Retry-After is set by the error handler from `retryAfterSeconds` (RFC 9110 §10.2.3).
        if (e instanceof RateLimitedError) {
          const n = e.retryAfterSeconds;
          throw Object.assign(new AppError(429, e.code, res.locals.t('api:errors.rateLimited', { count: n, time: new Date(e.retryAt).toISOString().slice(11, 19) }), res.locals.t('api:errors.rateLimitedFix')), { retryAfterSeconds: n });
        }
        throw e;
      }
      // The schema is the contract: parsing drops whatever a serializer did not mean to send.
      res.status(route.status ?? 200).json(route.response.parse(result));
    };
    const chain: RequestHandler[] = [...(route.auth === false ? [] : [auth]), ...(route.body ? [json] : []), handle];
    r[route.method](expressPath(route.path), ...chain);
  }
  return r;
}
