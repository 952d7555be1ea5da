/**
 * The report's plots of recorded state monitors (docs/monitors.md), drawn only when the run
 * recorded them: membrane traces of a few output neurons with the threshold, in the first and
 * the last window (`membrane-first`, `membrane-last`), and the weights into a layer over the
 * run (`weight-samples-<group>`: median and 10–90 % band of the sampled weights). Reads the
 * rank files through the same merge as `export`.
 */
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
  const ys: number[] = (opts.hlines ?? []).map((h) => h.y);
  for (const t of traces) for (let k = 0; k < t.ys.length; k++) if (Number.isFinite(t.ys[k]!)) ys.push(t.ys[k]!);
  if (traces.every((t) => t.xs.length === 0)) return `${s + centredNote(f, 'no samples in this window')}</svg>`;
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  const pad = (yMax - yMin) * 0.06 || Math.abs(yMax) * 0.1 || 1;
  yMin -= pad;
  yMax += pad;
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

/** The recorded membrane monitor of the output layer (`membrane`, else Auryn's `mem`), or null. */
function outputMembrane(dir: string, info: RunInfo): MonitorSeries | null {
  const output = info.groups.find((g) => g.role === 'output');
  if (!output) return null;
  const found = findMonitorFiles(dir, info).filter((m) => m.group === output.spkName);
  const m = found.find((x) => x.kind === 'membrane') ?? found.find((x) => x.kind === 'mem');
  return m ? readMonitorFile(m) : null;
}

/**
 * The report section of the monitors, or '' when nothing was recorded. `track` registers each
 * plot's name (report.ts).
 */
export function monitorSection(
  dir: string, info: RunInfo, first: ReportWindow | null, last: ReportWindow | null, track: (svg: string, name: string) => string,
): string {
  const parts: string[] = [];
  const sps = info.stepsPerSecond;
  const v = outputMembrane(dir, info);
  if (v !== null && first !== null && last !== null) {
    const shown = Math.min(MEMBRANE_NEURONS, v.columns);
    const cells: string[] = [];
    for (const [which, w] of [['first', first], ['last', last]] as const) {
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
      const name = `membrane-${which}`;
      cells.push(track(tracesSvg(traces, {
        plot: name, title: `Output membrane potential, ${windowLabel(info, w)}`,
        xLabel: `time from ${formatTick(from)} s (s)`, yLabel: 'V (mV)', xMin: 0, xMax: to - from,
        hlines: [{ y: THRESHOLD_VOLTS * 1000, label: `threshold ${formatTick(THRESHOLD_VOLTS * 1000)} mV` }],
      }), name));
    }
    parts.push(`<h3>Membrane potential of output neurons</h3>\n<p class="sub">Recorded with --record membrane:output (first ${shown} recorded neurons); the dashed line is the firing threshold. A neuron that reaches it spikes and is reset to −60 mV.</p>\n<div class="row">${cells.join('\n')}</div>`);
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
