import { z } from 'zod';
import { THREAD_KINDS, type UserThreadKind } from './discussion-model.js';
import { TAGS_PER_THREAD } from '../curation/tag-store.js';

export const TITLE_MAX = 200;
export const BODY_MAX = 20_000;

/** What a user typed, as strings, so a refused form comes back exactly as it was sent. */
export type FormValues<F extends string> = Partial<Record<F, string>>;
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export type Parsed<T, F extends string> =
  | { ok: true; value: T }
  /** 413 when the body is over the limit (the message says by how much), 400 otherwise. */
  | { ok: false; status: 400 | 413; errors: FieldErrors<F>; values: FormValues<F> };

export interface ThreadInput {
  title: string;
  kind: UserThreadKind;
  body: string;
  /** Tags of the space the author picked (curation/); absent when none were. */
  tagIds?: string[];
}
export type ThreadField = 'title' | 'kind' | 'body' | 'tags';

export interface ReplyInput {
  body: string;
  parentPostId: string | null;
}
export type ReplyField = 'body' | 'parent_post_id';

export interface EditInput {
  body: string;
  /** Only for an opening post, whose edit form also has the thread title. */
  title: string | null;
}
export type EditField = 'title' | 'body';

// Browsers send textarea line breaks as CRLF but count them as one character for maxlength.
// Control characters other than tab and newline carry no meaning in a post, and PostgreSQL
// refuses NUL in text outright: they are dropped.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// Messages are catalogue keys (`discussion:fields.*`), like curation's and spaces': the pages and
// the API translate them with the limits as parameters (views/discussion/field-message.ejs).
const text = z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').replace(CONTROL, '') : v), z.string({ error: 'discussion:fields.missing' }));

// A title is one line: runs of whitespace (newlines, tabs) become one space.
const title = text
  .transform((s) => s.replace(/\s+/g, ' ').trim())
  .pipe(z.string().min(1, 'discussion:fields.titleMissing').max(TITLE_MAX, 'discussion:fields.titleTooLong'));

const body = text.pipe(
  z
    .string()
    .refine((s) => s.trim().length > 0, 'discussion:fields.bodyEmpty')
    .pipe(z.string().max(BODY_MAX, 'discussion:fields.bodyTooLong')),
);

/** Also the JSON API's request bodies (src/api), and from them its OpenAPI schemas. */
export const threadSchema = z.object({
  title,
  kind: z.enum(THREAD_KINDS, { error: 'discussion:fields.kind' }).default('discussion'),
  body,
});

// Checkboxes: absent when none is ticked, a string for one, an array for several.
const tagIdsSchema = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string().max(36)).max(TAGS_PER_THREAD, 'discussion:fields.tagsTooMany').transform((a) => [...new Set(a)]),
);

export const replySchema = z.object({
  body,
  parent_post_id: z
    .string()
    .trim()
    .max(36)
    .optional()
    .transform((v) => v || null),
});

/**
 * A field message in the reader's language. `message` is a catalogue key from the schemas above,
 * or text a router already translated (a rate-limit refusal), which passes through. `body` is
 * what was typed, for "this one has N characters".
 */
export function fieldMessage(t: (key: string, opts: Record<string, unknown>) => string, lang: string, message: string, body?: string): string {
  if (!/^[a-z]+:[A-Za-z0-9_.]+$/.test(message)) return message;
  const length = (body ?? '').replace(/\r\n?/g, '\n').replace(CONTROL, '').length;
  return t(message, { titleMax: TITLE_MAX, bodyMax: BODY_MAX.toLocaleString(lang), tagsMax: TAGS_PER_THREAD, length: length.toLocaleString(lang) });
}

function fail<F extends string>(error: z.ZodError, raw: Record<string, unknown>, fields: readonly F[]): Parsed<never, F> {
  const errors: FieldErrors<F> = {};
  let tooLarge = false;
  for (const i of error.issues) {
    const f = i.path[0] as F;
    errors[f] ??= i.message;
    if (f === 'body' && i.code === 'too_big') tooLarge = true;
  }
  const values: FormValues<F> = {};
  for (const f of fields) if (typeof raw[f] === 'string') values[f] = raw[f];
  return { ok: false, status: tooLarge ? 413 : 400, errors, values };
}

export function parseThreadInput(raw: Record<string, unknown>): Parsed<ThreadInput, ThreadField> {
  const r = threadSchema.extend({ tags: tagIdsSchema }).safeParse(raw);
  if (!r.success) return fail(r.error, raw, ['title', 'kind', 'body']);
  const { tags, ...value } = r.data;
  return { ok: true, value: tags.length ? { ...value, tagIds: tags } : value };
}

export function parseReplyInput(raw: Record<string, unknown>): Parsed<ReplyInput, ReplyField> {
  const r = replySchema.safeParse(raw);
  return r.success ? { ok: true, value: { body: r.data.body, parentPostId: r.data.parent_post_id } } : fail(r.error, raw, ['body', 'parent_post_id']);
}

/** An opening post's edit also sets the thread title; a reply's is the body alone. */
export const editOpeningSchema = z.object({ title, body });
export const editReplySchema = z.object({ body });

export function parseEditInput(raw: Record<string, unknown>, withTitle: boolean): Parsed<EditInput, EditField> {
  if (withTitle) {
    const r = editOpeningSchema.safeParse(raw);
    return r.success ? { ok: true, value: { body: r.data.body, title: r.data.title } } : fail(r.error, raw, ['title', 'body']);
  }
  const r = editReplySchema.safeParse(raw);
  return r.success ? { ok: true, value: { body: r.data.body, title: null } } : fail(r.error, raw, ['body']);
}
