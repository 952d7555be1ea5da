/**
 * What one finished run measured, read back from its output folder: the learning curve (stats
 * file), spike-timing accuracy against the target presentation by presentation, hidden firing
 * rates and ISI regularity in the last training block, the signs of the fixed random
 * feedback weights, and the trial readout of trial-based tasks (readout.ts). The arithmetic is in pure functions (`matchSpikes`, `presentationScores`,
 * `isiCv`); `analyseRun` only gathers the arrays.
 */
import { loadNetworkState } from '../engine/state-validate.js';
import { loadRunInfo, loadSpikes, loadStats, resolveRunFile } from '../report/load.js';
import { UserError } from '../errors.js';
import { trialReadout } from './readout.js';
import type { RunResult, RunSpec } from './types.js';

/** A target spike counts as hit by an output spike within this many steps (5 ms at dt = 0.1 ms). */
export const HIT_TOLERANCE_STEPS = 50;
/** Presentations of training averaged for `accuracy`. */
export const ACCURACY_PRESENTATIONS = 20;
/** A task is learned at the first presentation that starts this many perfect ones in a row. */
export const LEARNED_RUN_LENGTH = 10;

/**
 * Greedy one-to-one matching of sorted target and output spike steps: each target spike takes
 * the earliest unmatched output spike within ±tolerance. Returns the number of matches.
 */
export function matchSpikes(target: readonly number[], output: readonly number[], tolerance: number): number {
  let matched = 0;
  let o = 0;
  for (const t of target) {
    while (o < output.length && output[o]! < t - tolerance) o++;
    if (o < output.length && output[o]! <= t + tolerance) {
      matched++;
      o++;
    }
  }
  return matched;
}

export interface PresentationScore {
  /** matched / max(target spikes, output spikes); 1 when both are empty. */
  score: number;
  /** Every target spike hit and no extra output spike. */
  perfect: boolean;
}

/** Scores presentations [first, end) of period `periodSteps` from sorted spike steps. */
export function presentationScores(
  targetSteps: ArrayLike<number>,
  outputSteps: ArrayLike<number>,
  periodSteps: number,
  first: number,
  end: number,
  tolerance = HIT_TOLERANCE_STEPS,
): PresentationScore[] {
  const bucket = (steps: ArrayLike<number>) => {
    const b: number[][] = Array.from({ length: Math.max(0, end - first) }, () => []);
    for (let i = 0; i < steps.length; i++) {
      const p = Math.floor(steps[i]! / periodSteps) - first;
      if (p >= 0 && p < b.length) b[p]!.push(steps[i]!);
    }
    return b;
  };
  const targets = bucket(targetSteps);
  const outputs = bucket(outputSteps);
  return targets.map((t, p) => {
    const o = outputs[p]!;
    const m = matchSpikes(t, o, tolerance);
    const denominator = Math.max(t.length, o.length);
    return { score: denominator === 0 ? 1 : m / denominator, perfect: m === t.length && o.length === t.length };
  });
}

/** First index that starts `runLength` perfect presentations in a row, or null. */
export function learnedAt(scores: readonly PresentationScore[], runLength = LEARNED_RUN_LENGTH): number | null {
  let streak = 0;
  for (let p = 0; p < scores.length; p++) {
    streak = scores[p]!.perfect ? streak + 1 : 0;
    if (streak === runLength) return p - runLength + 1;
  }
  return null;
}

/**
 * Sequence tasks (the seqgen benchmark): per presentation, target spikes at least `afterSteps`
 * into the period count as recalled when the same output neuron fires within ±tolerance (one
 * output spike per target spike); the score is recalled / max(late target spikes, late output
 * spikes), so silence and spraying both score low.
 */
export interface Raster {
  steps: ArrayLike<number>;
  ids: ArrayLike<number>;
}

/** Late spikes of presentations [first, end) of `periodSteps`: per presentation, per neuron id, sorted steps. */
function lateByPresentation(r: Raster, periodSteps: number, first: number, end: number, afterSteps: number): Array<Map<number, number[]>> {
  const out = Array.from({ length: Math.max(0, end - first) }, () => new Map<number, number[]>());
  for (let i = 0; i < r.steps.length; i++) {
    const step = r.steps[i]!;
    const p = Math.floor(step / periodSteps) - first;
    if (p < 0 || p >= out.length || step - (p + first) * periodSteps < afterSteps) continue;
    const byId = out[p]!;
    const list = byId.get(r.ids[i]!) ?? [];
    list.push(step);
    byId.set(r.ids[i]!, list);
  }
  return out;
}

/** Mean late-recall score over presentations [first, end) (null when there are none). */
export function lateRecall(
  target: Raster, output: Raster, periodSteps: number, first: number, end: number, afterSteps: number,
  tolerance = HIT_TOLERANCE_STEPS,
): number | null {
  const t = lateByPresentation(target, periodSteps, first, end, afterSteps);
  const o = lateByPresentation(output, periodSteps, first, end, afterSteps);
  if (t.length === 0) return null;
  let sum = 0;
  t.forEach((targetIds, p) => {
    let matched = 0;
    let nTarget = 0;
    let nOutput = 0;
    for (const list of o[p]!.values()) nOutput += list.length;
    for (const [id, steps] of targetIds) {
      nTarget += steps.length;
      matched += matchSpikes(steps, o[p]!.get(id) ?? [], tolerance);
    }
    const denominator = Math.max(nTarget, nOutput);
    sum += denominator === 0 ? 1 : matched / denominator;
  });
  return sum / t.length;
}

/** Mean over neurons (with at least 3 intervals) of std/mean of their inter-spike intervals. */
export function isiCv(steps: ArrayLike<number>, ids: ArrayLike<number>): number | null {
  const byNeuron = new Map<number, number[]>();
  for (let i = 0; i < steps.length; i++) {
    const list = byNeuron.get(ids[i]!) ?? [];
    list.push(steps[i]!);
    byNeuron.set(ids[i]!, list);
  }
  const cvs: number[] = [];
  for (const s of byNeuron.values()) {
    if (s.length < 4) continue;
    const isi = s.slice(1).map((x, i) => x - s[i]!);
    const m = isi.reduce((a, b) => a + b, 0) / isi.length;
    const v = isi.reduce((a, b) => a + (b - m) ** 2, 0) / (isi.length - 1);
    cvs.push(Math.sqrt(v) / m);
  }
  return cvs.length === 0 ? null : cvs.reduce((a, b) => a + b, 0) / cvs.length;
}

export async function analyseRun(spec: RunSpec, dir: string, wallSeconds: number): Promise<RunResult> {
  const info = loadRunInfo(dir);
  const stats = loadStats(dir, info);
  if (stats === null || stats.length === 0) throw new UserError(`${dir}: the run wrote no stats lines`);
  const curve = stats.map((s) => ({ block: s.block, mse: s.mse }));
  const trainEnd = info.burnInSteps + info.blocks * info.blockSteps;
  const lastBlock = { fromStep: Math.max(info.burnInSteps, trainEnd - info.blockSteps), toStep: trainEnd };

  let accuracy: number | null = null;
  let learned: number | null = null;
  if (spec.analysis.timing && info.periodSteps > 0 && info.blocks > 0) {
    const output = info.groups.find((g) => g.role === 'output');
    const target = info.groups.find((g) => g.role === 'target');
    if (!output || !target) throw new UserError(`${dir}/run.json lacks an output or target group`);
    const window = { fromStep: info.burnInSteps, toStep: trainEnd };
    const [o, t] = await Promise.all([loadSpikes(dir, output, window), loadSpikes(dir, target, window)]);
    const first = Math.ceil(info.burnInSteps / info.periodSteps);
    const end = Math.floor(trainEnd / info.periodSteps);
    const scores = presentationScores(t.steps, o.steps, info.periodSteps, first, end);
    const tail = scores.slice(-ACCURACY_PRESENTATIONS);
    accuracy = tail.length ? tail.reduce((a, s) => a + s.score, 0) / tail.length : null;
    learned = learnedAt(scores);
  }

  let accuracyCurve: RunResult['accuracyCurve'];
  if (spec.analysis.trials) {
    const readout = await trialReadout(dir, info);
    accuracy = readout.finalAccuracy;
    accuracyCurve = readout.curve.map(({ block, accuracy: a }) => ({ block, accuracy: a }));
  }

  let recall: number | null | undefined;
  if (spec.analysis.recallAfterSeconds !== undefined && info.periodSteps > 0 && info.blocks > 0) {
    const output = info.groups.find((g) => g.role === 'output');
    const target = info.groups.find((g) => g.role === 'target');
    if (!output || !target) throw new UserError(`${dir}/run.json lacks an output or target group`);
    const [o, t] = await Promise.all([loadSpikes(dir, output, lastBlock), loadSpikes(dir, target, lastBlock)]);
    const first = Math.ceil(lastBlock.fromStep / info.periodSteps);
    const end = Math.floor(lastBlock.toStep / info.periodSteps);
    recall = lateRecall(t, o, info.periodSteps, first, end, Math.round(spec.analysis.recallAfterSeconds * info.stepsPerSecond));
  }

  let hiddenRateHz: number | null = null;
  let hiddenIsiCv: number | null = null;
  const hidden = info.groups.filter((g) => g.role === 'hidden');
  if (hidden.length > 0 && info.blocks > 0) {
    let spikes = 0;
    let neurons = 0;
    const cvs: number[] = [];
    for (const g of hidden) {
      const s = await loadSpikes(dir, g, lastBlock);
      spikes += s.steps.length;
      neurons += g.size;
      const cv = isiCv(s.steps, s.ids);
      if (cv !== null) cvs.push(cv);
    }
    const seconds = (lastBlock.toStep - lastBlock.fromStep) / info.stepsPerSecond;
    hiddenRateHz = spikes / (neurons * seconds);
    hiddenIsiCv = cvs.length ? cvs.reduce((a, b) => a + b, 0) / cvs.length : null;
  }

  let feedbackAllNegative: boolean | null = null;
  if (spec.analysis.feedbackSigns && info.stateFile) {
    const state = loadNetworkState(resolveRunFile(dir, info.stateFile));
    const b = state.connections.flatMap((c) => (c.feedbackB ? Array.from(c.feedbackB) : []));
    feedbackAllNegative = b.length > 0 ? b.every((x) => x < 0) : null;
  }

  return {
    spec,
    dir,
    curve,
    initialCost: curve[0]!.mse,
    finalCost: curve[curve.length - 1]!.mse,
    accuracy,
    learnedAtPresentation: learned,
    hiddenRateHz,
    hiddenIsiCv,
    feedbackAllNegative,
    wallSeconds,
    ...(accuracyCurve ? { accuracyCurve } : {}),
    ...(recall !== undefined ? { lateRecall: recall } : {}),
  };
}
