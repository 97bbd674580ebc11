import { s } from '../dom.js';
import { compact, ms } from '../format.js';

export interface Bucket {
  /** Upper bound; null is the overflow bucket (+Inf, which JSON cannot carry). */
  le_ms: number | null;
  /** Spans in this bucket alone (not cumulative). */
  count: number;
}

const WIDTH = 560;
const HEIGHT = 190;
const LEFT = 44;
const BOTTOM = 26;
const TOP = 8;

const NICE_STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest round number (1, 1.2, 1.5, 2, … × 10^n) at or above `n`: an axis top people can read. */
export function niceCeil(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of NICE_STEPS) if (m * p >= n) return m * p;
  return 10 * p;
}

/** Latency distribution as bars, one per bucket, labelled by upper bound. */
export function histogram(buckets: readonly Bucket[], testid = 'latency-histogram'): SVGSVGElement {
  const svg = s('svg', { class: 'histogram', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'latency histogram', testid });
  const max = niceCeil(Math.max(1, ...buckets.map((b) => b.count)));
  const plotW = WIDTH - LEFT - 4;
  const plotH = HEIGHT - TOP - BOTTOM;
  for (const frac of [0, 0.25, 0.5, 0.75, 1]) {
    const y = TOP + plotH - frac * plotH;
    svg.append(s('line', { x1: LEFT, x2: WIDTH - 4, y1: y, y2: y, class: 'grid' }));
    if (frac * 2 === Math.round(frac * 2)) svg.append(s('text', { x: LEFT - 6, y: y + 4, class: 'axis-label', 'text-anchor': 'end' }, compact(max * frac)));
  }
  if (buckets.length === 0) return svg;
  const slot = plotW / buckets.length;
  const barW = Math.max(2, slot * 0.78);
  // Label every bucket when they fit, else every n-th, so labels never overlap.
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.floor(plotW / 46)));
  buckets.forEach((b, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    const h = (b.count / max) * plotH;
    const label = b.le_ms === null ? '+Inf' : ms(b.le_ms).replace(' ', '');
    svg.append(s('rect', { x: x.toFixed(1), y: (TOP + plotH - h).toFixed(1), width: barW.toFixed(1), height: Math.max(b.count > 0 ? 1 : 0, h).toFixed(1), rx: 2, class: 'bar', testid: 'histogram-bar' },
      s('title', null, `${b.le_ms === null ? 'slower' : `≤ ${ms(b.le_ms)}`}: ${b.count.toLocaleString('en-US')} requests`)));
    if (i % labelEvery === 0) svg.append(s('text', { x: (x + barW / 2).toFixed(1), y: HEIGHT - 8, class: 'axis-label', 'text-anchor': 'middle' }, label));
  });
  return svg;
}
