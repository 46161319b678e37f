import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.js';
import { safeEqual, sha256 } from '../ids.js';
import type { Logger } from '../log.js';
import type { SessionStore } from '../web/session-store.js';
import { readSessionToken, SESSION_PARAM, withSession } from '../web/session.js';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../web/errors.js';
import { isPlatformAdmin, type AdminAuth, type AdminPrincipal } from './admin-auth.js';
import { parseDeployment, parseLrs, parsePlatform, parseRefusalFilter, parseStatus, type FieldErrors } from './admin-input.js';
import type { AdminService } from './admin-service.js';
import { createPrivacyAdminRouter } from '../privacy/privacy-router.js';
import type { PrivacyService } from '../privacy/privacy-service.js';

declare module 'express-serve-static-core' {
  interface Locals {
    admin?: AdminPrincipal;
  }
}

export interface AdminRouterDeps {
  admin: AdminService;
  auth: AdminAuth;
  sessions: SessionStore;
  clock: Clock;
  publicUrl: string;
  log: Logger;
  /** Export and erase on request (issue 6, privacy): mounted at /admin/privacy for tool admins. */
  privacy: PrivacyService;
}

const COOKIE = 'tl_admin';

const badStatus = () => new BadRequestError('bad_status', 'Unknown status.').tr('admin:errors.badStatus');

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The admin area (/admin). Two ways in (admin-auth.ts): a launch session (`?session=`, inside the
 * LMS frame) of a platform Administrator, or a browser session opened with an admin token at
 * /admin/login (a top-level page: an HttpOnly, SameSite=Strict cookie scoped to /admin, never
 * framed). Every POST carries the principal's CSRF token. The service scopes every read and act.
 */
export function adminRouter(deps: AdminRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const { admin } = deps;
  const secure = new URL(deps.publicUrl).protocol === 'https:';

  const cookieHeader = (value: string, maxAgeSeconds: number): string =>
    `${COOKIE}=${value}; Path=/admin; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;

  /** Token sessions live in a top-level window: nobody may frame them (clickjacking). */
  function noFraming(res: Response): void {
    const csp = res.getHeader('Content-Security-Policy');
    if (typeof csp === 'string') res.setHeader('Content-Security-Policy', csp.replace(/frame-ancestors[^;]*/, "frame-ancestors 'none'"));
    res.setHeader('X-Frame-Options', 'DENY');
  }

  async function who(req: Request, res: Response, next: NextFunction): Promise<void> {
    res.set('Cache-Control', 'no-store');
    const token = readSessionToken(req);
    if (token) {
      const session = await deps.sessions.get(sha256(token));
      if (!session || session.expiresAt < deps.clock.now()) {
        throw new UnauthorizedError('session_expired', 'Your Threadline session has expired.', 'Reload the page in your course to continue.').tr('errors:session_expired');
      }
      // The page speaks the launch's language.
      res.locals.launch = session.launch;
      if (!isPlatformAdmin(session.launch.roles)) {
        throw new ForbiddenError('admin_forbidden', 'The admin area is for platform administrators.', 'Ask your LMS administrator.').tr('admin:errors.notAdmin');
      }
      res.locals.admin = { scope: { kind: 'platform', platformId: session.launch.platform.id }, csrfToken: session.csrfToken, sessionToken: token, label: session.launch.platform.issuer };
      return next();
    }
    const cookie = readCookie(req, COOKIE);
    const s = cookie ? await deps.auth.session(cookie) : null;
    if (s) {
      noFraming(res);
      res.locals.admin = { scope: { kind: 'tool' }, csrfToken: s.csrfToken, sessionToken: null, label: s.token.label };
      return next();
    }
    if (cookie) res.append('Set-Cookie', cookieHeader('', 0));
    if (req.method === 'GET') return res.redirect(303, '/admin/login');
    throw new UnauthorizedError('admin_login_needed', 'Sign in to the admin area first.').tr('admin:errors.loginNeeded');
  }

  /** Synchronizer-token CSRF (OWASP), as the rest of Threadline: the principal's token in `_csrf`. */
  function csrf(req: Request, res: Response, next: NextFunction): void {
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof sent !== 'string' || !safeEqual(sent, res.locals.admin!.csrfToken)) {
      throw new ForbiddenError('csrf_invalid', 'This form has expired or did not come from Threadline.', 'Reload the page and try again; what you typed is kept below.').tr('errors:csrf_invalid');
    }
    next();
  }

  const link = (res: Response) => (path: string) => (res.locals.admin?.sessionToken ? withSession(path, res.locals.admin.sessionToken) : path);
  const go = (res: Response, path: string) => res.redirect(303, link(res)(path));

  function render(res: Response, view: string, titleKey: string, data: Record<string, unknown>, status = 200): void {
    const a = res.locals.admin!;
    const fmt = new Intl.DateTimeFormat(res.locals.lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    res.status(status).render(`admin/${view}`, {
      title: `${res.locals.t(titleKey)} · ${res.locals.t('admin:title')}`,
      heading: res.locals.t(titleKey),
      principal: a,
      tool: a.scope.kind === 'tool',
      link: link(res),
      sessionParam: SESSION_PARAM,
      when: (ms: number | null) => (ms === null ? null : { iso: new Date(ms).toISOString(), text: `${fmt.format(ms)} UTC` }),
      notice: typeof res.req.query.done === 'string' && /^[a-zA-Z]{1,32}$/.test(res.req.query.done) ? res.req.query.done : null,
      errors: {} as FieldErrors,
      values: {} as Record<string, string>,
      ...data,
    });
  }

  const param = (v: unknown): string => String(v);

  // ---- Sign in with a token (tool admins) -------------------------------------------------

  r.get('/admin/login', (_req, res) => {
    noFraming(res);
    res.set('Cache-Control', 'no-store');
    res.render('admin/login', { title: res.locals.t('admin:login.title'), error: null, signedOut: _req.query.out === '1' });
  });

  // The token itself is the secret this form proves, so a forged login (login CSRF) would need a
  // valid token; SameSite=Strict keeps the resulting cookie off cross-site requests.
  r.post('/admin/login', form, async (req, res) => {
    noFraming(res);
    res.set('Cache-Control', 'no-store');
    const token = (req.body as Record<string, unknown> | undefined)?.token;
    try {
      const { cookie, session } = await deps.auth.login(typeof token === 'string' ? token : '', req.ip ?? 'unknown');
      res.append('Set-Cookie', cookieHeader(cookie, Math.max(1, Math.floor((session.expiresAt - deps.clock.now()) / 1000))));
      deps.log.info({ adminToken: session.adminTokenId }, 'admin signed in');
      res.redirect(303, '/admin');
    } catch (err) {
      if (err instanceof UnauthorizedError) {
        // Never the token in a log: only that a sign-in failed.
        deps.log.warn({ code: err.code }, 'admin sign-in refused');
        res.status(401).render('admin/login', { title: res.locals.t('admin:login.title'), error: res.locals.t('admin:errors.tokenInvalid.message'), signedOut: false });
        return;
      }
      throw err;
    }
  });

  r.post('/admin/logout', form, who, csrf, async (req, res) => {
    const cookie = readCookie(req, COOKIE);
    if (cookie) await deps.auth.logout(cookie);
    res.append('Set-Cookie', cookieHeader('', 0));
    res.redirect(303, '/admin/login?out=1');
  });

  // ---- Overview and platforms -----------------------------------------------------------------

  r.get('/admin', who, (_req, res) => {
    const a = res.locals.admin!;
    if (a.scope.kind === 'platform') return go(res, `/admin/platforms/${a.scope.platformId}`);
    go(res, '/admin/platforms');
  });

  r.get('/admin/platforms', who, async (_req, res) => {
    const rows = await admin.listPlatforms(res.locals.admin!.scope);
    render(res, 'platforms', 'admin:platforms.title', { rows });
  });

  r.post('/admin/platforms', form, who, csrf, async (req, res) => {
    const scope = res.locals.admin!.scope;
    const parsed = parsePlatform(req.body);
    if (!parsed.ok) {
      const rows = await admin.listPlatforms(scope);
      return render(res, 'platforms', 'admin:platforms.title', { rows, errors: parsed.errors, values: parsed.values }, 400);
    }
    const p = await admin.addPlatform(scope, parsed.value);
    go(res, `/admin/platforms/${p.id}?done=platformSaved`);
  });

  r.get('/admin/platforms/:id', who, async (req, res) => {
    const data = await admin.platform(res.locals.admin!.scope, param(req.params.id));
    render(res, 'platform', 'admin:platform.title', data);
  });

  r.post('/admin/platforms/:id/status', form, who, csrf, async (req, res) => {
    const status = parseStatus(req.body);
    if (!status) throw badStatus();
    const p = await admin.setPlatformStatus(res.locals.admin!.scope, param(req.params.id), status);
    go(res, `/admin/platforms/${p.id}?done=${status === 'active' ? 'enabled' : 'disabled'}`);
  });

  r.post('/admin/platforms/:id/deployments', form, who, csrf, async (req, res) => {
    const scope = res.locals.admin!.scope;
    const parsed = parseDeployment(req.body);
    if (!parsed.ok) {
      const data = await admin.platform(scope, param(req.params.id));
      return render(res, 'platform', 'admin:platform.title', { ...data, errors: parsed.errors, values: parsed.values }, 400);
    }
    const d = await admin.addDeployment(scope, param(req.params.id), parsed.value.deployment_id);
    go(res, `/admin/platforms/${d.platformId}?done=deploymentAdded`);
  });

  r.post('/admin/platforms/:id/deployments/status', form, who, csrf, async (req, res) => {
    const status = parseStatus(req.body);
    const deploymentId = (req.body as Record<string, unknown>).deployment_id;
    if (!status || typeof deploymentId !== 'string') throw badStatus();
    await admin.setDeploymentStatus(res.locals.admin!.scope, param(req.params.id), deploymentId, status);
    go(res, `/admin/platforms/${param(req.params.id)}?done=${status === 'active' ? 'enabled' : 'disabled'}`);
  });

  // ---- Keys (tool admins) -------------------------------------------------------------------

  r.get('/admin/keys', who, async (_req, res) => {
    const keys = await admin.listKeys(res.locals.admin!.scope);
    render(res, 'keys', 'admin:keys.title', { keys });
  });

  r.post('/admin/keys/rotate', form, who, csrf, async (_req, res) => {
    await admin.rotateKey(res.locals.admin!.scope);
    go(res, '/admin/keys?done=rotated');
  });

  r.post('/admin/keys/retire', form, who, csrf, async (req, res) => {
    const kid = (req.body as Record<string, unknown>).kid;
    await admin.retireKey(res.locals.admin!.scope, typeof kid === 'string' ? kid : '');
    go(res, '/admin/keys?done=retired');
  });

  // ---- LRS targets and their queues ------------------------------------------------------------

  async function renderLrs(res: Response, extra: Record<string, unknown> = {}, status = 200) {
    const scope = res.locals.admin!.scope;
    const [rows, platforms] = await Promise.all([admin.listLrs(scope), scope.kind === 'tool' ? admin.listPlatforms(scope) : Promise.resolve([])]);
    render(res, 'lrs', 'admin:lrs.title', { rows, platforms: platforms.map((p) => p.platform), now: deps.clock.now(), ...extra }, status);
  }

  r.get('/admin/lrs', who, async (_req, res) => renderLrs(res));

  r.post('/admin/lrs', form, who, csrf, async (req, res) => {
    const parsed = parseLrs(req.body);
    if (!parsed.ok) return renderLrs(res, { errors: parsed.errors, values: parsed.values }, 400);
    await admin.addLrs(res.locals.admin!.scope, parsed.value);
    go(res, '/admin/lrs?done=lrsAdded');
  });

  r.post('/admin/lrs/:id/status', form, who, csrf, async (req, res) => {
    const status = parseStatus(req.body);
    if (!status) throw badStatus();
    await admin.setLrsStatus(res.locals.admin!.scope, param(req.params.id), status);
    go(res, `/admin/lrs?done=${status === 'active' ? 'enabled' : 'disabled'}`);
  });

  // ---- Dead letters -----------------------------------------------------------------------------

  r.get('/admin/dead-letters', who, async (req, res) => {
    const lrsId = typeof req.query.lrs === 'string' && req.query.lrs ? req.query.lrs : undefined;
    const [list, names] = await Promise.all([admin.deadLetters(res.locals.admin!.scope, lrsId), admin.lrsNames()]);
    render(res, 'dead-letters', 'admin:dead.title', { list, lrsId: lrsId ?? null, nameOf: (id: string) => names.get(id) ?? id });
  });

  r.get('/admin/dead-letters/:id', who, async (req, res) => {
    const [d, names] = await Promise.all([admin.deadLetter(res.locals.admin!.scope, param(req.params.id)), admin.lrsNames()]);
    let pretty = d.json;
    try {
      pretty = JSON.stringify(JSON.parse(d.json), null, 2);
    } catch {
      /* shown as stored */
    }
    // The statement carries what users typed: the view prints it with <%= %> (escaped), never raw.
    render(res, 'dead-letter', 'admin:dead.one', { d, pretty, lrsName: names.get(d.lrsId) ?? d.lrsId });
  });

  r.post('/admin/dead-letters/:id/retry', form, who, csrf, async (req, res) => {
    await admin.retryDeadLetter(res.locals.admin!.scope, param(req.params.id));
    go(res, '/admin/dead-letters?done=retried');
  });

  r.post('/admin/lrs/:id/retry-dead', form, who, csrf, async (req, res) => {
    const n = await admin.retryAllDead(res.locals.admin!.scope, param(req.params.id));
    go(res, `/admin/dead-letters?done=${n > 0 ? 'retried' : 'noneToRetry'}`);
  });

  // ---- Refused launches ---------------------------------------------------------------------------

  r.get('/admin/refusals', who, async (req, res) => {
    const scope = res.locals.admin!.scope;
    const filter = parseRefusalFilter(req.query as Record<string, unknown>);
    const [data, platforms] = await Promise.all([admin.refusals(scope, filter), admin.listPlatforms(scope)]);
    render(res, 'refusals', 'admin:refusals.title', { ...data, filter, platforms: platforms.map((p) => p.platform) });
  });

  // A data subject's request (export, erase): tool admins only. A platform admin works inside the
  // LMS frame with ?session= links, and an erase reaches every table; until requests are scoped
  // per platform end to end, only the holder of a CLI-issued admin token may do it.
  const requireToolAdmin = (req: Request, res: Response, next: NextFunction) =>
    who(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (res.locals.admin!.scope.kind !== 'tool') {
        return next(new ForbiddenError('admin_tool_only', 'Only the tool administrator can do this.', 'Sign in at /admin/login with an admin token.').tr('admin:errors.toolOnly'));
      }
      // Kept in the erasure log: which token (by its label) asked for it.
      res.locals.adminLabel = res.locals.admin!.label;
      next();
    });
  r.use('/admin', createPrivacyAdminRouter({ privacy: deps.privacy }, { requireAdmin: requireToolAdmin, csrf, csrfToken: (_req, res) => res.locals.admin!.csrfToken }));

  return r;
}
