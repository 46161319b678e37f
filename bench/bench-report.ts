/** Shared by the benchmarks: percentiles and a plain Markdown table. */

/** The p-th percentile of an ascending list (NaN when empty). */
export const pct = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

/** A figure for a table: whole numbers from 100 up, one decimal below, "n/a" for NaN. */
export const fmt = (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(n >= 100 ? 0 : 1));

/** Prints a Markdown table: the first `textColumns` columns left-aligned, the rest (figures) right-aligned. */
export function printTable(head: string[], rows: string[][], textColumns = 1): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i < textColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
