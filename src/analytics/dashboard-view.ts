import { DateTime } from 'luxon';
import { csvCell } from '../readiness/readiness-service.js';
import type { Dashboard, DashboardTable } from './analytics-model.js';
import { barChart, dayBarChart, dayFormatter, dayNumber, horizontalBarChart, lineChart } from './svg-charts.js';

/**
 * The dashboard as the page and the CSV show it: each table's columns and cells (text for the
 * page, plain values for the CSV, from one definition so they never disagree), the charts' SVG and
 * the sentences that describe them. Pure: a Dashboard, a translate function and a locale in.
 */

export type Tr = (key: string, opts?: Record<string, unknown>) => string;

/** One cell: `text` for the page (localised), `value` for the CSV (ISO days, raw numbers, shares 0..1). */
export interface Cell {
  text: string;
  value: string | number | null;
  /** A link for the page (an unanswered question's thread). */
  href?: string;
}

export interface Table {
  name: DashboardTable;
  caption: string;
  columns: string[];
  rows: Cell[][];
  /** The first cell of each row names the row (th scope="row"). */
  rowHeaders: boolean;
}

export interface Formats {
  locale: string;
  number: (n: number) => string;
  percent: (share: number) => string;
  /** A duration (ms) as minutes, hours or days, whichever reads best. */
  duration: (ms: number) => string;
  /** A local day (yyyy-mm-dd) in full: "Thu, Nov 26, 2026". */
  day: (day: string) => string;
  /** The same, short, for chart axes: "Nov 26". */
  shortDay: (day: string) => string;
  /** An instant in the scope's zone, for a `<time>`: ISO + text. */
  time: (ms: number) => { iso: string; text: string };
  list: (items: string[]) => string;
}

export function formatsFor(locale: string, timeZone: string): Formats {
  const num = new Intl.NumberFormat(locale);
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const unit = (u: 'second' | 'minute' | 'hour' | 'day') => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'long', maximumFractionDigits: 1 });
  const seconds = unit('second');
  const minutes = unit('minute');
  const hours = unit('hour');
  const days = unit('day');
  const longDay = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const list = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  return {
    locale,
    number: (n) => num.format(n),
    percent: (s) => pct.format(s),
    // Seconds under a minute, then minutes, hours under two days, beyond that days: "3,5 horas", "2.1 days".
    duration: (ms) =>
      ms < 60_000 ? seconds.format(Math.round(ms / 1000)) : ms < 3_600_000 ? minutes.format(Math.round(ms / 60_000)) : ms < 172_800_000 ? hours.format(ms / 3_600_000) : days.format(ms / 86_400_000),
    // The day is a calendar date already in the scope's zone: format it on the UTC calendar (no DST shift).
    day: (d) => {
      const n = dayNumber(d);
      return n === null ? d : longDay.format(new Date(n * 86_400_000));
    },
    shortDay: dayFormatter(locale),
    time: (ms) => ({ iso: new Date(ms).toISOString(), text: DateTime.fromMillis(ms, { zone: timeZone }).setLocale(locale).toLocaleString({ ...DateTime.DATETIME_MED, timeZoneName: 'short' }) }),
    list: (items) => list.format(items),
  };
}

const hours = (ms: number | null): number | null => (ms === null ? null : Math.round((ms / 3_600_000) * 100) / 100);
const share = (s: number): number => Math.round(s * 10_000) / 10_000;
const isoDay = (d: string): string => d;

/** Every table of the dashboard, by its CSV name (DASHBOARD_TABLES). */
export function dashboardTables(d: Dashboard, t: Tr, f: Formats, threadHref: (threadId: string) => string): Record<DashboardTable, Table> {
  const c = (key: string) => t(`analytics:col.${key}`);
  const n = (v: number): Cell => ({ text: f.number(v), value: v });
  const r = d.response;
  // A follow-up's due date, as the local day in the scope's zone (what learners were told).
  const dueDay = (ms: number | undefined): Cell => {
    if (ms === undefined) return { text: '', value: null };
    const day = DateTime.fromMillis(ms, { zone: d.scope.timeZone }).toISODate()!;
    return { text: f.day(day), value: day };
  };
  const dur = (ms: number | null): Cell => ({ text: ms === null ? t('analytics:response.none') : f.duration(ms), value: hours(ms) });
  return {
    'prep-rate': {
      name: 'prep-rate',
      caption: t('analytics:prep.caption'),
      columns: [c('day'), c('prepared'), c('learners'), c('rate')],
      rows: d.prepRate.map((p) => [{ text: f.day(p.day), value: isoDay(p.day) }, n(p.prepared), n(p.learners), { text: f.percent(p.rate), value: share(p.rate) }]),
      rowHeaders: true,
    },
    response: {
      name: 'response',
      caption: t('analytics:response.caption'),
      columns: [c('questions'), c('responded'), c('median'), c('p90'), c('unanswered')],
      rows: [[n(r.questions), n(r.responded), dur(r.medianMs), dur(r.p90Ms), n(r.unanswered.length)]],
      rowHeaders: false,
    },
    unanswered: {
      name: 'unanswered',
      caption: t('analytics:unanswered.caption'),
      columns: [c('question'), c('askedAt'), c('waiting')],
      rows: r.unanswered.map((q) => {
        const at = f.time(q.askedAt);
        return [
          { text: q.title, value: q.title, href: threadHref(q.threadId) },
          { text: at.text, value: at.iso },
          { text: f.duration(Math.max(0, d.generatedAt - q.askedAt)), value: hours(Math.max(0, d.generatedAt - q.askedAt)) },
        ];
      }),
      rowHeaders: true,
    },
    engagement: {
      name: 'engagement',
      caption: t('analytics:engagement.caption'),
      columns: [c('day'), c('posts'), c('replies'), c('reactions')],
      rows: d.engagement.map((e) => [{ text: f.day(e.day), value: isoDay(e.day) }, n(e.posts), n(e.replies), n(e.reactions)]),
      rowHeaders: true,
    },
    transfer: {
      name: 'transfer',
      caption: t('analytics:transfer.caption'),
      columns: [c('followUp'), c('due'), c('learners'), c('reflected'), c('applied'), c('share')],
      rows: d.transfer.map((x) => [
        { text: t('analytics:transfer.offset', { count: x.days, formatted: f.number(x.days) }), value: x.days },
        dueDay(x.dueAt),
        n(x.learners),
        n(x.reflected),
        n(x.applied),
        { text: f.percent(x.share), value: share(x.share) },
      ]),
      rowHeaders: true,
    },
    barriers: {
      name: 'barriers',
      caption: t('analytics:barriers.caption'),
      columns: [c('barrier'), c('mentions')],
      rows: d.barriers.map((b) => [{ text: b.barrier, value: b.barrier }, n(b.count)]),
      rowHeaders: true,
    },
    contributors: {
      name: 'contributors',
      caption: t('analytics:contributors.caption'),
      columns: [c('name'), c('posts'), c('replies'), c('helpful'), c('endorsements'), c('accepted'), c('score')],
      rows: d.contributors.map((p) => [{ text: p.name, value: p.name }, n(p.posts), n(p.replies), n(p.helpful), n(p.endorsements), n(p.accepted), n(p.score)]),
      rowHeaders: true,
    },
    tags: {
      name: 'tags',
      caption: t('analytics:tags.caption'),
      columns: [c('tag'), c('recent'), c('previous')],
      rows: d.trendingTags.map((g) => [{ text: g.tag, value: g.tag }, n(g.recent), n(g.previous)]),
      rowHeaders: true,
    },
  };
}

/**
 * RFC 4180 CSV of one table: CRLF lines, every cell quoted, a UTF-8 BOM for spreadsheets, and
 * cells that would start a formula neutralised (readiness-service csvCell, OWASP CSV injection).
 */
export function tableCsv(table: Table): string {
  const lines = [table.columns.map(csvCell).join(','), ...table.rows.map((row) => row.map((cell) => csvCell(cell.value)).join(','))];
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** The download's file name: the space's (or course's) title as an ASCII slug, then the table. */
export function csvFileName(title: string, table: DashboardTable): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'analytics'}-${table}.csv`;
}

export interface Charts {
  prep: string;
  engagement: string;
  transfer: string;
  barriers: string;
  contributors: string;
  tags: string;
}

/** The six figures, each described in words from the catalogue (its `<desc>`). */
export function dashboardCharts(d: Dashboard, t: Tr, f: Formats): Charts {
  const empty = t('analytics:noData');
  const top = <T>(xs: T[], k = 3) => xs.slice(0, k);
  const prepLast = d.prepRate.at(-1);
  const event = d.scope.eventAt === null ? null : DateTime.fromMillis(d.scope.eventAt, { zone: d.scope.timeZone }).toISODate();
  const prepDesc = prepLast
    ? [
        t('analytics:prep.desc', { from: f.day(d.prepRate[0]!.day), to: f.day(prepLast.day), rate: f.percent(prepLast.rate), prepared: f.number(prepLast.prepared), learners: f.number(prepLast.learners) }),
        event ? t('analytics:prep.descEvent', { day: f.day(event) }) : '',
      ].join(' ').trim()
    : empty;
  const totals = d.engagement.reduce((s, e) => ({ posts: s.posts + e.posts, replies: s.replies + e.replies, reactions: s.reactions + e.reactions }), { posts: 0, replies: 0, reactions: 0 });
  const busiest = d.engagement.reduce<(typeof d.engagement)[number] | null>((b, e) => (b === null || e.posts + e.replies + e.reactions > b.posts + b.replies + b.reactions ? e : b), null);
  const engagementDesc = busiest
    ? t('analytics:engagement.desc', { from: f.day(d.engagement[0]!.day), to: f.day(d.engagement.at(-1)!.day), posts: f.number(totals.posts), replies: f.number(totals.replies), reactions: f.number(totals.reactions), busiest: f.day(busiest.day) })
    : empty;
  const offset = (days: number) => t('analytics:transfer.offset', { count: days, formatted: f.number(days) });
  const listOr = (items: string[], key: string) => (items.length ? t(key, { list: f.list(items) }) : empty);
  return {
    prep: lineChart({
      id: 'chart-prep',
      title: t('analytics:prep.chartTitle'),
      desc: prepDesc,
      empty,
      points: d.prepRate.map((p) => ({ day: p.day, value: p.rate })),
      yMax: 1,
      yFormat: f.percent,
      dayFormat: f.shortDay,
      marker: event ? { day: event, label: t('analytics:prep.event') } : null,
    }),
    engagement: dayBarChart({
      id: 'chart-engagement',
      title: t('analytics:engagement.chartTitle'),
      desc: engagementDesc,
      empty,
      days: d.engagement.map((e) => e.day),
      series: [
        { label: t('analytics:col.posts'), values: d.engagement.map((e) => e.posts) },
        { label: t('analytics:col.replies'), values: d.engagement.map((e) => e.replies) },
        { label: t('analytics:col.reactions'), values: d.engagement.map((e) => e.reactions) },
      ],
      yFormat: f.number,
      dayFormat: f.shortDay,
    }),
    transfer: barChart({
      id: 'chart-transfer',
      title: t('analytics:transfer.chartTitle'),
      desc: listOr(d.transfer.map((x) => `${offset(x.days)}: ${f.percent(x.share)}`), 'analytics:transfer.desc'),
      empty,
      bars: d.transfer.map((x) => ({ label: offset(x.days), value: x.share })),
      yMax: 1,
      yFormat: f.percent,
    }),
    barriers: horizontalBarChart({
      id: 'chart-barriers',
      title: t('analytics:barriers.chartTitle'),
      desc: listOr(top(d.barriers).map((b) => `${b.barrier} (${f.number(b.count)})`), 'analytics:barriers.desc'),
      empty,
      bars: top(d.barriers, 10).map((b) => ({ label: b.barrier, value: b.count })),
      yFormat: f.number,
    }),
    contributors: horizontalBarChart({
      id: 'chart-contributors',
      title: t('analytics:contributors.chartTitle'),
      desc: listOr(top(d.contributors).map((p) => `${p.name} (${f.number(p.score)})`), 'analytics:contributors.desc'),
      empty,
      bars: top(d.contributors, 10).map((p) => ({ label: p.name, value: p.score })),
      yFormat: f.number,
    }),
    tags: horizontalBarChart({
      id: 'chart-tags',
      title: t('analytics:tags.chartTitle'),
      desc: listOr(top(d.trendingTags).map((g) => `${g.tag} (${f.number(g.recent)})`), 'analytics:tags.desc'),
      empty,
      bars: top(d.trendingTags, 10).map((g) => ({ label: g.tag, value: g.recent })),
      yFormat: f.number,
    }),
  };
}
