import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { describeSpace } from '../spaces/space-router.js';
import type { Space } from '../spaces/space-store.js';
import { NotFoundError } from '../web/errors.js';
import { requireCsrf, withSession } from '../web/session.js';
import { timeFormatter, usableLocale } from '../discussion/discussion-format.js';
import type { CurationService } from './curation-service.js';
import { parseFlagInput, NOTE_MAX } from './curation-input.js';
import { FLAG_REASONS, MODERATION_ACTIONS } from './flag-store.js';
import { RateLimitedError } from './rate-limits.js';
import type { TagService } from './tag-service.js';
import { TAG_LABEL_MAX, TAGS_PER_THREAD } from './tag-store.js';

export interface CurationRouterDeps {
  curation: CurationService;
  tags: TagService;
  session: RequestHandler;
}

const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  tag: z.string().max(36).optional().catch(undefined),
});
const flagQuery = z.object({ sent: z.enum(['added', 'already']).optional().catch(undefined) });
const actionParam = z.enum(MODERATION_ACTIONS);

const id = (v: unknown): string => String(v);

// A tag label is one line: whitespace runs collapse; 1 to 40 characters. Messages are catalogue keys.
export const labelSchema = z.object({
  label: z
    .string({ error: 'curation:tags.errors.empty' })
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]/g, '').replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, 'curation:tags.errors.empty').max(TAG_LABEL_MAX, 'curation:tags.errors.tooLong')),
});
export const tagIdsSchema = z.object({
  tags: z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(36)).max(TAGS_PER_THREAD, 'curation:tags.errors.tooMany')),
});

/** The refusal in the reader's language: what was refused and when they can send it again. */
export function rateLimitMessage(t: Response['locals']['t'], e: RateLimitedError): string {
  return t(`curation:rateLimit.${e.kind}`, { count: e.retryAfterSeconds, time: new Date(e.retryAt).toISOString().slice(11, 19) });
}

/** Sets Retry-After (RFC 9110 §10.2.3) on a 429, for pages that render the refusal themselves. */
export function retryAfter(res: Response, e: RateLimitedError): void {
  res.set('Retry-After', String(e.retryAfterSeconds));
}

/**
 * Curation pages: flagging a post, the staff moderation queue, the "most useful" view, and (as
 * middleware before the discussion router) the staff flag badge on the space page.
 */
export function curationRouter(deps: CurationRouterDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const s = deps.session;
  const post = [form, s, requireCsrf] as const;

  function pageLocals(res: Response, space: Space) {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    const locale = usableLocale(launch.locale);
    return { launch, space, ...describeSpace(space, locale), link: (path: string) => withSession(path, token), time: timeFormatter(space.timeZone, locale) };
  }

  // The space page (rendered by the discussion router) shows staff the open-flag count, and
  // everyone the tag filter; the new-thread form offers the space's tags as checkboxes.
  r.get('/spaces/:id', s, async (req: Request, res: Response, next: NextFunction) => {
    res.locals.openFlags = await deps.curation.openCount(res.locals.launch!, id(req.params.id));
    res.locals.spaceTags = await deps.tags.list(res.locals.launch!, id(req.params.id));
    next();
  });
  const tagChoices = async (req: Request, res: Response, next: NextFunction) => {
    res.locals.tagChoices = await deps.tags.list(res.locals.launch!, id(req.params.id));
    res.locals.tagMax = TAGS_PER_THREAD;
    next();
  };
  r.get('/spaces/:id/threads/new', s, tagChoices);
  r.post('/spaces/:id/threads', form, s, tagChoices);

  // Staff manage the space's tags: create, rename, delete.
  const tagsPage = async (res: Response, spaceId: string, status = 200, error: string | null = null, values: Record<string, unknown> = {}) => {
    const m = await deps.tags.manage(res.locals.launch!, spaceId);
    res.status(status).render('curation/tags', { ...pageLocals(res, m.space), title: res.locals.t('curation:tags.manageHeading'), tags: m.tags, labelMax: TAG_LABEL_MAX, error, values });
  };
  r.get('/spaces/:id/tags', s, async (req, res) => tagsPage(res, id(req.params.id)));
  r.post('/spaces/:id/tags', ...post, async (req, res) => {
    const spaceId = id(req.params.id);
    const parsed = labelSchema.safeParse(req.body);
    const raw = (req.body as Record<string, unknown>).label;
    if (!parsed.success) return tagsPage(res, spaceId, 400, res.locals.t(parsed.error.issues[0]!.message), { label: typeof raw === 'string' ? raw : '' });
    try {
      await deps.tags.create(res.locals.launch!, spaceId, parsed.data.label);
    } catch (e) {
      if ((e as { code?: string }).code !== 'tag_exists') throw e;
      return tagsPage(res, spaceId, 409, res.locals.t('curation:tags.errors.exists'), { label: parsed.data.label });
    }
    res.redirect(303, withSession(`/spaces/${spaceId}/tags`, res.locals.sessionToken!));
  });
  r.post('/spaces/:id/tags/:tagId/rename', ...post, async (req, res) => {
    const spaceId = id(req.params.id);
    const parsed = labelSchema.safeParse(req.body);
    if (!parsed.success) {
      // Check the tag is this space's before saying anything about the input.
      await deps.tags.filterTag(res.locals.launch!, spaceId, id(req.params.tagId));
      return tagsPage(res, spaceId, 400, res.locals.t(parsed.error.issues[0]!.message));
    }
    try {
      await deps.tags.rename(res.locals.launch!, spaceId, id(req.params.tagId), parsed.data.label);
    } catch (e) {
      if ((e as { code?: string }).code !== 'tag_exists') throw e;
      return tagsPage(res, spaceId, 409, res.locals.t('curation:tags.errors.exists'));
    }
    res.redirect(303, withSession(`/spaces/${spaceId}/tags`, res.locals.sessionToken!));
  });
  r.post('/spaces/:id/tags/:tagId/delete', ...post, async (req, res) => {
    await deps.tags.remove(res.locals.launch!, id(req.params.id), id(req.params.tagId));
    res.redirect(303, withSession(`/spaces/${id(req.params.id)}/tags`, res.locals.sessionToken!));
  });

  // A thread's author (or staff) changes its tags.
  const threadTagsPage = async (res: Response, threadId: string, status = 200, error: string | null = null) => {
    const ctx = await deps.tags.forThread(res.locals.launch!, threadId);
    res.status(status).render('curation/thread-tags-form', { ...pageLocals(res, ctx.space), title: res.locals.t('curation:tags.editHeading'), ...ctx, tagMax: TAGS_PER_THREAD, error });
  };
  r.get('/threads/:id/tags', s, async (req, res) => threadTagsPage(res, id(req.params.id)));
  r.post('/threads/:id/tags', ...post, async (req, res) => {
    const threadId = id(req.params.id);
    const parsed = tagIdsSchema.safeParse(req.body);
    if (!parsed.success) return threadTagsPage(res, threadId, 400, res.locals.t('curation:tags.errors.tooMany'));
    await deps.tags.setThreadTags(res.locals.launch!, threadId, parsed.data.tags);
    res.redirect(303, withSession(`/threads/${threadId}`, res.locals.sessionToken!));
  });

  r.get('/posts/:id/flag', s, async (req, res) => {
    const ctx = await deps.curation.forFlag(res.locals.launch!, id(req.params.id));
    const q = flagQuery.parse(req.query);
    res.render('curation/flag', { ...pageLocals(res, ctx.space), title: res.locals.t('curation:flag.title'), ...ctx, sent: q.sent ?? null, reasons: FLAG_REASONS, noteMax: NOTE_MAX, values: {}, errors: {}, limited: null });
  });

  r.post('/posts/:id/flag', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const postId = id(req.params.id);
    const parsed = parseFlagInput(req.body as Record<string, unknown>);
    const again = async (status: number, values: Record<string, string>, errors: Record<string, string>, limited: RateLimitedError | null) => {
      const ctx = await deps.curation.forFlag(launch, postId);
      res.status(status).render('curation/flag', { ...pageLocals(res, ctx.space), title: res.locals.t('curation:flag.title'), ...ctx, sent: null, reasons: FLAG_REASONS, noteMax: NOTE_MAX, values, errors, limited });
    };
    if (!parsed.ok) return again(parsed.status, parsed.values, parsed.errors, null);
    try {
      const { added } = await deps.curation.flag(launch, postId, parsed.value);
      res.redirect(303, withSession(`/posts/${postId}/flag?sent=${added ? 'added' : 'already'}`, res.locals.sessionToken!));
    } catch (e) {
      if (!(e instanceof RateLimitedError)) throw e;
      retryAfter(res, e);
      return again(429, { reason: parsed.value.reason, note: parsed.value.note ?? '' }, {}, e);
    }
  });

  r.get('/spaces/:id/moderation', s, async (req, res) => {
    const q = await deps.curation.queue(res.locals.launch!, id(req.params.id));
    res.render('curation/queue', { ...pageLocals(res, q.space), title: res.locals.t('curation:queue.title'), ...q });
  });

  r.post('/spaces/:id/moderation/posts/:postId/:action', ...post, async (req, res) => {
    const action = actionParam.safeParse(req.params.action);
    // An unknown action is an unknown address.
    if (!action.success) throw new NotFoundError('There is no page at this address.').tr('errors:no_page');
    const { space } = await deps.curation.moderate(res.locals.launch!, id(req.params.id), id(req.params.postId), action.data);
    res.redirect(303, withSession(`/spaces/${space.id}/moderation?done=${action.data}`, res.locals.sessionToken!));
  });

  r.get('/spaces/:id/useful', s, async (req, res) => {
    const q = pageQuery.parse(req.query);
    const page = await deps.curation.mostUseful(res.locals.launch!, id(req.params.id), { page: q.page, tagId: q.tag ?? null });
    res.render('curation/useful', { ...pageLocals(res, page.space), title: res.locals.t('curation:useful.title'), ...page, tagId: q.tag ?? null });
  });

  return r;
}
