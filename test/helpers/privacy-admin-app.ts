import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { fixedClock } from '../../src/clock.js';
import type { Db } from '../../src/db/knex.js';
import { createI18n } from '../../src/i18n/i18n.js';
import { createLogger } from '../../src/log.js';
import { createPrivacyAdminRouter } from '../../src/privacy/privacy-router.js';
import { createPrivacyService } from '../../src/privacy/privacy-service.js';
import { createPrivacyStore } from '../../src/privacy/privacy-store.js';
import { errorHandler } from '../../src/web/error-handler.js';
import { ForbiddenError } from '../../src/web/errors.js';
import { localize } from '../../src/web/locale.js';
import { securityHeaders } from '../../src/web/security-headers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_CSRF = 'test-csrf-token';

/**
 * The privacy admin router as the admin area will mount it (under /admin), with stand-in guards:
 * an "admin" is a request with `X-Test-Admin: yes`, and the CSRF check compares `_csrf` with a
 * fixed token. The real guards belong to the admin area; tests check the router applies them.
 */
export async function startPrivacyAdminApp(db: Db): Promise<{ base: string; close(): Promise<void> }> {
  const privacy = createPrivacyService({ db, store: createPrivacyStore(db), clock: fixedClock(1_800_000_000_000), publicUrl: 'https://tool.example', outboxKeepDays: 30 });
  const app = express();
  app.set('views', path.join(root, 'views'));
  app.set('view engine', 'ejs');
  app.use(localize(createI18n(path.join(root, 'locales'))));
  app.use('/public', express.static(path.join(root, 'public')));
  app.use(securityHeaders(async () => []));
  const requireAdmin = (req: Request, res: Response, next: NextFunction) => {
    if (req.get('x-test-admin') !== 'yes') throw new ForbiddenError('not_admin', 'Admins only.');
    res.locals.adminLabel = 'admin:test';
    next();
  };
  const csrf = (req: Request, _res: Response, next: NextFunction) => {
    if ((req.body as Record<string, unknown> | undefined)?._csrf !== TEST_CSRF) throw new ForbiddenError('csrf_invalid', 'Bad CSRF token.');
    next();
  };
  app.use('/admin', createPrivacyAdminRouter({ privacy }, { requireAdmin, csrf, csrfToken: () => TEST_CSRF }));
  app.use(errorHandler(createLogger('silent')));
  const server = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
