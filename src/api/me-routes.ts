import { catalogueLocale } from '../i18n/i18n.js';
import { isStaff } from '../lti/claims.js';
import { apiRoute, type ApiRoute } from './api-route.js';
import { MeJson } from './api-schemas.js';

/** Who the token speaks for: what a client needs to decide what to offer. */
export function meRoutes(): ApiRoute[] {
  return [
    apiRoute({
      method: 'get',
      path: '/me',
      operationId: 'getMe',
      summary: 'The launch this session token belongs to: role, course, locale, session expiry',
      tag: 'session',
      response: MeJson,
      errors: [],
      handler: async ({ launch, session }) => ({
        // The name as the pages show it: no ids, email or picture.
        user: launch.user ? { name: launch.user.name } : null,
        role: launch.roles.primary,
        staff: isStaff(launch.roles),
        course: launch.context ? { label: launch.context.label, title: launch.context.title } : null,
        locale: launch.locale,
        language: catalogueLocale(launch.locale),
        // What the store holds: the sliding expiry may already be later (it is written at most once a minute).
        sessionExpiresAt: new Date(session.expiresAt).toISOString(),
      }),
    }),
  ];
}
