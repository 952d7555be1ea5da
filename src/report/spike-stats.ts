/**
 * The field's standard spike statistics of one group in one window — firing rate per neuron,
 * inter-spike intervals, coefficient of variation of the ISIs per neuron — and the population
 * rate of a group over the whole run in equal bins. Pure over spike arrays, except the
 * population rate, which streams the rank files (counting needs no merge, as rates.ts).
 */
import * as fs from 'node:fs';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { SpkReader } from '../io/spk.js';
import { groupSpikeFiles, type StepWindow } from './load.js';

export interface SpikeStats {
  /** Hz per neuron over the window. */
  ratesHz: Float64Array;
  /** Every inter-spike interval of every neuron, in ms. */
  isiMs: number[];
  /** CV (sd / mean of the ISIs) of each neuron with at least 3 spikes. */
  cv: number[];
}

/** Rates, ISIs and CVs of `neurons` neurons from spikes ordered by step (any id order). */
export function spikeStats(steps: ArrayLike<number>, ids: ArrayLike<number>, neurons: number, window: StepWindow, stepsPerSecond: number): SpikeStats {
  const seconds = Math.max(1, window.toStep - window.fromStep) / stepsPerSecond;
  const counts = new Float64Array(neurons);
  const lastStep = new Float64Array(neurons).fill(-1);
  const perNeuron: number[][] = Array.from({ length: neurons }, () => []);
  const isiMs: number[] = [];
  for (let i = 0; i < Math.min(steps.length, ids.length); i++) {
    const id = ids[i]!;
    const step = steps[i]!;
    if (id >= neurons || step < window.fromStep || step >= window.toStep) continue;
    counts[id]!++;
    if (lastStep[id]! >= 0) {
      const isi = ((step - lastStep[id]!) / stepsPerSecond) * 1000;
      isiMs.push(isi);
      perNeuron[id]!.push(isi);
    }
    lastStep[id] = step;
  }
  const cv: number[] = [];
  for (const isis of perNeuron) {
    if (isis.length < 2) continue;
    const mean = isis.reduce((a, b) => a + b, 0) / isis.length;
    const sd = Math.sqrt(isis.reduce((a, b) => a + (b - mean) ** 2, 0) / isis.length);
    if (mean > 0) cv.push(sd / mean);
  }
  return { ratesHz: counts.map((c) => c / seconds), isiMs, cv };
}

/** Mean rate per neuron of `group` in `bins` equal bins over [0, toStep): { t (s, bin centre), rateHz }. */
export function populationRate(dir: string, info: RunInfo, group: RunInfoGroup, toStep: number, bins: number): Array<{ x: number; y: number }> {
  const binSteps = Math.max(1, Math.ceil(toStep / Math.max(1, bins)));
  const n = Math.max(1, Math.ceil(toStep / binSteps));
  const counts = new Float64Array(n);
  for (const file of groupSpikeFiles(dir, group)) {
    if (!fs.existsSync(file)) continue;
    for (const chunk of new SpkReader(file, { chunkRecords: 1 << 16 })) {
      for (let i = 0; i < chunk.length; i++) {
        const step = chunk.steps[i]!;
        if (step < toStep) counts[Math.floor(step / binSteps)]!++;
      }
    }
  }
  const sps = info.stepsPerSecond;
  return Array.from(counts, (c, b) => {
    const from = b * binSteps;
    const width = Math.min(toStep, from + binSteps) - from;
    return { x: (from + width / 2) / sps, y: group.size > 0 ? c / (group.size * (width / sps)) : NaN };
  });
}
