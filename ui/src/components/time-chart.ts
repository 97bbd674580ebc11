import type uPlotCtor from 'uplot';
import { h } from '../dom.js';
import { clock } from '../format.js';
import { THEME_EVENT } from './theme-toggle.js';

/** uPlot is loaded by index.html as a classic script (vendor/uPlot.iife.min.js), not imported. */
function uPlotGlobal(): typeof uPlotCtor | undefined {
  return (globalThis as { uPlot?: typeof uPlotCtor }).uPlot;
}

export interface ChartSeries {
  label: string;
  /** A CSS custom property holding the colour, so charts follow the theme. */
  colorVar: string;
  fill?: boolean;
}

export interface TimeChartOptions {
  testid: string;
  height?: number;
  series: ChartSeries[];
  format: (v: number) => string;
}

export interface TimeChart {
  el: HTMLElement;
  /** `t` in epoch milliseconds, one array of values per series. */
  update(t: readonly number[], values: readonly (readonly (number | null)[])[]): void;
  dispose(): void;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export function createTimeChart(opts: TimeChartOptions): TimeChart {
  const height = opts.height ?? 200;
  const plotEl = h('div', { class: 'chart-plot' });
  const note = h('div', { class: 'chart-note', hidden: true });
  const el = h('div', { class: 'chart', testid: opts.testid }, plotEl, note);
  let plot: uPlotCtor | null = null;
  let data: uPlotCtor.AlignedData = [[]];

  const build = (): void => {
    const U = uPlotGlobal();
    plot?.destroy();
    plot = null;
    if (!U) {
      note.hidden = false;
      note.textContent = 'Chart library failed to load (vendor/uPlot.iife.min.js).';
      return;
    }
    const axis = cssVar('--muted');
    const grid = cssVar('--grid');
    const font = `11px ${getComputedStyle(document.body).fontFamily}`;
    plot = new U({
      width: Math.max(200, plotEl.clientWidth || 600),
      height,
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      scales: { x: { time: true } },
      series: [
        { value: (_u, v) => (v === null ? '—' : clock(v * 1000).slice(0, 8)) },
        ...opts.series.map((sr) => ({
          label: sr.label,
          stroke: cssVar(sr.colorVar),
          width: 1.5,
          fill: sr.fill ? `${cssVar(sr.colorVar)}22` : undefined,
          spanGaps: false,
          points: { show: false },
          value: (_u: uPlotCtor, v: number | null) => (v === null ? '—' : opts.format(v)),
        })),
      ],
      axes: [
        // 24-hour HH:MM ticks: operators read logs in that form, not 12:20am.
        { stroke: axis, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: (_u, vals) => vals.map((v) => clock(v * 1000).slice(0, 5)) },
        { stroke: axis, font, size: 64, grid: { stroke: grid, width: 1 }, ticks: { show: false }, values: (_u, vals) => vals.map((v) => opts.format(v)) },
      ],
    }, data, plotEl);
  };

  const resize = new ResizeObserver(() => {
    if (plot && plotEl.clientWidth > 0 && Math.abs(plot.width - plotEl.clientWidth) > 1) plot.setSize({ width: plotEl.clientWidth, height });
  });
  resize.observe(plotEl);
  const onTheme = (): void => { if (plot) build(); };
  window.addEventListener(THEME_EVENT, onTheme);

  return {
    el,
    update(t, values) {
      data = [t.map((ms) => ms / 1000), ...values.map((v) => [...v])] as uPlotCtor.AlignedData;
      const empty = t.length === 0;
      note.hidden = !empty;
      if (empty) note.textContent = 'No data in this range.';
      if (!plot) build();
      else plot.setData(data);
    },
    dispose() {
      resize.disconnect();
      window.removeEventListener(THEME_EVENT, onTheme);
      plot?.destroy();
      plot = null;
    },
  };
}
