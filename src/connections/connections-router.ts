import express, { Router, type RequestHandler, type Response } from 'express';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import { describeSpace } from '../spaces/space-router.js';
import type { Space } from '../spaces/space-store.js';
import { requireCsrf, withSession } from '../web/session.js';
import { CARD_TAGS, QUERY_MAX } from './connections-directory.js';
import { BIO_MAX, EXPERTISE_FIELD_MAX, EXPERTISE_LABEL_MAX, EXPERTISE_MAX, parseDirectoryQuery, parseProfileInput } from './connections-input.js';
import type { ConnectionsService } from './connections-service.js';
import type { ExpertProfile } from './connections-store.js';

export interface ConnectionsRouterDeps {
  connections: ConnectionsService;
  session: RequestHandler;
}

const id = (v: unknown): string => String(v);

/**
 * GET  /spaces/:id/people-directory?q=        the course's people: who helped on which tag, profiles, "who knows X"
 * GET  /spaces/:id/people-directory/profile   the viewer's own profile form
 * POST /spaces/:id/people-directory/profile   saves it (CSRF; invalid input comes back with what was typed)
 * Under a space so the space page links to it (one click) and its search box answers (two).
 */
export function connectionsRouter(deps: ConnectionsRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const s = deps.session;

  function pageLocals(res: Response, space: Space) {
    const launch = res.locals.launch!;
    const locale = usableLocale(launch.locale);
    return { launch, space, ...describeSpace(space, locale), link: (path: string) => withSession(path, res.locals.sessionToken!), time: timeFormatter(space.timeZone, locale) };
  }

  r.get('/spaces/:id/people-directory', s, async (req, res) => {
    const input = parseDirectoryQuery(req.query as Record<string, unknown>, QUERY_MAX);
    // The space is checked (404 for another course's) before anything about the query is said.
    const page = await deps.connections.directory(res.locals.launch!, id(req.params.id), input.q);
    res.status(input.error ? 400 : 200).render('connections/directory', {
      ...pageLocals(res, page.space),
      title: res.locals.t('connections:directory.title', { space: page.space.title }),
      ...page,
      q: input.q,
      typed: input.typed,
      error: input.error,
      queryMax: QUERY_MAX,
      cardTags: CARD_TAGS,
    });
  });

  const limits = { bioMax: BIO_MAX, expertiseMax: EXPERTISE_MAX, labelMax: EXPERTISE_LABEL_MAX, fieldMax: EXPERTISE_FIELD_MAX };
  const valuesOf = (p: ExpertProfile | null) => ({ bio: p?.bioMarkdown ?? '', expertise: (p?.expertise ?? []).join(', '), open_to_mentoring: p?.openToMentoring ?? false });

  r.get('/spaces/:id/people-directory/profile', s, async (req, res) => {
    const { space, profile } = await deps.connections.profileForm(res.locals.launch!, id(req.params.id));
    res.render('connections/profile', { ...pageLocals(res, space), title: res.locals.t('connections:profile.title'), profile, values: valuesOf(profile), errors: {}, saved: req.query.saved === '1', ...limits });
  });

  r.post('/spaces/:id/people-directory/profile', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const parsed = parseProfileInput((req.body ?? {}) as Record<string, unknown>);
    if (!parsed.ok) {
      // The form comes back with what was typed (escaped by the view) and what is wrong with it.
      const { space, profile } = await deps.connections.profileForm(res.locals.launch!, spaceId);
      return res.status(parsed.status).render('connections/profile', { ...pageLocals(res, space), title: res.locals.t('connections:profile.title'), profile, values: parsed.values, errors: parsed.errors, saved: false, ...limits });
    }
    await deps.connections.saveProfile(res.locals.launch!, spaceId, parsed.value);
    res.redirect(303, withSession(`/spaces/${spaceId}/people-directory/profile?saved=1`, res.locals.sessionToken!));
  });

  return r;
}
