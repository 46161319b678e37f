import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Session } from '../web/session-store.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler gets: the launch that authorises it and its input, already validated. */
export interface ApiCall<Q, B> {
  launch: LaunchContext;
  session: Session;
  /** Path parameters, by the names in the route's `{id}` template. */
  params: Record<string, string>;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/**
 * One API endpoint: its HTTP shape, its schemas and its handler in one place. The router
 * registers it and the OpenAPI document describes it from this same object, so the document
 * cannot list a route that does not exist, miss one that does, or describe other input than the
 * one validated. Adding an endpoint is one `apiRoute({...})` entry in a `*-routes.ts` file.
 */
export interface ApiRoute<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** OpenAPI path template under /api/v1: `/threads/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** False only for what anyone may read (the OpenAPI document itself). */
  auth?: boolean;
  /** A z.object of query parameters; each key becomes a documented parameter. */
  query?: Q;
  /** The JSON request body. */
  body?: B;
  /** The status of a success (200 unless said). */
  status?: 200 | 201;
  /** The success body. Handlers' answers are parsed with it: unknown keys are dropped, so no store row leaks. */
  response: R;
  /** Error statuses this endpoint can answer, besides 401 (authenticated routes) and 500. */
  errors: number[];
  handler: (call: ApiCall<z.output<Q>, z.output<B>>) => Promise<z.input<R>>;
}

/** Keeps each route's types tied together while letting lists of routes be plain arrays. */
export function apiRoute<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(r: ApiRoute<Q, B, R>): ApiRoute {
  return r as unknown as ApiRoute;
}

/** `/threads/{id}` → `/threads/:id`, for express. */
export const expressPath = (template: string): string => template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');

/** Names of a template's path parameters, in order. */
export const pathParams = (template: string): string[] => [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
