import { z } from 'zod';

export const BIO_MAX = 1000;
export const EXPERTISE_MAX = 10;
export const EXPERTISE_LABEL_MAX = 40;
/** The raw expertise field: ten labels of forty plus separators fit well inside. */
export const EXPERTISE_FIELD_MAX = 600;

export type ProfileField = 'bio' | 'expertise' | 'open_to_mentoring';
export interface ProfileInput {
  bio: string;
  expertise: string[];
  openToMentoring: boolean;
}
export type ProfileParsed =
  | { ok: true; value: ProfileInput }
  | { ok: false; status: 400 | 413; errors: Partial<Record<ProfileField, string>>; values: { bio: string; expertise: string; open_to_mentoring: boolean } };

// Error values are catalogue keys (`connections:profile.errors.*`): the view translates them.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim() : v === undefined ? '' : v);
// A checkbox sends its value when ticked and nothing when not.
const checkbox = (v: unknown) => v === 'on' || v === 'true' || v === '1' || v === 'yes';

/** Labels typed as one comma- (or line-) separated field: one line each, duplicates (any case) dropped. */
export function splitLabels(raw: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of raw.split(/[,\n;]/)) {
    const label = part.replace(/\s+/g, ' ').trim();
    const key = label.toLocaleLowerCase('en');
    if (!label || seen.has(key)) continue;
    seen.add(key);
    out.push(label);
  }
  return out;
}

const profileSchema = z.object({
  bio: z.preprocess(text, z.string({ error: 'connections:profile.errors.bioInvalid' }).max(BIO_MAX, 'connections:profile.errors.bioTooLong')),
  expertise: z.preprocess(
    text,
    z
      .string({ error: 'connections:profile.errors.expertiseInvalid' })
      .max(EXPERTISE_FIELD_MAX, 'connections:profile.errors.expertiseTooLong')
      .transform(splitLabels)
      .pipe(
        z
          .array(z.string().max(EXPERTISE_LABEL_MAX, 'connections:profile.errors.labelTooLong'))
          .max(EXPERTISE_MAX, 'connections:profile.errors.tooManyLabels'),
      ),
  ),
  open_to_mentoring: z.preprocess(checkbox, z.boolean()),
});

export function parseProfileInput(raw: Record<string, unknown>): ProfileParsed {
  const r = profileSchema.safeParse(raw);
  if (r.success) return { ok: true, value: { bio: r.data.bio, expertise: r.data.expertise, openToMentoring: r.data.open_to_mentoring } };
  const errors: Partial<Record<ProfileField, string>> = {};
  let tooLarge = false;
  for (const i of r.error.issues) {
    const f = i.path[0] as ProfileField;
    errors[f] ??= i.message;
    // Too much text is 413 (Content Too Large); a wrong shape or too many labels is 400.
    if (i.code === 'too_big' && (i.message.endsWith('bioTooLong') || i.message.endsWith('expertiseTooLong'))) tooLarge = true;
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { ok: false, status: tooLarge ? 413 : 400, errors, values: { bio: str(raw.bio), expertise: str(raw.expertise), open_to_mentoring: checkbox(raw.open_to_mentoring) } };
}

const queryShape = z.object({ q: z.string().optional().catch(undefined) });

/** The search box's text; too long is a 400 with the text given back (truncated to what fits in the box). */
export function parseDirectoryQuery(raw: Record<string, unknown>, max: number): { q: string; typed: string; error: string | null } {
  const typed = queryShape.parse(raw).q ?? '';
  if (typed.length > max) return { q: '', typed: typed.slice(0, max * 2), error: 'connections:directory.errors.queryTooLong' };
  return { q: typed.replace(CONTROL, '').replace(/\s+/g, ' ').trim(), typed, error: null };
}
