import { DateTime } from 'luxon';
import { z } from 'zod';

/** What an instructor submits to create a space (deep-linking picker or first-launch setup). */
export interface SpaceInput {
  kind: 'prep' | 'post_event';
  title: string;
  eventAt: number | null;
  timeZone: string;
}

const zones = new Set(Intl.supportedValuesOf('timeZone'));
zones.add('UTC');

// Messages are catalogue keys (`errors:setup.*`); views/spaces/setup.ejs translates them.
const schema = z.object({
  kind: z.enum(['prep', 'post_event'], { error: 'errors:setup.kind' }),
  title: z.string().trim().min(1, 'errors:setup.title').max(200, 'errors:setup.titleTooLong'),
  event_date: z.string().trim().regex(/^$|^\d{4}-\d{2}-\d{2}$/, 'errors:setup.date').default(''),
  event_time: z.string().trim().regex(/^$|^\d{2}:\d{2}$/, 'errors:setup.time').default(''),
  time_zone: z.string().trim().refine((z) => zones.has(z), 'errors:setup.zone'),
});

export type FieldErrors = Partial<Record<'kind' | 'title' | 'event_date' | 'event_time' | 'time_zone', string>>;

export function parseSpaceInput(body: Record<string, unknown>): { ok: true; value: SpaceInput } | { ok: false; errors: FieldErrors } {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const i of parsed.error.issues) errors[i.path[0] as keyof FieldErrors] ??= i.message;
    return { ok: false, errors };
  }
  const v = parsed.data;
  let eventAt: number | null = null;
  if (v.event_date) {
    const dt = DateTime.fromISO(`${v.event_date}T${v.event_time || '09:00'}`, { zone: v.time_zone });
    if (!dt.isValid) return { ok: false, errors: { event_date: 'errors:setup.noSuchDate' } };
    eventAt = dt.toMillis();
  } else if (v.event_time) {
    return { ok: false, errors: { event_date: 'errors:setup.dateForTime' } };
  }
  return { ok: true, value: { kind: v.kind, title: v.title, eventAt, timeZone: v.time_zone } };
}

export function timeZones(): string[] {
  return [...zones].sort();
}
