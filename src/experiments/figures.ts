/**
 * The panels of an experiment's report.html that mirror the paper's figure, drawn from the runs'
 * own folders and results (never from the claims' verdicts, so they show the data whatever the
 * verdict's definition):
 *
 *   single-neuron  Fig. 2   the output's spikes over the presentations, target times marked
 *   hidden-layer   Fig. 4c  final accuracy of each random-feedback run against how many of its
 *                           fixed feedback weights are negative (read from its network state)
 *   xor            Fig. 5c  accuracy per block of every trial run, seed by seed, and their mean
 *   pattern        Fig. 6d  rate, ISI and CV histograms of the hidden layer of one run (n_h = 32
 *                           when the preset ran it)
 *                  Fig. 7   final cost and hidden rate against the hidden width, per feedback
 *   regulariser    Fig. 8   final cost and hidden rate against ρ, one line per exponent a
 *
 * Each panel is one `<svg data-plot="fig…">`.
 */
import * as fs from 'node:fs';
import type { ConfigInput } from '../config/schema.js';
import { readNetworkStateFile } from '../io/netstate.js';
import { readRunInfo, type RunInfo } from '../io/run-info.js';
import { SpkReader } from '../io/spk.js';
import { DEFAULT_REGULARISER } from '../model/constants.js';
import { groupSpikeFiles, resolveRunFile } from '../report/load.js';
import { spikeStats } from '../report/spike-stats.js';
import { lastStretch } from '../report/standard-plots.js';
import { escapeXml, formatTick, histogramSvg, rasterSvg } from '../report/svg.js';
import { SERIES_COLORS, xyPlotSvg, type XySeries } from '../report/xy-svg.js';
import { mean, rmsOf } from './summary.js';
import type { Plan, Preset, RunResult } from './types.js';

export interface Figures {
  html: string;
  plots: string[];
}

type Track = (svg: string, name: string) => string;

/** A run's spikes of the group with `role`, rank files read one after the other (each neuron's in time order). */
function spikesOf(dir: string, info: RunInfo, role: 'hidden' | 'output' | 'target'): { steps: number[]; ids: number[]; size: number } {
  const group = info.groups.find((g) => g.role === role);
  const steps: number[] = [];
  const ids: number[] = [];
  if (!group) return { steps, ids, size: 0 };
  for (const file of groupSpikeFiles(dir, group)) {
    if (!fs.existsSync(file)) continue;
    for (const chunk of new SpkReader(file, { chunkRecords: 1 << 16 })) {
      for (let i = 0; i < chunk.length; i++) {
        steps.push(chunk.steps[i]!);
        ids.push(chunk.ids[i]!);
      }
    }
  }
  return { steps, ids, size: group.size };
}

function firstRun(results: readonly RunResult[], keep: (r: RunResult) => boolean = () => true): RunResult | undefined {
  return [...results].filter(keep).sort((a, b) => a.spec.seed - b.spec.seed)[0];
}

/** Fig. 2: x time within the presentation, y the presentation; target times as red marks. */
function fig2(results: readonly RunResult[], track: Track): string {
  const run = firstRun(results);
  if (!run) return '';
  const info = readRunInfo(run.dir);
  const period = info.periodSteps;
  if (!(period > 0)) return '';
  const out = spikesOf(run.dir, info, 'output');
  const target = spikesOf(run.dir, info, 'target');
  const end = info.clock > 0 ? info.clock : info.endStep;
  const presentations = Math.ceil(end / period);
  // One row per presentation (row 0 = the first, at the bottom); the target's phases in its own colour on top.
  const targetPhases = [...new Set(target.steps.filter((s) => s < period).map((s) => s % period))];
  const svg = rasterSvg({ steps: out.steps.map((s) => s % period), ids: out.steps.map((s) => Math.floor(s / period)) }, {
    plot: 'fig2-raster', title: `Fig. 2: output spikes of seed ${run.spec.seed} over ${presentations} presentations (target times in red)`,
    fromStep: 0, toStep: period, stepsPerSecond: info.stepsPerSecond, neurons: presentations, width: 560, height: 420, yLabel: 'presentation', xLabel: 'time within the presentation (s)',
    marks: targetPhases, markColor: '#d1495b',
  });
  return `<h3>Fig. 2 — learning precisely timed spikes</h3>\n<p>Each row is one presentation of the ${formatTick((period / info.stepsPerSecond) * 1000)} ms input pattern (burn-in first, then training); the red lines are the target spike times. In the paper's Fig. 2 the output's spikes come to line up with these within a few hundred presentations.</p>\n${track(svg, 'fig2-raster')}`;
}

/** Fixed feedback weights of a run's final state: how many are negative, of how many. */
function feedbackSigns(run: RunResult): { negative: number; total: number } | null {
  const info = readRunInfo(run.dir);
  if (!info.stateFile) return null;
  const file = resolveRunFile(run.dir, info.stateFile);
  if (!fs.existsSync(file)) return null;
  const b = readNetworkStateFile(file).connections.flatMap((c) => (c.feedbackB ? Array.from(c.feedbackB) : []));
  return b.length === 0 ? null : { negative: b.filter((x) => x < 0).length, total: b.length };
}

/** Fig. 4c: accuracy against the number of negative feedback weights, per hidden width. */
function fig4c(results: readonly RunResult[], track: Track): string {
  const random = results.filter((r) => (r.spec.config as ConfigInput).feedback === 'random');
  const byWidth = new Map<number, Array<{ x: number; y: number }>>();
  let total = 0;
  for (const r of random) {
    const signs = feedbackSigns(r);
    if (signs === null || r.accuracy === null) continue;
    const width = (r.spec.config as ConfigInput).hidden?.[0] ?? 0;
    byWidth.set(width, [...(byWidth.get(width) ?? []), { x: signs.negative, y: r.accuracy }]);
    total = Math.max(total, signs.total);
  }
  if (byWidth.size === 0) return '';
  const series: XySeries[] = [...byWidth].sort((a, b) => a[0] - b[0]).flatMap(([width, pts], i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
    const means = xs.map((x) => ({ x, y: mean(pts.filter((p) => p.x === x).map((p) => p.y)) }));
    return [
      { label: `${width} hidden: runs`, color, points: pts, line: false },
      { label: `${width} hidden: mean`, color, points: means, dots: false, width: 1.2 },
    ];
  });
  const svg = xyPlotSvg(series, {
    plot: 'fig4c-accuracy-vs-negative-feedback', title: 'Fig. 4c: accuracy of each random-feedback run against its negative feedback weights',
    xLabel: `feedback weights that are negative (of ${total} per run)`, yLabel: 'final accuracy (fraction of target spikes matched)', yRange: [0, 1.02], width: 640,
    xRange: [-0.5, total + 0.5], integerX: true,
  });
  return `<h3>Fig. 4c — failures against the feedback signs</h3>\n<p>Each dot is one run with random feedback: its accuracy after training against the number of its fixed random feedback weights that are negative (read from its network state). The paper finds that runs fail when all of them are negative.</p>\n${track(svg, 'fig4c-accuracy-vs-negative-feedback')}`;
}

/** Fig. 5c: per condition, the accuracy per block of every seed (thin) and the mean (thick). */
function fig5c(plan: Plan, results: readonly RunResult[], track: Track): string {
  const cells: string[] = [];
  plan.conditions.forEach((c, i) => {
    const runs = results.filter((r) => r.spec.condition === c.id && r.accuracyCurve && r.accuracyCurve.length > 0);
    if (runs.length === 0) return;
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    const blocks = [...new Set(runs.flatMap((r) => r.accuracyCurve!.map((p) => p.block)))].sort((a, b) => a - b);
    const at = (b: number) => runs.flatMap((r) => r.accuracyCurve!.filter((p) => p.block === b).map((p) => p.accuracy));
    const series: XySeries[] = [
      ...runs.map((r) => ({ label: '', color: '#b8b8b8', points: r.accuracyCurve!.map((p) => ({ x: p.block, y: p.accuracy })), dots: false, width: 1 })),
      { label: `mean of ${runs.length} run${runs.length > 1 ? 's' : ''}`, color, points: blocks.map((b) => ({ x: b, y: mean(at(b)) })), width: 2.2 },
    ];
    const name = `fig5c-${c.id}`;
    cells.push(track(xyPlotSvg(series, {
      plot: name, title: `Fig. 5c: accuracy per block, ${c.label}`, xLabel: 'block (−1 = burn-in, before learning)', yLabel: 'fraction of trials correct', yRange: [0, 1.02], width: 460, height: 260,
    }), name));
  });
  if (cells.length === 0) return '';
  return `<h3>Fig. 5c — accuracy of every trial run</h3>\n<p>Grey: each seed's fraction of correctly classified trials per block (window-of-opportunity readout); coloured: their mean.</p>\n<div class="row">${cells.join('\n')}</div>`;
}

const widthOf = (r: RunResult) => (r.spec.config as ConfigInput).hidden?.[0] ?? 0;
const feedbackOf = (r: RunResult) => {
  const c = r.spec.config as ConfigInput;
  const rho = c.regulariser?.strength ?? DEFAULT_REGULARISER.strength;
  return `${c.feedback ?? 'symmetric'}${c.feedback === 'random' && rho > 0 ? ` + reg (ρ ${formatTick(rho)})` : ''}`;
};

/** One series per key: value against x, mean over seeds with min–max whiskers. */
function groupedSeries(results: readonly RunResult[], key: (r: RunResult) => string, x: (r: RunResult) => number, y: (r: RunResult) => number | null): XySeries[] {
  const keys = [...new Set(results.map(key))];
  return keys.map((k, i) => {
    const runs = results.filter((r) => key(r) === k);
    const xs = [...new Set(runs.map(x))].sort((a, b) => a - b);
    const points = xs.map((xv) => {
      const ys = runs.filter((r) => x(r) === xv).map(y).filter((v): v is number => v !== null && Number.isFinite(v));
      return ys.length === 0 ? { x: xv, y: NaN } : { x: xv, y: mean(ys), lo: Math.min(...ys), hi: Math.max(...ys) };
    });
    return { label: k, color: SERIES_COLORS[i % SERIES_COLORS.length]!, points };
  });
}

/**
 * What a condition is besides its width, for Fig. 7's lines: its label without a leading
 * "<n> hidden, " ("symmetric", "random + regulariser", "symmetric, σ′ ≡ 1"), else the feedback.
 */
function variantOf(plan: Plan): (r: RunResult) => string {
  const labels = new Map(plan.conditions.map((c) => [c.id, c.label]));
  return (r) => labels.get(r.spec.condition)?.replace(/^\s*\d+\s*hidden(\s+units)?,?\s*/, '').trim() || feedbackOf(r);
}

/** Fig. 6d (hidden rate, ISI and CV histograms of one run) and Fig. 7 (cost and rate against width). */
function fig6and7(plan: Plan, results: readonly RunResult[], track: Track): string {
  let s = '';
  const variant = variantOf(plan);
  const widths = [...new Set(results.map(widthOf))].filter((w) => w > 0);
  const preferred = widths.includes(32) ? 32 : Math.min(...widths);
  const run = firstRun(results, (r) => widthOf(r) === preferred && variant(r) === 'symmetric') ?? firstRun(results, (r) => widthOf(r) === preferred);
  if (run) {
    const info = readRunInfo(run.dir);
    const w = lastStretch(info);
    const hidden = spikesOf(run.dir, info, 'hidden');
    const st = spikeStats(hidden.steps, hidden.ids, hidden.size, w, info.stepsPerSecond);
    const span = `${formatTick(w.fromStep / info.stepsPerSecond)}–${formatTick(w.toStep / info.stepsPerSecond)} s`;
    const what = `${preferred} hidden, ${variant(run)}, seed ${run.spec.seed}`;
    const cells = [
      track(histogramSvg(st.ratesHz, { plot: 'fig6d-rates', title: `Fig. 6d: hidden rates (${what})`, xLabel: 'rate (Hz)', yLabel: 'neurons', bins: 25, width: 340 }), 'fig6d-rates'),
      track(histogramSvg(st.isiMs, { plot: 'fig6d-isi', title: `Fig. 6d: hidden ISIs (${what})`, xLabel: 'inter-spike interval (ms)', yLabel: 'intervals', bins: 40, width: 340 }), 'fig6d-isi'),
      track(histogramSvg(st.cv, { plot: 'fig6d-cv', title: `Fig. 6d: hidden ISI CV (${what})`, xLabel: 'CV of a neuron\'s ISIs', yLabel: 'neurons', bins: 20, width: 340 }), 'fig6d-cv'),
    ];
    s += `<h3>Fig. 6d — hidden-layer activity</h3>\n<p>The hidden layer of one run over its last block (${span}): rate per neuron, every inter-spike interval, and each neuron's ISI coefficient of variation (1 for Poisson firing). The paper's Fig. 6c–d (n_h = 32) reports 10–20 Hz with close to exponential ISIs.</p>\n<div class="row">${cells.join('\n')}</div>\n`;
  }
  if (widths.length > 1) {
    const withHidden = results.filter((r) => widthOf(r) > 0);
    const cost = xyPlotSvg(groupedSeries(withHidden, variant, widthOf, (r) => rmsOf(r.finalCost)), {
      plot: 'fig7-cost-vs-width', title: 'Fig. 7: final cost against the hidden width', xLabel: 'hidden neurons n_h', yLabel: 'final cost (RMS, as the paper; MSE in results.csv)', logX: true, logY: true, width: 560,
    });
    const rate = xyPlotSvg(groupedSeries(withHidden, variant, widthOf, (r) => r.hiddenRateHz), {
      plot: 'fig7-rate-vs-width', title: 'Fig. 7e: hidden rate against the hidden width', xLabel: 'hidden neurons n_h', yLabel: 'mean hidden rate, last block (Hz)', logX: true, width: 560,
    });
    s += `<h3>Fig. 7 — cost and activity against the hidden width</h3>\n<p>Mean over seeds, whiskers min–max, one line per condition (feedback, regulariser, σ′, fixed hidden layer).</p>\n<div class="row">${track(cost, 'fig7-cost-vs-width')}\n${track(rate, 'fig7-rate-vs-width')}</div>\n`;
  }
  return s;
}

/** Fig. 8: cost and hidden rate against ρ, one line per exponent a (ρ = 0 runs join every line). */
function fig8(results: readonly RunResult[], track: Track): string {
  const setting = (r: RunResult) => {
    const reg = (r.spec.config as ConfigInput).regulariser ?? {};
    return { rho: reg.strength ?? DEFAULT_REGULARISER.strength, a: reg.exponent ?? DEFAULT_REGULARISER.exponent };
  };
  const exponents = [...new Set(results.filter((r) => setting(r).rho > 0).map((r) => setting(r).a))].sort((x, y) => x - y);
  if (exponents.length === 0) return '';
  const tagged = exponents.flatMap((a) => results.filter((r) => setting(r).rho === 0 || setting(r).a === a).map((r) => ({ r, a })));
  const series = (y: (r: RunResult) => number | null) => exponents.map((a, i) => {
    const runs = tagged.filter((t) => t.a === a).map((t) => t.r);
    const g = groupedSeries(runs, () => `a = ${a}`, (r) => setting(r).rho, y)[0]!;
    return { ...g, color: SERIES_COLORS[i % SERIES_COLORS.length]! };
  });
  const cost = xyPlotSvg(series((r) => rmsOf(r.finalCost)), {
    plot: 'fig8-cost-vs-rho', title: 'Fig. 8: final cost against the regulariser strength ρ', xLabel: 'ρ (0 = no regulariser)', yLabel: 'final cost (RMS, as the paper; MSE in results.csv)', logX: true, logY: true,
  });
  const rate = xyPlotSvg(series((r) => r.hiddenRateHz), {
    plot: 'fig8-rate-vs-rho', title: 'Fig. 8: hidden rate against the regulariser strength ρ', xLabel: 'ρ (0 = no regulariser)', yLabel: 'mean hidden rate, last block (Hz)', logX: true,
  });
  return `<h3>Fig. 8 — the regulariser's strength and exponent</h3>\n<p>Mean over seeds, whiskers min–max; one line per exponent a, each starting from the runs without a regulariser (ρ = 0).</p>\n<div class="row">${track(cost, 'fig8-cost-vs-rho')}\n${track(rate, 'fig8-rate-vs-rho')}</div>`;
}

/** The figure section of `preset`'s report.html ('' when it has no figure panels or no data for them). */
export function figureSection(preset: Preset, plan: Plan, results: readonly RunResult[]): Figures {
  const plots: string[] = [];
  const track: Track = (svg, name) => {
    plots.push(name);
    return svg;
  };
  const builders: Record<string, () => string> = {
    'single-neuron': () => fig2(results, track),
    'hidden-layer': () => fig4c(results, track),
    xor: () => fig5c(plan, results, track),
    pattern: () => fig6and7(plan, results, track),
    regulariser: () => fig8(results, track),
  };
  const body = builders[preset.name]?.() ?? '';
  return { html: body === '' ? '' : `<h2>The paper's figure (${escapeXml(preset.figure)})</h2>\n${body}\n`, plots };
}
