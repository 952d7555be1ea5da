/**
 * The report's plots of recorded state monitors (docs/monitors.md), drawn only when the run
 * recorded them: membrane traces of a few neurons of every recorded group with the threshold, in
 * the first and the last window, all on one voltage range (`membrane-<group>-first/-last`); every
 * other kind (current, σ′, error, eligibility, population rate) over the whole recording
 * (`monitor-<kind>-<group>`); and the weights into a layer over the run
 * (`weight-samples-<group>`: median and 10–90 % band of the sampled weights). Reads the rank
 * files through the same merge as `export`.
 */
import { MONITOR_UNITS } from '../engine/monitor-plan.js';
import { findMonitorFiles, readMonitorFile, type MonitorSeries } from '../export/monitors.js';
import type { RunInfo } from '../io/run-info.js';
import { THRESHOLD_VOLTS } from '../model/constants.js';
import type { ReportWindow } from './report-windows.js';
import { windowLabel } from './report-windows.js';
import { axesBox, axisLabels, centredNote, escapeXml, formatTick, frameOf, n, niceTicks, open, xTick, yTick, type PlotOptions } from './svg.js';

export interface Trace {
  label: string;
  color: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  dashed?: boolean;
}

export interface TracesOptions extends PlotOptions {
  xLabel: string;
  yLabel: string;
  xMin: number;
  xMax: number;
  /** Horizontal reference lines (e.g. the threshold), always inside the y range. */
  hlines?: Array<{ y: number; label: string }>;
  /** A fixed y range (panels that are compared share one); default: fitted to the data. */
  yMin?: number;
  yMax?: number;
}

const TRACE_COLORS = ['#1f5fa8', '#e08a3c', '#6aa84f', '#a64d79', '#8e7cc3', '#c27c0e'];
const MEMBRANE_NEURONS = 4;

/** Lines on linear axes whose y range fits the data and the reference lines. */
export function tracesSvg(traces: readonly Trace[], opts: TracesOptions): string {
  const f = frameOf(opts.width ?? 560, opts.height ?? 280, { l: 64, t: 44, r: 16, b: 38 });
  let s = open(opts.plot, f, opts.title);
  let lx = f.left;
  for (const t of traces) {
    if (t.label === '') continue;
    s += `<line x1="${n(lx)}" y1="31" x2="${n(lx + 16)}" y2="31" stroke="${escapeXml(t.color)}" stroke-width="2"${t.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    s += `<text x="${n(lx + 20)}" y="34">${escapeXml(t.label)}</text>`;
    lx += 30 + t.label.length * 6.3;
  }
  s += axesBox(f) + axisLabels(f, opts.xLabel, opts.yLabel);
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const h of opts.hlines ?? []) [yMin, yMax] = [Math.min(yMin, h.y), Math.max(yMax, h.y)];
  for (const t of traces) for (let k = 0; k < t.ys.length; k++) if (Number.isFinite(t.ys[k]!)) [yMin, yMax] = [Math.min(yMin, t.ys[k]!), Math.max(yMax, t.ys[k]!)];
  if (traces.every((t) => t.xs.length === 0)) return `${s + centredNote(f, 'no samples in this window')}</svg>`;
  const pad = (yMax - yMin) * 0.06 || Math.abs(yMax) * 0.1 || 1;
  yMin -= pad;
  yMax += pad;
  if (opts.yMin !== undefined && opts.yMax !== undefined && opts.yMax > opts.yMin) [yMin, yMax] = [opts.yMin, opts.yMax];
  const xSpan = opts.xMax - opts.xMin || 1;
  const px = (x: number) => f.left + ((x - opts.xMin) / xSpan) * (f.right - f.left);
  const py = (y: number) => f.bottom - ((y - yMin) / (yMax - yMin)) * (f.bottom - f.top);
  for (const t of niceTicks(yMin, yMax, 5)) s += yTick(f, py(t), formatTick(t), true);
  for (const t of niceTicks(opts.xMin, opts.xMax, 6)) s += xTick(f, px(t), formatTick(t));
  for (const h of opts.hlines ?? []) {
    s += `<line x1="${n(f.left)}" y1="${n(py(h.y))}" x2="${n(f.right)}" y2="${n(py(h.y))}" stroke="#b03a2e" stroke-width="1" stroke-dasharray="5 3"/>`;
    s += `<text x="${n(f.right - 4)}" y="${n(py(h.y) - 4)}" text-anchor="end" fill="#b03a2e">${escapeXml(h.label)}</text>`;
  }
  for (const t of traces) {
    let d = '';
    for (let k = 0; k < t.xs.length; k++) d += `${d === '' ? 'M' : 'L'}${n(px(t.xs[k]!))} ${n(py(t.ys[k]!))}`;
    if (d !== '') s += `<path d="${d}" fill="none" stroke="${escapeXml(t.color)}" stroke-width="1.2"${t.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
  }
  return `${s}</svg>`;
}

const KIND_TITLES: Record<string, string> = {
  current: 'Synaptic current', sigma: 'Surrogate derivative σ′', error: 'Error signal', eligibility: 'Eligibility trace', rate: 'Population rate',
};

/** The unit of a kind's values as the merged file holds them (rate: Hz, see MONITOR_UNITS). */
function unitOf(kind: string): string {
  return (MONITOR_UNITS as Record<string, string>)[kind] ?? '';
}

/** Index ranges of consecutive samples: a gap of more than 3 sampling intervals starts a new piece. */
function pieces(times: ArrayLike<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (times.length === 0) return out;
  const gaps: number[] = [];
  for (let r = 1; r < times.length; r++) gaps.push(times[r]! - times[r - 1]!);
  const step = gaps.length > 0 ? [...gaps].sort((a, b) => a - b)[gaps.length >> 1]! : 0;
  let from = 0;
  for (let r = 1; r < times.length; r++) {
    if (times[r]! - times[r - 1]! > 3 * step) {
      out.push([from, r]);
      from = r;
    }
  }
  out.push([from, times.length]);
  return out;
}

/** Membrane panels of one group: first and last window, on the y range shared by every membrane panel. */
function membraneCells(
  info: RunInfo, v: MonitorSeries, windows: Array<['first' | 'last', ReportWindow]>, yRange: [number, number], track: (svg: string, name: string) => string,
): string[] {
  const sps = info.stepsPerSecond;
  const shown = Math.min(MEMBRANE_NEURONS, v.columns);
  return windows.map(([which, w]) => {
    const from = w.fromStep / sps;
    const to = w.toStep / sps;
    const rows: number[] = [];
    for (let r = 0; r < v.times.length; r++) if (v.times[r]! >= from && v.times[r]! < to) rows.push(r);
    const traces: Trace[] = Array.from({ length: shown }, (_, c) => ({
      label: `neuron ${v.columnIds?.[c] ?? c}`,
      color: TRACE_COLORS[c % TRACE_COLORS.length]!,
      xs: rows.map((r) => v.times[r]! - from),
      ys: rows.map((r) => v.values[r * v.columns + c]! * 1000),
    }));
    const name = `membrane-${v.group}-${which}`;
    return track(tracesSvg(traces, {
      plot: name, title: `Membrane of ${v.group} (${v.kind} monitor), ${which} window: ${windowLabel(info, w)}`, width: 600,
      xLabel: `time from ${formatTick(from)} s (s)`, yLabel: 'V (mV)', xMin: 0, xMax: to - from, yMin: yRange[0], yMax: yRange[1],
      hlines: [{ y: THRESHOLD_VOLTS * 1000, label: `threshold ${formatTick(THRESHOLD_VOLTS * 1000)} mV` }],
    }), name);
  });
}

/**
 * The report section of the monitors, or '' when nothing was recorded: membrane traces of every
 * group recorded (first and last window, one shared y range), every other kind over the whole
 * recording, and the weights over the run. `track` registers each plot's name (report.ts).
 */
export function monitorSection(
  dir: string, info: RunInfo, first: ReportWindow | null, last: ReportWindow | null, track: (svg: string, name: string) => string,
): string {
  const parts: string[] = [];
  const sps = info.stepsPerSecond;
  const found = findMonitorFiles(dir, info);
  // Membrane: `membrane`, else that of the auryn set recorded beside it (`auryn_membrane`), of each group.
  const membranes = info.groups
    .map((g) => found.filter((m) => m.group === g.spkName))
    .map((ms) => ms.find((m) => m.kind === 'membrane') ?? ms.find((m) => m.kind === 'auryn_membrane'))
    .filter((m): m is NonNullable<typeof m> => m !== undefined)
    .map(readMonitorFile);
  if (membranes.length > 0 && first !== null && last !== null) {
    let lo = THRESHOLD_VOLTS * 1000;
    let hi = lo;
    for (const v of membranes) for (const x of v.values) if (Number.isFinite(x)) [lo, hi] = [Math.min(lo, x * 1000), Math.max(hi, x * 1000)];
    const pad = (hi - lo) * 0.06 || 1;
    const cells = membranes.flatMap((v) => membraneCells(info, v, [['first', first], ['last', last]], [lo - pad, hi + pad], track));
    parts.push(`<h3>Membrane potential</h3>\n<p class="sub">Recorded with --record membrane:GROUP (first ${MEMBRANE_NEURONS} recorded neurons of each group); every panel has the same voltage range; the dashed line is the firing threshold. A neuron that reaches it spikes and is reset to −60 mV.</p>\n<div class="row">${cells.join('\n')}</div>`);
  }
  const otherPlots: string[] = [];
  // The auryn set's series are named by kind, or auryn_<kind> beside the same kind recorded by name.
  for (const m of found.filter((x) => KIND_TITLES[x.kind.replace(/^auryn_/, '')] !== undefined)) {
    const series = readMonitorFile(m);
    const kind = m.kind.replace(/^auryn_/, '');
    const unit = unitOf(kind);
    const shown = Math.min(MEMBRANE_NEURONS, series.columns);
    const ranges = pieces(series.times);
    // At most ~1500 points per trace: the panel is 640 px wide.
    const stride = Math.max(1, Math.ceil(series.times.length / 1500));
    const traces: Trace[] = [];
    for (let c = 0; c < shown; c++) {
      ranges.forEach(([a, b], k) => {
        const xs: number[] = [];
        const ys: number[] = [];
        for (let r = a; r < b; r += stride) {
          xs.push(series.times[r]!);
          ys.push(series.values[r * series.columns + c]!);
        }
        const id = series.columnIds?.[c] ?? String(c);
        traces.push({ label: k === 0 ? `${kind === 'rate' ? 'column' : id.includes('-') ? 'synapse' : 'neuron'} ${id}` : '', color: TRACE_COLORS[c % TRACE_COLORS.length]!, xs, ys });
      });
    }
    const name = `monitor-${m.kind}-${m.group}`;
    otherPlots.push(track(tracesSvg(traces, {
      plot: name, title: `${KIND_TITLES[kind]} of ${m.group} (${m.kind} monitor, ${series.columns} columns, ${series.times.length} samples)`,
      xLabel: 'time (s)', yLabel: unit ? `${kind} (${unit})` : kind, xMin: 0, xMax: Math.max(info.clock / sps, series.times[series.times.length - 1] ?? 0), width: 640,
    }), name));
  }
  if (otherPlots.length > 0) {
    parts.push(`<h3>Other recorded state</h3>\n<p class="sub">Recorded with --record KIND:GROUP, drawn over the whole run (the first ${MEMBRANE_NEURONS} columns; gaps where nothing was sampled).</p>\n<div class="row">${otherPlots.join('\n')}</div>`);
  }
  const weightPlots: string[] = [];
  for (const m of findMonitorFiles(dir, info).filter((x) => x.kind === 'weights' || x.kind === 'auryn_weights')) {
    const w = readMonitorFile(m);
    const median: number[] = [];
    const low: number[] = [];
    const high: number[] = [];
    for (let r = 0; r < w.times.length; r++) {
      const row = Array.from(w.values.subarray(r * w.columns, (r + 1) * w.columns)).sort((a, b) => a - b);
      const q = (p: number) => row[Math.min(row.length - 1, Math.floor(p * (row.length - 1) + 0.5))] ?? NaN;
      median.push(q(0.5));
      low.push(q(0.1));
      high.push(q(0.9));
    }
    const xs = Array.from(w.times);
    const name = `weight-samples-${m.group}${m.kind === 'auryn_weights' ? '-auryn' : ''}`;
    weightPlots.push(track(tracesSvg([
      { label: 'median', color: '#1f5fa8', xs, ys: median },
      { label: '10 % / 90 %', color: '#7f8c8d', xs, ys: low, dashed: true },
      { label: '', color: '#7f8c8d', xs, ys: high, dashed: true },
    ], {
      plot: name, title: `Weights into ${m.group} over the run (${w.columns} synapses, ${w.times.length} samples)`,
      xLabel: 'time (s)', yLabel: 'weight', xMin: 0, xMax: Math.max(info.clock / sps, xs[xs.length - 1] ?? 0), width: 640,
      hlines: [{ y: 0, label: '0' }],
    }), name));
  }
  if (weightPlots.length > 0) {
    parts.push(`<h3>Weights over the blocks</h3>\n<p class="sub">Sampled with --record weights (at every weight update in the sampled windows); blocks are ${formatTick(info.blockSteps / sps)} s long, the first one starts after a ${formatTick(info.burnInSteps / sps)} s burn-in.</p>\n<div class="row">${weightPlots.join('\n')}</div>`);
  }
  return parts.length === 0 ? '' : `<h2>Recorded state</h2>\n${parts.join('\n')}`;
}
