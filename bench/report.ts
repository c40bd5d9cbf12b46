/** Plain-text tables for the bench's console report (Markdown, so they paste into docs). */

export const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || isNaN(n) ? '-' : n.toFixed(digits);

/** Median of some numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A Markdown table; the first `textColumns` columns align left, the rest (figures) right. */
export function table(head: string[], lines: string[][], textColumns = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    row(head),
    `|${widths.map((w, i) => (i < textColumns ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`,
    ...lines.map(row),
  ].join('\n');
}
