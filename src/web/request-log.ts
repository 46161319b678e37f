import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';
import { routeOf } from './route-template.js';

/**
 * One structured line per request: request id, method, route template, path, status, time. The
 * path only (query strings carry session tokens); no headers (cookies, Authorization) and no body.
 * An incoming X-Request-Id (from a proxy or load balancer) is kept when short and plain, so one id
 * follows the request across hops; anything else is replaced, so a client can't forge log lines.
 */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const id = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ reqId: id, method: req.method, route: routeOf(req, res), path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, code: res.locals.errorCode }, 'request');
    });
    next();
  };
}

declare module 'express-serve-static-core' {
  interface Locals {
    requestId?: string;
    errorCode?: string;
    cspNonce?: string;
  }
}
