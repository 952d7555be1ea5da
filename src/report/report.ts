/**
 * `superspike report DIR`: one self-contained HTML page about a run (inline SVG and CSS, no
 * scripts, nothing fetched): the learning curve, spike rasters of every layer for the first and
 * the last test window side by side, weight distributions, per-rank timing and the run's
 * parameters. Each plot is one `<svg data-plot="NAME">`:
 *
 *   learning-curve                    MSE per block, log scale
 *   raster-<layer>-first / -last      layer = input, hidden1, hidden2, …, output, target
 *   weights-<c>                       connection c, input side first (when a state was saved)
 *   rank-timing                       compute vs barrier wait per rank
 */
import * as path from 'node:path';
import type { RunInfo, RunInfoGroup, RunInfoWindow } from '../io/run-info.js';
import { formatG6 } from '../io/stats.js';
import {
  firstWindow,
  groupLabel,
  lastWindow,
  loadRunInfo,
  loadSpikes,
  loadStats,
  loadWeights,
  wholeRun,
  type StepWindow,
} from './load.js';
import { barChartSvg, escapeXml, formatTick, histogramSvg, logLinePlotSvg, rasterSvg } from './svg.js';
import { writeFileAtomic } from '../io/atomic.js';

export const REPORT_FILE = 'report.html';

export interface BuiltReport {
  html: string;
  /** `data-plot` names of the page's plots, in page order. */
  plots: string[];
}

/** The key of a group in plot names: its role, hidden layers numbered from 1. */
export function groupKey(info: RunInfo, group: RunInfoGroup): string {
  if (group.role !== 'hidden') return group.role;
  return `hidden${info.groups.filter((g) => g.role === 'hidden').indexOf(group) + 1}`;
}

/** Groups in layer order: input, hidden…, output, then target. */
function orderedGroups(info: RunInfo): RunInfoGroup[] {
  const rank = { input: 0, hidden: 1, output: 2, target: 3 } as const;
  return info.groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => rank[a.g.role] - rank[b.g.role] || a.i - b.i)
    .map((x) => x.g);
}

function windowLabel(info: RunInfo, w: RunInfoWindow | null): string {
  if (w === null) return 'whole run';
  const sps = info.stepsPerSecond;
  const span = `${formatTick(w.fromStep / sps)}–${formatTick(w.toStep / sps)} s`;
  const isFinal = info.finalWindow !== null && info.finalWindow !== undefined && w === info.finalWindow;
  return `${isFinal ? 'final frozen replay' : `block ${w.block}`}, ${span}`;
}

function rasterHeight(neurons: number): number {
  return Math.min(320, Math.max(170, 70 + neurons * 3));
}

function fmt(x: number | undefined | null, digits = 3): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits + 1)));
}

/** Nested config objects become dotted keys; arrays and other values print as JSON. */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(config ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      rows.push(...flattenConfig(value as Record<string, unknown>, name));
    } else {
      rows.push([name, typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined']);
    }
  }
  return rows;
}

function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${escapeXml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
p.sub { color: #555; margin: 0 0 12px; }
.row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
svg { background: #fff; border: 1px solid #e2e2e2; max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 13px; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f0f0f0; }
td.num, table.num td { font-variant-numeric: tabular-nums; }
.note { color: #777; font-style: italic; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0; font-size: 14px; }
dl.summary dt { color: #555; }
dl.summary dd { margin: 0; }
`;

/** Builds the page from the run folder `dir`. */
export async function buildReport(dir: string): Promise<BuiltReport> {
  const info = loadRunInfo(dir);
  const plots: string[] = [];
  const sections: string[] = [];
  const track = (svg: string, name: string): string => {
    plots.push(name);
    return svg;
  };
  const sps = info.stepsPerSecond;

  // Summary.
  const stats = loadStats(dir, info);
  const lastMse = stats && stats.length > 0 ? stats[stats.length - 1]!.mse : undefined;
  const summary: Array<[string, string]> = [
    ['task', info.taskDescription ?? ''],
    ['ranks', String(info.ranks)],
    ['kernels', String(info.kernels ?? '')],
    ['blocks', `${info.blocks} × ${fmt(info.blockSteps / sps)} s (burn-in ${fmt(info.burnInSteps / sps)} s)`],
    ['simulated', `${fmt(info.simulatedSeconds)} s${info.interrupted ? ' (interrupted)' : ''}`],
    ['wall time', `${fmt(info.wallSeconds)} s`],
    ['speed', info.wallSeconds > 0 ? `${fmt(info.simulatedSeconds / info.wallSeconds)} simulated s per wall s` : '–'],
    ['final MSE', lastMse === undefined ? '–' : formatG6(lastMse)],
  ];
  sections.push(
    `<h1>superspike run: ${escapeXml(info.name)}</h1>\n` +
      `<p class="sub">${escapeXml(path.resolve(dir))}</p>\n` +
      `<dl class="summary">${summary.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl>`,
  );

  // Learning curve.
  const points = (stats ?? []).map((s) => ({ x: s.block, y: s.mse }));
  sections.push(
    '<h2>Learning curve</h2>\n' +
      track(
        logLinePlotSvg(points, {
          plot: 'learning-curve',
          title: 'MSE per block (log scale)',
          xLabel: 'block',
          yLabel: 'MSE',
          width: 640,
          height: 300,
        }),
        'learning-curve',
      ) +
      (stats === null ? '\n<p class="note">No stats file found.</p>' : ''),
  );

  // Rasters.
  const first = firstWindow(info);
  const last = lastWindow(info);
  const windowOf = (w: RunInfoWindow | null): StepWindow => (w === null ? wholeRun(info) : w);
  let rasters = '<h2>Spike rasters: first and last test window</h2>\n';
  rasters += `<p class="sub">Left: ${escapeXml(windowLabel(info, first))}. Right: ${escapeXml(windowLabel(info, last))}.</p>\n`;
  for (const group of orderedGroups(info)) {
    const key = groupKey(info, group);
    const label = groupLabel(info, group);
    const cells: string[] = [];
    for (const [which, w] of [['first', first], ['last', last]] as const) {
      const win = windowOf(w);
      const spikes = await loadSpikes(dir, group, win);
      const name = `raster-${key}-${which}`;
      cells.push(
        track(
          rasterSvg(spikes, {
            plot: name,
            title: `${label} (${group.spkName}), ${windowLabel(info, w)}`,
            fromStep: win.fromStep,
            toStep: win.toStep,
            stepsPerSecond: sps,
            neurons: group.size,
            height: rasterHeight(group.size),
            color: group.role === 'target' ? '#b03a2e' : '#000',
            note: spikes.files.length === 0 ? `no spike files ${group.spkName}.<rank>.spk` : undefined,
          }),
          name,
        ),
      );
    }
    rasters += `<h3>${escapeXml(label)} — ${group.size} neurons</h3>\n<div class="row">${cells.join('\n')}</div>\n`;
  }
  sections.push(rasters);

  // Weights.
  const weights = loadWeights(dir, info);
  let wsec = '<h2>Weight distributions (final state)</h2>\n';
  if (weights === null || weights.length === 0) {
    wsec += '<p class="note">No network state saved with this run.</p>';
  } else {
    wsec += `<div class="row">${weights
      .map((c) =>
        track(
          histogramSvg(c.w, {
            plot: `weights-${c.index}`,
            title: `${c.pre} → ${c.post}${c.plastic ? '' : ' (fixed)'}`,
            xLabel: 'weight',
          }),
          `weights-${c.index}`,
        ),
      )
      .join('\n')}</div>`;
  }
  sections.push(wsec);

  // Per-rank timing. The engine's computeSeconds is the rank's time in its step loop, barrier
  // waits included (rank.ts runUntil), so compute proper is the difference.
  const timings = [...(info.rankTimings ?? [])].sort((a, b) => a.rank - b.rank);
  const computeOnly = (t: (typeof timings)[number]) => Math.max(0, t.computeSeconds - t.barrierWaitSeconds);
  let tsec = '<h2>Per-rank timing</h2>\n';
  tsec += track(
    barChartSvg(
      timings.map((t) => ({ label: `rank ${t.rank}`, values: [computeOnly(t), t.barrierWaitSeconds] })),
      {
        plot: 'rank-timing',
        title: 'Time in the step loop per rank: compute vs barrier wait',
        segments: ['compute', 'barrier wait'],
        unit: 'seconds',
        width: 640,
      },
    ),
    'rank-timing',
  );
  if (timings.length > 0) {
    tsec +=
      '\n' +
      table(
        ['rank', 'steps', 'loop s', 'compute s', 'barrier waits', 'wait s', 'wait share', 'wait min ms', 'wait median ms', 'wait max ms'],
        timings.map((t) => [
          String(t.rank),
          String(t.steps),
          fmt(t.computeSeconds),
          fmt(computeOnly(t)),
          String(t.barrierWaits),
          fmt(t.barrierWaitSeconds),
          t.computeSeconds > 0 ? `${(Math.min(1, t.barrierWaitSeconds / t.computeSeconds) * 100).toFixed(1)} %` : '–',
          fmt(t.waitMinMs),
          fmt(t.waitMedianMs),
          fmt(t.waitMaxMs),
        ]),
        'num',
      ) +
      '\n<p class="note">loop s: time in the step loop, barrier waits included; compute s = loop s − wait s.</p>';
  }
  sections.push(tsec);

  // Parameters.
  let psec = '<h2>Run parameters</h2>\n';
  psec += table(['parameter', 'value'], flattenConfig(info.config));
  const conns = info.connections ?? [];
  if (conns.length > 0) {
    psec +=
      '\n<h3>Connections</h3>\n' +
      table(['pre', 'post', 'synapses', 'plastic'], conns.map((c) => [c.pre, c.post, String(c.synapses), c.plastic ? 'yes' : 'no']));
  }
  psec +=
    '\n<h3>Groups</h3>\n' +
    table(['group', 'role', 'neurons', 'files'], info.groups.map((g) => [g.spkName, g.role, String(g.size), `${g.spkName}.<rank>.spk`]));
  sections.push(psec);

  const html =
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<link rel="icon" href="data:,">\n' +
    `<title>superspike report: ${escapeXml(info.name)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n` +
    sections.join('\n\n') +
    `\n<p class="sub" style="margin-top:28px">Generated by superspike report.</p>\n</body>\n</html>\n`;
  return { html, plots };
}

/**
 * Writes the report of run folder `dir` to `outFile` (default `DIR/report.html`) and returns
 * the path written. For `superspike report` and `run --report`.
 */
export async function writeReport(dir: string, outFile?: string): Promise<string> {
  const { html } = await buildReport(dir);
  const file = outFile ?? path.join(dir, REPORT_FILE);
  writeFileAtomic(file, html);
  return file;
}
