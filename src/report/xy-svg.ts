/**
 * A numeric x–y plot for the experiment figures (cost against width, against ρ; accuracy per
 * block of each trial run; accuracy against the number of negative feedback weights): several
 * series of points with optional min–max whiskers, lines and/or dots, linear or log axes. A log x
 * axis with a 0 among the values (ρ = 0) puts 0 one decade left of the smallest positive value,
 * labelled "0". Same frame, ticks and fonts as svg.ts.
 */
import { axesBox, axisLabels, centredNote, escapeXml, formatTick, frameOf, n, niceTicks, open, xTick, yTick, type PlotOptions } from './svg.js';

export interface XyPoint {
  x: number;
  y: number;
  /** Whisker (e.g. min and max over seeds). */
  lo?: number;
  hi?: number;
}

export interface XySeries {
  /** '' leaves the series out of the legend (e.g. one thin line per seed). */
  label: string;
  color: string;
  points: readonly XyPoint[];
  /** Default true. */
  line?: boolean;
  /** Default true. */
  dots?: boolean;
  width?: number;
}

export interface XyOptions extends PlotOptions {
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /** Fixed y range (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
  /** Fixed x range (linear x only). */
  xRange?: [number, number];
  /** x ticks at whole numbers only (counts). */
  integerX?: boolean;
}

export const SERIES_COLORS = ['#1f5fa8', '#d1495b', '#2e933c', '#edae49', '#7b4fa0', '#00798c', '#6c6c6c', '#b5651d'];

/** Axis mapping: value → 0..1, and the ticks to draw. */
function axis(values: number[], log: boolean, range?: [number, number]): { at: (v: number) => number; ticks: Array<{ v: number; label: string }> } | null {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v >= 0));
  if (finite.length === 0) return null;
  if (log) {
    const positive = finite.filter((v) => v > 0);
    if (positive.length === 0) return null;
    let lo = Math.floor(Math.log10(Math.min(...positive)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive))));
    const zero = finite.some((v) => v === 0);
    const zeroAt = lo - 1;
    if (zero) lo = zeroAt;
    const at = (v: number) => ((v <= 0 ? zeroAt : Math.log10(v)) - lo) / (hi - lo);
    const ticks: Array<{ v: number; label: string }> = [];
    for (let e = zero ? zeroAt + 1 : lo; e <= hi; e++) ticks.push({ v: 10 ** e, label: formatTick(10 ** e) });
    if (zero) ticks.unshift({ v: 0, label: '0' });
    return { at, ticks };
  }
  let [lo, hi] = range ?? [Math.min(...finite), Math.max(...finite)];
  if (range === undefined) {
    const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  return { at: (v) => (v - lo) / (hi - lo), ticks: niceTicks(lo, hi, 5).map((v) => ({ v, label: formatTick(v) })) };
}

export function xyPlotSvg(series: readonly XySeries[], opts: XyOptions): string {
  const legend = series.filter((s) => s.label !== '');
  const legendRows = Math.ceil(legend.length / 3);
  const f = frameOf(opts.width ?? 560, (opts.height ?? 300) + legendRows * 16, { l: 62, t: 26, r: 16, b: 40 + legendRows * 16 });
  let s = open(opts.plot, f, opts.title) + axesBox(f) + axisLabels(f, opts.xLabel, opts.yLabel);
  const points = series.flatMap((c) => c.points);
  const xs = axis(points.map((p) => p.x), opts.logX ?? false, opts.logX ? undefined : opts.xRange);
  const ys = axis(points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).filter((y) => !opts.logY || y > 0), opts.logY ?? false, opts.yRange);
  if (xs === null || ys === null) return `${s + centredNote(f, 'nothing to plot')}</svg>`;
  const px = (x: number) => f.left + xs.at(x) * (f.right - f.left);
  const py = (y: number) => f.bottom - Math.min(1, Math.max(0, ys.at(y))) * (f.bottom - f.top);
  for (const t of ys.ticks) s += yTick(f, py(t.v), t.label, true);
  for (const t of xs.ticks) if (!opts.integerX || Number.isInteger(t.v)) s += xTick(f, px(t.v), t.label);
  const ok = (p: XyPoint) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!opts.logY || p.y > 0) && (!opts.logX || p.x >= 0);
  for (const c of series) {
    const pts = c.points.filter(ok);
    const color = escapeXml(c.color);
    for (const p of pts) {
      if (p.lo !== undefined && p.hi !== undefined && Number.isFinite(p.lo) && Number.isFinite(p.hi)) {
        s += `<path d="M${n(px(p.x))} ${n(py(p.lo))}V${n(py(p.hi))}M${n(px(p.x) - 3)} ${n(py(p.lo))}h6M${n(px(p.x) - 3)} ${n(py(p.hi))}h6" stroke="${color}" stroke-width="1" fill="none"/>`;
      }
    }
    if (c.line !== false && pts.length > 1) {
      s += `<path d="${pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(px(p.x))} ${n(py(p.y))}`).join('')}" fill="none" stroke="${color}" stroke-width="${c.width ?? 1.6}"/>`;
    }
    if (c.dots !== false) s += pts.map((p) => `<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="2.6" fill="${color}"/>`).join('');
  }
  legend.forEach((c, i) => {
    const lx = f.left + (i % 3) * ((f.right - f.left) / 3);
    const ly = f.bottom + 34 + Math.floor(i / 3) * 16;
    s += `<line x1="${n(lx)}" y1="${n(ly - 4)}" x2="${n(lx + 18)}" y2="${n(ly - 4)}" stroke="${escapeXml(c.color)}" stroke-width="2"/>`;
    s += `<text x="${n(lx + 22)}" y="${n(ly)}">${escapeXml(c.label)}</text>`;
  });
  return `${s}</svg>`;
}
