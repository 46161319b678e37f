import type { NextFunction, Request, Response } from 'express';
import { routeOf } from '../web/route-template.js';
import type { Metrics } from './metrics-registry.js';

/** Counts every finished request and its latency by route template (see web/route-template.ts). */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.httpRequest(req.method, routeOf(req, res), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
