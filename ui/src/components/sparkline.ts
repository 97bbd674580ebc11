import { s } from '../dom.js';

export interface SparklineOptions {
  width?: number;
  height?: number;
  /** Drawn over the main line in the error colour, on the same scale. */
  overlay?: readonly (number | null)[];
  title?: string;
  testid?: string;
}

/** A tiny trend line: shape only, no axes; the table beside it carries the numbers. */
export function sparkline(values: readonly (number | null)[], opts: SparklineOptions = {}): SVGSVGElement {
  const width = opts.width ?? 120;
  const height = opts.height ?? 22;
  const pad = 2;
  const all = [...values, ...(opts.overlay ?? [])].filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(1e-9, ...all);
  const svg = s('svg', {
    class: 'sparkline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': opts.title ?? 'trend', testid: opts.testid,
  });
  if (values.length < 2) {
    svg.append(s('line', { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: 'spark-base' }));
    return svg;
  }
  const x = (i: number): number => pad + (i * (width - 2 * pad)) / (values.length - 1);
  const y = (v: number): number => height - pad - (v / max) * (height - 2 * pad);
  const path = (vs: readonly (number | null)[]): string => vs.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v ?? 0).toFixed(1)}`).join('');
  const line = path(values);
  svg.append(s('path', { d: `${line}L${x(values.length - 1).toFixed(1)},${height - pad}L${pad},${height - pad}Z`, class: 'spark-area' }));
  svg.append(s('path', { d: line, class: 'spark-line' }));
  if (opts.overlay && opts.overlay.some((v) => (v ?? 0) > 0)) svg.append(s('path', { d: path(opts.overlay), class: 'spark-error' }));
  if (opts.title) svg.append(s('title', null, opts.title));
  return svg;
}
