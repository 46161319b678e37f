import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { describeSpace } from '../spaces/space-router.js';
import type { Space } from '../spaces/space-store.js';
import { requireCsrf, withSession } from '../web/session.js';
import { timeFormatter, usableLocale } from './discussion-format.js';
import { BODY_MAX, parseEditInput, parseReplyInput, parseThreadInput, TITLE_MAX, type FieldErrors, type FormValues } from './discussion-input.js';
import type { PostLocation, PostService } from './post-service.js';
import type { ThreadService } from './thread-service.js';
import { RateLimitedError } from '../curation/rate-limits.js';
import { rateLimitMessage } from '../curation/curation-router.js';
import type { MentionService } from '../mentions/mention-service.js';
import { postsIn } from './post-view.js';

export interface DiscussionRouterDeps {
  threads: ThreadService;
  posts: PostService;
  session: RequestHandler;
  /** Unread counts, "new" markers and the notifications bell (src/mentions); optional. */
  mentions?: MentionService;
}

// Query strings are input too: anything malformed falls back to the default page.
const listQuery = z.object({
  sort: z.enum(['active', 'newest', 'helpful']).catch('active'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  // ?tag=<id> filters by one of the space's tags (curation/); an unknown one is a 404.
  tag: z.string().min(1).max(36).optional().catch(undefined),
});
const threadQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  focus: z.string().max(64).optional().catch(undefined),
  sort: z.enum(['oldest', 'helpful']).catch('oldest'),
});

const id = (v: unknown): string => String(v);

/**
 * Discussion pages: a space's thread list, threads with nested replies, and the post actions.
 * Turns HTTP into plain arguments for the thread and post services and their answers into pages;
 * every page works without JavaScript (public/js/discussion.js only adds conveniences).
 */
export function discussionRouter(deps: DiscussionRouterDeps): Router {
  const r = Router();
  // A post may hold 20,000 characters, up to 9 bytes each once percent-encoded; bigger bodies
  // than this are refused by the parser (413) before we could give the text back.
  const form = express.urlencoded({ extended: false, limit: '512kb' });
  const s = deps.session;
  const post = [form, s, requireCsrf] as const;

  /** Locals every discussion page uses: session-carrying links and time formatting. */
  function pageLocals(res: Response, space: Space) {
    const launch = res.locals.launch!;
    const token = res.locals.sessionToken!;
    const locale = usableLocale(launch.locale);
    return {
      launch,
      space,
      ...describeSpace(space, locale),
      link: (path: string) => withSession(path, token),
      time: timeFormatter(space.timeZone, locale),
      limits: { title: TITLE_MAX, body: BODY_MAX },
    };
  }

  function redirectTo(res: Response, loc: PostLocation): void {
    const q = new URLSearchParams({ page: String(loc.page) });
    if (loc.focusId) q.set('focus', loc.focusId);
    // The fragment goes after the session parameter, or it would swallow it.
    res.redirect(303, `${withSession(`/threads/${loc.threadId}?${q.toString()}`, res.locals.sessionToken!)}#post-${loc.postId}`);
  }

  // The space page: its threads, pinned first, then most active or newest.
  r.get('/spaces/:id', s, async (req, res) => {
    const q = listQuery.parse(req.query);
    const launch = res.locals.launch!;
    const page = await deps.threads.list(launch, id(req.params.id), { sort: q.sort, page: q.page, tagId: q.tag ?? null });
    await deps.threads.recordView(launch, page.space);
    const unread = deps.mentions ? await deps.mentions.spacePage(launch, page.space, page.threads.map((t) => t.id)) : null;
    res.render('spaces/space', { ...pageLocals(res, page.space), title: page.space.title, ...page, unread, bell: unread?.bell ?? null });
  });

  r.get('/spaces/:id/threads/new', s, async (req, res) => {
    const space = await deps.threads.spaceForNewThread(res.locals.launch!, id(req.params.id));
    res.render('discussion/new-thread', { ...pageLocals(res, space), title: res.locals.t('thread:newThreadTitle', { space: space.title }), values: { kind: 'discussion' }, errors: {} });
  });

  r.post('/spaces/:id/threads', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const parsed = parseThreadInput(req.body as Record<string, unknown>);
    if (!parsed.ok) {
      const space = await deps.threads.spaceForNewThread(launch, id(req.params.id));
      return res.status(parsed.status).render('discussion/new-thread', { ...pageLocals(res, space), title: res.locals.t('thread:newThreadTitle', { space: space.title }), values: parsed.values, errors: parsed.errors });
    }
    // Over the rate limit: 429 with Retry-After, and the form back with what they typed.
    const thread = await deps.threads.create(launch, id(req.params.id), parsed.value).catch(async (e: unknown) => {
      if (!(e instanceof RateLimitedError)) throw e;
      const space = await deps.threads.spaceForNewThread(launch, id(req.params.id));
      res.set('Retry-After', String(e.retryAfterSeconds)).status(429).render('discussion/new-thread', { ...pageLocals(res, space), title: res.locals.t('thread:newThreadTitle', { space: space.title }), values: req.body, errors: { body: rateLimitMessage(res.locals.t, e) } });
      return null;
    });
    if (!thread) return;
    res.redirect(303, withSession(`/threads/${thread.id}`, res.locals.sessionToken!));
  });

  r.get('/threads/:id', s, async (req, res) => {
    const q = threadQuery.parse(req.query);
    const view = await deps.threads.view(res.locals.launch!, id(req.params.id), { page: q.page, focusId: q.focus ?? null, sort: q.sort });
    const shown = [...postsIn(view.opening), ...(view.focus ? postsIn(view.focus.post) : [])];
    const unread = deps.mentions ? await deps.mentions.threadPage(res.locals.launch!, view.thread.id, shown) : null;
    // A prompt (spaces/prompt-service.ts) has its own page: the prompt, the answer form, the answers.
    res.render(view.prompt ? 'prompts/prompt' : 'discussion/thread', { ...pageLocals(res, view.space), title: view.thread.displayTitle ?? res.locals.t('thread:hiddenThread'), ...view, unread, bell: unread?.bell ?? null });
  });

  r.post('/threads/:id/replies', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const threadId = id(req.params.id);
    const parsed = parseReplyInput(req.body as Record<string, unknown>);
    if (!parsed.ok) {
      const parentId = typeof parsed.values.parent_post_id === 'string' && parsed.values.parent_post_id ? parsed.values.parent_post_id : null;
      const ctx = await deps.posts.replyContext(launch, threadId, parentId);
      return res.status(parsed.status).render('discussion/reply', { ...pageLocals(res, ctx.space), title: res.locals.t('thread:replyTitle', { title: ctx.thread.title }), ...ctx, values: parsed.values, errors: parsed.errors });
    }
    const done = await deps.posts.reply(launch, threadId, parsed.value).catch(async (e: unknown) => {
      if (!(e instanceof RateLimitedError)) throw e;
      const ctx = await deps.posts.replyContext(launch, threadId, parsed.value.parentPostId);
      const values = { body: parsed.value.body, parent_post_id: parsed.value.parentPostId ?? '' };
      res.set('Retry-After', String(e.retryAfterSeconds)).status(429).render('discussion/reply', { ...pageLocals(res, ctx.space), title: res.locals.t('thread:replyTitle', { title: ctx.thread.title }), ...ctx, values, errors: { body: rateLimitMessage(res.locals.t, e) } });
      return null;
    });
    if (done) redirectTo(res, done.location);
  });

  for (const [action, flag, value] of [
    ['pin', 'pinned', true],
    ['unpin', 'pinned', false],
    ['lock', 'locked', true],
    ['unlock', 'locked', false],
  ] as const) {
    r.post(`/threads/:id/${action}`, ...post, async (req, res) => {
      const launch = res.locals.launch!;
      const thread = flag === 'pinned' ? await deps.threads.setPinned(launch, id(req.params.id), value) : await deps.threads.setLocked(launch, id(req.params.id), value);
      res.redirect(303, withSession(`/threads/${thread.id}`, res.locals.sessionToken!));
    });
  }

  // A post's permanent address: wherever it is shown now.
  r.get('/posts/:id', s, async (req, res) => {
    redirectTo(res, await deps.posts.locate(res.locals.launch!, id(req.params.id)));
  });

  r.get('/posts/:id/edit', s, async (req, res) => {
    const ctx = await deps.posts.forEdit(res.locals.launch!, id(req.params.id));
    const values: FormValues<'title' | 'body'> = { body: ctx.post.bodyMarkdown, ...(ctx.isOpening ? { title: ctx.thread.title } : {}) };
    res.render('discussion/edit', { ...pageLocals(res, ctx.space), title: res.locals.t('thread:editPostTitle', { title: ctx.thread.title }), ...ctx, values, errors: {} satisfies FieldErrors<'title' | 'body'> });
  });

  r.post('/posts/:id/edit', ...post, async (req, res) => {
    const launch = res.locals.launch!;
    const postId = id(req.params.id);
    const ctx = await deps.posts.forEdit(launch, postId);
    const parsed = parseEditInput(req.body as Record<string, unknown>, ctx.isOpening);
    if (!parsed.ok) {
      return res.status(parsed.status).render('discussion/edit', { ...pageLocals(res, ctx.space), title: res.locals.t('thread:editPostTitle', { title: ctx.thread.title }), ...ctx, values: parsed.values, errors: parsed.errors });
    }
    redirectTo(res, await deps.posts.edit(launch, postId, parsed.value));
  });

  r.get('/posts/:id/history', s, async (req, res) => {
    const h = await deps.posts.history(res.locals.launch!, id(req.params.id));
    res.render('discussion/history', { ...pageLocals(res, h.space), title: res.locals.t('thread:historyTitle', { title: h.thread.title }), ...h });
  });

  r.post('/posts/:id/delete', ...post, async (req, res) => {
    redirectTo(res, await deps.posts.remove(res.locals.launch!, id(req.params.id)));
  });

  r.post('/posts/:id/hide', ...post, async (req, res) => {
    redirectTo(res, await deps.posts.setHidden(res.locals.launch!, id(req.params.id), true));
  });

  r.post('/posts/:id/restore', ...post, async (req, res) => {
    redirectTo(res, await deps.posts.setHidden(res.locals.launch!, id(req.params.id), false));
  });

  // Reactions, endorsements and accepted answers: one POST each way, so a reload or a second
  // click of the same button changes nothing (no toggling by surprise), and no script is needed.
  for (const [action, set, on] of [
    ['react', 'setReaction', true],
    ['unreact', 'setReaction', false],
    ['endorse', 'setEndorsed', true],
    ['unendorse', 'setEndorsed', false],
    ['accept', 'setAccepted', true],
    ['unaccept', 'setAccepted', false],
  ] as const) {
    r.post(`/posts/:id/${action}`, ...post, async (req, res) => {
      redirectTo(res, await deps.posts[set](res.locals.launch!, id(req.params.id), on));
    });
  }

  return r;
}
