import { expect } from 'chai';
import { DateTime } from 'luxon';
import { barrierKey, contributorScore, dayName, dayNumber, localDay, offsetSegments, percentile } from '../../src/analytics/analytics-math.js';
import { barriersOf, engagementOf, tagsOf, transferOf } from '../../src/analytics/analytics-service.js';

const inZone = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const H = 3600_000;

describe('analytics: pure helpers', () => {
  describe('local days from offset segments', () => {
    const DAY = 24 * H;
    it('splits at the DST changes, to the millisecond', () => {
      const zone = 'Europe/Madrid';
      const segs = offsetSegments(Date.parse('2027-01-01T00:00:00Z'), Date.parse('2027-12-31T00:00:00Z'), zone);
      expect(segs).to.deep.equal([
        { until: Date.parse('2027-03-28T01:00:00Z'), offsetMs: H },
        { until: Date.parse('2027-10-31T01:00:00Z'), offsetMs: 2 * H },
        { until: null, offsetMs: H },
      ]);
      expect(offsetSegments(0, 400 * DAY, 'UTC')).to.deep.equal([{ until: null, offsetMs: 0 }]);
      // An unknown zone counts in UTC rather than failing the page.
      expect(offsetSegments(0, DAY, 'Not/AZone')).to.deep.equal([{ until: null, offsetMs: 0 }]);
    });

    it('23:30 UTC is already tomorrow in Madrid, still today in UTC; the spring night has 23 hours', () => {
      const segs = offsetSegments(Date.parse('2027-03-01T00:00:00Z'), Date.parse('2027-04-01T00:00:00Z'), 'Europe/Madrid');
      const t = Date.parse('2027-03-27T23:30:00Z');
      expect(dayName(dayNumber(segs, t))).to.equal('2027-03-28');
      expect(localDay(t, 'UTC')).to.equal('2027-03-27');
      // 28 March runs from 23:00 UTC on the 27th to 22:00 UTC on the 28th.
      expect(dayName(dayNumber(segs, Date.parse('2027-03-27T22:59:59.999Z')))).to.equal('2027-03-27');
      expect(dayName(dayNumber(segs, Date.parse('2027-03-27T23:00:00Z')))).to.equal('2027-03-28');
      expect(dayName(dayNumber(segs, Date.parse('2027-03-28T21:59:59.999Z')))).to.equal('2027-03-28');
      expect(dayName(dayNumber(segs, Date.parse('2027-03-28T22:00:00Z')))).to.equal('2027-03-29');
    });

    it('matches luxon every 3 hours and around each change over two years, in zones with odd changes (midnight, 30 min, Ramadan)', () => {
      for (const zone of ['Europe/Madrid', 'America/Santiago', 'America/Havana', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Africa/Casablanca', 'America/Sao_Paulo']) {
        const from = inZone('2026-01-01T00:00', zone);
        const to = from + 730 * DAY;
        const segs = offsetSegments(from, to, zone);
        const probes: number[] = [];
        for (let t = from; t < to; t += 3 * H) probes.push(t);
        for (const s of segs) if (s.until !== null) probes.push(s.until - 1, s.until, s.until + 1);
        for (const t of probes) expect(dayName(dayNumber(segs, t)), `${zone} ${new Date(t).toISOString()}`).to.equal(localDay(t, zone));
      }
    });
  });

  describe('percentile (nearest rank)', () => {
    it('is always a value that occurred', () => {
      expect(percentile([], 0.5)).to.equal(null);
      expect(percentile([7], 0.9)).to.equal(7);
      expect(percentile([4, 1, 3, 2], 0.5)).to.equal(2);
      expect(percentile([4, 1, 3, 2], 0.9)).to.equal(4);
      expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).to.equal(9);
      expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).to.equal(10);
      expect(percentile([5, 1, 3], 0.5)).to.equal(3);
    });
  });

  it('barrierKey folds case and whitespace only', () => {
    expect(barrierKey('  No   time\n')).to.equal('no time');
    expect(barrierKey('No time')).to.equal(barrierKey('no time '));
    expect(barrierKey('No times')).not.to.equal(barrierKey('No time'));
  });

  it('contributorScore weighs endorsements and accepted answers three times a post', () => {
    expect(contributorScore({ posts: 2, replies: 1, helpful: 4, endorsements: 1, accepted: 2 })).to.equal(2 + 1 + 4 + 3 + 6);
  });

  it('engagementOf lists every day from the first active one to today, quiet days as zeros', () => {
    const d = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / (24 * H);
    const days = engagementOf([{ day: d('2027-03-27'), posts: 1, replies: 0, reactions: 0 }, { day: d('2027-03-29'), posts: 0, replies: 2, reactions: 1 }], d('2027-03-30'));
    expect(days).to.deep.equal([
      { day: '2027-03-27', posts: 1, replies: 0, reactions: 0 },
      { day: '2027-03-28', posts: 0, replies: 0, reactions: 0 },
      { day: '2027-03-29', posts: 0, replies: 2, reactions: 1 },
      { day: '2027-03-30', posts: 0, replies: 0, reactions: 0 },
    ]);
    expect(engagementOf([], 0)).to.deep.equal([]);
  });

  it('barriersOf counts learners (not reports) per normalised barrier and leaves staff out', () => {
    const learners = new Set(['a', 'b', 'c']);
    const rows = [
      { userId: 'b', barrier: 'no  time', at: 5 },
      { userId: 'a', barrier: 'No time', at: 2 },
      { userId: 'a', barrier: 'NO TIME', at: 9 },
      { userId: 'staff', barrier: 'Noise', at: 1 },
      { userId: 'staff', barrier: 'Noise ', at: 1 },
      { userId: 'c', barrier: 'Boss', at: 3 },
      { userId: 'c', barrier: '   ', at: 3 },
    ];
    expect(barriersOf(rows, learners)).to.deep.equal([
      { barrier: 'No time', count: 2 },
      { barrier: 'Boss', count: 1 },
    ]);
  });

  it('tagsOf ranks by last week, then by rise', () => {
    expect(tagsOf([{ label: 'a', recent: 1, previous: 3 }, { label: 'b', recent: 1, previous: 0 }, { label: 'c', recent: 4, previous: 9 }])).to.deep.equal([
      { tag: 'c', recent: 4, previous: 9 },
      { tag: 'b', recent: 1, previous: 0 },
      { tag: 'a', recent: 1, previous: 3 },
    ]);
  });

  it('transferOf counts a report as applied at +N until the next follow-up falls due (local midnights)', () => {
    const zone = 'Europe/Madrid';
    const space = { id: 's', title: 'S', kind: 'prep' as const, eventAt: inZone('2027-03-30T09:00', zone), eventEndAt: inZone('2027-03-30T17:00', zone), timeZone: zone, createdAt: 0 };
    const due30 = inZone('2027-04-29T00:00', zone);
    const applied = [
      { spaceId: 's', userId: 'a', at: due30 - 1 },
      { spaceId: 's', userId: 'b', at: due30 },
      { spaceId: 's', userId: 'staff', at: 0 },
    ];
    const t = transferOf([space], [], [{ days: 7, userId: 'a' }, { days: 7, userId: 'staff' }], applied, new Set(['a', 'b']), 4);
    expect(t.map((p) => [p.days, p.reflected, p.applied, p.share])).to.deep.equal([
      [7, 1, 1, 0.25],
      [30, 0, 2, 0.5],
      [90, 0, 2, 0.5],
    ]);
    expect(t[1]!.dueAt).to.equal(due30);
    expect(transferOf([{ ...space, eventAt: null }], [], [], applied, new Set(['a']), 1)).to.deep.equal([]);
  });
});
