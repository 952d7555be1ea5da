/**
 * The window-of-opportunity readout of trial-based tasks (docs/model.md §4.1): in each trial,
 * the output neuron with the most spikes inside the trial's window is the network's decision; the
 * trial is correct iff the labelled output has strictly more spikes there than every other output
 * (a tie — both silent included — is wrong). Accuracy per training block (the trials whose window
 * lies inside it) and over the frozen replay after training (the final accuracy). The scoring is
 * pure; `trialReadout` only gathers the spikes and regenerates the trial list from the run's config.
 */
import { UserError } from '../errors.js';
import { validateConfig } from '../config/load.js';
import { trialListFor } from '../config/trials.js';
import { secondsToSteps } from '../model/constants.js';
import type { RunInfo } from '../io/run-info.js';
import { loadSpikes } from '../report/load.js';

export interface TrialScore {
  /** Absolute onset of the trial's window in this presentation (steps). */
  onsetStep: number;
  label: number;
  /** Output spikes inside [onset, onset + window), per output neuron. */
  counts: number[];
  correct: boolean;
}

/** The labelled output has strictly more spikes than every other output. */
export function isCorrect(counts: readonly number[], label: number): boolean {
  const own = counts[label] ?? 0;
  return counts.every((c, i) => i === label || c < own);
}

/**
 * Scores `trials` (onsets relative to `offsetStep`, ascending) against output spikes sorted by
 * step (ids 0…nOutput−1).
 */
export function scoreTrials(
  trials: ReadonlyArray<{ onsetStep: number; label: number }>,
  offsetStep: number,
  windowSteps: number,
  nOutput: number,
  steps: ArrayLike<number>,
  ids: ArrayLike<number>,
): TrialScore[] {
  const scores: TrialScore[] = [];
  let s = 0;
  for (const t of trials) {
    const from = offsetStep + t.onsetStep;
    const to = from + windowSteps;
    while (s < steps.length && steps[s]! < from) s++;
    const counts = new Array<number>(nOutput).fill(0);
    for (let k = s; k < steps.length && steps[k]! < to; k++) {
      const id = ids[k]!;
      if (id < nOutput) counts[id]!++;
    }
    scores.push({ onsetStep: from, label: t.label, counts, correct: isCorrect(counts, t.label) });
  }
  return scores;
}

/** Fraction correct, or null without trials. */
export function accuracyOf(scores: readonly TrialScore[]): number | null {
  return scores.length === 0 ? null : scores.filter((s) => s.correct).length / scores.length;
}

export interface BlockAccuracy {
  /** Training block (−1: the burn-in, before any learning). */
  block: number;
  accuracy: number;
  trials: number;
}

/** Accuracy of the trials whose whole window lies inside each block (burn-in first); blocks without trials are left out. */
export function accuracyByBlock(
  scores: readonly TrialScore[],
  windowSteps: number,
  schedule: { burnInSteps: number; blockSteps: number; blocks: number },
): BlockAccuracy[] {
  const out: BlockAccuracy[] = [];
  for (let b = -1; b < schedule.blocks; b++) {
    const from = b < 0 ? 0 : schedule.burnInSteps + b * schedule.blockSteps;
    const to = b < 0 ? schedule.burnInSteps : from + schedule.blockSteps;
    const inside = scores.filter((s) => s.onsetStep >= from && s.onsetStep + windowSteps <= to);
    const accuracy = accuracyOf(inside);
    if (accuracy !== null) out.push({ block: b, accuracy, trials: inside.length });
  }
  return out;
}

export interface TrialReadout {
  /** Accuracy over the whole frozen replay of the sequence (null when the run did not reach it). */
  finalAccuracy: number | null;
  finalTrials: number;
  curve: BlockAccuracy[];
}

/** Reads a finished run's output spikes and scores every trial of training and of the frozen replay. */
export async function trialReadout(dir: string, info: RunInfo): Promise<TrialReadout> {
  const config = validateConfig(info.config, `${dir}/run.json`);
  if (config.trials === undefined) throw new UserError(`${dir}/run.json: not a trial-based run (its config has no "trials"), so there is no trial readout`);
  const trials = trialListFor(config);
  const windowSteps = secondsToSteps(config.trials!.windowSeconds);
  const output = info.groups.find((g) => g.role === 'output');
  if (!output) throw new UserError(`${dir}/run.json lacks an output group`);
  const trainEnd = info.burnInSteps + info.blocks * info.blockSteps;
  const end = info.clock > 0 ? info.clock : info.endStep;
  const spikes = await loadSpikes(dir, output, { fromStep: 0, toStep: end });
  const training = scoreTrials(trials, 0, windowSteps, output.size, spikes.steps, spikes.ids);
  // The frozen replay presents the sequence again from the end of training (docs/model.md §4.1, §8).
  const replayed = trials.filter((t) => trainEnd + t.onsetStep + windowSteps <= end);
  const frozen = scoreTrials(replayed, trainEnd, windowSteps, output.size, spikes.steps, spikes.ids);
  return {
    finalAccuracy: replayed.length === trials.length ? accuracyOf(frozen) : null,
    finalTrials: frozen.length,
    curve: accuracyByBlock(training, windowSteps, info),
  };
}
