import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Dashboard } from '../../src/analytics/analytics-model.js';
import { analyticsRouter, type AnalyticsDashboards } from '../../src/analytics/analytics-router.js';
import { createI18n } from '../../src/i18n/i18n.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { localize } from '../../src/web/locale.js';
import { AppError, ForbiddenError } from '../../src/web/errors.js';
import { launchOf } from '../helpers/launch-fixtures.js';

const board = (contextId: string, spaceIds: string[], kind: 'space' | 'course' = 'space'): Dashboard => ({
  scope: { kind, contextId, spaceIds, title: 'Prep', eventAt: null, timeZone: 'UTC' },
  generatedAt: Date.UTC(2026, 10, 26),
  learners: 2,
  prepared: 1,
  prepRate: [{ day: '2026-11-26', prepared: 1, learners: 2, rate: 0.5 }],
  response: { questions: 0, responded: 0, medianMs: null, p90Ms: null, unanswered: [] },
  engagement: [{ day: '2026-11-26', posts: 1, replies: 0, reactions: 0 }],
  transfer: [],
  barriers: [],
  contributors: [],
  trendingTags: [],
});

/**
 * The router on a fake service: it must refuse what a faulty service might hand it (another
 * course's figures, figures for a learner), and turn the service's refusals into the page's words.
 */
describe('analytics router (on a fake service)', () => {
  let server: Server;
  let base: string;
  let launch: LaunchContext;
  let answer: () => Promise<Dashboard>;
  const calls: string[] = [];

  before(async () => {
    const fake: AnalyticsDashboards = {
      spaceDashboard: async (_l, id) => {
        calls.push(`space:${id}`);
        return answer();
      },
      courseDashboard: async () => {
        calls.push('course');
        return answer();
      },
    };
    const app = express();
    app.use(localize(createI18n(path.resolve(import.meta.dirname, '..', '..', 'locales'))));
    const session = (_req: Request, res: Response, next: NextFunction) => {
      res.locals.launch = launch;
      res.locals.sessionToken = 'tok';
      next();
    };
    app.use(analyticsRouter({ analytics: fake, session }));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = err as AppError;
      res.status(e.status ?? 500).json({ code: e.code, key: e.i18n?.key ?? null });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server?.close());
  beforeEach(() => {
    calls.length = 0;
    launch = launchOf('u1', 'c1', 'instructor');
    answer = async () => board('c1', ['s1']);
  });

  const get = async (p: string) => {
    const res = await fetch(`${base}${p}`);
    // Decoded by hand so the BOM stays visible (Response.text() drops it).
    return { status: res.status, headers: res.headers, body: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()) };
  };

  it('serves the CSV of a table to staff, and asks the service for the space in the URL', async () => {
    const res = await get('/spaces/s1/analytics.csv?table=engagement');
    expect(res.status, res.body).to.equal(200);
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="prep-engagement.csv"');
    expect(res.body).to.equal('\ufeff"Day","Posts","Replies","Reactions"\r\n"2026-11-26","1","0","0"\r\n');
    expect(calls).to.deep.equal(['space:s1']);
  });

  it('answers 404 when the service hands back another course\'s or another space\'s figures', async () => {
    answer = async () => board('other-course', ['s1']);
    expect(JSON.parse((await get('/spaces/s1/analytics.csv?table=engagement')).body)).to.deep.equal({ code: 'not_found', key: 'errors:no_space' });
    expect((await get('/course/analytics.csv?table=engagement')).status).to.equal(404);
    answer = async () => board('c1', ['s2']);
    expect((await get('/spaces/s1/analytics.csv?table=engagement')).status).to.equal(404);
    answer = async () => board('c1', ['s1', 's2'], 'course');
    expect((await get('/spaces/s1/analytics')).status).to.equal(404);
  });

  it('answers 403 to a learner or mentor even if the service let the figures through', async () => {
    for (const role of ['learner', 'mentor'] as const) {
      launch = launchOf('u2', 'c1', role);
      for (const p of ['/spaces/s1/analytics', '/spaces/s1/analytics.csv?table=engagement', '/course/analytics']) {
        const res = await get(p);
        expect(res.status, `${role} ${p}`).to.equal(403);
        expect(JSON.parse(res.body)).to.deep.equal({ code: 'forbidden_role', key: 'analytics:error.staffOnly' });
      }
    }
  });

  it('says the service\'s refusal in the dashboard\'s words; other errors pass through as they are', async () => {
    answer = async () => {
      throw new ForbiddenError('forbidden_role', 'Only instructors and teaching assistants can moderate discussions.').tr('errors:staff_moderate');
    };
    expect(JSON.parse((await get('/spaces/s1/analytics')).body)).to.deep.equal({ code: 'forbidden_role', key: 'analytics:error.staffOnly' });
    answer = async () => {
      throw new ForbiddenError('anonymous', 'No identity').tr('errors:anonymous');
    };
    expect(JSON.parse((await get('/course/analytics')).body)).to.deep.equal({ code: 'anonymous', key: 'errors:anonymous' });
  });

  it('refuses an unknown table with 400, after access is settled; an absurd space id never reaches the service', async () => {
    expect(JSON.parse((await get('/spaces/s1/analytics.csv?table=people')).body)).to.deep.include({ code: 'bad_table' });
    expect(JSON.parse((await get('/course/analytics.csv?table=engagement&table=tags')).body)).to.deep.include({ code: 'bad_table' });
    launch = launchOf('u2', 'c1', 'learner');
    expect((await get('/spaces/s1/analytics.csv?table=people')).status).to.equal(403);
    calls.length = 0;
    expect((await get(`/spaces/${'x'.repeat(65)}/analytics`)).status).to.equal(404);
    expect(calls).to.deep.equal([]);
  });
});
