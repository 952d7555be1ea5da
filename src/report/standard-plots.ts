/**
 * The report's sections of the field's standard plots, from the spike files and states every run
 * writes: rate and ISI histograms per layer over the last block (`rate-hist-<layer>`,
 * `isi-hist-<layer>`), the population rate of every layer over the run (`population-rate`), and
 * the weight distribution of each connection at the start and at the end on one value range
 * (`weights-<c>-initial`, drawn from the config's seed and w0 as the engine draws them, and
 * `weights-<c>` from the final state). `track` registers each plot's name (report.ts).
 */
import { initialWeights } from '../engine/initialise.js';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { groupLabel, loadSpikes, loadWeights, type StepWindow } from './load.js';
import { populationRate, spikeStats } from './spike-stats.js';
import { escapeXml, formatTick, histogramSvg } from './svg.js';
import { linesSvg, type Series } from './svg-plots.js';

type Track = (svg: string, name: string) => string;

export const LAYER_COLORS = ['#4a7fb5', '#e08a3c', '#6aa84f', '#a64d79', '#8e7cc3', '#c27c0e', '#3d85c6'];
const POPULATION_BINS = 200;

/** The stretch the histograms count: the run's last block length before its clock. */
export function lastStretch(info: RunInfo): StepWindow {
  const end = info.clock > 0 ? info.clock : info.endStep;
  return { fromStep: Math.max(0, end - info.blockSteps), toStep: end };
}

/** Groups that spike in the network, in layer order (the target is the task, not the network). */
function layers(info: RunInfo, key: (g: RunInfoGroup) => string): Array<{ g: RunInfoGroup; key: string; label: string }> {
  const rank = { input: 0, hidden: 1, output: 2, target: 3 } as const;
  return info.groups
    .filter((g) => g.role !== 'target')
    .map((g, i) => ({ g, i }))
    .sort((a, b) => rank[a.g.role] - rank[b.g.role] || a.i - b.i)
    .map(({ g }) => ({ g, key: key(g), label: groupLabel(info, g) }));
}

export async function spikeStatsSection(dir: string, info: RunInfo, key: (g: RunInfoGroup) => string, track: Track): Promise<string> {
  const w = lastStretch(info);
  const sps = info.stepsPerSecond;
  const span = `${formatTick(w.fromStep / sps)}–${formatTick(w.toStep / sps)} s`;
  let s = '<h2>Spike statistics of the last block</h2>\n';
  s += `<p class="sub">Counted from the spike files over ${span} (the run's last ${formatTick((w.toStep - w.fromStep) / sps)} s). ` +
    'Rate: spikes per neuron per second; ISI: intervals between successive spikes of one neuron; CV: sd / mean of a neuron\'s ISIs (1 for a Poisson process).</p>\n';
  for (const { g, key: k, label } of layers(info, key)) {
    const sp = await loadSpikes(dir, g, w);
    const st = spikeStats(sp.steps, sp.ids, g.size, w, sps);
    const cvMedian = st.cv.length > 0 ? [...st.cv].sort((a, b) => a - b)[st.cv.length >> 1]! : NaN;
    const cells = [
      track(histogramSvg(st.ratesHz, {
        plot: `rate-hist-${k}`, title: `Firing rates of ${label} (${g.spkName}), ${span}`, xLabel: 'rate (Hz)', yLabel: 'neurons', bins: 30, width: 360,
      }), `rate-hist-${k}`),
      track(histogramSvg(st.isiMs, {
        plot: `isi-hist-${k}`,
        title: `ISIs of ${label} (${g.spkName}), ${span}${Number.isFinite(cvMedian) ? `, median CV ${formatTick(Number(cvMedian.toPrecision(3)))}` : ''}`,
        xLabel: 'inter-spike interval (ms)', yLabel: 'intervals', bins: 40, width: 420,
      }), `isi-hist-${k}`),
    ];
    s += `<h3>${escapeXml(label)} — ${g.size} neurons</h3>\n<div class="row">${cells.join('\n')}</div>\n`;
  }
  return s;
}

export function populationRateSection(dir: string, info: RunInfo, key: (g: RunInfoGroup) => string, track: Track): string {
  const end = info.clock > 0 ? info.clock : info.endStep;
  const series: Series[] = layers(info, key).map(({ g, label }, i) => ({
    label, color: LAYER_COLORS[i % LAYER_COLORS.length]!, points: populationRate(dir, info, g, end, POPULATION_BINS),
  }));
  const binMs = (Math.ceil(end / POPULATION_BINS) / info.stepsPerSecond) * 1000;
  return (
    '<h2>Population rate over the run</h2>\n' +
    track(linesSvg(series, {
      plot: 'population-rate', title: `Mean rate per neuron of each layer over time, ${formatTick(binMs)} ms bins (spike files)`,
      xLabel: 'time (s)', yLabel: 'rate (Hz)', width: 760, height: 300, anyX: true,
    }), 'population-rate') +
    `\n<p class="sub">Burn-in ${formatTick(info.burnInSteps / info.stepsPerSecond)} s, then ${info.blocks} blocks of ${formatTick(info.blockSteps / info.stepsPerSecond)} s and the final replay.</p>`
  );
}

/** Initial weights from the config's seed and w0, or null when the config does not say them. */
function initialOf(info: RunInfo, c: number, nPre: number, nPost: number, recurrent: boolean): Float32Array | null {
  const { seed, w0 } = info.config as { seed?: unknown; w0?: unknown };
  const meta = info.connections?.[c];
  const rule = { weightScale: meta?.weightScale ?? 1, fanIn: meta?.fanIn ?? nPre };
  return typeof seed === 'number' && typeof w0 === 'number' ? initialWeights(seed, w0, c, nPre, nPost, rule, recurrent) : null;
}

export function weightsSection(dir: string, info: RunInfo, track: Track): string {
  const weights = loadWeights(dir, info);
  let s = '<h2>Weight distributions: initial and final</h2>\n';
  if (weights === null || weights.length === 0) return `${s}<p class="note">No network state saved with this run.</p>`;
  const size = (name: string) => info.groups.find((g) => g.spkName === name)?.size ?? 0;
  const { seed, w0 } = info.config as { seed?: unknown; w0?: unknown };
  s += `<p class="sub">Left: as drawn at the start (seed ${escapeXml(String(seed))}, w0 ${escapeXml(String(w0))}: normal, sd w0·weightScale/√(fan-in), as the engine draws them); right: the final network state. Both panels of a connection share their value range.</p>\n`;
  for (const c of weights) {
    const nPre = size(c.pre);
    const nPost = size(c.post);
    const initial = nPre * nPost === c.w.length ? initialOf(info, c.index, nPre, nPost, c.pre === c.post) : null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const arr of initial ? [initial, c.w] : [c.w]) for (const v of arr) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const range: [number, number] | undefined = hi > lo ? [lo, hi] : undefined;
    const name = `${c.name === undefined ? '' : `${c.name}: `}${c.pre} → ${c.post}${c.plastic ? '' : ' (fixed)'}`;
    const cells: string[] = [];
    if (initial) {
      cells.push(track(histogramSvg(initial, { plot: `weights-${c.index}-initial`, title: `${name}, initial`, xLabel: 'weight', range, width: 360 }), `weights-${c.index}-initial`));
    }
    cells.push(track(histogramSvg(c.w, { plot: `weights-${c.index}`, title: `${name}, final state`, xLabel: 'weight', range, width: 360 }), `weights-${c.index}`));
    s += `<div class="row">${cells.join('\n')}</div>\n`;
  }
  return s;
}
