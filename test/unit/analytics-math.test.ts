import { expect } from 'chai';
import { DateTime } from 'luxon';
import { barrierKey, contributorScore, dayIndex, localDay, localDays, percentile } from '../../src/analytics/analytics-math.js';
import { barriersOf, engagementOf, tagsOf, transferOf } from '../../src/analytics/analytics-service.js';

const inZone = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const H = 3600_000;

describe('analytics: pure helpers', () => {
  describe('localDays', () => {
    it('gives 23- and 25-hour days across the DST changes, named by the local date', () => {
      const zone = 'Europe/Madrid';
      const spring = localDays(inZone('2027-03-27T12:00', zone), inZone('2027-03-29T01:00', zone), zone);
      expect(spring.map((d) => d.day)).to.deep.equal(['2027-03-27', '2027-03-28', '2027-03-29']);
      expect(spring.map((d) => (d.end - d.start) / H)).to.deep.equal([24, 23, 24]);
      expect(spring[1]!.start).to.equal(Date.parse('2027-03-27T23:00:00Z'));
      const autumn = localDays(inZone('2027-10-31T00:00', zone), inZone('2027-10-31T23:59', zone), zone);
      expect(autumn.map((d) => (d.end - d.start) / H)).to.deep.equal([25]);
    });

    it('chains days without gaps and is empty when the range is reversed', () => {
      const days = localDays(inZone('2027-01-01T00:00', 'America/Santiago'), inZone('2027-12-31T12:00', 'America/Santiago'), 'America/Santiago');
      expect(days).to.have.length(365);
      expect([days[0]!.day, days.at(-1)!.day]).to.deep.equal(['2027-01-01', '2027-12-31']);
      for (let i = 1; i < days.length; i++) expect(days[i]!.start).to.equal(days[i - 1]!.end);
      expect(localDays(10, 5, 'UTC')).to.deep.equal([]);
    });

    it('matches luxon day by day over two years in zones with odd changes (midnight, 30 min, Ramadan)', () => {
      for (const zone of ['Europe/Madrid', 'America/Santiago', 'America/Havana', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Africa/Casablanca', 'America/Sao_Paulo']) {
        const from = inZone('2026-01-01T12:00', zone);
        const days = localDays(from, from + 730 * 24 * H, zone);
        let d = DateTime.fromMillis(from, { zone }).startOf('day');
        for (const got of days) {
          const next = d.plus({ days: 1 }).startOf('day');
          expect(got, zone).to.deep.equal({ day: d.toISODate(), start: d.toMillis(), end: next.toMillis() });
          d = next;
        }
        expect(days, zone).to.have.length(731);
      }
    });

    it('finds the local day of an instant: 23:30 UTC is already tomorrow in Madrid, still today in UTC', () => {
      const t = Date.parse('2027-03-27T23:30:00Z');
      expect(localDay(t, 'Europe/Madrid')).to.equal('2027-03-28');
      expect(localDay(t, 'UTC')).to.equal('2027-03-27');
      const days = localDays(t - 48 * H, t + 48 * H, 'Europe/Madrid');
      expect(days[dayIndex(days, t)]!.day).to.equal('2027-03-28');
      expect(dayIndex(days, days[0]!.start - 1)).to.equal(-1);
      expect(dayIndex(days, days.at(-1)!.end)).to.equal(-1);
      expect(dayIndex(days, days[2]!.start)).to.equal(2);
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

  it('engagementOf sums 15-minute buckets into local days and fills quiet days with zeros', () => {
    const zone = 'Europe/Madrid';
    const b = (iso: string, posts: number, replies: number, reactions: number) => ({ at: Date.parse(iso), posts, replies, reactions });
    const days = engagementOf([b('2027-03-27T22:45:00Z', 1, 0, 0), b('2027-03-27T23:00:00Z', 0, 2, 1), b('2027-03-29T21:45:00Z', 1, 0, 0), b('2027-03-29T22:00:00Z', 0, 0, 3)], zone, Date.parse('2027-03-30T10:00:00Z'));
    expect(days).to.deep.equal([
      { day: '2027-03-27', posts: 1, replies: 0, reactions: 0 },
      { day: '2027-03-28', posts: 0, replies: 2, reactions: 1 },
      { day: '2027-03-29', posts: 1, replies: 0, reactions: 0 },
      { day: '2027-03-30', posts: 0, replies: 0, reactions: 3 },
    ]);
    expect(engagementOf([], zone, 0)).to.deep.equal([]);
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
