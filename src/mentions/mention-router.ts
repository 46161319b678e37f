import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import { describeSpace } from '../spaces/space-router.js';
import type { Space } from '../spaces/space-store.js';
import { requireCsrf, withSession } from '../web/session.js';
import type { MentionService } from './mention-service.js';

export interface MentionRouterDeps {
  mentions: MentionService;
  session: RequestHandler;
}

// Query strings are input too: a malformed page is page 1; an over-long query is cut, not refused,
// since it only narrows a list of names.
const peopleQuery = z.object({ q: z.string().catch('').transform((s) => s.slice(0, 100)) });
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1) });
const notificationId = z.string().max(64);

const id = (v: unknown): string => String(v);

/**
 * The people search behind the mention autocomplete, and the notifications page. Every route
 * starts from a space id so it is authorised like the discussion pages: a space of another course
 * (or deployment, or platform) is a 404. Notifications are the viewer's in this course.
 */
export function mentionRouter(deps: MentionRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const s = deps.session;

  function pageLocals(res: Response, space: Space) {
    const launch = res.locals.launch!;
    const locale = usableLocale(launch.locale);
    return { launch, space, ...describeSpace(space, locale), link: (path: string) => withSession(path, res.locals.sessionToken!), time: timeFormatter(space.timeZone, locale) };
  }

  const backToList = (res: Response, spaceId: string) => res.redirect(303, withSession(`/spaces/${spaceId}/notifications`, res.locals.sessionToken!));

  // JSON for the autocomplete: name and opaque id only (no sub, email or roles).
  r.get('/spaces/:id/people', s, async (req, res) => {
    const { q } = peopleQuery.parse(req.query);
    res.json({ people: await deps.mentions.people(res.locals.launch!, id(req.params.id), q) });
  });

  r.get('/spaces/:id/notifications', s, async (req, res) => {
    const { page } = pageQuery.parse(req.query);
    const view = await deps.mentions.notifications(res.locals.launch!, id(req.params.id), page);
    res.render('mentions/notifications', { ...pageLocals(res, view.space), title: res.locals.t('mentions:page.title'), ...view, bell: view.unread });
  });

  r.post('/spaces/:id/notifications/read-all', form, s, requireCsrf, async (req, res) => {
    const space = await deps.mentions.markAllRead(res.locals.launch!, id(req.params.id));
    backToList(res, space.id);
  });

  r.post('/spaces/:id/notifications/:nid/read', form, s, requireCsrf, async (req, res) => {
    const nid = notificationId.safeParse(req.params.nid);
    const space = await deps.mentions.markRead(res.locals.launch!, id(req.params.id), nid.success ? nid.data : '');
    backToList(res, space.id);
  });

  return r;
}
