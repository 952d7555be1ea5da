/**
 * The report's plots beyond svg.ts: several lines on a linear axis with a legend (firing rate
 * per layer per block), and output-over-target cells with hits and misses coloured. Pure
 * string builders with the same frame, ticks and fonts as svg.ts.
 */
import {
  axesBox, axisLabels, centredNote, escapeXml, formatTick, frameOf, n, niceTicks, open, xTick, yTick, type Frame, type PlotOptions,
} from './svg.js';

// ---------------------------------------------------------------------------------------------
// Several lines

export interface Series {
  label: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  color: string;
  /** Dashed, e.g. for a reference such as the target. */
  dashed?: boolean;
}

export interface LinesOptions extends PlotOptions {
  xLabel: string;
  yLabel: string;
  /** x ticks at any nice value (time), not only whole numbers (blocks). */
  anyX?: boolean;
}

function legend(f: Frame, items: ReadonlyArray<{ label: string; color: string; dashed?: boolean; box?: boolean }>, y: number): string {
  let s = '';
  let x = f.left;
  for (const item of items) {
    s += item.box
      ? `<rect x="${n(x)}" y="${n(y - 8)}" width="10" height="10" fill="${escapeXml(item.color)}"/>`
      : `<line x1="${n(x)}" y1="${n(y - 3)}" x2="${n(x + 16)}" y2="${n(y - 3)}" stroke="${escapeXml(item.color)}" stroke-width="2"${item.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    s += `<text x="${n(x + 20)}" y="${n(y)}">${escapeXml(item.label)}</text>`;
    x += 30 + item.label.length * 6.3;
  }
  return s;
}

/** Lines with markers on a linear y axis starting at 0, a legend under the title. */
export function linesSvg(series: readonly Series[], opts: LinesOptions): string {
  const f = frameOf(opts.width ?? 640, opts.height ?? 300, { l: 60, t: 44, r: 16, b: 38 });
  let s = open(opts.plot, f, opts.title);
  s += legend(f, series, 34);
  const pts = series.flatMap((l) => l.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  s += axesBox(f) + axisLabels(f, opts.xLabel, opts.yLabel);
  if (pts.length === 0) return `${s + centredNote(f, 'nothing to plot')}</svg>`;
  let xMin = Math.min(...pts.map((p) => p.x));
  let xMax = Math.max(...pts.map((p) => p.x));
  if (xMax === xMin) {
    xMin -= 1;
    xMax += 1;
  }
  // 8 % headroom so that the highest line does not run along the frame.
  const yMax = Math.max(...pts.map((p) => p.y), 1e-9) * 1.08;
  const yTicks = niceTicks(0, yMax, 5);
  const px = (x: number) => f.left + ((x - xMin) / (xMax - xMin)) * (f.right - f.left);
  const py = (y: number) => f.bottom - (y / yMax) * (f.bottom - f.top);
  for (const t of yTicks) s += yTick(f, py(t), formatTick(t), true);
  for (const t of niceTicks(xMin, xMax, 8)) if (opts.anyX || Number.isInteger(t)) s += xTick(f, px(t), formatTick(t));
  for (const l of series) {
    const ok = l.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (ok.length === 0) continue;
    const color = escapeXml(l.color);
    s += `<path d="${ok.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(px(p.x))} ${n(py(p.y))}`).join('')}" fill="none" stroke="${color}" stroke-width="1.6"${l.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    if (ok.length <= 120) s += ok.map((p) => `<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="2" fill="${color}"/>`).join('');
  }
  return `${s}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Output over target

export const HIT_COLORS = { hit: '#1e8449', miss: '#f1948a', extra: '#222222' };

export interface HitMiss {
  /** Row-major (neurons × columns), row 0 = the highest id: 0 nothing, 1 hit, 2 miss, 3 extra. */
  cells: Uint8Array;
  hits: number;
  /** Target bins without an output spike. */
  misses: number;
  /** Output bins without a target spike. */
  extra: number;
}

/** Compares two cell grids (non-zero = spike in the bin), cell by cell. */
export function hitMiss(output: Uint8Array, target: Uint8Array): HitMiss {
  const cells = new Uint8Array(output.length);
  let hits = 0;
  let misses = 0;
  let extra = 0;
  for (let i = 0; i < cells.length; i++) {
    const o = output[i] !== 0;
    const t = target[i] !== 0;
    if (o && t) {
      cells[i] = 1;
      hits++;
    } else if (t) {
      cells[i] = 2;
      misses++;
    } else if (o) {
      cells[i] = 3;
      extra++;
    }
  }
  return { cells, hits, misses, extra };
}

export interface OverlayOptions {
  plot: string;
  title: string;
  neurons: number;
  columns: number;
  /** Seconds the columns span, for the x axis. */
  fromSeconds: number;
  toSeconds: number;
  xLabel: string;
  width?: number;
  height?: number;
}

/** Cells coloured hit / miss / extra, with a legend that gives the counts. */
export function overlaySvg(h: HitMiss, opts: OverlayOptions): string {
  const f = frameOf(opts.width ?? 480, opts.height ?? 260, { l: 48, t: 44, r: 12, b: 36 });
  const cw = (f.right - f.left) / Math.max(1, opts.columns);
  const rh = (f.bottom - f.top) / Math.max(1, opts.neurons);
  let s = open(opts.plot, f, opts.title);
  s += legend(f, [
    { label: `hit ${h.hits}`, color: HIT_COLORS.hit, box: true },
    { label: `missed target ${h.misses}`, color: HIT_COLORS.miss, box: true },
    { label: `extra output ${h.extra}`, color: HIT_COLORS.extra, box: true },
  ], 34);
  s += `<rect x="${n(f.left)}" y="${n(f.top)}" width="${n(f.right - f.left)}" height="${n(f.bottom - f.top)}" fill="#fcfcfc"/>`;
  for (const [value, color] of [[2, HIT_COLORS.miss], [3, HIT_COLORS.extra], [1, HIT_COLORS.hit]] as const) {
    const parts: string[] = [];
    for (let r = 0; r < opts.neurons; r++) {
      for (let c = 0; c < opts.columns; c++) {
        if (h.cells[r * opts.columns + c] === value) parts.push(`M${n(f.left + c * cw)} ${n(f.top + r * rh)}h${n(cw)}v${n(rh)}h${n(-cw)}z`);
      }
    }
    if (parts.length > 0) s += `<path d="${parts.join('')}" fill="${color}"/>`;
  }
  s += axesBox(f);
  const span = opts.toSeconds - opts.fromSeconds || 1;
  for (const t of niceTicks(opts.fromSeconds, opts.toSeconds, 5)) {
    s += xTick(f, f.left + ((t - opts.fromSeconds) / span) * (f.right - f.left), formatTick(t));
  }
  for (const id of niceTicks(0, opts.neurons - 1, 4)) {
    if (Number.isInteger(id)) s += yTick(f, f.top + (opts.neurons - 1 - id + 0.5) * rh, String(id));
  }
  s += axisLabels(f, opts.xLabel, 'output neuron');
  return `${s}</svg>`;
}
