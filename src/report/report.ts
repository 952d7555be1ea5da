/**
 * `superspike report DIR`: one self-contained HTML page about a run (inline SVG and CSS, no
 * scripts, nothing fetched): the learning curve with the MSE defined in words, the output over
 * the target with hits and misses coloured, the firing rate of every layer per block, spike
 * rasters of every layer for the first and the last test window side by side (windows of equal
 * length: one loop period when the task loops), weight distributions, per-rank timing and the
 * run's parameters. Each plot is one `<svg data-plot="NAME">`:
 *
 *   learning-curve                    MSE per block, log scale
 *   overlay-first / overlay-last      output over target, one loop period, hits/misses coloured
 *   rates                             mean rate per neuron of each layer per block
 *   raster-<layer>-first / -last      layer = input, hidden1, hidden2, …, output, target
 *   rate-hist-<layer> / isi-hist-<layer>  rates and ISIs over the last block (not the target)
 *   population-rate                   mean rate of each layer over the run
 *   membrane-<group>-first / -last    membrane traces with threshold, one y range (when recorded)
 *   monitor-<kind>-<group>            any other recorded kind over the recording (when recorded)
 *   weight-samples-<group>            weights into the group over the run (when recorded)
 *   weights-<c>-initial / weights-<c> connection c, input side first, at the start (from seed
 *                                     and w0) and in the final state (when a state was saved)
 *   rank-timing                       compute vs barrier wait per rank
 */
import * as path from 'node:path';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { formatG6 } from '../io/stats.js';
import { cellBitmap, defaultBinMs, frameColumns } from './animate.js';
import {
  groupLabel,
  loadRunInfo,
  loadSpikes,
  loadStats,
  wholeRun,
  type StepWindow,
} from './load.js';
import { monitorSection } from './monitor-plots.js';
import { LAYER_COLORS, populationRateSection, spikeStatsSection, weightsSection } from './standard-plots.js';
import { groupRates } from './rates.js';
import { reportWindows, windowLabel, type ReportWindow } from './report-windows.js';
import { barChartSvg, escapeXml, formatTick, logLinePlotSvg, rasterSvg } from './svg.js';
import { hitMiss, linesSvg, overlaySvg, type Series } from './svg-plots.js';
import { writeFileAtomic } from '../io/atomic.js';

export { reportWindows, type ReportWindow } from './report-windows.js';

export const REPORT_FILE = 'report.html';

export interface BuiltReport {
  html: string;
  /** `data-plot` names of the page's plots, in page order. */
  plots: string[];
  /** The run is still going (only with `allowRunning`): the page is marked "in progress". */
  inProgress: boolean;
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

/** The MSE in words (docs/model.md §7.6), shown under the learning curve. */
export const MSE_DEFINITION =
  'MSE: how far the output spikes are from the target spikes. For each output neuron the error signal ' +
  '(target spikes minus output spikes) is filtered with a double-exponential kernel (5 ms rise, 10 ms ' +
  'decay, the van Rossum distance); its square is averaged over the output neurons and over the past ' +
  'with a 10 s exponential window, and scaled so that one unmatched spike per second per neuron adds ' +
  'about 4. 0 means every target spike is produced on time and nothing else. Each value is taken as its ' +
  'block begins (the last one after the final replay), from the stats file.';


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
p.def { max-width: 640px; font-size: 13px; color: #333; background: #fff; border-left: 3px solid #1f5fa8; padding: 6px 10px; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0; font-size: 14px; }
dl.summary dt { color: #555; }
dl.summary dd { margin: 0; }
span.live { font-size: 13px; color: #fff; background: #c0392b; border-radius: 3px; padding: 2px 6px; vertical-align: middle; }
`;

/** What the page says about a run still going: blocks begun, when run.json was last rewritten. */
function inProgressText(info: RunInfo): string {
  const begun = Math.min(info.blocks, Math.max(0, (info.progress?.statsLines ?? 1) - 1));
  const at = info.progress?.updatedAt ? `, as of ${info.progress.updatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : '';
  return `in progress: ${begun} of ${info.blocks} training blocks done${at} (the page shows the blocks completed so far)`;
}

export interface BuildReportOptions {
  /** Accept a folder whose run is still going: the page is then marked "in progress". */
  allowRunning?: boolean;
}

/** How the page names the two windows it compares (titles must differ even when the windows do not). */
function whichLabel(which: 'first' | 'last'): string {
  return which === 'first' ? 'first window' : 'last window';
}

/** Builds the page from the run folder `dir`. */
export async function buildReport(dir: string, opts: BuildReportOptions = {}): Promise<BuiltReport> {
  const info = loadRunInfo(dir, { allowRunning: opts.allowRunning });
  const inProgress = info.completed === false;
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
  const loopSeconds = (info.rankTimings ?? []).reduce((sum, t) => sum + t.computeSeconds, 0);
  const waitSeconds = (info.rankTimings ?? []).reduce((sum, t) => sum + t.barrierWaitSeconds, 0);
  const summary: Array<[string, string]> = [
    ...(inProgress ? [['state', inProgressText(info)] as [string, string]] : []),
    ['task', info.taskDescription ?? ''],
    ['ranks', String(info.ranks)],
    ['kernels', String(info.kernels ?? '')],
    ['blocks', `${info.blocks} × ${fmt(info.blockSteps / sps)} s (burn-in ${fmt(info.burnInSteps / sps)} s)`],
    ['simulated', `${fmt(info.simulatedSeconds)} s${info.interrupted ? ' (interrupted)' : ''}`],
    ['wall time', `${fmt(info.wallSeconds)} s`],
    ['speed', info.wallSeconds > 0 ? `${fmt(info.simulatedSeconds / info.wallSeconds)} simulated s per wall s` : '–'],
    ['barrier-wait share', loopSeconds > 0 ? `${((100 * waitSeconds) / loopSeconds).toFixed(1)} % of the ranks' step-loop time` : '–'],
    [inProgress ? 'latest MSE' : 'final MSE', lastMse === undefined ? '–' : formatG6(lastMse)],
    ...provenanceRows(info),
  ];
  sections.push(
    `<h1>superspike run: ${escapeXml(info.name)}${inProgress ? ' <span class="live">in progress</span>' : ''}</h1>\n` +
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
      (stats === null ? '\n<p class="note">No stats file found.</p>' : '') +
      `\n<p class="def">${escapeXml(MSE_DEFINITION)}</p>`,
  );

  const windows = reportWindows(info);
  const first = windows?.first ?? null;
  const last = windows?.last ?? null;
  const windowOf = (w: ReportWindow | null): StepWindow => (w === null ? wholeRun(info) : w);

  // Output over target.
  const output = info.groups.find((g) => g.role === 'output');
  const target = info.groups.find((g) => g.role === 'target');
  let osec = '<h2>Output over target</h2>\n';
  if (output && target && first && last) {
    const binMs = defaultBinMs(info);
    const binSteps = Math.max(1, Math.round((binMs / 1000) * sps));
    osec +=
      `<p class="sub">Cells of ${formatTick(binMs)} ms × one output neuron, in the first and the last window: green where output ` +
      'and target both spike (hit), pink where the target spikes and the output does not (missed), black where the output ' +
      'spikes without the target (extra).</p>\n';
    const cells: string[] = [];
    for (const [which, w] of [['first', first], ['last', last]] as const) {
      const columns = frameColumns(w, binSteps);
      const o = await loadSpikes(dir, output, w);
      const t = await loadSpikes(dir, target, w);
      const neurons = Math.max(1, output.size);
      const h = hitMiss(cellBitmap(o.steps, o.ids, w, binSteps, neurons, columns), cellBitmap(t.steps, t.ids, w, binSteps, neurons, columns));
      const share = h.hits + h.misses > 0 ? `, ${Math.round((100 * h.hits) / (h.hits + h.misses))} % of target cells hit` : '';
      const seconds = (columns * binSteps) / sps;
      cells.push(
        track(
          overlaySvg(h, {
            plot: `overlay-${which}`,
            title: `Output vs target, ${whichLabel(which)}: ${windowLabel(info, w)}${share}`,
            neurons,
            columns,
            fromSeconds: w.periodSteps ? 0 : w.fromStep / sps,
            toSeconds: w.periodSteps ? seconds : w.fromStep / sps + seconds,
            xLabel: w.periodSteps ? 'time within the loop period (s)' : 'time (s)',
            width: 560,
            height: Math.max(260, rasterHeight(output.size) + 40),
          }),
          `overlay-${which}`,
        ),
      );
    }
    osec += `<div class="row">${cells.join('\n')}</div>`;
  } else {
    osec += '<p class="note">The run has no output, target or test window to compare.</p>';
  }
  sections.push(osec);

  // Rates per layer per block.
  const series: Series[] = orderedGroups(info).map((g, k) => {
    const r = groupRates(dir, info, g);
    return {
      label: groupLabel(info, g),
      color: g.role === 'target' ? '#b03a2e' : LAYER_COLORS[k % LAYER_COLORS.length]!,
      dashed: g.role === 'target',
      points: r.rateHz.map((y, b) => ({ x: b, y })),
    };
  });
  sections.push(
    '<h2>Firing rate per layer</h2>\n' +
      track(
        linesSvg(series, {
          plot: 'rates',
          title: 'Mean rate per neuron in each block (Hz)',
          xLabel: `block (${info.blocks} = the final replay)`,
          yLabel: 'rate (Hz)',
          width: 640,
          height: 300,
        }),
        'rates',
      ) +
      '\n<p class="sub">Counted from the spike files over whole blocks (the burn-in is left out); the target is dashed.</p>',
  );

  // Rasters.
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
            title: `${label} (${group.spkName}), ${whichLabel(which)}: ${windowLabel(info, w)}`,
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

  // The field's standard plots: rate and ISI histograms per layer, population rate over the run.
  sections.push(await spikeStatsSection(dir, info, (g) => groupKey(info, g), track));
  sections.push(populationRateSection(dir, info, (g) => groupKey(info, g), track));

  // Recorded state monitors (only when the run recorded them).
  const monitors = monitorSection(dir, info, first, last, track);
  if (monitors !== '') sections.push(monitors);

  sections.push(weightsSection(dir, info, track));

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
  const layout = info.layout;
  if (layout !== undefined) {
    tsec += `\n<h3>Layout</h3>\n<p>${layout.processes} process${layout.processes > 1 ? 'es' : ''} × ${layout.ranksPerProcess} rank thread${layout.ranksPerProcess > 1 ? 's' : ''} = ${info.ranks} ranks` +
      ` on ${[...new Set(layout.hosts)].map((h) => escapeXml(h)).join(', ')}.</p>\n`;
    if (layout.processes > 1) {
      tsec += table(['between processes', 'value'], [
        ['bytes sent per interval exchange, per process', fmt(layout.bytesPerIntervalPerProcess)],
        ['bytes sent per weight exchange, per process', fmt(layout.bytesPerWeightExchangePerProcess)],
        ['seconds inside MPI, all ranks (waiting included)', fmt(layout.mpiSeconds)],
        ['share of the step-loop time', `${((layout.mpiSeconds / Math.max(1e-9, timings.reduce((sum, t) => sum + t.computeSeconds, 0))) * 100).toFixed(1)} %`],
      ], 'num');
    }
  }
  sections.push(tsec);

  // Parameters.
  let psec = '<h2>Run parameters</h2>\n';
  psec += table(['parameter', 'value'], flattenConfig(info.config));
  const conns = info.connections ?? [];
  if (conns.length > 0) {
    psec +=
      '\n<h3>Connections</h3>\n' +
      table(['name', 'pre', 'post', 'synapses', 'plastic'], conns.map((c) => [c.name ?? '', c.pre, c.post, String(c.synapses), c.plastic ? 'yes' : 'no']));
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
  return { html, plots, inProgress };
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

/** Version, start, command line, Node and host, and one row per segment (a resumed run has several). */
function provenanceRows(info: RunInfo): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const p = info.provenance;
  if (p) {
    rows.push(['version', `superspike ${p.version}, Node ${p.node}, host ${p.host}`], ['started', p.startedAt], ['command', p.argv.join(' ')]);
  }
  const segments = info.segments ?? [];
  if (segments.length > 1) {
    segments.forEach((seg, k) => {
      const sim = (seg.toStep - seg.fromStep) / info.stepsPerSecond;
      rows.push([`segment ${k + 1}`, `${fmt(seg.fromStep / info.stepsPerSecond)}–${fmt(seg.toStep / info.stepsPerSecond)} s simulated in ${fmt(seg.wallSeconds)} s ` +
        `(${seg.wallSeconds > 0 ? fmt(sim / seg.wallSeconds) : '–'} simulated s per wall s), ${seg.ranks} ranks, started ${seg.startedAt}${seg.interrupted ? ', interrupted' : ''}`]);
    });
  }
  return rows;
}
