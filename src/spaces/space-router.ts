import express, { Router } from 'express';
import { DateTime } from 'luxon';
import type { Clock } from '../clock.js';
import { isStaff } from '../lti/claims.js';
import { deepLinkingResponse } from '../lti/deep-linking.js';
import { launchUrl } from '../lti/login-service.js';
import type { ToolKeys } from '../lti/tool-keys.js';
import { BadRequestError, ForbiddenError } from '../web/errors.js';
import { requireCsrf, withSession } from '../web/session.js';
import type { RequestHandler } from 'express';
import { parseSpaceInput, timeZones, type FieldErrors } from './space-input.js';
import { landingPath, SPACE_CUSTOM_PARAM, type SpaceService } from './space-service.js';
import type { Space } from './space-store.js';

export interface SpaceRouterDeps {
  publicUrl: string;
  spaces: SpaceService;
  keys: ToolKeys;
  clock: Clock;
  session: RequestHandler;
}

const KIND_LABEL = { prep: 'Pre-course prep', post_event: 'Post-event discussion' } as const;

/** How a space introduces itself at the top of its pages: its kind and, if set, the event time. */
export function describeSpace(space: Space, locale: string): { kindLabel: string; when: string | null } {
  const when = space.eventAt ? DateTime.fromMillis(space.eventAt, { zone: space.timeZone }).setLocale(locale).toLocaleString(DateTime.DATETIME_FULL) : null;
  return { kindLabel: KIND_LABEL[space.kind], when };
}

export function spaceRouter(deps: SpaceRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const s = deps.session;

  // Where every launch lands: decides the first page.
  r.get('/app', s, async (_req, res) => {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    const landing = await deps.spaces.landing(launch);
    switch (landing.kind) {
      case 'deep_linking':
      case 'space':
        return res.redirect(303, withSession(landingPath(landing), token));
      case 'setup':
        return res.render('spaces/setup', pickerLocals(res.locals, { action: '/app/setup', heading: res.locals.t('errors:setup.headingSetup') }));
      default:
        return res.status(200).render('spaces/not-ready', { title: 'Threadline', reason: landing.kind });
    }
  });

  r.post('/app/setup', form, s, requireCsrf, async (req, res) => {
    const launch = res.locals.launch!;
    if (!isStaff(launch.roles)) throw new ForbiddenError('forbidden_role', 'Only instructors can set up this link.').tr('errors:staff_setup');
    const parsed = parseSpaceInput(req.body as Record<string, unknown>);
    if (!parsed.ok) return res.status(400).render('spaces/setup', pickerLocals(res.locals, { action: '/app/setup', heading: res.locals.t('errors:setup.headingSetup'), errors: parsed.errors, values: req.body }));
    const space = await deps.spaces.create(launch, parsed.value, true);
    res.redirect(303, withSession(`/spaces/${space.id}`, res.locals.sessionToken!));
  });

  // Deep Linking 2.0 §4: the instructor picks what to create.
  r.get('/lti/deep-linking', s, (_req, res) => {
    const launch = res.locals.launch!;
    requireDeepLinking(launch);
    res.render('spaces/setup', pickerLocals(res.locals, { action: '/lti/deep-linking', heading: res.locals.t('errors:setup.headingAdd'), deepLinking: true }));
  });

  r.post('/lti/deep-linking', form, s, requireCsrf, async (req, res) => {
    const launch = res.locals.launch!;
    requireDeepLinking(launch);
    const body = req.body as Record<string, unknown>;
    let jwt: string;
    if (body.cancel !== undefined) {
      jwt = await deepLinkingResponse(deps.keys, deps.clock, launch, [], { message: 'Nothing was added.' });
    } else {
      const parsed = parseSpaceInput(body);
      if (!parsed.ok) {
        return res.status(400).render('spaces/setup', pickerLocals(res.locals, { action: '/lti/deep-linking', heading: res.locals.t('errors:setup.headingAdd'), deepLinking: true, errors: parsed.errors, values: body }));
      }
      const space = await deps.spaces.create(launch, parsed.value, false);
      const when = space.eventAt ? DateTime.fromMillis(space.eventAt, { zone: space.timeZone }).toFormat("d LLL yyyy, HH:mm ZZZZ") : null;
      jwt = await deepLinkingResponse(deps.keys, deps.clock, launch, [
        {
          title: space.title,
          text: `${KIND_LABEL[space.kind]}${when ? ` · event ${when}` : ''}`,
          url: launchUrl(deps.publicUrl),
          custom: { [SPACE_CUSTOM_PARAM]: space.id },
        },
      ]);
    }
    res.set('Cache-Control', 'no-store');
    res.render('lti/deep-link-return', { title: res.locals.t('lti:returning'), returnUrl: launch.deepLinking!.returnUrl, jwt });
  });

  // GET /spaces/:id, the space page, is the thread list: see discussion/discussion-router.ts.

  return r;
}

function requireDeepLinking(launch: { messageType: string; roles: Parameters<typeof isStaff>[0]; deepLinking: unknown }): void {
  if (launch.messageType !== 'LtiDeepLinkingRequest' || !launch.deepLinking) throw new BadRequestError('not_deep_linking', 'This page is only for adding Threadline to a course.').tr('errors:not_deep_linking');
  if (!isStaff(launch.roles)) throw new ForbiddenError('forbidden_role', 'Only instructors can add Threadline to a course.').tr('errors:staff_add');
}

function pickerLocals(
  locals: Record<string, unknown>,
  opts: { action: string; heading: string; deepLinking?: boolean; errors?: FieldErrors; values?: Record<string, unknown> },
) {
  const launch = (locals as { launch: { deepLinking: { acceptTypes: string[]; title?: string } | null; resourceLink: { title: string | null } | null } }).launch;
  const unsupported = opts.deepLinking && launch.deepLinking && launch.deepLinking.acceptTypes.length > 0 && !launch.deepLinking.acceptTypes.includes('ltiResourceLink');
  return {
    title: opts.heading,
    heading: opts.heading,
    action: opts.action,
    deepLinking: !!opts.deepLinking,
    unsupported,
    errors: opts.errors ?? {},
    values: { kind: 'prep', title: launch.deepLinking?.title ?? launch.resourceLink?.title ?? '', time_zone: 'UTC', ...(opts.values ?? {}) },
    zones: timeZones(),
  };
}
