/**
 * Learning curves of several conditions in one plot (for `superspike experiment`): per condition
 * the mean over seeds as a line and the spread (min–max over seeds) as a shaded band, on a log
 * y axis like the single-run learning curve, plus optional dashed reference curves (Auryn's).
 * Pure string building on the frame helpers of svg.ts.
 */
import {
  axesBox, axisLabels, centredNote, escapeXml, formatTick, frameOf, n, niceTicks, open, xTick, yTick, type PlotOptions,
} from './svg.js';

export interface BandSeries {
  label: string;
  x: readonly number[];
  mean: readonly number[];
  lo: readonly number[];
  hi: readonly number[];
  /** Dashed line without band (a reference curve). */
  dashed?: boolean;
}

export interface BandPlotOptions extends PlotOptions {
  /** A linear y axis over [0, 1] (fractions such as accuracy) instead of the log axis. */
  unitRange?: boolean;
}

const COLORS = ['#1f5fa8', '#d1495b', '#2e933c', '#edae49', '#7b4fa0', '#00798c', '#6c6c6c', '#b5651d'];

/**
 * Log-y plot of mean lines with min–max bands; values below the floor (≤ 0 included) are drawn at
 * it. With `unitRange`, a linear y axis over [0, 1] instead.
 */
export function bandPlotSvg(series: readonly BandSeries[], opts: BandPlotOptions): string {
  const legendRows = Math.ceil(series.length / 3);
  const f = frameOf(opts.width ?? 640, (opts.height ?? 300) + legendRows * 16, { l: 60, t: 24, r: 16, b: 38 + legendRows * 16 });
  let s = open(opts.plot, f, opts.title) + axesBox(f);
  s += axisLabels(f, opts.xLabel ?? '', opts.yLabel ?? '');
  const all = series.flatMap((c) => [...c.lo, ...c.hi, ...c.mean]).filter((y) => Number.isFinite(y) && (opts.unitRange || y > 0));
  const xs = series.flatMap((c) => c.x).filter(Number.isFinite);
  if (all.length === 0 || xs.length === 0) return `${s + centredNote(f, 'no positive values to plot')}</svg>`;
  // Five decades below the largest value at most: a perfectly learned run's cost of 1e-8 would
  // otherwise squash every other curve into the top of the plot.
  let lo = Math.floor(Math.log10(Math.max(Math.min(...all), Math.max(...all) * 1e-5)));
  let hi = Math.ceil(Math.log10(Math.max(...all)));
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  // Values below the axis's lowest decade are drawn on it. The floor is that decade itself, not the
  // smallest value: a tick labelled 10^lo must sit at 10^lo (it once sat at the smallest value).
  const floor = 10 ** lo;
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMax === xMin) {
    xMin -= 1;
    xMax += 1;
  }
  const px = (x: number) => f.left + ((x - xMin) / (xMax - xMin)) * (f.right - f.left);
  const py = opts.unitRange
    ? (y: number) => f.bottom - Math.min(1, Math.max(0, y)) * (f.bottom - f.top)
    : (y: number) => f.bottom - ((Math.log10(Math.max(y, floor)) - lo) / (hi - lo)) * (f.bottom - f.top);
  if (opts.unitRange) for (const t of [0, 0.25, 0.5, 0.75, 1]) s += yTick(f, py(t), formatTick(t), true);
  else for (let e = lo; e <= hi; e++) s += yTick(f, py(10 ** e), formatTick(10 ** e), true);
  for (const t of niceTicks(xMin, xMax, 6)) s += xTick(f, px(t), formatTick(t));
  series.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]!;
    const idx = c.x.map((_, k) => k).filter((k) => Number.isFinite(c.x[k]!) && Number.isFinite(c.mean[k]!));
    if (idx.length === 0) return;
    if (!c.dashed && idx.length > 1) {
      const upper = idx.map((k) => `${n(px(c.x[k]!))} ${n(py(c.hi[k]!))}`);
      const lower = idx.map((k) => `${n(px(c.x[k]!))} ${n(py(c.lo[k]!))}`).reverse();
      s += `<path d="M${upper.join('L')}L${lower.join('L')}Z" fill="${color}" fill-opacity="0.15" stroke="none"/>`;
    }
    const line = idx.map((k, j) => `${j === 0 ? 'M' : 'L'}${n(px(c.x[k]!))} ${n(py(c.mean[k]!))}`).join('');
    s += `<path d="${line}" fill="none" stroke="${color}" stroke-width="1.6"${c.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    const lx = f.left + (i % 3) * ((f.right - f.left) / 3);
    const ly = f.bottom + 34 + Math.floor(i / 3) * 16;
    s += `<line x1="${n(lx)}" y1="${n(ly - 4)}" x2="${n(lx + 18)}" y2="${n(ly - 4)}" stroke="${color}" stroke-width="2"${c.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    s += `<text x="${n(lx + 22)}" y="${n(ly)}">${escapeXml(c.label)}</text>`;
  });
  return `${s}</svg>`;
}
