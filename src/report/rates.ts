/**
 * Mean firing rate per neuron of every group, per training block and in the final replay, counted
 * from the spike files (the report's "rate per layer per block"). Counting needs no (time, id)
 * order, so each rank file is read straight through rather than merged.
 */
import * as fs from 'node:fs';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { SpkReader } from '../io/spk.js';
import { groupSpikeFiles } from './load.js';

export interface GroupRates {
  group: RunInfoGroup;
  /** Hz per neuron: index b < blocks is training block b, index blocks the final replay. */
  rateHz: number[];
}

/** The step spans counted: block b = [burnIn + b·block, +block), then [trainingEnd, clock). */
export function rateBins(info: RunInfo): Array<{ fromStep: number; toStep: number }> {
  const end = info.clock > 0 ? info.clock : info.endStep;
  const trainingEnd = info.burnInSteps + info.blocks * info.blockSteps;
  const bins = Array.from({ length: info.blocks }, (_, b) => ({
    fromStep: info.burnInSteps + b * info.blockSteps,
    toStep: Math.min(end, info.burnInSteps + (b + 1) * info.blockSteps),
  }));
  bins.push({ fromStep: trainingEnd, toStep: end });
  return bins;
}

export function groupRates(dir: string, info: RunInfo, group: RunInfoGroup): GroupRates {
  const bins = rateBins(info);
  const counts = new Float64Array(bins.length);
  const trainingEnd = info.burnInSteps + info.blocks * info.blockSteps;
  for (const file of groupSpikeFiles(dir, group)) {
    if (!fs.existsSync(file)) continue;
    const reader = new SpkReader(file, { chunkRecords: 1 << 16 });
    reader.seekStep(info.burnInSteps);
    for (const chunk of reader) {
      for (let i = 0; i < chunk.length; i++) {
        const step = chunk.steps[i]!;
        const b = step >= trainingEnd ? info.blocks : Math.floor((step - info.burnInSteps) / info.blockSteps);
        if (b >= 0 && step < bins[b]!.toStep) counts[b]!++;
      }
    }
  }
  const sps = info.stepsPerSecond;
  return {
    group,
    rateHz: bins.map((bin, b) => {
      const seconds = (bin.toStep - bin.fromStep) / sps;
      return seconds > 0 && group.size > 0 ? counts[b]! / (group.size * seconds) : NaN;
    }),
  };
}
