/**
 * Small, pure SVG builders for the report and `plot`: a spike raster, a line plot with a
 * logarithmic y axis (the learning curve), a histogram (weights) and a stacked horizontal bar
 * chart (per-rank timing). Each returns one self-contained `<svg>` element as a string, with
 * presentation attributes only (no CSS, no scripts), so it renders the same inlined in a page or
 * saved as a file. Every plot carries `data-plot="<name>"` so tests and pages can find it.
 */

import { axesBox, axisLabels, centredNote, escapeXml, formatTick, frameOf, n, niceTicks, open, xTick, yTick, type PlotOptions } from './svg-frame.js';

export * from './svg-frame.js';

// ---------------------------------------------------------------------------------------------
// Raster

export interface SpikeArrays {
  steps: ArrayLike<number>;
  ids: ArrayLike<number>;
}

/** What any raster picture shows: a time window, a neuron range, a size in pixels. */
export interface RasterFrame {
  /** Time window [fromStep, toStep) shown on the x axis. */
  fromStep: number;
  toStep: number;
  stepsPerSecond: number;
  /** Neuron ids 0..neurons-1 on the y axis, id 0 at the bottom. */
  neurons: number;
  width?: number;
  height?: number;
}

export interface RasterSvgOptions extends RasterFrame {
  /** `data-plot` name. */
  plot: string;
  title: string;
  /** Mark colour. Default black. */
  color?: string;
  /** Shown in the plot area, e.g. why there are no spikes. */
  note?: string;
  /** Axis labels. Default "time (s)" and "neuron". */
  xLabel?: string;
  yLabel?: string;
  /** Steps at which to draw a full-height reference line (e.g. target spike times). */
  marks?: readonly number[];
  markColor?: string;
}

/**
 * Spike raster: time (s) on x, neuron id on y (highest id at the top, like the target picture).
 * All spikes go into one `<path>`; spikes that land on the same pixel are drawn once, so a long
 * window with millions of spikes stays a bounded SVG.
 */
export function rasterSvg(spikes: SpikeArrays, opts: RasterSvgOptions): string {
  const f = frameOf(opts.width ?? 480, opts.height ?? 240, { l: 48, t: 24, r: 12, b: 36 });
  const neurons = Math.max(1, opts.neurons);
  const span = Math.max(1, opts.toStep - opts.fromStep);
  const pw = f.right - f.left;
  const ph = f.bottom - f.top;
  const rowH = ph / neurons;
  const tickH = Math.max(1, Math.min(rowH * 0.8, 6));
  const tickW = Math.max(1, Math.min(2, rowH * 0.5));
  const cols = Math.ceil(pw) + 1;
  const rows = Math.ceil(ph) + 1;
  const seen = new Uint8Array(cols * rows);
  const parts: string[] = [];
  let shown = 0;
  const count = Math.min(spikes.steps.length, spikes.ids.length);
  for (let i = 0; i < count; i++) {
    const step = spikes.steps[i]!;
    const id = spikes.ids[i]!;
    if (step < opts.fromStep || step >= opts.toStep || id >= neurons) continue;
    const x = f.left + ((step - opts.fromStep) / span) * pw;
    const yc = f.top + (neurons - 1 - id + 0.5) * rowH;
    const cell = Math.floor(x - f.left) * rows + Math.floor(yc - f.top);
    if (seen[cell]) continue;
    seen[cell] = 1;
    parts.push(`M${n(x)} ${n(yc - tickH / 2)}v${n(tickH)}`);
    shown++;
  }
  const title = opts.title;
  let s = open(opts.plot, f, title);
  s += `<rect x="${n(f.left)}" y="${n(f.top)}" width="${n(pw)}" height="${n(ph)}" fill="#fcfcfc"/>`;
  if (parts.length > 0) {
    s += `<path d="${parts.join('')}" stroke="${escapeXml(opts.color ?? '#000')}" stroke-width="${n(tickW)}" fill="none"/>`;
  }
  const marks = (opts.marks ?? []).filter((m) => m >= opts.fromStep && m < opts.toStep);
  if (marks.length > 0) {
    const d = marks.map((m) => `M${n(f.left + ((m - opts.fromStep) / span) * pw)} ${n(f.top)}V${n(f.bottom)}`).join('');
    s += `<path d="${d}" stroke="${escapeXml(opts.markColor ?? '#d1495b')}" stroke-width="1" stroke-opacity="0.7" fill="none"/>`;
  }
  s += axesBox(f);
  const sps = opts.stepsPerSecond;
  for (const t of niceTicks(opts.fromStep / sps, opts.toStep / sps, 5)) {
    const x = f.left + ((t * sps - opts.fromStep) / span) * pw;
    if (x >= f.left - 0.5 && x <= f.right + 0.5) s += xTick(f, x, formatTick(t));
  }
  for (const id of niceTicks(0, neurons - 1, 4)) {
    if (!Number.isInteger(id)) continue;
    s += yTick(f, f.top + (neurons - 1 - id + 0.5) * rowH, String(id));
  }
  s += axisLabels(f, opts.xLabel ?? 'time (s)', opts.yLabel ?? 'neuron');
  const note = opts.note ?? (shown === 0 ? 'no spikes in this window' : '');
  if (note) s += centredNote(f, note);
  return `${s}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Line plot, log y

export interface Point {
  x: number;
  y: number;
}

export interface LogLineOptions extends PlotOptions {
  color?: string;
}

/** A line with markers on a log10 y axis. Points with y <= 0 or non-finite values are left out. */
export function logLinePlotSvg(points: readonly Point[], opts: LogLineOptions): string {
  const f = frameOf(opts.width ?? 560, opts.height ?? 280, { l: 60, t: 24, r: 16, b: 38 });
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0);
  let s = open(opts.plot, f, opts.title) + axesBox(f);
  s += axisLabels(f, opts.xLabel ?? '', opts.yLabel ?? '');
  if (pts.length === 0) return `${s + centredNote(f, 'no positive values to plot')}</svg>`;

  let xMin = Math.min(...pts.map((p) => p.x));
  let xMax = Math.max(...pts.map((p) => p.x));
  if (xMax === xMin) {
    xMin -= 1;
    xMax += 1;
  }
  let lo = Math.floor(Math.log10(Math.min(...pts.map((p) => p.y))));
  let hi = Math.ceil(Math.log10(Math.max(...pts.map((p) => p.y))));
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const px = (x: number) => f.left + ((x - xMin) / (xMax - xMin)) * (f.right - f.left);
  const py = (y: number) => f.bottom - ((Math.log10(y) - lo) / (hi - lo)) * (f.bottom - f.top);

  const decadeStep = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let e = lo; e <= hi; e++) {
    if ((e - lo) % decadeStep === 0) s += yTick(f, py(10 ** e), formatTick(10 ** e), true);
    if (hi - lo <= 3 && e < hi) {
      // Few decades: 2× and 5× lines too, labelled when there is room.
      for (const m of [2, 5]) {
        const y = py(m * 10 ** e);
        if (hi - lo <= 2) s += yTick(f, y, formatTick(m * 10 ** e), true);
        else s += `<line x1="${n(f.left)}" y1="${n(y)}" x2="${n(f.right)}" y2="${n(y)}" stroke="#f2f2f2"/>`;
      }
    }
  }
  for (const t of niceTicks(xMin, xMax, 6)) s += xTick(f, px(t), formatTick(t));
  const color = escapeXml(opts.color ?? '#1f5fa8');
  s += `<path d="${pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(px(p.x))} ${n(py(p.y))}`).join('')}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
  if (pts.length <= 200) {
    s += pts.map((p) => `<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="2.2" fill="${color}"/>`).join('');
  }
  return `${s}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Histogram

export interface HistogramOptions {
  plot: string;
  title: string;
  xLabel?: string;
  bins?: number;
  /** A fixed value range (panels that are compared share one); default: the data's. */
  range?: [number, number];
  /** Count axis label. Default "count". */
  yLabel?: string;
  width?: number;
  height?: number;
  color?: string;
}

export interface HistogramData {
  min: number;
  max: number;
  counts: number[];
  /** Finite values counted. */
  total: number;
  mean: number;
  std: number;
}

/**
 * Bins the finite values of `values` into `bins` equal bins over [min, max] (the data's, or
 * `range`: values outside it are counted in the end bins).
 */
export function histogram(values: ArrayLike<number>, bins = 40, range?: [number, number]): HistogramData {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    total++;
  }
  const counts = new Array<number>(Math.max(1, bins)).fill(0);
  if (total === 0) return { min: 0, max: 0, counts, total, mean: NaN, std: NaN };
  const mean = sum / total;
  let sq = 0;
  if (range !== undefined && range[1] > range[0]) [min, max] = range;
  if (max === min) {
    const half = min === 0 ? 1 : Math.abs(min) * 0.5;
    min -= half;
    max += half;
  }
  const width = (max - min) / counts.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    sq += (v - mean) * (v - mean);
    counts[Math.max(0, Math.min(counts.length - 1, Math.floor((v - min) / width)))]!++;
  }
  return { min, max, counts, total, mean, std: Math.sqrt(sq / total) };
}

/** Histogram of the finite values, with count axis, value axis, and mean/sd in the corner. */
export function histogramSvg(values: ArrayLike<number>, opts: HistogramOptions): string {
  const f = frameOf(opts.width ?? 320, opts.height ?? 230, { l: 52, t: 38, r: 14, b: 36 });
  const h = histogram(values, opts.bins ?? 40, opts.range);
  const yLabel = opts.yLabel ?? 'count';
  let s = open(opts.plot, f, opts.title);
  if (h.total === 0) {
    s += axesBox(f) + axisLabels(f, opts.xLabel ?? '', yLabel);
    return `${s + centredNote(f, 'no values')}</svg>`;
  }
  const peak = Math.max(...h.counts);
  const pw = f.right - f.left;
  const ph = f.bottom - f.top;
  const bw = pw / h.counts.length;
  const color = escapeXml(opts.color ?? '#4a7fb5');
  const bars: string[] = [];
  h.counts.forEach((c, i) => {
    if (c === 0) return;
    const bh = (c / peak) * ph;
    bars.push(`M${n(f.left + i * bw)} ${n(f.bottom)}v${n(-bh)}h${n(bw)}v${n(bh)}z`);
  });
  s += `<path d="${bars.join('')}" fill="${color}" stroke="#fff" stroke-width="0.5"/>`;
  s += axesBox(f);
  const binW = (h.max - h.min) / h.counts.length;
  for (const t of niceTicks(h.min, h.max, 5)) {
    s += xTick(f, f.left + ((t - h.min) / (h.max - h.min)) * pw, formatTick(t));
  }
  for (const c of niceTicks(0, peak, 4)) {
    if (Number.isInteger(c)) s += yTick(f, f.bottom - (c / peak) * ph, formatTick(c), true);
  }
  s += axisLabels(f, opts.xLabel ?? '', yLabel);
  s +=
    `<text x="${n(f.width / 2)}" y="30" text-anchor="middle" font-size="10" fill="#555">` +
    `${escapeXml(`n=${h.total}  mean=${formatTick(h.mean)}  sd=${formatTick(h.std)}  bin=${formatTick(binW)}`)}</text>`;
  return `${s}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Stacked bars

export interface BarRow {
  label: string;
  /** One value per segment (same order as `segments`), >= 0. */
  values: number[];
}

export interface BarChartOptions {
  plot: string;
  title: string;
  /** Segment names, for the legend. */
  segments: string[];
  colors?: string[];
  /** Axis label of the values, e.g. "seconds". */
  unit?: string;
  width?: number;
}

const DEFAULT_COLORS = ['#4a7fb5', '#e08a3c', '#6aa84f', '#a64d79'];

/** Horizontal stacked bars, one row per entry (e.g. compute vs barrier wait per rank). */
export function barChartSvg(rows: readonly BarRow[], opts: BarChartOptions): string {
  const rowH = 22;
  const height = 24 + 22 + Math.max(1, rows.length) * rowH + 40;
  const f = frameOf(opts.width ?? 560, height, { l: 70, t: 46, r: 20, b: 40 });
  const colors = opts.colors ?? DEFAULT_COLORS;
  let s = open(opts.plot, f, opts.title);
  // Legend.
  let lx = f.left;
  opts.segments.forEach((name, k) => {
    s +=
      `<rect x="${n(lx)}" y="26" width="10" height="10" fill="${escapeXml(colors[k % colors.length]!)}"/>` +
      `<text x="${n(lx + 14)}" y="35">${escapeXml(name)}</text>`;
    lx += 24 + name.length * 6.5;
  });
  const totals = rows.map((r) => r.values.reduce((a, v) => a + (Number.isFinite(v) && v > 0 ? v : 0), 0));
  const maxTotal = Math.max(0, ...totals);
  s += axesBox(f);
  if (rows.length === 0 || maxTotal <= 0) {
    s += axisLabels(f, opts.unit ?? '', '');
    return `${s + centredNote(f, rows.length === 0 ? 'no timings recorded' : 'all values are zero')}</svg>`;
  }
  const ticks = niceTicks(0, maxTotal, 5);
  const scaleMax = Math.max(maxTotal, ticks[ticks.length - 1] ?? maxTotal);
  const pw = f.right - f.left;
  const px = (v: number) => f.left + (v / scaleMax) * pw;
  for (const t of ticks) {
    s += `<line x1="${n(px(t))}" y1="${n(f.top)}" x2="${n(px(t))}" y2="${n(f.bottom)}" stroke="#eee"/>`;
    s += xTick(f, px(t), formatTick(t));
  }
  rows.forEach((row, i) => {
    const y = f.top + i * rowH + 4;
    let at = 0;
    row.values.forEach((v, k) => {
      if (!Number.isFinite(v) || v <= 0) return;
      s +=
        `<rect x="${n(px(at))}" y="${n(y)}" width="${n(px(at + v) - px(at))}" height="${rowH - 8}" ` +
        `fill="${escapeXml(colors[k % colors.length]!)}"><title>${escapeXml(
          `${row.label}: ${opts.segments[k] ?? `part ${k}`} ${formatTick(v)}${opts.unit ? ` ${opts.unit}` : ''}`,
        )}</title></rect>`;
      at += v;
    });
    s += `<text x="${n(f.left - 6)}" y="${n(y + rowH / 2)}" text-anchor="end">${escapeXml(row.label)}</text>`;
  });
  s += axisLabels(f, opts.unit ?? '', '');
  return `${s}</svg>`;
}
