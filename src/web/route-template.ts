import type { NextFunction, Request, Response } from 'express';

/**
 * Remembers which express route handled a request, as its template (`/api/v1/threads/:id`), for
 * logs and metrics: a bounded label, unlike the raw path with its ids.
 *
 * express sets `req.route` when a route matches, while `req.baseUrl` still holds the mount path of
 * the router it is in; by `finish` the base URL may have been reset (after an error it is), so the
 * template is taken at the moment the route is set.
 */
export function routeTemplate() {
  return (req: Request, res: Response, next: NextFunction): void => {
    let current: unknown = (req as { route?: unknown }).route;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set(v: { path?: unknown } | undefined) {
        current = v;
        if (v && v.path !== undefined) res.locals.routeTemplate = `${req.baseUrl ?? ''}${String(v.path)}`;
      },
    });
    next();
  };
}

/** The template of the route that handled the request, or a fixed bucket when no route did. */
export function routeOf(req: Request, res: Response): string {
  if (res.locals.routeTemplate) return res.locals.routeTemplate;
  // Static files are served by middleware, not routes: one bucket, not one label per file.
  if (req.path.startsWith('/public/')) return '/public/*';
  return '(unmatched)';
}

declare module 'express-serve-static-core' {
  interface Locals {
    routeTemplate?: string;
  }
}
