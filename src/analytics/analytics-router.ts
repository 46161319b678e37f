import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { viewerOf } from '../discussion/discussion-policy.js';
import { usableLocale } from '../discussion/discussion-format.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../web/errors.js';
import { withSession } from '../web/session.js';
import { DASHBOARD_TABLES, type Dashboard } from './analytics-model.js';
import type { AnalyticsService } from './analytics-service.js';
import { csvFileName, dashboardCharts, dashboardTables, formatsFor, tableCsv, type Tr } from './dashboard-view.js';

/** What the pages need of the analytics service (analytics-service.ts); tests may pass a fake. */
export type AnalyticsDashboards = Pick<AnalyticsService, 'spaceDashboard' | 'courseDashboard'>;

export interface AnalyticsRouterDeps {
  analytics: AnalyticsDashboards;
  session: RequestHandler;
}

// Edge validation: a space id is an opaque id of ours; the CSV's table is one of the dashboard's.
const spaceParam = z.string().min(1).max(64);
const csvQuery = z.object({ table: z.enum(DASHBOARD_TABLES) });

const staffOnly = () => new ForbiddenError('forbidden_role', 'The analytics dashboard is for instructors and teaching assistants.').tr('analytics:error.staffOnly');

/** The request's catalogue as the plain (key, params) → text function the view model takes. */
const tr = (res: Response): Tr => (key, opts) => String(res.locals.t(key, (opts ?? {}) as never));

/**
 * The instructor dashboard (issue 5, Analytics): one space's (`/spaces/:id/analytics`) and the
 * whole course's (`/course/analytics`), each with a CSV per table (`…/analytics.csv?table=…`).
 * GET only: nothing here changes anything, so there is no form and no CSRF token to check.
 *
 * Access: the service authorises from the launch (404 for a space of another course, 403 for
 * learners and mentors); the router checks again on what comes back, so a dashboard can only
 * ever reach staff of the course it belongs to.
 */
export function analyticsRouter(deps: AnalyticsRouterDeps): Router {
  const r = Router();
  const s = deps.session;

  async function load(launch: LaunchContext, spaceId: string | null): Promise<Dashboard> {
    let board: Dashboard;
    try {
      if (spaceId === null) board = await deps.analytics.courseDashboard(launch);
      else {
        const id = spaceParam.safeParse(spaceId);
        if (!id.success) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
        board = await deps.analytics.spaceDashboard(launch, id.data);
      }
    } catch (err) {
      // The service refuses non-staff with the moderation wording; say what this page is for instead.
      if (err instanceof ForbiddenError && err.code === 'forbidden_role') throw staffOnly();
      throw err;
    }
    // Belt and braces: the figures are the launch's course's, and the viewer is its staff.
    const viewer = viewerOf(launch);
    const sameScope = board.scope.contextId === viewer.contextId && (spaceId === null || (board.scope.kind === 'space' && board.scope.spaceIds.includes(spaceId)));
    if (!sameScope) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
    if (!viewer.staff) throw staffOnly();
    return board;
  }

  function page(res: Response, board: Dashboard, space: string | null) {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    const t = tr(res);
    const f = formatsFor(usableLocale(launch.locale), board.scope.timeZone);
    const link = (path: string) => withSession(path, token);
    const base = space === null ? '/course/analytics' : `/spaces/${space}/analytics`;
    res.render('analytics/dashboard', {
      launch,
      title: t(space === null ? 'analytics:page.courseTitle' : 'analytics:page.spaceTitle', { title: board.scope.title }),
      board,
      spaceId: space,
      f,
      tables: dashboardTables(board, t, f, (threadId) => link(`/threads/${threadId}`)),
      charts: dashboardCharts(board, t, f),
      csv: (table: string) => link(`${base}.csv?table=${table}`),
      link,
    });
  }

  function csv(res: Response, board: Dashboard, query: unknown) {
    const q = csvQuery.safeParse(query);
    if (!q.success) throw new BadRequestError('bad_table', `Choose a table: ${DASHBOARD_TABLES.join(', ')}.`).tr('analytics:error.badTable', { tables: DASHBOARD_TABLES.join(', ') });
    const launch = res.locals.launch!;
    const t = tr(res);
    const f = formatsFor(usableLocale(launch.locale), board.scope.timeZone);
    const table = dashboardTables(board, t, f, (id) => `/threads/${id}`)[q.data.table];
    res
      .status(200)
      .set('content-type', 'text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="${csvFileName(board.scope.title, q.data.table)}"`)
      .set('cache-control', 'no-store')
      .send(tableCsv(table));
  }

  r.get('/spaces/:id/analytics', s, async (req, res) => {
    const board = await load(res.locals.launch!, String(req.params.id));
    page(res, board, String(req.params.id));
  });

  r.get('/spaces/:id/analytics.csv', s, async (req, res) => {
    csv(res, await load(res.locals.launch!, String(req.params.id)), req.query);
  });

  r.get('/course/analytics', s, async (_req, res) => {
    page(res, await load(res.locals.launch!, null), null);
  });

  r.get('/course/analytics.csv', s, async (req, res) => {
    csv(res, await load(res.locals.launch!, null), req.query);
  });

  return r;
}
