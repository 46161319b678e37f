import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError, BadRequestError, NotFoundError } from '../web/errors.js';
import type { PrivacyService, UserRef } from './privacy-service.js';

/**
 * The admin pages for a data subject's request (issue 6): find a user, download their export,
 * erase them. Mounted by the admin area (e.g. app.use('/admin', createPrivacyAdminRouter(...))),
 * which owns admin authentication and CSRF; this router takes both as middleware so it never
 * runs a handler without them:
 *  - `requireAdmin` runs first on every route (it answers 401/403 itself);
 *  - `csrf` runs on every POST, after the form body is parsed here (urlencoded, `_csrf` field);
 *  - `csrfToken(req, res)` is the token the forms carry in `_csrf`.
 * Export and erase are POSTs: both disclose or destroy personal data, so neither may be triggered
 * by a link or a cross-site GET.
 */
export interface PrivacyAdminGuards {
  requireAdmin: RequestHandler;
  csrf: RequestHandler;
  csrfToken: (req: Request, res: Response) => string;
}

const userIdSchema = z.string().trim().min(1).max(64);
/** The :id of a route; anything that cannot be an id is simply not found. */
function userIdOf(req: Request): string {
  const id = userIdSchema.safeParse(req.params.id);
  if (!id.success) throw new NotFoundError();
  return id.data;
}
const findQuery = z.object({
  user: z.string().trim().max(64).optional(),
  issuer: z.string().trim().max(512).optional(),
  client: z.string().trim().max(255).optional(),
  sub: z.string().trim().max(255).optional(),
});

/** Who was asked for, or null when the form is empty; zod checked the lengths. */
function refFrom(q: z.infer<typeof findQuery>): UserRef | null {
  if (q.user) return { userId: q.user };
  if (q.issuer || q.sub) {
    if (!q.issuer || !q.sub) throw new BadRequestError('incomplete_lookup', 'Give the platform issuer and the LTI sub together.').tr('privacy:errors.incomplete_lookup');
    return { issuer: q.issuer, clientId: q.client || null, sub: q.sub };
  }
  return null;
}

export function createPrivacyAdminRouter(deps: { privacy: PrivacyService }, guards: PrivacyAdminGuards): Router {
  const { privacy } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '10kb' });
  router.use('/privacy', guards.requireAdmin);

  const render = (req: Request, res: Response, view: string, locals: Record<string, unknown>, status = 200): void => {
    res.status(status).set('Cache-Control', 'no-store');
    res.render(`privacy/${view}`, { base: req.baseUrl, csrfToken: guards.csrfToken(req, res), ...locals });
  };

  router.get('/privacy', async (req, res) => {
    const parsed = findQuery.safeParse(req.query);
    const q = parsed.success ? parsed.data : {};
    let ref: UserRef | null;
    try {
      ref = refFrom(q);
      if (ref) {
        const user = await privacy.resolve(ref);
        res.redirect(303, `${req.baseUrl}/privacy/users/${encodeURIComponent(user.id)}`);
        return;
      }
    } catch (e) {
      // A lookup that found nothing (or was incomplete) is shown on the form, not as an error page.
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      // A user id that was erased resolves to the erasure record.
      if ('user' in q && q.user && (await privacy.erasure(q.user))) {
        res.redirect(303, `${req.baseUrl}/privacy/users/${encodeURIComponent(q.user)}`);
        return;
      }
      render(req, res, 'find', { title: res.locals.t('privacy:find.title'), values: q, error: e.i18n?.key ?? 'privacy:errors.no_user' }, e.status);
      return;
    }
    render(req, res, 'find', { title: res.locals.t('privacy:find.title'), values: q, error: null });
  });

  router.get('/privacy/users/:id', async (req, res) => {
    const id = userIdOf(req);
    const erasure = await privacy.erasure(id);
    if (erasure) {
      render(req, res, 'user', { title: res.locals.t('privacy:user.erasedTitle'), user: null, erasure, confirmError: false });
      return;
    }
    const user = await privacy.resolve({ userId: id });
    render(req, res, 'user', { title: res.locals.t('privacy:user.title'), user, erasure: null, confirmError: false });
  });

  router.post('/privacy/users/:id/export', form, guards.csrf, async (req, res) => {
    const id = userIdOf(req);
    const doc = await privacy.exportUser(id);
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .type('application/json')
      .attachment(`threadline-user-${id}.json`)
      .send(`${JSON.stringify(doc, null, 2)}\n`);
  });

  router.post('/privacy/users/:id/erase', form, guards.csrf, async (req, res) => {
    const id = { data: userIdOf(req) };
    const body = z.object({ confirm: z.literal('yes') }).safeParse(req.body);
    if (!body.success) {
      // Erasing cannot be undone: without the explicit confirmation nothing happens.
      const erasure = await privacy.erasure(id.data);
      const user = erasure ? null : await privacy.resolve({ userId: id.data });
      render(req, res, 'user', { title: res.locals.t('privacy:user.title'), user, erasure, confirmError: true }, 400);
      return;
    }
    // Who asked: the admin area may name its admin in res.locals.adminLabel (kept in the erasure log).
    const by: unknown = res.locals.adminLabel;
    await privacy.eraseUser(id.data, { by: typeof by === 'string' && by ? by : 'admin' });
    res.redirect(303, `${req.baseUrl}/privacy/users/${encodeURIComponent(id.data)}`);
  });

  return router;
}
