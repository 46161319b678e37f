import { expect } from 'chai';
import { barChart, CHART_WIDTH, dayBarChart, dayFormatter, dayNumber, escapeXml, horizontalBarChart, lineChart, MAX_LABEL, niceTicks } from '../../src/analytics/svg-charts.js';

/**
 * A strict XML reader, enough for what the charts emit: every tag closed and nested, attribute
 * values quoted, no raw `<` or stray `&` in text or attributes, only XML 1.0 characters.
 * (No XML parser is a dependency; htmlparser2 forgives exactly what we want to catch.)
 */
interface El {
  name: string;
  attrs: Record<string, string>;
  children: Array<El | string>;
}
function parseXml(src: string): El {
  const root: El = { name: '#root', attrs: {}, children: [] };
  const stack: El[] = [root];
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const checkText = (s: string, where: string) => {
    if (/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(s)) throw new Error(`character not allowed in XML in ${where}`);
    if (s.replace(entity, '').includes('&')) throw new Error(`stray & in ${where}: ${s}`);
    if (s.includes('<')) throw new Error(`raw < in ${where}`);
  };
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt === -1 ? src.length : lt);
    if (text) {
      checkText(text, 'text');
      stack.at(-1)!.children.push(decode(text));
    }
    if (lt === -1) break;
    const gt = src.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const tag = src.slice(lt + 1, gt);
    const close = /^\/([A-Za-z][\w:.-]*)\s*$/.exec(tag);
    if (close) {
      const open = stack.pop()!;
      if (open.name !== close[1]) throw new Error(`</${close[1]}> closes <${open.name}>`);
    } else {
      const m = /^([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"]*")*)\s*(\/?)$/.exec(tag);
      if (!m) throw new Error(`malformed tag <${tag}>`);
      const el: El = { name: m[1]!, attrs: {}, children: [] };
      for (const a of m[2]!.matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)) {
        checkText(a[2]!, `attribute ${a[1]}`);
        if (a[1]! in el.attrs) throw new Error(`duplicate attribute ${a[1]}`);
        el.attrs[a[1]!] = decode(a[2]!);
      }
      stack.at(-1)!.children.push(el);
      if (!m[3]) stack.push(el);
    }
    i = gt + 1;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  const top = root.children.filter((c): c is El => typeof c !== 'string');
  if (top.length !== 1) throw new Error('not one root element');
  return top[0]!;
}
const all = (el: El, name: string): El[] => el.children.flatMap((c) => (typeof c === 'string' ? [] : [...(c.name === name ? [c] : []), ...all(c, name)]));
const textOf = (el: El): string => el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
const direct = (el: El, name: string): El | undefined => el.children.find((c): c is El => typeof c !== 'string' && c.name === name);

const pct = (n: number) => `${Math.round(n * 100)}%`;
const int = (n: number) => String(n);
const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => new Date(dayNumber(from)! * 86_400_000 + i * 86_400_000).toISOString().slice(0, 10));
const XSS = `<script>alert("x")</script> & "quotes" 'single' ]]> \u0001`;

/** The accessible-figure contract every chart keeps. */
function expectAccessible(markup: string, title: string): El {
  const root = parseXml(markup);
  expect(root.name).to.equal('svg');
  expect(root.attrs.xmlns).to.equal('http://www.w3.org/2000/svg');
  expect(root.attrs.role).to.equal('img');
  expect(root.attrs.width).to.equal('100%');
  expect(root.attrs.viewBox).to.match(new RegExp(`^0 0 ${CHART_WIDTH} \\d+$`));
  expect(root.attrs).not.to.have.property('height');
  const [titleId, descId] = root.attrs['aria-labelledby']!.split(' ');
  const t = direct(root, 'title')!;
  const d = direct(root, 'desc')!;
  expect(t.attrs.id).to.equal(titleId);
  expect(d.attrs.id).to.equal(descId);
  expect(textOf(t)).to.equal(title);
  expect(textOf(d).trim()).not.to.equal('');
  // No script or event handler can come out of a chart, whatever the data said.
  expect(all(root, 'script')).to.have.length(0);
  expect(markup).not.to.match(/\son[a-z]+=/i);
  return root;
}

describe('svg charts (analytics/svg-charts.ts)', () => {
  describe('line chart (prep rate over days)', () => {
    const base = { id: 'prep', title: 'Prep rate', desc: 'Rose to 60%', empty: 'No data yet', yMax: 1, yFormat: pct, dayFormat: dayFormatter('en') };

    it('is an accessible, scalable figure with y ticks as formatted, x labels per day and the event marked', () => {
      const points = days('2026-11-20', 5).map((day, i) => ({ day, value: i * 0.15 }));
      const markup = lineChart({ ...base, points, marker: { day: '2026-11-27', label: 'Event' } });
      const root = expectAccessible(markup, 'Prep rate');
      const texts = all(root, 'text').map(textOf);
      expect(texts).to.include.members(['0%', '25%', '50%', '75%', '100%']);
      expect(texts).to.include.members(['Nov 20', 'Nov 24']);
      expect(texts).to.include('Event: Nov 27');
      expect(all(root, 'polyline')).to.have.length(1);
      expect(all(root, 'circle')).to.have.length(5);
      // The event (after the data) extends the x axis: the marker sits right of the last point.
      const lastX = Number(all(root, 'circle').at(-1)!.attrs.cx);
      const markerX = Number(all(root, 'line').find((l) => l.attrs['stroke-dasharray'])!.attrs.x1);
      expect(markerX).to.be.greaterThan(lastX);
      expect(markerX).to.be.at.most(CHART_WIDTH);
    });

    it('scales values to the axis: 0 on the baseline, the maximum on the top tick, never beyond', () => {
      const markup = lineChart({ ...base, points: [{ day: '2026-01-01', value: 0 }, { day: '2026-01-02', value: 1 }, { day: '2026-01-03', value: 7 }] });
      const ys = all(parseXml(markup), 'circle').map((c) => Number(c.attrs.cy));
      const grid = all(parseXml(markup), 'line').map((l) => Number(l.attrs.y1));
      expect(ys[0]).to.equal(Math.max(...grid));
      expect(ys[1]).to.equal(Math.min(...grid));
      expect(ys[2]).to.equal(ys[1]);
    });

    it('places days by calendar day, the same across a DST change as on any other week', () => {
      // Europe and the US change clocks on these days; days are local calendar days, so a 23 h day is one day.
      for (const start of ['2026-03-27', '2026-10-23', '2026-03-06', '2026-11-01']) {
        const pts = days(start, 5).map((day) => ({ day, value: 0.5 }));
        const xs = all(parseXml(lineChart({ ...base, points: pts })), 'circle').map((c) => Number(c.attrs.cx));
        const gaps = xs.slice(1).map((x, i) => Math.round((x - xs[i]!) * 10));
        expect(new Set(gaps).size, start).to.equal(1);
      }
      // Labels come from the calendar date itself, never an instant in some zone.
      const f = dayFormatter('en');
      expect(days('2026-03-28', 3).map(f)).to.deep.equal(['Mar 28', 'Mar 29', 'Mar 30']);
      expect(days('2026-10-24', 3).map(f)).to.deep.equal(['Oct 24', 'Oct 25', 'Oct 26']);
      expect(dayFormatter('es')('2026-03-29')).to.equal('29 mar');
      // A gap of days keeps its width: 1 Jan, 2 Jan, 5 Jan are not evenly spread.
      const xs = all(parseXml(lineChart({ ...base, points: ['2026-01-01', '2026-01-02', '2026-01-05'].map((day) => ({ day, value: 0.1 })) })), 'circle').map((c) => Number(c.attrs.cx));
      expect(Math.round((xs[2]! - xs[1]!) / (xs[1]! - xs[0]!))).to.equal(3);
    });

    it('labels at most about six days so long ranges stay readable, always the last', () => {
      const pts = days('2026-09-01', 60).map((day, i) => ({ day, value: i / 60 }));
      const root = parseXml(lineChart({ ...base, points: pts }));
      const dayLabels = all(root, 'text').map(textOf).filter((s) => /\b(Sep|Oct)\b/.test(s));
      expect(dayLabels.length).to.be.within(5, 7);
      expect(dayLabels.at(-1)).to.equal('Oct 30');
    });

    it('shows a "no data yet" figure for no points (and ignores days that are not days)', () => {
      for (const points of [[], [{ day: 'yesterday', value: 1 }, { day: '2026-02-30', value: 1 }]]) {
        const markup = lineChart({ ...base, points });
        const root = expectAccessible(markup, 'Prep rate');
        expect(root.attrs.class).to.contain('chart--empty');
        expect(textOf(direct(root, 'desc')!)).to.equal('No data yet');
        expect(all(root, 'text').map(textOf)).to.deep.equal(['No data yet']);
        expect(all(root, 'polyline')).to.have.length(0);
      }
    });
  });

  describe('bars per day (engagement)', () => {
    const base = { id: 'engagement', title: 'Engagement', desc: 'Posts, replies, reactions per day', empty: 'No data yet', yFormat: int, dayFormat: dayFormatter('en') };
    const series = [
      { label: 'Posts', values: [2, 0, 5] },
      { label: 'Replies', values: [1, 3, 0] },
      { label: 'Reactions', values: [0, 4, 8] },
    ];

    it('draws one bar per non-zero value, each series with its own pattern, and a legend naming them', () => {
      const root = expectAccessible(dayBarChart({ ...base, days: days('2026-11-01', 3), series }), 'Engagement');
      const patterns = all(root, 'pattern');
      expect(patterns.map((p) => p.attrs.id)).to.deep.equal(['engagement-p0', 'engagement-p1', 'engagement-p2']);
      // Not colour alone: the three patterns differ in shape (solid, hatching, dots).
      expect(patterns.map((p) => p.children.map((c) => (typeof c === 'string' ? '' : c.name)).join(','))).to.deep.equal(['rect', 'rect,path', 'rect,circle']);
      const bars = all(root, 'rect').filter((r) => r.attrs.fill?.startsWith('url(#') && Number(r.attrs.height) > 14);
      expect(bars).to.have.length(6);
      const texts = all(root, 'text').map(textOf);
      expect(texts).to.include.members(['Posts', 'Replies', 'Reactions', 'Nov 1', 'Nov 3', '0', '8']);
      // Scaling: the tallest bar (8) reaches the top tick (8), the 4 half as high.
      const h = (v: number) => bars.filter((b) => b.attrs.fill === `url(#engagement-p2)`).map((b) => Number(b.attrs.height))[v === 4 ? 0 : 1]!;
      expect(h(4) / h(8)).to.be.closeTo(0.5, 0.01);
    });

    it('is the "no data yet" figure when every count is zero or there are no days', () => {
      expect(dayBarChart({ ...base, days: [], series })).to.contain('No data yet');
      const zeros = dayBarChart({ ...base, days: days('2026-11-01', 3), series: series.map((s) => ({ ...s, values: [0, 0, 0] })) });
      expect(parseXml(zeros).attrs.class).to.contain('chart--empty');
    });
  });

  describe('bars and horizontal bars', () => {
    it('prints each transfer share above its bar with the caller\'s formatter, bar heights to scale', () => {
      const root = expectAccessible(
        barChart({ id: 'transfer', title: 'Transfer', desc: 'd', empty: 'none', yMax: 1, yFormat: (n) => `${(n * 100).toFixed(0)} %`, bars: [{ label: '+7 días', value: 0.5 }, { label: '+30 días', value: 0.25 }, { label: '+90 días', value: 0 }] }),
        'Transfer',
      );
      const texts = all(root, 'text').map(textOf);
      expect(texts).to.include.members(['50 %', '25 %', '0 %', '+7 días', '+90 días', '100 %']);
      const heights = all(root, 'rect').map((r) => Number(r.attrs.height));
      expect(heights[0]! / heights[1]!).to.be.closeTo(2, 0.02);
      expect(heights[2]).to.equal(0);
    });

    it('escapes user content everywhere (tag names, barriers, titles), keeping the XML well formed', () => {
      const markup = horizontalBarChart({ id: 'barriers', title: `Barriers ${XSS}`, desc: XSS, empty: 'none', yFormat: int, bars: [{ label: XSS, value: 3 }, { label: '<img src=x onerror=alert(1)>', value: 1 }] });
      const root = parseXml(markup);
      expect(markup).not.to.contain('<script');
      expect(markup).not.to.contain('<img');
      expect(markup).not.to.contain('\u0001');
      expect(textOf(direct(root, 'title')!)).to.equal(`Barriers <script>alert("x")</script> & "quotes" 'single' ]]> `);
      expect(all(root, 'text').map(textOf)).to.include('<img src=x onerror=alert(1)>');
      // The same for every chart kind, through every text it prints.
      const f = (d: string) => `${d} ${XSS}`;
      for (const m of [
        lineChart({ id: 'x"><script>', title: XSS, desc: XSS, empty: XSS, yFormat: () => XSS, dayFormat: f, points: [{ day: '2026-01-01', value: 1 }], marker: { day: '2026-01-02', label: XSS } }),
        dayBarChart({ id: 'e', title: XSS, desc: XSS, empty: XSS, yFormat: () => XSS, dayFormat: f, days: ['2026-01-01'], series: [{ label: XSS, values: [1] }] }),
        barChart({ id: 't', title: XSS, desc: XSS, empty: XSS, yFormat: () => XSS, bars: [{ label: XSS, value: 1 }] }),
        lineChart({ id: 'p', title: XSS, desc: XSS, empty: XSS, yFormat: () => XSS, dayFormat: f, points: [] }),
      ]) {
        expect(() => parseXml(m)).not.to.throw();
        expect(m).not.to.contain('<script');
        expect(parseXml(m).attrs['aria-labelledby']).to.match(/^[a-z0-9-]+-title [a-z0-9-]+-desc$/);
      }
    });

    it('shortens long labels on the figure (the full text stays in its tooltip) and grows with the number of bars', () => {
      const long = 'Not enough time in the week to practise any of it with the team'.repeat(2);
      const root = expectAccessible(horizontalBarChart({ id: 'b', title: 'Barriers', desc: 'd', empty: 'none', yFormat: int, bars: [{ label: long, value: 5 }, { label: 'Tools', value: 2 }] }), 'Barriers');
      const shown = all(root, 'text').map(textOf)[0]!;
      expect([...shown]).to.have.length(MAX_LABEL);
      expect(shown.endsWith('…')).to.equal(true);
      expect(all(root, 'title').map(textOf)).to.include(`${long}: 5`);
      const widths = all(root, 'rect').map((r) => Number(r.attrs.width));
      expect(widths[0]! / widths[1]!).to.be.closeTo(2.5, 0.02);
      const h = (n: number) => Number(parseXml(horizontalBarChart({ id: 'b', title: 't', desc: 'd', empty: 'e', yFormat: int, bars: Array.from({ length: n }, (_, i) => ({ label: `b${i}`, value: i + 1 })) })).attrs.viewBox!.split(' ')[3]);
      expect(h(10)).to.be.greaterThan(h(2));
      expect(horizontalBarChart({ id: 'b', title: 't', desc: 'd', empty: 'Nothing yet', yFormat: int, bars: [] })).to.contain('Nothing yet');
    });
  });

  describe('helpers', () => {
    it('niceTicks gives round steps from 0 covering the maximum; whole numbers for counts', () => {
      expect(niceTicks(1, false)).to.deep.equal([0, 0.25, 0.5, 0.75, 1]);
      expect(niceTicks(8, true)).to.deep.equal([0, 2, 4, 6, 8]);
      expect(niceTicks(3, true)).to.deep.equal([0, 1, 2, 3]);
      expect(niceTicks(0, true)).to.deep.equal([0, 1]);
      const big = niceTicks(1234, true);
      expect(big[0]).to.equal(0);
      expect(big.at(-1)).to.be.at.least(1234);
      expect(big.every((t) => Number.isInteger(t))).to.equal(true);
    });

    it('escapeXml escapes markup and drops characters XML cannot hold', () => {
      expect(escapeXml(`<a href="x">'&'</a>\u0000\uD800`)).to.equal('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
      expect(escapeXml('Ünïcödé 😀')).to.equal('Ünïcödé 😀');
    });

    it('dayNumber refuses what is not a calendar day', () => {
      expect(dayNumber('2026-02-29')).to.equal(null);
      expect(dayNumber('2024-02-29')).to.be.a('number');
      expect(dayNumber('2026-1-1')).to.equal(null);
      expect(dayNumber('2026-03-30')! - dayNumber('2026-03-29')!).to.equal(1);
    });
  });
});
