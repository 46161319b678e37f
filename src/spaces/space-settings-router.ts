import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { usableLocale } from '../discussion/discussion-format.js';
import { BODY_MAX, TITLE_MAX } from '../discussion/discussion-input.js';
import { BadRequestError } from '../web/errors.js';
import { requireCsrf, withSession } from '../web/session.js';
import { MATERIAL_ROWS, parsePrompt, type PromptErrors, type PromptService, type PromptValues } from './prompt-service.js';
import { INTRO_MAX, parseSettings, settingsValues, SPACE_TITLE_MAX, type SettingsErrors, type SettingsValues, type SpaceSettingsService } from './space-settings.js';
import { describeSpace } from './space-router.js';
import type { Space } from './space-store.js';
import { timeZones } from './space-input.js';

export interface SpaceSettingsRouterDeps {
  settings: SpaceSettingsService;
  prompts: PromptService;
  session: RequestHandler;
}

const id = (v: unknown): string => String(v);
const moveBody = z.object({ direction: z.enum(['up', 'down']) });

/**
 * Staff pages of a space: its settings, and its prep prompts (create, edit, reorder, delete).
 * Learners answer a prompt on its thread page (discussion-router), through post-service.
 */
export function spaceSettingsRouter(deps: SpaceSettingsRouterDeps): Router {
  const r = Router();
  // An intro or prompt text of the maximum length, percent-encoded, fits well inside this.
  const form = express.urlencoded({ extended: false, limit: '512kb' });
  const s = deps.session;
  const post = [form, s, requireCsrf] as const;

  function locals(res: Response, space: Space) {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    return { launch, space, ...describeSpace(space, usableLocale(launch.locale)), link: (path: string) => withSession(path, token) };
  }

  function renderSettings(res: Response, space: Space, values: SettingsValues, errors: SettingsErrors, status = 200, saved = false) {
    res.status(status).render('spaces/settings', {
      ...locals(res, space),
      title: res.locals.t('spaces:settings.title', { space: space.title }),
      values,
      errors,
      saved,
      zones: timeZones(),
      limits: { title: SPACE_TITLE_MAX, intro: INTRO_MAX },
    });
  }

  function renderPromptForm(res: Response, space: Space, opts: { threadId: string | null; values: PromptValues; errors: PromptErrors; status?: number }) {
    res.status(opts.status ?? 200).render('prompts/prompt-form', {
      ...locals(res, space),
      title: res.locals.t(opts.threadId ? 'spaces:prompts.editTitle' : 'spaces:prompts.newTitle'),
      threadId: opts.threadId,
      values: opts.values,
      errors: opts.errors,
      rows: MATERIAL_ROWS,
      limits: { title: TITLE_MAX, body: BODY_MAX },
    });
  }

  r.get('/spaces/:id/settings', s, async (req, res) => {
    const space = await deps.settings.forSettings(res.locals.launch!, id(req.params.id));
    renderSettings(res, space, settingsValues(space), {}, 200, req.query.saved === '1');
  });

  r.post('/spaces/:id/settings', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const space = await deps.settings.forSettings(launch, id(req.params.id));
    const parsed = parseSettings(req.body as Record<string, unknown>);
    if (!parsed.ok) return renderSettings(res, space, parsed.values, parsed.errors, parsed.status);
    await deps.settings.update(launch, space.id, parsed.value);
    res.redirect(303, withSession(`/spaces/${space.id}/settings?saved=1`, res.locals.sessionToken!));
  });

  r.get('/spaces/:id/prompts/new', s, async (req, res) => {
    const space = await deps.prompts.forNew(res.locals.launch!, id(req.params.id));
    renderPromptForm(res, space, { threadId: null, values: { required: 'on' }, errors: {} });
  });

  r.post('/spaces/:id/prompts', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const space = await deps.prompts.forNew(launch, id(req.params.id));
    const parsed = parsePrompt(req.body as Record<string, unknown>);
    if (!parsed.ok) return renderPromptForm(res, space, { threadId: null, values: parsed.values, errors: parsed.errors, status: parsed.status });
    await deps.prompts.create(launch, space.id, parsed.value);
    res.redirect(303, `${withSession(`/spaces/${space.id}`, res.locals.sessionToken!)}#prompts-h`);
  });

  r.get('/prompts/:id/edit', s, async (req, res) => {
    const p = await deps.prompts.forEdit(res.locals.launch!, id(req.params.id));
    renderPromptForm(res, p.space, { threadId: p.thread.id, values: p.values, errors: {} });
  });

  r.post('/prompts/:id/edit', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const p = await deps.prompts.forEdit(launch, id(req.params.id));
    const parsed = parsePrompt(req.body as Record<string, unknown>);
    if (!parsed.ok) return renderPromptForm(res, p.space, { threadId: p.thread.id, values: parsed.values, errors: parsed.errors, status: parsed.status });
    await deps.prompts.edit(launch, p.thread.id, parsed.value);
    res.redirect(303, withSession(`/threads/${p.thread.id}`, res.locals.sessionToken!));
  });

  r.post('/prompts/:id/move', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    // Malformed direction: check access first (404/403 before 400), then refuse.
    const parsed = moveBody.safeParse(req.body);
    if (!parsed.success) {
      await deps.prompts.forEdit(launch, id(req.params.id));
      throw new BadRequestError('bad_direction', 'Move a prompt up or down.').tr('errors:bad_direction');
    }
    const space = await deps.prompts.move(launch, id(req.params.id), parsed.data.direction === 'up' ? -1 : 1);
    res.redirect(303, `${withSession(`/spaces/${space.id}`, res.locals.sessionToken!)}#prompts-h`);
  });

  r.post('/prompts/:id/delete', ...post, async (req, res) => {
    const space = await deps.prompts.remove(res.locals.launch!, id(req.params.id));
    res.redirect(303, `${withSession(`/spaces/${space.id}`, res.locals.sessionToken!)}#prompts-h`);
  });

  return r;
}
