import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import { BadRequestError } from '../web/errors.js';
import { requireCsrf, withSession } from '../web/session.js';
import type { PrepState } from './prep-status.js';
import { readinessCsv, SORTS, type Readiness, type ReadinessService } from './readiness-service.js';

export interface ReadinessRouterDeps {
  readiness: ReadinessService;
  session: RequestHandler;
}

const id = (v: unknown): string => String(v);
// Sort links are ours; anything else in the query is a hand-made URL, refused with a clear 400.
const sortQuery = z.object({ sort: z.enum(SORTS).default('status'), dir: z.enum(['asc', 'desc']).default('asc') });

/**
 * Readiness before the event: the staff roster (GET page, CSV, POST refresh) and the mentor's
 * view of their mentees. Every route authorises from the launch (readiness-service.ts).
 */
export function readinessRouter(deps: ReadinessRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const s = deps.session;

  function parseSort(q: unknown) {
    const p = sortQuery.safeParse(q);
    if (!p.success) throw new BadRequestError('bad_sort', 'Sort the roster by name, status, activity or answered, ascending or descending.');
    return p.data;
  }

  function render(res: Response, view: string, data: Readiness, extra: Record<string, unknown>) {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    const locale = usableLocale(launch.locale);
    res.render(view, {
      launch,
      space: data.space,
      title: res.locals.t(`readiness:${view === 'readiness/readiness' ? 'page' : 'mentees'}.title`, { space: data.space.title }),
      data,
      time: timeFormatter(data.space.timeZone, locale),
      link: (path: string) => withSession(path, token),
      ...extra,
    });
  }

  r.get('/spaces/:id/readiness', s, async (req, res) => {
    const sort = parseSort(req.query);
    const data = await deps.readiness.forStaff(res.locals.launch!, id(req.params.id), sort);
    render(res, 'readiness/readiness', data, { sort: sort.sort, dir: sort.dir, refreshed: req.query.refreshed === '1' });
  });

  r.post('/spaces/:id/readiness/refresh', form, s, requireCsrf, async (req, res) => {
    const space = await deps.readiness.refresh(res.locals.launch!, id(req.params.id));
    res.redirect(303, withSession(`/spaces/${space.id}/readiness?refreshed=1`, res.locals.sessionToken!));
  });

  r.get('/spaces/:id/readiness.csv', s, async (req, res) => {
    const sort = parseSort(req.query);
    const data = await deps.readiness.forStaff(res.locals.launch!, id(req.params.id), sort);
    const t = res.locals.t;
    const header = ['name', 'sub', 'status', 'lastActivity', 'answered', 'prompts'].map((k) => t(`readiness:csv.${k}`));
    res
      .status(200)
      .set('content-type', 'text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="readiness-${data.space.id}.csv"`)
      .set('cache-control', 'no-store')
      .send(readinessCsv(data.rows, header, (st: PrepState) => t(`readiness:state.${st}`)));
  });

  r.get('/spaces/:id/mentees', s, async (req, res) => {
    const data = await deps.readiness.forMentor(res.locals.launch!, id(req.params.id));
    render(res, 'readiness/mentees', data, {});
  });

  return r;
}
