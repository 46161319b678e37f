import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import { BadRequestError } from '../web/errors.js';
import { requireCsrf, withSession } from '../web/session.js';
import { gradingValues, parseGrading, type GradingErrors, type GradingService, type GradingValues } from './grading-service.js';
import type { GradeSync } from './grading-store.js';
import type { PrepState } from './prep-status.js';
import type { Space } from '../spaces/space-store.js';
import { readinessCsv, SORTS, type Readiness, type ReadinessService } from './readiness-service.js';

export interface ReadinessRouterDeps {
  readiness: ReadinessService;
  grading: GradingService;
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
    // The grade column shows only when participation grading is on for the space.
    const grades = await deps.grading.statusOf(data.space.id);
    const gradeOf = grades ? (row: { userId: string | null }): GradeSync | null => (row.userId ? (grades.get(row.userId) ?? null) : null) : null;
    const synced = typeof req.query.synced === 'string' && /^\d+-\d+$/.test(req.query.synced) ? req.query.synced.split('-').map(Number) : null;
    render(res, 'readiness/readiness', data, { sort: sort.sort, dir: sort.dir, refreshed: req.query.refreshed === '1', gradeOf, synced });
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

  function renderGrading(res: Response, space: Space, values: GradingValues, errors: GradingErrors, status = 200, saved = false) {
    const launch = res.locals.launch!;
    res.status(status).render('readiness/grading', {
      launch,
      space,
      title: res.locals.t('readiness:grading.title', { space: space.title }),
      values,
      errors,
      saved,
      link: (path: string) => withSession(path, res.locals.sessionToken!),
    });
  }

  r.get('/spaces/:id/grading', s, async (req, res) => {
    const g = await deps.grading.forSettings(res.locals.launch!, id(req.params.id));
    renderGrading(res, g.space, gradingValues(g.settings), {}, 200, req.query.saved === '1');
  });

  r.post('/spaces/:id/grading', form, s, requireCsrf, async (req, res) => {
    const launch = res.locals.launch!;
    // Access first (404/403), then the form (400 with what was typed).
    const g = await deps.grading.forSettings(launch, id(req.params.id));
    const parsed = parseGrading(req.body as Record<string, unknown>);
    if (!parsed.ok) return renderGrading(res, g.space, parsed.values, parsed.errors, 400);
    await deps.grading.saveSettings(launch, g.space.id, parsed.value);
    res.redirect(303, withSession(`/spaces/${g.space.id}/grading?saved=1`, res.locals.sessionToken!));
  });

  r.post('/spaces/:id/grading/sync', form, s, requireCsrf, async (req, res) => {
    const out = await deps.grading.syncNow(res.locals.launch!, id(req.params.id));
    res.redirect(303, withSession(`/spaces/${out.space.id}/readiness?synced=${out.synced}-${out.failed}`, res.locals.sessionToken!));
  });

  return r;
}
