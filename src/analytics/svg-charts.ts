/**
 * Server-rendered SVG charts for the analytics dashboard. Pure functions: data and already
 * translated words in, an SVG string out. No script, no CSS (the CSP allows neither inline): only
 * presentation attributes, so a chart shows the same with or without JavaScript.
 *
 * Accessibility (WCAG 2.2 1.1.1, 1.4.1, 1.4.11): each chart is `role="img"` named by its
 * `<title>` and `<desc>` (aria-labelledby, which every screen reader reads), the desc says what
 * the figure shows in words, and the page puts the full data table next to it. Series differ by
 * pattern and legend text as well as colour, and every colour has at least 3:1 against white.
 * The viewBox and width="100%" let the figure scale down to a 320 px screen.
 *
 * Every word arrives from the caller (the i18n catalogue, user content such as tag names and
 * barriers): all of it is escaped here, once, so no caller can forget.
 */

export type Format = (n: number) => string;

export interface ChartText {
  /** Unique on the page: prefixes the ids of the title, desc and patterns. [a-z0-9-] only. */
  id: string;
  title: string;
  /** The figure in words (what rises, what the latest value is). */
  desc: string;
  /** Shown instead of the figure when there is nothing to draw ("No data yet"). */
  empty: string;
}

export interface LineChartInput extends ChartText {
  points: Array<{ day: string; value: number }>;
  /** The y axis runs from 0 to this (1 for a share). Default: a round number above the largest value. */
  yMax?: number;
  yFormat: Format;
  dayFormat: (day: string) => string;
  /** A day to mark with a vertical line (the training event), labelled. */
  marker?: { day: string; label: string } | null;
}

export interface DayBarsInput extends ChartText {
  days: string[];
  /** One per series (posts, replies, reactions), values aligned with `days`. */
  series: Array<{ label: string; values: number[] }>;
  yFormat: Format;
  dayFormat: (day: string) => string;
}

export interface BarsInput extends ChartText {
  bars: Array<{ label: string; value: number }>;
  yMax?: number;
  yFormat: Format;
}

export const CHART_WIDTH = 480;
const FONT = 13;
const INK = '#1a1a1a';
const AXIS = '#4d4d4d';
const GRID = '#d9d9d9';
/** Series colours: each at least 3:1 against white (1.4.11), and told apart by pattern too. */
export const SERIES_COLOURS = ['#1d4f91', '#a34400', '#2e6b30'] as const;

// XML 1.0 §2.2: characters a document may not contain at all (control characters, lone surrogates).
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text or attribute value, safe inside SVG/XML and HTML. */
export function escapeXml(s: string): string {
  return String(s).replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const safeId = (id: string): string => id.toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'chart';
const n1 = (v: number): string => (Math.round(v * 10) / 10).toString();
const finite = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);

/**
 * A local calendar day (yyyy-mm-dd) as a day number. Counted on the UTC calendar, never through a
 * local instant: days are already in the scope's zone, and a 23- or 25-hour DST day is still one day.
 */
export function dayNumber(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  // 2026-02-30 is not a day.
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return ms / 86_400_000;
}

/** "26 Nov" / "26 nov" for a yyyy-mm-dd day, in the reader's locale; DST-free (formatted on the UTC calendar). */
export function dayFormatter(locale: string): (day: string) => string {
  const f = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return (day) => {
    const n = dayNumber(day);
    return n === null ? day : f.format(new Date(n * 86_400_000));
  };
}

/** Round ticks from 0 to at least `max`: 0, 5, 10… (whole numbers for counts). */
export function niceTicks(max: number, integer: boolean, count = 4): number[] {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.ceil(step));
  const ticks: number[] = [];
  for (let v = 0; v < top + step / 2 && ticks.length <= count * 3; v += step) ticks.push(Math.round(v * 1e9) / 1e9);
  if (ticks.at(-1)! < top) ticks.push(Math.round(ticks.length * step * 1e9) / 1e9);
  return ticks;
}

function svg(c: ChartText, height: number, body: string, defs = '', extraClass = ''): string {
  const id = safeId(c.id);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart${extraClass}" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%" preserveAspectRatio="xMidYMid meet" ` +
    `role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="${FONT}" fill="${INK}">` +
    `<title id="${id}-title">${escapeXml(c.title)}</title><desc id="${id}-desc">${escapeXml(c.desc)}</desc>` +
    (defs ? `<defs>${defs}</defs>` : '') +
    body +
    `</svg>`
  );
}

/** The "no data yet" figure: same name, the empty text as its description and on screen. */
function emptyChart(c: ChartText): string {
  const body = `<rect x="0.5" y="0.5" width="${CHART_WIDTH - 1}" height="79" rx="6" fill="#ffffff" stroke="${GRID}"/><text x="${CHART_WIDTH / 2}" y="45" text-anchor="middle" fill="${AXIS}">${escapeXml(c.empty)}</text>`;
  return svg({ ...c, desc: c.empty }, 80, body, '', ' chart--empty');
}

/** Fill patterns per series: solid, diagonal hatching, dots, so print and colour-blind readers can tell them apart. */
function patterns(id: string, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const kind = i % 3;
    const inner =
      kind === 0
        ? `<rect width="6" height="6" fill="${c}"/>`
        : kind === 1
          ? `<rect width="6" height="6" fill="#ffffff"/><path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="${c}" stroke-width="2"/>`
          : `<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.8" fill="${c}"/>`;
    out.push(`<pattern id="${id}-p${i}" width="6" height="6" patternUnits="userSpaceOnUse">${inner}</pattern>`);
  }
  return out.join('');
}

/** Which of n x labels to print so they never overlap: about `max` of them, always the first and the last. */
function labelled(n: number, max: number): Set<number> {
  const step = Math.max(1, Math.ceil(n / max));
  const keep = new Set<number>();
  for (let i = 0; i < n; i += step) keep.add(i);
  if (n > 0) {
    // The last day matters most (today, or the eve of the event); drop its neighbour if too close.
    if (!keep.has(n - 1) && n - 1 - Math.max(...keep) < step / 2) keep.delete(Math.max(...keep));
    keep.add(n - 1);
  }
  return keep;
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
  y: (v: number) => number;
}

function yAxis(p: Plot, ticks: number[], fmt: Format): string {
  return ticks
    .map((t) => {
      const y = n1(p.y(t));
      return `<line x1="${p.left}" x2="${p.right}" y1="${y}" y2="${y}" stroke="${GRID}"/><text x="${p.left - 6}" y="${y}" dy="0.35em" text-anchor="end" fill="${AXIS}">${escapeXml(fmt(t))}</text>`;
    })
    .join('')
    .concat(`<line x1="${p.left}" x2="${p.left}" y1="${p.top}" y2="${p.bottom}" stroke="${AXIS}"/><line x1="${p.left}" x2="${p.right}" y1="${p.bottom}" y2="${p.bottom}" stroke="${AXIS}"/>`);
}

function plot(height: number, top: number, yTop: number, left = 56): Plot {
  const bottom = height - 28;
  return { left, right: CHART_WIDTH - 12, top, bottom, y: (v) => bottom - (Math.min(v, yTop) / yTop) * (bottom - top) };
}

/** Line + area over days (the prep rate), with an optional marked day (the event) that may lie after the data. */
export function lineChart(c: LineChartInput): string {
  const pts = c.points.flatMap((p) => {
    const d = dayNumber(p.day);
    return d === null ? [] : [{ day: p.day, d, value: finite(p.value) }];
  });
  if (pts.length === 0) return emptyChart(c);
  const id = safeId(c.id);
  const markerDay = c.marker ? dayNumber(c.marker.day) : null;
  const first = Math.min(pts[0]!.d, markerDay ?? Infinity);
  const last = Math.max(pts.at(-1)!.d, markerDay ?? -Infinity);
  const max = c.yMax ?? Math.max(...pts.map((p) => p.value));
  const ticks = c.yMax !== undefined ? niceTicks(c.yMax, false) : niceTicks(max, true);
  const height = 240;
  const p = plot(height, 24, ticks.at(-1)!);
  const inset = 10;
  const x = (d: number) => (last === first ? (p.left + p.right) / 2 : p.left + inset + ((d - first) / (last - first)) * (p.right - p.left - 2 * inset));
  const colour = SERIES_COLOURS[0];
  const line = pts.map((q) => `${n1(x(q.d))},${n1(p.y(q.value))}`).join(' ');
  const area = `${n1(x(pts[0]!.d))},${p.bottom} ${line} ${n1(x(pts.at(-1)!.d))},${p.bottom}`;
  const keep = labelled(pts.length, 6);
  const xLabels = pts
    .map((q, i) => (keep.has(i) ? `<text x="${n1(x(q.d))}" y="${p.bottom + 18}" text-anchor="middle" fill="${AXIS}">${escapeXml(c.dayFormat(q.day))}</text>` : ''))
    .join('');
  const dots = pts.length <= 45 ? pts.map((q) => `<circle cx="${n1(x(q.d))}" cy="${n1(p.y(q.value))}" r="3" fill="${colour}"/>`).join('') : '';
  let mark = '';
  if (c.marker && markerDay !== null) {
    const mx = n1(x(markerDay));
    // Anchor the label so it stays inside the figure whichever end the event sits at.
    const anchor = Number(mx) > CHART_WIDTH - 80 ? 'end' : Number(mx) < p.left + 60 ? 'start' : 'middle';
    mark =
      `<g class="chart-marker"><line x1="${mx}" x2="${mx}" y1="${p.top - 4}" y2="${p.bottom}" stroke="${INK}" stroke-width="2" stroke-dasharray="5 4"/>` +
      `<text x="${mx}" y="${p.top - 8}" text-anchor="${anchor}" font-weight="600">${escapeXml(c.marker.label)}: ${escapeXml(c.dayFormat(c.marker.day))}</text></g>`;
  }
  const body =
    yAxis(p, ticks, c.yFormat) +
    `<polygon points="${area}" fill="${colour}" fill-opacity="0.15"/>` +
    `<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2.5" stroke-linejoin="round"/>` +
    dots +
    mark +
    xLabels;
  return svg({ ...c, id }, height, body);
}

/** Grouped bars per day (posts, replies, reactions), each series with its own pattern and a legend. */
export function dayBarChart(c: DayBarsInput): string {
  const days = c.days.flatMap((day, i) => (dayNumber(day) === null ? [] : [{ day, i }]));
  const total = days.reduce((s, { i }) => s + c.series.reduce((t, ser) => t + finite(ser.values[i] ?? 0), 0), 0);
  if (days.length === 0 || c.series.length === 0 || total === 0) return emptyChart(c);
  const id = safeId(c.id);
  const max = Math.max(...days.flatMap(({ i }) => c.series.map((s) => finite(s.values[i] ?? 0))));
  const ticks = niceTicks(max, true);
  const height = 260;
  const legendH = 22;
  const p = plot(height, 16 + legendH, ticks.at(-1)!, 44);
  const slot = (p.right - p.left) / days.length;
  const groupW = slot * 0.8;
  const barW = groupW / c.series.length;
  const bars: string[] = [];
  days.forEach(({ i }, k) => {
    c.series.forEach((s, j) => {
      const v = finite(s.values[i] ?? 0);
      if (v === 0) return;
      const bx = p.left + k * slot + (slot - groupW) / 2 + j * barW;
      const by = p.y(v);
      bars.push(`<rect x="${n1(bx)}" y="${n1(by)}" width="${n1(Math.max(barW - 0.5, 0.8))}" height="${n1(p.bottom - by)}" fill="url(#${id}-p${j})" stroke="${SERIES_COLOURS[j % 3]}" stroke-width="${barW > 4 ? 1 : 0.5}"/>`);
    });
  });
  const keep = labelled(days.length, 6);
  const xLabels = days.map(({ day }, k) => (keep.has(k) ? `<text x="${n1(p.left + k * slot + slot / 2)}" y="${p.bottom + 18}" text-anchor="middle" fill="${AXIS}">${escapeXml(c.dayFormat(day))}</text>` : '')).join('');
  // The legend: a swatch with the series' pattern and its name, left to right above the plot.
  const legendW = (p.right - p.left) / c.series.length;
  const legend = c.series
    .map((s, j) => {
      const lx = p.left + j * legendW;
      return `<rect x="${n1(lx)}" y="4" width="14" height="14" fill="url(#${id}-p${j})" stroke="${SERIES_COLOURS[j % 3]}"/><text x="${n1(lx + 20)}" y="11" dy="0.35em">${escapeXml(s.label)}</text>`;
    })
    .join('');
  return svg({ ...c, id }, height, `<g class="chart-legend">${legend}</g>` + yAxis(p, ticks, c.yFormat) + bars.join('') + xLabels, patterns(id, c.series.length));
}

/** Vertical bars for a few categories (transfer at +7/+30/+90), each with its value printed above it. */
export function barChart(c: BarsInput): string {
  if (c.bars.length === 0) return emptyChart(c);
  const id = safeId(c.id);
  const max = Math.max(...c.bars.map((b) => finite(b.value)));
  const ticks = c.yMax !== undefined ? niceTicks(c.yMax, false) : niceTicks(max, true);
  const height = 240;
  const p = plot(height, 24, ticks.at(-1)!);
  const slot = (p.right - p.left) / c.bars.length;
  const barW = Math.min(slot * 0.6, 90);
  const body = c.bars
    .map((b, i) => {
      const v = finite(b.value);
      const cx = p.left + i * slot + slot / 2;
      const by = p.y(v);
      return (
        `<rect x="${n1(cx - barW / 2)}" y="${n1(by)}" width="${n1(barW)}" height="${n1(p.bottom - by)}" fill="${SERIES_COLOURS[0]}"/>` +
        `<text x="${n1(cx)}" y="${n1(by - 6)}" text-anchor="middle" font-weight="600">${escapeXml(c.yFormat(v))}</text>` +
        `<text x="${n1(cx)}" y="${p.bottom + 18}" text-anchor="middle" fill="${AXIS}">${escapeXml(b.label)}</text>`
      );
    })
    .join('');
  return svg({ ...c, id }, height, yAxis(p, ticks, c.yFormat) + body);
}

/** Longest label drawn in full on a horizontal bar; the data table beside the chart has the rest. */
export const MAX_LABEL = 42;
const clip = (s: string): string => {
  const chars = [...s.trim()];
  return chars.length > MAX_LABEL ? `${chars.slice(0, MAX_LABEL - 1).join('')}…` : chars.join('');
};

/** Horizontal bars, longest first as given (barriers, contributors): the label above each bar, the value after it. */
export function horizontalBarChart(c: BarsInput): string {
  if (c.bars.length === 0) return emptyChart(c);
  const id = safeId(c.id);
  const max = c.yMax ?? Math.max(...c.bars.map((b) => finite(b.value)), 1);
  const rowH = 40;
  const left = 8;
  const right = CHART_WIDTH - 64;
  const height = c.bars.length * rowH + 12;
  const body = c.bars
    .map((b, i) => {
      const v = finite(b.value);
      const y = 8 + i * rowH;
      const w = Math.max((Math.min(v, max) / max) * (right - left), v > 0 ? 2 : 0);
      return (
        `<g><title>${escapeXml(b.label)}: ${escapeXml(c.yFormat(v))}</title>` +
        `<text x="${left}" y="${y + 11}">${escapeXml(clip(b.label))}</text>` +
        `<rect x="${left}" y="${y + 17}" width="${n1(w)}" height="14" fill="${SERIES_COLOURS[0]}"/>` +
        `<text x="${n1(left + w + 6)}" y="${y + 28}" font-weight="600">${escapeXml(c.yFormat(v))}</text></g>`
      );
    })
    .join('');
  return svg({ ...c, id }, height, `<line x1="${left}" x2="${left}" y1="4" y2="${height - 4}" stroke="${AXIS}"/>` + body);
}
