import { expect } from 'chai';
import { DateTime } from 'luxon';
import type { RosterMember } from '../../src/journey/roster-store.js';
import type { Roster, RefreshMode } from '../../src/journey/roster-service.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { fakePrepStatusSource } from '../../src/readiness/fake-prep-status.js';
import { prepStateOf } from '../../src/readiness/prep-status.js';
import { createReadinessService, csvCell, daysUntil, menteesOf, readinessCsv, sortRows, type ReadinessRow } from '../../src/readiness/readiness-service.js';
import type { Space } from '../../src/spaces/space-store.js';
import { failure, launchOf } from '../helpers/launch-fixtures.js';

const NOW = Date.UTC(2026, 10, 26, 22, 30); // 23:30 in Madrid, 26 Nov
const space = (over: Partial<Space> = {}): Space => ({
  id: 's1', contextId: 'c1', resourceLinkId: null, kind: 'prep', title: 'Prep', eventAt: null, timeZone: 'Europe/Madrid', createdBy: null, createdAt: 0,
  introMarkdown: '', introHtml: '', opensAt: null, closesAt: null, locked: false, anonymity: 'off', postFirst: false, ...over,
});
const member = (sub: string, over: Partial<RosterMember> = {}): RosterMember => ({ sub, userId: `u-${sub}`, name: `Name ${sub}`, primaryRole: 'learner', status: 'Active', source: 'both', lastLaunchAt: null, ...over });

function setup(members: RosterMember[], spaceOver: Partial<Space> = {}) {
  const prep = fakePrepStatusSource(3);
  const modes: RefreshMode[] = [];
  const roster = {
    async roster(_l: LaunchContext, mode: RefreshMode = 'if-stale'): Promise<Roster> {
      modes.push(mode);
      return { members, sync: { syncedAt: 1, memberCount: members.length, pages: 1, failedAt: null, error: null }, available: true, refreshError: null };
    },
  };
  const spaces = { get: async (contextId: string, id: string) => (contextId === 'c1' && id === 's1' ? space(spaceOver) : null) };
  const svc = createReadinessService({ spaces, roster, prep, clock: { now: () => NOW } });
  return { svc, prep, modes };
}

describe('readiness (unit, on fakes)', () => {
  describe('the default prep rule', () => {
    it('prepared = every required prompt answered; some answer or post = in progress; nothing = not started', () => {
      expect(prepStateOf({ requiredTotal: 2, requiredAnswered: 2, answered: 2, posts: 0 })).to.equal('prepared');
      expect(prepStateOf({ requiredTotal: 2, requiredAnswered: 1, answered: 3, posts: 0 })).to.equal('in_progress');
      expect(prepStateOf({ requiredTotal: 2, requiredAnswered: 0, answered: 0, posts: 1 })).to.equal('in_progress');
      expect(prepStateOf({ requiredTotal: 2, requiredAnswered: 0, answered: 0, posts: 0 })).to.equal('not_started');
      // No prompts: nothing to be prepared against, posting is progress.
      expect(prepStateOf({ requiredTotal: 0, requiredAnswered: 0, answered: 0, posts: 4 })).to.equal('in_progress');
    });
  });

  describe('the roster', () => {
    it('lists learners only (not staff, not people who left), with status, answers and the latest of activity and launch', async () => {
      const { svc, prep } = setup([
        member('a'), member('b', { lastLaunchAt: 500 }), member('t', { primaryRole: 'instructor' }), member('gone', { status: 'Deleted' }), member('roster-only', { userId: null, source: 'roster' }),
      ]);
      prep.set('s1', 'u-a', { state: 'prepared', answered: 3, lastActivityAt: 900 });
      prep.set('s1', 'u-b', { state: 'in_progress', answered: 1, lastActivityAt: 100 });
      const r = await svc.forStaff(launchOf('t', 'c1', 'instructor'), 's1', { sort: 'name', dir: 'asc' });
      expect(r.rows.map((x) => [x.sub, x.state, x.answered, x.prompts, x.lastActivityAt])).to.deep.equal([
        ['a', 'prepared', 3, 3, 900], ['b', 'in_progress', 1, 3, 500], ['roster-only', 'not_started', 0, 3, null],
      ]);
      expect(prep.asked.at(-1)).to.deep.equal(['u-a', 'u-b']);
      expect([r.prepared, r.total]).to.deep.equal([1, 3]);
    });

    it('refresh forces an NRPS read; a page view reads only when stale', async () => {
      const { svc, modes } = setup([member('a')]);
      const l = launchOf('t', 'c1', 'instructor');
      await svc.forStaff(l, 's1', { sort: 'name', dir: 'asc' });
      await svc.refresh(l, 's1');
      expect(modes).to.deep.equal(['if-stale', 'force']);
    });

    it('404 for another course before 403 for a learner', async () => {
      const { svc } = setup([]);
      expect((await failure(svc.forStaff(launchOf('t', 'c2', 'instructor'), 's1', { sort: 'name', dir: 'asc' }))).status).to.equal(404);
      expect((await failure(svc.forStaff(launchOf('l', 'c2', 'learner'), 's1', { sort: 'name', dir: 'asc' }))).status).to.equal(404);
      expect((await failure(svc.forStaff(launchOf('l', 'c1', 'learner'), 's1', { sort: 'name', dir: 'asc' }))).status).to.equal(403);
      expect((await failure(svc.refresh(launchOf('l', 'c1', 'learner'), 's1'))).status).to.equal(403);
    });

    it('counts days to the event in the space\'s time zone', () => {
      // 23:30 in Madrid on the 26th; an event at 00:30 Madrid on the 28th is 2 calendar days away there
      // (in UTC it would still be the 26th → 27th 23:30, one day).
      const event = DateTime.fromISO('2026-11-28T00:30', { zone: 'Europe/Madrid' }).toMillis();
      expect(daysUntil(NOW, event, 'Europe/Madrid')).to.equal(2);
      expect(daysUntil(NOW, event, 'UTC')).to.equal(1);
      expect(daysUntil(NOW, null, 'UTC')).to.equal(null);
      expect(daysUntil(NOW, NOW - 3 * 86_400_000, 'Europe/Madrid')).to.equal(-3);
    });
  });

  describe('sorting', () => {
    const row = (sub: string, name: string | null, state: ReadinessRow['state'], last: number | null, answered: number): ReadinessRow => ({ sub, userId: null, name, state, lastActivityAt: last, answered, prompts: 3 });
    const rows = [row('1', 'Cy', 'prepared', 10, 3), row('2', 'Al', 'not_started', null, 0), row('3', 'Bo', 'in_progress', 30, 1), row('4', 'Di', 'in_progress', 20, 2)];
    const subs = (r: ReadinessRow[]) => r.map((x) => x.sub);
    it('by name, status, activity and answered, either way; ties by name', () => {
      expect(subs(sortRows(rows, 'name', 'asc'))).to.deep.equal(['2', '3', '1', '4']);
      expect(subs(sortRows(rows, 'name', 'desc'))).to.deep.equal(['4', '1', '3', '2']);
      expect(subs(sortRows(rows, 'status', 'asc'))).to.deep.equal(['2', '3', '4', '1']);
      expect(subs(sortRows(rows, 'status', 'desc'))).to.deep.equal(['1', '3', '4', '2']);
      expect(subs(sortRows(rows, 'activity', 'desc'))).to.deep.equal(['3', '4', '1', '2']);
      expect(subs(sortRows(rows, 'answered', 'asc'))).to.deep.equal(['2', '3', '4', '1']);
    });
  });

  describe('CSV', () => {
    it('quotes every cell and neutralises formulas (= + - @ tab CR)', () => {
      expect(csvCell('=1+1')).to.equal(`"'=1+1"`);
      expect(csvCell('+31 6')).to.equal(`"'+31 6"`);
      expect(csvCell('-2')).to.equal(`"'-2"`);
      expect(csvCell('@SUM(A1)')).to.equal(`"'@SUM(A1)"`);
      expect(csvCell('\tx')).to.equal(`"'\tx"`);
      expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
      expect(csvCell(3)).to.equal('"3"');
      expect(csvCell(null)).to.equal('""');
      const csv = readinessCsv([{ sub: 's', userId: null, name: '=cmd', state: 'prepared', lastActivityAt: 0, answered: 1, prompts: 2 }], ['N', 'S', 'St', 'L', 'A', 'P'], (s) => s.toUpperCase());
      expect(csv).to.equal('\ufeff"N","S","St","L","A","P"\r\n"\'=cmd","s","PREPARED","1970-01-01T00:00:00.000Z","1","2"\r\n');
    });
  });

  describe('mentors', () => {
    it('menteesOf: the role_scope_mentor subs, for a Mentor launch only', () => {
      const mentor = { ...launchOf('m', 'c1', 'mentor'), mentees: ['a', 'b'] };
      expect([...menteesOf(mentor)]).to.deep.equal(['a', 'b']);
      expect([...menteesOf({ ...launchOf('l', 'c1', 'learner'), mentees: ['a'] })]).to.deep.equal([]);
    });

    it('a mentor sees only mentees, never a non-mentee; never triggers an NRPS read; non-mentors get 403', async () => {
      const { svc, modes } = setup([member('a'), member('b'), member('c'), member('left', { status: 'Deleted' })]);
      const r = await svc.forMentor({ ...launchOf('m', 'c1', 'mentor'), mentees: ['b', 'left', 'stranger'] }, 's1');
      expect(r.rows.map((x) => x.sub)).to.deep.equal(['b']);
      expect(r.total).to.equal(1);
      expect(modes).to.deep.equal(['never']);
      expect((await failure(svc.forMentor({ ...launchOf('l', 'c1', 'learner'), mentees: ['a'] }, 's1'))).status).to.equal(403);
      expect((await failure(svc.forMentor({ ...launchOf('m', 'c2', 'mentor'), mentees: ['a'] }, 's1'))).status).to.equal(404);
    });
  });
});
