import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { BODY_MAX, TITLE_MAX } from '../discussion/discussion-input.js';
import type { Thread } from '../discussion/discussion-model.js';
import { requireStaff, requireUser, viewerOf } from '../discussion/discussion-policy.js';
import { RENDER_VERSION, renderMarkdown } from '../discussion/markdown.js';
import type { PostStore } from '../discussion/post-store.js';
import type { ThreadStore } from '../discussion/thread-store.js';
import { AppError, NotFoundError } from '../web/errors.js';
import type { Material, PromptDetails, PromptStore } from './prompt-store.js';
import type { Space, SpaceStore } from './space-store.js';

/** Material link rows a prompt form offers (blank rows are ignored). */
export const MATERIAL_ROWS = 3;

export interface PromptInput {
  title: string;
  body: string;
  required: boolean;
  materials: Material[];
}

export type PromptField = 'title' | 'body' | 'required' | `material_label_${number}` | `material_url_${number}`;
/** Errors are message keys in the `spaces` catalogue. */
export type PromptErrors = Partial<Record<string, string>>;
export type PromptValues = Partial<Record<string, string>>;

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const str = z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').replace(CONTROL, '') : v), z.string().default(''));

const httpsUrl = z
  .string()
  .trim()
  .max(2000, 'errors.urlTooLong')
  .refine((u) => {
    try {
      // Only https: a material link opens from inside the LMS page, which is https itself.
      return new URL(u).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'errors.url');

/** The prompt form → a prompt. Field errors keep what was typed; 413 when the text is over its limit. */
export function parsePrompt(raw: Record<string, unknown>): { ok: true; value: PromptInput } | { ok: false; status: 400 | 413; errors: PromptErrors; values: PromptValues } {
  const values: PromptValues = {};
  const names = ['title', 'body', 'required', ...Array.from({ length: MATERIAL_ROWS }, (_, i) => [`material_label_${i}`, `material_url_${i}`]).flat()];
  for (const f of names) if (typeof raw[f] === 'string') values[f] = raw[f];
  const errors: PromptErrors = {};
  let status: 400 | 413 = 400;
  const title = str.transform((s) => s.replace(/\s+/g, ' ').trim()).pipe(z.string().min(1, 'errors.promptTitleMissing').max(TITLE_MAX, 'errors.titleTooLong')).safeParse(raw.title);
  if (!title.success) errors.title = title.error.issues[0]!.message;
  const body = str.pipe(z.string().max(BODY_MAX, 'errors.bodyTooLong')).safeParse(raw.body);
  if (!body.success) {
    errors.body = body.error.issues[0]!.message;
    status = 413;
  }
  const materials: Material[] = [];
  for (let i = 0; i < MATERIAL_ROWS; i++) {
    const label = typeof raw[`material_label_${i}`] === 'string' ? (raw[`material_label_${i}`] as string).replace(/\s+/g, ' ').trim() : '';
    const url = typeof raw[`material_url_${i}`] === 'string' ? (raw[`material_url_${i}`] as string).trim() : '';
    if (!label && !url) continue;
    if (!url) errors[`material_url_${i}`] = 'errors.urlMissing';
    else {
      const u = httpsUrl.safeParse(url);
      if (!u.success) errors[`material_url_${i}`] = u.error.issues[0]!.message;
    }
    if (label.length > 200) errors[`material_label_${i}`] = 'errors.labelTooLong';
    materials.push({ label: label || url, url });
  }
  if (Object.keys(errors).length > 0 || !title.success || !body.success) return { ok: false, status: errors.body ? status : 400, errors, values };
  // A prompt may be just its title ("Bring one example"); the opening post then repeats it.
  return { ok: true, value: { title: title.data, body: body.data.trim() ? body.data : title.data, required: raw.required === 'on', materials } };
}

export function promptValues(thread: Thread, body: string, d: PromptDetails): PromptValues {
  const v: PromptValues = { title: thread.title, body, ...(d.required ? { required: 'on' } : {}) };
  d.materials.forEach((m, i) => {
    v[`material_label_${i}`] = m.label;
    v[`material_url_${i}`] = m.url;
  });
  return v;
}

export interface PromptServiceDeps {
  spaces: Pick<SpaceStore, 'get'>;
  threads: Pick<ThreadStore, 'create' | 'get'>;
  posts: Pick<PostStore, 'opening' | 'edit'>;
  prompts: PromptStore;
  clock: Clock;
}

/** Staff manage a space's prompts: create, edit, reorder, delete. Answers go through post-service (a reply to the prompt). */
export function createPromptService(deps: PromptServiceDeps) {
  async function staffSpace(launch: LaunchContext, spaceId: string): Promise<Space> {
    const v = viewerOf(launch);
    const space = await deps.spaces.get(v.contextId, spaceId);
    if (!space) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
    requireUser(v);
    requireStaff(v);
    return space;
  }

  /** A prompt of the viewer's course, for staff; any other thread id (or course) is a 404. */
  async function staffPrompt(launch: LaunchContext, threadId: string): Promise<{ space: Space; thread: Thread; details: PromptDetails }> {
    const v = viewerOf(launch);
    const thread = await deps.threads.get(v.contextId, threadId);
    const details = thread && thread.kind === 'prompt' ? await deps.prompts.details(thread.id) : null;
    const space = thread ? await deps.spaces.get(v.contextId, thread.spaceId) : null;
    if (!thread || !details || !space) throw new NotFoundError('This prompt does not exist in this course.').tr('errors:no_prompt');
    requireUser(v);
    requireStaff(v);
    return { space, thread, details };
  }

  return {
    forNew: staffSpace,

    async create(launch: LaunchContext, spaceId: string, input: PromptInput): Promise<Thread> {
      const space = await staffSpace(launch, spaceId);
      const authorId = requireUser(viewerOf(launch));
      const { thread } = await deps.threads.create(
        { spaceId: space.id, authorId, title: input.title, kind: 'prompt' },
        { bodyMarkdown: input.body, bodyHtml: renderMarkdown(input.body), renderVersion: RENDER_VERSION },
        deps.clock.now(),
        (trx, { threadId }) => deps.prompts.addDetails(trx, { threadId, spaceId: space.id, required: input.required, materials: input.materials }),
      );
      return thread;
    },

    async forEdit(launch: LaunchContext, threadId: string) {
      const p = await staffPrompt(launch, threadId);
      const opening = await deps.posts.opening(p.thread.id);
      return { ...p, values: promptValues(p.thread, opening?.bodyMarkdown ?? '', p.details) };
    },

    /** Edits title and text through the post edit (so the old version stays in its history), then the details. */
    async edit(launch: LaunchContext, threadId: string, input: PromptInput): Promise<Thread> {
      const { thread } = await staffPrompt(launch, threadId);
      const editorId = requireUser(viewerOf(launch));
      const opening = await deps.posts.opening(thread.id);
      if (!opening) throw new Error(`prompt ${thread.id} has no opening post`);
      if (opening.bodyMarkdown !== input.body || thread.title !== input.title) {
        const ok = await deps.posts.edit(
          opening,
          { bodyMarkdown: input.body, bodyHtml: renderMarkdown(input.body), renderVersion: RENDER_VERSION, title: { previous: thread.title, next: input.title } },
          editorId,
          deps.clock.now(),
        );
        if (!ok) throw new AppError(409, 'edit_conflict', 'This prompt changed while you were editing it.', 'Open it again to see the latest version, then make your change.').tr('errors:prompt_conflict');
      }
      await deps.prompts.updateDetails(thread.id, { required: input.required, materials: input.materials });
      return { ...thread, title: input.title };
    },

    async move(launch: LaunchContext, threadId: string, by: -1 | 1): Promise<Space> {
      const { space, thread } = await staffPrompt(launch, threadId);
      await deps.prompts.move(thread.id, by);
      return space;
    },

    /** Deletes the prompt with its answers: staff confirm on the page first. */
    async remove(launch: LaunchContext, threadId: string): Promise<Space> {
      const { space, thread } = await staffPrompt(launch, threadId);
      await deps.prompts.remove(thread.id);
      return space;
    },
  };
}

export type PromptService = ReturnType<typeof createPromptService>;
