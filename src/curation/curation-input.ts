import { z } from 'zod';
import { FLAG_REASONS, type FlagReason } from './flag-store.js';

export const NOTE_MAX = 500;

export type FlagField = 'reason' | 'note';
export type FlagParsed =
  | { ok: true; value: { reason: FlagReason; note: string | null } }
  | { ok: false; status: 400 | 413; errors: Partial<Record<FlagField, string>>; values: Partial<Record<FlagField, string>> };

// Error values are catalogue keys (`curation:flag.errors.*`): the view translates them.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const flagSchema = z.object({
  reason: z.enum(FLAG_REASONS, { error: 'curation:flag.errors.reason' }),
  note: z
    .preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim() : v), z.string().max(NOTE_MAX, 'curation:flag.errors.noteTooLong').optional())
    .transform((v) => v || null),
});

export function parseFlagInput(raw: Record<string, unknown>): FlagParsed {
  const r = flagSchema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const errors: Partial<Record<FlagField, string>> = {};
  let tooLarge = false;
  for (const i of r.error.issues) {
    const f = i.path[0] as FlagField;
    errors[f] ??= i.message;
    if (f === 'note' && i.code === 'too_big') tooLarge = true;
  }
  const values: Partial<Record<FlagField, string>> = {};
  for (const f of ['reason', 'note'] as const) if (typeof raw[f] === 'string') values[f] = raw[f];
  return { ok: false, status: tooLarge ? 413 : 400, errors, values };
}
