import { DateTime } from 'luxon';
import type { Clock } from '../clock.js';
import { requireStaff, viewerOf } from '../discussion/discussion-policy.js';
import type { RosterMember } from '../journey/roster-store.js';
import type { Roster, RefreshMode } from '../journey/roster-service.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Space, SpaceStore } from '../spaces/space-store.js';
import { ForbiddenError, NotFoundError } from '../web/errors.js';
import type { PrepState, PrepStatusSource } from './prep-status.js';

export const SORTS = ['name', 'status', 'activity', 'answered'] as const;
export type ReadinessSort = (typeof SORTS)[number];
export type SortDir = 'asc' | 'desc';

/** One learner's line on the readiness roster. */
export interface ReadinessRow {
  sub: string;
  userId: string | null;
  name: string | null;
  state: PrepState;
  /** Latest post, answer or launch, epoch ms. */
  lastActivityAt: number | null;
  answered: number;
  prompts: number;
}

export interface Readiness {
  space: Space;
  rows: ReadinessRow[];
  prepared: number;
  total: number;
  /** Whole days from today to the event's day, both in the space's time zone; null without an event. */
  daysToEvent: number | null;
  roster: Pick<Roster, 'sync' | 'available' | 'refreshError'>;
}

export interface ReadinessDeps {
  spaces: Pick<SpaceStore, 'get'>;
  roster: { roster(launch: LaunchContext, mode?: RefreshMode): Promise<Roster> };
  prep: PrepStatusSource;
  clock: Clock;
}

const STATE_ORDER: Record<PrepState, number> = { not_started: 0, in_progress: 1, prepared: 2 };

/** Learners still in the course: the roster's learners (NRPS), and those who launched as one. */
const isLearner = (m: RosterMember): boolean => m.primaryRole === 'learner' && m.status !== 'Deleted';

export function sortRows(rows: ReadinessRow[], sort: ReadinessSort, dir: SortDir): ReadinessRow[] {
  const byName = (a: ReadinessRow, b: ReadinessRow) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.sub.localeCompare(b.sub);
  const key = (r: ReadinessRow): number =>
    sort === 'status' ? STATE_ORDER[r.state] : sort === 'activity' ? (r.lastActivityAt ?? -1) : sort === 'answered' ? r.answered : 0;
  const sign = dir === 'desc' ? -1 : 1;
  // Ties fall back to the name, always A→Z, so a sorted page reads predictably.
  return [...rows].sort((a, b) => (sort === 'name' ? sign * byName(a, b) : sign * (key(a) - key(b)) || byName(a, b)));
}

/** Calendar days between now and the event, counted where the event happens (its space's zone). */
export function daysUntil(now: number, eventAt: number | null, zone: string): number | null {
  if (eventAt === null) return null;
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const day = DateTime.fromMillis(eventAt, { zone }).startOf('day');
  return Math.round(day.diff(today, 'days').days);
}

/**
 * LTI Core §5.4.5 role_scope_mentor: the subs of the users this mentor may see. Only a launch
 * with the Mentor role has mentees; the claim on any other launch is ignored.
 */
export function menteesOf(launch: LaunchContext): Set<string> {
  return launch.roles.has.mentor ? new Set(launch.mentees) : new Set();
}

/**
 * The readiness roster: every learner of the course (NRPS roster joined with launches) with their
 * prep status in one space. Staff see everyone; a mentor sees only their mentees.
 */
export function createReadinessService(deps: ReadinessDeps) {
  async function spaceOf(launch: LaunchContext, spaceId: string): Promise<Space> {
    const v = viewerOf(launch);
    // 404 before 403: an id from another course says nothing about whether it exists.
    const space = await deps.spaces.get(v.contextId, spaceId);
    if (!space) throw new NotFoundError('This discussion space does not exist in this course.');
    return space;
  }

  async function rowsOf(space: Space, members: RosterMember[]): Promise<ReadinessRow[]> {
    const ids = members.flatMap((m) => (m.userId ? [m.userId] : []));
    const statuses = await deps.prep.statuses(space.id, ids);
    return members.map((m) => {
      const s = m.userId ? statuses.byUser.get(m.userId) : undefined;
      const acts = [s?.lastActivityAt ?? null, m.lastLaunchAt].filter((x): x is number => x !== null);
      return {
        sub: m.sub,
        userId: m.userId,
        name: m.name,
        // Someone known only from the roster has never opened Threadline: not started.
        state: s?.state ?? 'not_started',
        lastActivityAt: acts.length ? Math.max(...acts) : null,
        answered: s?.answered ?? 0,
        prompts: statuses.prompts,
      };
    });
  }

  function summary(space: Space, rows: ReadinessRow[], roster: Roster): Omit<Readiness, 'rows'> {
    return {
      space,
      prepared: rows.filter((r) => r.state === 'prepared').length,
      total: rows.length,
      daysToEvent: daysUntil(deps.clock.now(), space.eventAt, space.timeZone),
      roster: { sync: roster.sync, available: roster.available, refreshError: roster.refreshError },
    };
  }

  return {
    /** Staff only; `refresh` forces a new NRPS read (the "refresh roster" button). */
    async forStaff(launch: LaunchContext, spaceId: string, opts: { sort: ReadinessSort; dir: SortDir; refresh?: boolean }): Promise<Readiness> {
      const space = await spaceOf(launch, spaceId);
      requireStaff(viewerOf(launch));
      const roster = await deps.roster.roster(launch, opts.refresh ? 'force' : 'if-stale');
      const rows = await rowsOf(space, roster.members.filter(isLearner));
      return { ...summary(space, rows, roster), rows: sortRows(rows, opts.sort, opts.dir) };
    },

    /** A mentor's view: the same lines, for their mentees only (never anyone else). */
    async forMentor(launch: LaunchContext, spaceId: string): Promise<Readiness> {
      const space = await spaceOf(launch, spaceId);
      if (!launch.roles.has.mentor) throw new ForbiddenError('forbidden_role', 'This page is for mentors: it lists the people you mentor.');
      const mentees = menteesOf(launch);
      // A mentor never reads NRPS on their own behalf: what staff or launches already made known is enough.
      const roster = await deps.roster.roster(launch, 'never');
      const rows = await rowsOf(space, roster.members.filter((m) => mentees.has(m.sub) && m.status !== 'Deleted'));
      return { ...summary(space, rows, roster), rows: sortRows(rows, 'name', 'asc') };
    },

    /** Just the refresh: forces a roster read now, so the page that follows shows it. */
    async refresh(launch: LaunchContext, spaceId: string): Promise<Space> {
      const space = await spaceOf(launch, spaceId);
      requireStaff(viewerOf(launch));
      await deps.roster.roster(launch, 'force');
      return space;
    },
  };
}

export type ReadinessService = ReturnType<typeof createReadinessService>;

/**
 * One CSV cell. Quoted always; a cell starting with = + - @ (or tab/CR) gets a leading ' so a
 * spreadsheet shows it as text instead of running it as a formula (OWASP: CSV injection).
 */
export function csvCell(v: string | number | null): string {
  let s = v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function readinessCsv(rows: ReadinessRow[], header: string[], stateLabel: (s: PrepState) => string): string {
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) {
    lines.push([r.name ?? '', r.sub, stateLabel(r.state), r.lastActivityAt === null ? '' : new Date(r.lastActivityAt).toISOString(), r.answered, r.prompts].map(csvCell).join(','));
  }
  // CRLF per RFC 4180; a BOM so spreadsheet programs read the names as UTF-8.
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
