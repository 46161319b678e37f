import path from 'node:path';
import { expect } from 'chai';
import { DASHBOARD_TABLES, type Dashboard } from '../../src/analytics/analytics-model.js';
import { csvFileName, dashboardCharts, dashboardTables, formatsFor, tableCsv, type Tr } from '../../src/analytics/dashboard-view.js';
import { createI18n } from '../../src/i18n/i18n.js';

const i18n = createI18n(path.resolve(import.meta.dirname, '..', '..', 'locales'));
const tr = (lang: string): Tr => (key, opts) => String(i18n.translator(lang)(key, (opts ?? {}) as never));
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 30, 12); // the day after Europe's clocks went forward

/** A dashboard as the service returns it (analytics-model.ts), with hostile user content in it. */
function fixture(over: Partial<Dashboard> = {}): Dashboard {
  return {
    scope: { kind: 'space', contextId: 'c1', spaceIds: ['s1'], title: 'Négociation: <prep> & "Q1"', eventAt: Date.UTC(2026, 3, 1, 8), timeZone: 'Europe/Madrid' },
    generatedAt: NOW,
    learners: 4,
    prepared: 3,
    prepRate: [
      { day: '2026-03-28', prepared: 1, learners: 4, rate: 0.25 },
      { day: '2026-03-29', prepared: 2, learners: 4, rate: 0.5 },
      { day: '2026-03-30', prepared: 3, learners: 4, rate: 0.75 },
    ],
    response: {
      questions: 3,
      responded: 2,
      medianMs: 90 * 60_000,
      p90Ms: 3 * 24 * HOUR,
      unanswered: [{ threadId: 't9', spaceId: 's1', title: '=cmd|" /C calc"!A0', askedAt: NOW - 5 * HOUR }],
    },
    engagement: [
      { day: '2026-03-29', posts: 3, replies: 1, reactions: 0 },
      { day: '2026-03-30', posts: 1, replies: 4, reactions: 2 },
    ],
    transfer: [
      { days: 1, learners: 4, reflected: 1, applied: 1, share: 0.25, dueAt: Date.UTC(2026, 3, 1, 22, 30) },
      { days: 30, learners: 4, reflected: 0, applied: 0, share: 0 },
    ],
    barriers: [{ barrier: '@SUM(A1) <b>time</b>', count: 2 }],
    contributors: [{ userId: 'u1', name: '-Ana', posts: 2, replies: 3, helpful: 1, endorsements: 0, accepted: 1, score: 9 }],
    trendingTags: [{ tag: '<script>x</script>', recent: 2, previous: 0 }],
    ...over,
  };
}

describe('analytics dashboard view (tables, CSV, charts from a Dashboard)', () => {
  const f = formatsFor('en-US', 'Europe/Madrid');

  it('gives every table named in DASHBOARD_TABLES, text for the page and plain values for the CSV', () => {
    const tables = dashboardTables(fixture(), tr('en'), f, (id) => `/threads/${id}`);
    expect(Object.keys(tables).sort()).to.deep.equal([...DASHBOARD_TABLES].sort());
    const prep = tables['prep-rate'];
    expect(prep.columns).to.deep.equal(['Day', 'Prepared', 'Learners', 'Prep rate']);
    expect(prep.rows[2]!.map((c) => c.text)).to.deep.equal(['Mon, Mar 30, 2026', '3', '4', '75%']);
    expect(prep.rows[2]!.map((c) => c.value)).to.deep.equal(['2026-03-30', 3, 4, 0.75]);
    // 90 minutes reads as hours, three days as days; the CSV has hours.
    const response = tables.response.rows[0]!;
    expect(response.map((c) => c.text)).to.deep.equal(['3', '2', '1.5 hours', '3 days', '1']);
    expect(response.map((c) => c.value)).to.deep.equal([3, 2, 1.5, 72, 1]);
    const open = tables.unanswered.rows[0]!;
    expect(open[0]).to.deep.include({ text: '=cmd|" /C calc"!A0', href: '/threads/t9' });
    expect(open[1]!.value).to.equal(new Date(NOW - 5 * HOUR).toISOString());
    // In the scope's zone (Madrid, summer time since 29 March), with the zone named.
    expect(open[1]!.text).to.match(/^Mar 30, 2026, 9:00\s?AM GMT\+2$/);
    expect(open[2]!.text).to.equal('5 hours');
    // Follow-ups: "+1 day" (plural rules), due on the local day; no due date → empty cell.
    expect(tables.transfer.rows.map((r) => [r[0]!.text, r[1]!.value])).to.deep.equal([['+1 day', '2026-04-02'], ['+30 days', null]]);
  });

  it('writes RFC 4180 CSV with a BOM and CRLF, neutralising formula cells', () => {
    const tables = dashboardTables(fixture(), tr('en'), f, (id) => id);
    expect(tableCsv(tables.unanswered).split('\r\n')[1]).to.match(/^"'=cmd\|"" \/C calc""!A0","2026-03-30T07:00:00\.000Z","5"$/);
    expect(tableCsv(tables.barriers)).to.equal('\ufeff"Barrier","Times named"\r\n"\'@SUM(A1) <b>time</b>","2"\r\n');
    expect(tableCsv(tables.contributors).split('\r\n')[1]).to.equal(`"'-Ana","2","3","1","0","1","9"`);
    // A table with no rows is still a CSV: its header line.
    const empty = dashboardTables(fixture({ barriers: [] }), tr('en'), f, (id) => id);
    expect(tableCsv(empty.barriers)).to.equal('\ufeff"Barrier","Times named"\r\n');
  });

  it('names the file after the scope title as an ASCII slug, then the table', () => {
    expect(csvFileName('Négociation: <prep> & "Q1"', 'engagement')).to.equal('negociation-prep-q1-engagement.csv');
    expect(csvFileName('"; filename=evil.exe', 'tags')).to.equal('filename-evil-exe-tags.csv');
    expect(csvFileName('日本語', 'barriers')).to.equal('analytics-barriers.csv');
    expect(csvFileName('x'.repeat(200), 'prep-rate')).to.have.length(60 + '-prep-rate.csv'.length);
  });

  it('describes each chart in words, in the reader\'s language, and escapes user content in it', () => {
    const en = dashboardCharts(fixture(), tr('en'), f);
    expect(en.prep).to.contain('<desc id="chart-prep-desc">Share of learners prepared by the end of each day, from Sat, Mar 28, 2026 to Mon, Mar 30, 2026: 75% on the last day (3 of 4 learners). The event is on Wed, Apr 1, 2026.</desc>');
    expect(en.engagement).to.contain('4 posts, 5 replies and 2 reactions in all. The busiest day was Mon, Mar 30, 2026.');
    expect(en.transfer).to.contain('+1 day: 25% and +30 days: 0%');
    expect(en.tags).to.contain('&lt;script&gt;x&lt;/script&gt;').and.not.to.contain('<script>');
    expect(en.barriers).to.contain('@SUM(A1) &lt;b&gt;time&lt;/b&gt; (2)');
    const es = dashboardCharts(fixture(), tr('es'), formatsFor('es-ES', 'Europe/Madrid'));
    expect(es.prep).to.contain('<title id="chart-prep-title">Tasa de preparación a lo largo del tiempo</title>');
    expect(es.prep).to.contain('75\u00a0% el último día (3 de 4 participantes)');
    expect(es.transfer).to.contain('+1 día: 25\u00a0% y +30 días: 0\u00a0%');
    expect(es.prep).to.contain('>Evento: 1 abr<');
  });

  it('shows "no data yet" in every chart of a dashboard with nothing in it', () => {
    const empty = fixture({ prepRate: [], engagement: [], transfer: [], barriers: [], contributors: [], trendingTags: [], learners: 0, prepared: 0 });
    for (const [lang, text] of [['en', 'No data yet'], ['es', 'Todavía no hay datos']] as const) {
      const charts = dashboardCharts(empty, tr(lang), formatsFor(lang, 'UTC'));
      for (const [name, svg] of Object.entries(charts)) {
        expect(svg, name).to.contain('chart--empty');
        expect(svg, name).to.contain(`<desc id="chart-${name}-desc">${text}</desc>`);
      }
    }
  });

  it('formats durations by size: seconds, minutes, hours, days', () => {
    expect([20_000, 5 * 60_000, 30 * HOUR, 50 * HOUR].map(f.duration)).to.deep.equal(['20 seconds', '5 minutes', '30 hours', '2.1 days']);
    expect(formatsFor('es', 'UTC').duration(3.5 * HOUR)).to.equal('3,5 horas');
  });
});
