import { Router, type RequestHandler } from 'express';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import { withSession } from '../web/session.js';
import { parseSearchInput } from './search-input.js';
import type { SearchService } from './search-service.js';
import { QUERY_MAX } from './search-text.js';

export interface SearchRouterDeps {
  search: SearchService;
  session: RequestHandler;
}

/**
 * GET /spaces/:id/search?q=&scope=space|course&page= — a read, so GET (bookmarkable, works
 * without JS, nothing changes state but the deduplicated `searched` statement). The space is
 * looked up in the launch's course first: another course's space id is a 404, never results.
 */
export function searchRouter(deps: SearchRouterDeps): Router {
  const r = Router();

  r.get('/spaces/:id/search', deps.session, async (req, res) => {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    const input = parseSearchInput(req.query as Record<string, unknown>);
    // A query that cannot run still shows the page (the space checked as always), with the message
    // and the typed text given back in the box.
    const page = await deps.search.search(launch, String(req.params.id), input.error ? { ...input.value, q: '' } : input.value);
    const locale = usableLocale(launch.locale);
    res.status(input.status).render('search/results', {
      title: res.locals.t('search:pageTitle', { space: page.space.title }),
      ...page,
      launch,
      typed: input.typed,
      error: input.error,
      max: QUERY_MAX,
      link: (path: string) => withSession(path, token),
      time: timeFormatter(page.space.timeZone, locale),
    });
  });

  return r;
}
