import express, { Router, type RequestHandler, type Response } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import { renderMarkdown } from '../discussion/markdown.js';
import { describeSpace } from '../spaces/space-router.js';
import type { Space } from '../spaces/space-store.js';
import { AppError, NotFoundError } from '../web/errors.js';
import { requireCsrf, withSession } from '../web/session.js';
import type { JourneyService } from './journey-service.js';
import type { PlanInput, ReflectionAnswers } from './journey-store.js';
import { confirmForm, planForm, reflectionForm } from './journey-input.js';
import { localDate } from './journey-time.js';

export interface JourneyRouterDeps {
  journey: JourneyService;
  session: RequestHandler;
}

const settingsForm = z.object({
  event_end: z.string().trim().default(''),
  require_prompts: z.literal('on').optional(),
  min_peer_replies: z.coerce.number({ message: 'journey:error.badNumber' }).int('journey:error.badNumber').min(0, 'journey:error.badNumber').max(50, 'journey:error.badNumber'),
});
const followUpForm = z.object({ days: z.coerce.number({ message: 'journey:error.badDays' }).int('journey:error.badDays').min(1, 'journey:error.badDays').max(730, 'journey:error.badDays') });
const idParam = z.string().max(64);

const id = (v: unknown): string => String(v);
const firstIssue = (e: z.ZodError): string => e.issues[0]?.message ?? 'journey:error.invalid';

/**
 * The journey pages of a space: a learner's "your follow-ups" (reflections and action plans),
 * and for staff the read-only overview and the timeline settings. Every route starts from the
 * launch (the service calls viewerOf) and a space id of the launch's course: anything else is a 404.
 */
export function journeyRouter(deps: JourneyRouterDeps): Router {
  const r = Router();
  // Large enough for three 10,000-character answers; beyond it express answers 413.
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const s = deps.session;

  function pageLocals(res: Response, space: Space) {
    const launch = res.locals.launch!;
    const locale = usableLocale(launch.locale);
    return {
      launch,
      space,
      ...describeSpace(space, locale),
      link: (path: string) => withSession(path, res.locals.sessionToken!),
      time: timeFormatter(space.timeZone, locale),
      // Target and due dates are days, read in the space's zone.
      day: (ms: number) => localDate(ms, space.timeZone),
      dateTimeLocal: (ms: number) => DateTime.fromMillis(ms, { zone: space.timeZone }).toFormat("yyyy-LL-dd'T'HH:mm"),
      markdown: renderMarkdown,
    };
  }

  /** The journey page; after a rejected form, with what the person typed and why it was refused. */
  async function renderPage(res: Response, spaceId: string, failed: { form: string; key?: string; values: Record<string, string>; error: string } | null = null) {
    const launch = res.locals.launch!;
    const staff = res.locals.launch!.roles && (await isStaffView(launch, spaceId));
    if (staff) {
      const overview = await deps.journey.staffOverview(launch, spaceId);
      const st = await deps.journey.settings(launch, spaceId);
      res.render('journey/journey', { ...pageLocals(res, overview.space), title: res.locals.t('journey:page.title'), staff: true, ...overview, settings: st.settings, failed });
      return;
    }
    const view = await deps.journey.followUps(launch, spaceId);
    res.render('journey/journey', { ...pageLocals(res, view.space), title: res.locals.t('journey:page.title'), staff: false, ...view, failed });
  }

  async function isStaffView(launch: NonNullable<Response['locals']['launch']>, spaceId: string): Promise<boolean> {
    try {
      await deps.journey.settings(launch, spaceId);
      return true;
    } catch (e) {
      if (e instanceof AppError && e.status === 403) return false;
      throw e;
    }
  }

  const back = (res: Response, spaceId: string, anchor = '') => res.redirect(303, withSession(`/spaces/${spaceId}/journey`, res.locals.sessionToken!) + anchor);

  /** A refused form: the status the rule asks for, the page again, the person's words kept. */
  async function refuse(res: Response, status: number, spaceId: string, failed: { form: string; key?: string; values: Record<string, string>; error: string }) {
    res.status(status);
    await renderPage(res, spaceId, failed);
  }

  // Before the space page renders: the learner's prep checklist and due follow-ups, for the
  // notice included in views/spaces/space.ejs. Errors are left to the space route (its own 404).
  r.get('/spaces/:id', s, async (req, res, next) => {
    try {
      const launch = res.locals.launch;
      if (launch) {
        const spaceId = id(req.params.id);
        const view = await deps.journey.followUps(launch, spaceId).catch(() => null);
        res.locals.journeyNotice = {
          prep: await deps.journey.prep(launch, spaceId).catch(() => null),
          due: view ? await deps.journey.dueNotice(launch, view.space) : [],
        };
      }
    } catch {
      // The notice is an extra: never let it break the page.
    }
    next();
  });

  r.get('/spaces/:id/journey', s, async (req, res) => {
    await renderPage(res, id(req.params.id));
  });

  r.post('/spaces/:id/journey/follow-ups/:fid/reflection', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const fid = idParam.safeParse(req.params.fid);
    const raw = { applied: String(req.body?.applied ?? ''), helped: String(req.body?.helped ?? ''), hindered: String(req.body?.hindered ?? '') };
    const parsed = reflectionForm.safeParse(raw);
    if (!parsed.success) return refuse(res, 400, spaceId, { form: 'reflection', key: fid.success ? fid.data : '', values: raw, error: firstIssue(parsed.error) });
    const answers: ReflectionAnswers = { appliedMarkdown: parsed.data.applied, helpedMarkdown: parsed.data.helped, hinderedMarkdown: parsed.data.hindered };
    await deps.journey.reflect(res.locals.launch!, spaceId, fid.success ? fid.data : '', answers);
    back(res, spaceId, `#follow-up-${fid.success ? fid.data : ''}`);
  });

  const planInput = (d: z.infer<typeof planForm>): PlanInput => ({ goal: d.goal, situation: d.situation, targetDate: d.target_date || null, status: d.status, barrier: d.barrier });
  const planRaw = (body: Record<string, unknown> | undefined) => ({
    goal: String(body?.goal ?? ''),
    situation: String(body?.situation ?? ''),
    target_date: String(body?.target_date ?? ''),
    status: String(body?.status ?? 'planned'),
    barrier: String(body?.barrier ?? ''),
  });

  r.post('/spaces/:id/journey/plans', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const raw = planRaw(req.body);
    const parsed = planForm.safeParse(raw);
    if (!parsed.success) return refuse(res, 400, spaceId, { form: 'new-plan', values: raw, error: firstIssue(parsed.error) });
    const { plan } = await deps.journey.createPlan(res.locals.launch!, spaceId, planInput(parsed.data));
    back(res, spaceId, `#plan-${plan.id}`);
  });

  r.post('/spaces/:id/journey/plans/:pid', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const pid = idParam.safeParse(req.params.pid);
    const raw = planRaw(req.body);
    const parsed = planForm.safeParse(raw);
    if (!parsed.success) return refuse(res, 400, spaceId, { form: 'plan', key: pid.success ? pid.data : '', values: raw, error: firstIssue(parsed.error) });
    await deps.journey.updatePlan(res.locals.launch!, spaceId, pid.success ? pid.data : '', planInput(parsed.data));
    back(res, spaceId, `#plan-${pid.success ? pid.data : ''}`);
  });

  /** The mentor's page; after a refused confirmation, with the comment typed and why it was refused. */
  async function renderMentor(res: Response, spaceId: string, failed: { key: string; comment: string; error: string } | null = null) {
    const view = await deps.journey.mentorPlans(res.locals.launch!, spaceId);
    res.render('journey/mentor', { ...pageLocals(res, view.space), title: res.locals.t('journey:mentor.title', { space: view.space.title }), mentees: view.mentees, failed });
  }

  r.get('/spaces/:id/journey/mentees', s, async (req, res) => {
    await renderMentor(res, id(req.params.id));
  });

  r.post('/spaces/:id/journey/plans/:pid/confirm', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const pid = idParam.safeParse(req.params.pid);
    const planId = pid.success ? pid.data : '';
    const raw = { comment: String(req.body?.comment ?? '') };
    const parsed = confirmForm.safeParse(raw);
    if (!parsed.success) {
      // Access first (403 for a non-mentor, 404 for a plan that is not a mentee's), then the form.
      const view = await deps.journey.mentorPlans(res.locals.launch!, spaceId);
      if (!view.mentees.some((m) => m.plans.some((p) => p.id === planId))) throw new NotFoundError('That action plan does not exist.').tr('errors:journey_no_plan');
      res.status(400);
      return renderMentor(res, spaceId, { key: planId, comment: raw.comment, error: firstIssue(parsed.error) });
    }
    await deps.journey.confirmPlan(res.locals.launch!, spaceId, planId, parsed.data.comment);
    res.redirect(303, withSession(`/spaces/${spaceId}/journey/mentees`, res.locals.sessionToken!) + `#plan-${planId}`);
  });

  r.post('/spaces/:id/journey/settings', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const raw = { event_end: String(req.body?.event_end ?? ''), min_peer_replies: String(req.body?.min_peer_replies ?? '0'), ...(req.body?.require_prompts === 'on' ? { require_prompts: 'on' } : {}) };
    const parsed = settingsForm.safeParse(raw);
    const launch = res.locals.launch!;
    // The end is a local date-time in the space's zone (a datetime-local field).
    const { space } = await deps.journey.settings(launch, spaceId);
    const end = parsed.success && parsed.data.event_end ? DateTime.fromISO(parsed.data.event_end, { zone: space.timeZone }) : null;
    if (!parsed.success || (end && !end.isValid)) return refuse(res, 400, spaceId, { form: 'settings', values: raw, error: parsed.success ? 'journey:error.badDate' : firstIssue(parsed.error) });
    try {
      await deps.journey.saveSettings(launch, spaceId, { eventEndAt: end ? end.toMillis() : null, rule: { requireRequiredPrompts: parsed.data.require_prompts === 'on', minPeerReplies: parsed.data.min_peer_replies } });
    } catch (e) {
      if (e instanceof AppError && e.code === 'invalid_event_end') return refuse(res, 400, spaceId, { form: 'settings', values: raw, error: 'journey:error.endBeforeStart' });
      throw e;
    }
    back(res, spaceId, '#journey-settings');
  });

  r.post('/spaces/:id/journey/follow-ups', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const raw = { days: String(req.body?.days ?? '') };
    const parsed = followUpForm.safeParse(raw);
    if (!parsed.success) {
      await deps.journey.settings(res.locals.launch!, spaceId); // staff only, before anything is shown
      return refuse(res, 400, spaceId, { form: 'follow-up', values: raw, error: firstIssue(parsed.error) });
    }
    await deps.journey.addFollowUp(res.locals.launch!, spaceId, parsed.data.days);
    back(res, spaceId, '#journey-schedule');
  });

  r.post('/spaces/:id/journey/follow-ups/:fid/remove', form, s, requireCsrf, async (req, res) => {
    const spaceId = id(req.params.id);
    const fid = idParam.safeParse(req.params.fid);
    await deps.journey.removeFollowUp(res.locals.launch!, spaceId, fid.success ? fid.data : '');
    back(res, spaceId, '#journey-schedule');
  });

  return r;
}
