import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { requireStaff, requireUser, viewerOf } from '../discussion/discussion-policy.js';
import { renderMarkdown } from '../discussion/markdown.js';
import { NotFoundError } from '../web/errors.js';
import type { Space, SpaceSettings, SpaceStore } from './space-store.js';

export const INTRO_MAX = 10_000;
export const SPACE_TITLE_MAX = 200;

export type SettingsField = 'title' | 'intro' | 'event_date' | 'event_time' | 'time_zone' | 'opens_date' | 'opens_time' | 'closes_date' | 'closes_time' | 'anonymity' | 'locked' | 'post_first';
/** Field errors are message keys in the `spaces` catalogue (`spaces:errors.*`), translated by the page. */
export type SettingsErrors = Partial<Record<SettingsField, string>>;
export type SettingsValues = Partial<Record<SettingsField, string>>;

export type SettingsChange = Pick<Space, 'title' | 'eventAt' | 'timeZone'> & SpaceSettings;

const DATE = /^$|^\d{4}-\d{2}-\d{2}$/;
const TIME = /^$|^\d{2}:\d{2}$/;
const str = z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : v), z.string().default(''));

const schema = z.object({
  title: str.transform((s) => s.replace(/\s+/g, ' ').trim()).pipe(z.string().min(1, 'errors.titleMissing').max(SPACE_TITLE_MAX, 'errors.titleTooLong')),
  intro: str.pipe(z.string().max(INTRO_MAX, 'errors.introTooLong')),
  event_date: str.pipe(z.string().trim().regex(DATE, 'errors.date')),
  event_time: str.pipe(z.string().trim().regex(TIME, 'errors.time')),
  // Luxon knows the IANA database the server's Intl has: an unknown zone is refused, not guessed.
  time_zone: str.pipe(z.string().trim().refine((zone) => IANAZone.isValidZone(zone), 'errors.zone')),
  opens_date: str.pipe(z.string().trim().regex(DATE, 'errors.date')),
  opens_time: str.pipe(z.string().trim().regex(TIME, 'errors.time')),
  closes_date: str.pipe(z.string().trim().regex(DATE, 'errors.date')),
  closes_time: str.pipe(z.string().trim().regex(TIME, 'errors.time')),
  anonymity: z.enum(['off', 'peers'], { error: 'errors.anonymity' }).default('off'),
  // Unchecked checkboxes send nothing.
  locked: z.literal('on', { error: 'errors.checkbox' }).optional(),
  post_first: z.literal('on', { error: 'errors.checkbox' }).optional(),
});

const FIELDS: SettingsField[] = ['title', 'intro', 'event_date', 'event_time', 'time_zone', 'opens_date', 'opens_time', 'closes_date', 'closes_time', 'anonymity', 'locked', 'post_first'];

/** A date (and optional time, else `fallback`) read in `zone`; null when both are empty. */
function at(date: string, time: string, zone: string, fallback: string): { ok: true; ms: number | null } | { ok: false; error: string } {
  if (!date) return time ? { ok: false, error: 'errors.timeWithoutDate' } : { ok: true, ms: null };
  const dt = DateTime.fromISO(`${date}T${time || fallback}`, { zone });
  // A date that does not exist (Feb 30) or a wall-clock time a DST jump skips is refused, not shifted.
  if (!dt.isValid || dt.toFormat('yyyy-MM-dd') !== date || (time && dt.toFormat('HH:mm') !== time)) return { ok: false, error: 'errors.noSuchDate' };
  return { ok: true, ms: dt.toMillis() };
}

/**
 * The settings form → a change. Errors keep what was typed (values) and say, per field, what to fix;
 * 413 when the intro is over its limit, 400 otherwise. Dates are entered in the chosen time zone.
 */
export function parseSettings(raw: Record<string, unknown>): { ok: true; value: SettingsChange } | { ok: false; status: 400 | 413; errors: SettingsErrors; values: SettingsValues } {
  const values: SettingsValues = {};
  for (const f of FIELDS) if (typeof raw[f] === 'string') values[f] = raw[f];
  const fail = (errors: SettingsErrors, status: 400 | 413 = 400) => ({ ok: false as const, status, errors, values });
  const r = schema.safeParse(raw);
  if (!r.success) {
    const errors: SettingsErrors = {};
    for (const i of r.error.issues) errors[i.path[0] as SettingsField] ??= i.message;
    return fail(errors, errors.intro === 'errors.introTooLong' ? 413 : 400);
  }
  const v = r.data;
  const errors: SettingsErrors = {};
  const event = at(v.event_date, v.event_time, v.time_zone, '09:00');
  const opens = at(v.opens_date, v.opens_time, v.time_zone, '00:00');
  const closes = at(v.closes_date, v.closes_time, v.time_zone, '23:59');
  if (!event.ok) errors.event_date = event.error;
  if (!opens.ok) errors.opens_date = opens.error;
  if (!closes.ok) errors.closes_date = closes.error;
  if (opens.ok && closes.ok && opens.ms !== null && closes.ms !== null && closes.ms <= opens.ms) errors.closes_date = 'errors.closesBeforeOpens';
  if (Object.keys(errors).length > 0 || !event.ok || !opens.ok || !closes.ok) return fail(errors);
  return {
    ok: true,
    value: {
      title: v.title,
      eventAt: event.ms,
      timeZone: v.time_zone,
      introMarkdown: v.intro,
      // Rendered once, here, by the same sanitizing renderer as posts: the page prints only this.
      introHtml: v.intro.trim() ? renderMarkdown(v.intro) : '',
      opensAt: opens.ms,
      closesAt: closes.ms,
      locked: v.locked === 'on',
      anonymity: v.anonymity,
      postFirst: v.post_first === 'on',
    },
  };
}

/** The form's values for a space as it is: dates and times in its own zone. */
export function settingsValues(space: Space): SettingsValues {
  const split = (ms: number | null): [string, string] => {
    if (ms === null) return ['', ''];
    const dt = DateTime.fromMillis(ms, { zone: space.timeZone });
    return [dt.toFormat('yyyy-MM-dd'), dt.toFormat('HH:mm')];
  };
  const [event_date, event_time] = split(space.eventAt);
  const [opens_date, opens_time] = split(space.opensAt);
  const [closes_date, closes_time] = split(space.closesAt);
  return {
    title: space.title,
    intro: space.introMarkdown,
    event_date,
    event_time,
    time_zone: space.timeZone,
    opens_date,
    opens_time,
    closes_date,
    closes_time,
    anonymity: space.anonymity,
    ...(space.locked ? { locked: 'on' } : {}),
    ...(space.postFirst ? { post_first: 'on' } : {}),
  };
}

export function createSpaceSettingsService(deps: { spaces: Pick<SpaceStore, 'get' | 'updateSettings'>; clock: Clock }) {
  async function staffSpace(launch: LaunchContext, spaceId: string): Promise<Space> {
    const v = viewerOf(launch);
    // 404 before 403: an id from another course says nothing about whether it exists.
    const space = await deps.spaces.get(v.contextId, spaceId);
    if (!space) throw new NotFoundError('This discussion space does not exist in this course.').tr('errors:no_space');
    requireUser(v);
    requireStaff(v);
    return space;
  }
  return {
    /** The space to configure, once we know the viewer is staff in its course. */
    forSettings: staffSpace,
    async update(launch: LaunchContext, spaceId: string, change: SettingsChange): Promise<Space> {
      const space = await staffSpace(launch, spaceId);
      await deps.spaces.updateSettings(space.contextId, space.id, change, deps.clock.now());
      return { ...space, ...change };
    },
  };
}

export type SpaceSettingsService = ReturnType<typeof createSpaceSettingsService>;
