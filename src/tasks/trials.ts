/**
 * Trial-based tasks (docs/model.md §4.1): a few stimuli — each a short input pattern, its
 * target spikes and a class label — presented in random order with random gaps between them,
 * over a Poisson background on every input neuron. Pure: from the stimuli, the sizes and a seed
 * to the whole sequence's events and the list of trials, the same on every machine.
 *
 * Time is handled in steps of dt so that what is generated is exactly what the simulator replays:
 * trial onsets, gaps and relative event times are rounded to the step grid once, here.
 */
import { DT_SECONDS, secondsToSteps } from '../model/constants.js';
import { Xoshiro128, hash32 } from '../model/rng.js';
import { poissonEvents } from './poisson.js';

/** One stimulus: events relative to its trial's onset, all inside [0, window). */
export interface Stimulus {
  inputTimes: Float64Array;
  inputIds: Uint32Array;
  targetTimes: Float64Array;
  targetIds: Uint32Array;
  /** The class: the index of the output neuron that should win the trial (readout, §4.1). */
  label: number;
}

/** One presentation in the sequence. */
export interface Trial {
  /** Start of the trial's window, in steps and seconds (= onsetStep · dt). */
  onsetStep: number;
  onsetSeconds: number;
  /** Index into the stimuli. */
  stimulus: number;
  label: number;
}

export interface TrialListOptions {
  /** Label of each stimulus (their count is the number of stimuli). */
  labels: readonly number[];
  /** Length of one trial = its window of opportunity, in seconds. */
  windowSeconds: number;
  /** Silence between the end of a trial's window and the next onset: uniform in [min, max] s. */
  gapSeconds: readonly [number, number];
  /** Trials are placed in [0, duration): the last window ends at or before it. */
  durationSeconds: number;
  seed: number;
}

export interface TrialSequenceOptions extends Omit<TrialListOptions, 'labels'> {
  stimuli: readonly Stimulus[];
  /** Input neurons (ids 0…nInput−1), each with Poisson background at `backgroundRateHz`. */
  nInput: number;
  backgroundRateHz: number;
  /** The background fires only in the gaps, never inside a trial's window (default: throughout). */
  backgroundInGapsOnly?: boolean;
}

/** Events sorted by (step, id), at most one per (step, id), times = step · dt. */
export interface TrialEvents {
  steps: Int32Array;
  ids: Uint32Array;
}

export interface TrialSequence {
  input: TrialEvents;
  target: TrialEvents;
  trials: Trial[];
}

// Domain-separation constants for hash32: "tril" (order and gaps), "bgnd" (background).
const TRIAL_STREAM = 0x7472696c;
const BACKGROUND_STREAM = 0x62676e64;

/**
 * The trials of a sequence: the first onset after one gap, each next onset one window plus one
 * gap later; stimuli uniform over the list. Depends only on the labels' count, the timing and the
 * seed — not on the stimuli's events — so a run's readout can regenerate it from the config.
 */
export function trialList(opts: TrialListOptions): Trial[] {
  const [gapMin, gapMax] = opts.gapSeconds;
  if (opts.labels.length === 0) throw new RangeError('a trial task needs at least one stimulus');
  if (!(gapMin >= 0 && gapMax >= gapMin && Number.isFinite(gapMax))) throw new RangeError(`gap range [${gapMin}, ${gapMax}] s must have 0 <= min <= max`);
  const windowSteps = secondsToSteps(opts.windowSeconds);
  if (windowSteps < 1) throw new RangeError(`window ${opts.windowSeconds} s is shorter than one step`);
  const endStep = secondsToSteps(opts.durationSeconds);
  const rng = new Xoshiro128(hash32(opts.seed, TRIAL_STREAM, 0, 0));
  const gapSteps = () => secondsToSteps(gapMin + rng.nextUnit() * (gapMax - gapMin));
  const trials: Trial[] = [];
  // A gap of 0 steps would let two windows touch; that is allowed (gapMin 0 asks for it).
  let onset = gapSteps();
  while (onset + windowSteps <= endStep) {
    const stimulus = Math.min(opts.labels.length - 1, Math.floor(rng.nextUnit() * opts.labels.length));
    trials.push({ onsetStep: onset, onsetSeconds: onset * DT_SECONDS, stimulus, label: opts.labels[stimulus]! });
    onset += windowSteps + gapSteps();
  }
  return trials;
}

/**
 * The whole sequence: every trial's input and target events shifted to its onset, plus the
 * background on every input neuron over [0, duration). A background spike on the step of a
 * stimulus spike of the same neuron merges with it (a neuron spikes at most once per step).
 */
export function trialSequence(opts: TrialSequenceOptions): TrialSequence {
  const windowSteps = secondsToSteps(opts.windowSeconds);
  const relative = opts.stimuli.map((s, k) => ({
    input: relativeSteps(s.inputTimes, s.inputIds, windowSteps, `stimulus ${k} input`),
    target: relativeSteps(s.targetTimes, s.targetIds, windowSteps, `stimulus ${k} target`),
  }));
  for (const [k, s] of opts.stimuli.entries()) {
    for (const id of s.inputIds) if (id >= opts.nInput) throw new RangeError(`stimulus ${k} input: id ${id} is not below ${opts.nInput} input neurons`);
  }
  const trials = trialList({ ...opts, labels: opts.stimuli.map((s) => s.label) });
  const inputSteps: number[] = [];
  const inputIds: number[] = [];
  const targetSteps: number[] = [];
  const targetIds: number[] = [];
  for (const t of trials) {
    const { input, target } = relative[t.stimulus]!;
    for (let i = 0; i < input.steps.length; i++) {
      inputSteps.push(t.onsetStep + input.steps[i]!);
      inputIds.push(input.ids[i]!);
    }
    for (let i = 0; i < target.steps.length; i++) {
      targetSteps.push(t.onsetStep + target.steps[i]!);
      targetIds.push(target.ids[i]!);
    }
  }
  const background = poissonEvents({
    neurons: opts.nInput,
    rateHz: opts.backgroundRateHz,
    durationSeconds: opts.durationSeconds,
    seed: hash32(opts.seed, BACKGROUND_STREAM, 0, 0),
  });
  const inWindow = opts.backgroundInGapsOnly === true ? windowLookup(trials, windowSteps) : () => false;
  for (let i = 0; i < background.times.length; i++) {
    const step = secondsToSteps(background.times[i]!);
    if (inWindow(step)) continue;
    inputSteps.push(step);
    inputIds.push(background.ids[i]!);
  }
  return { input: sortedUnique(inputSteps, inputIds), target: sortedUnique(targetSteps, targetIds), trials };
}

/** Whether a step lies inside some trial's window [onset, onset + window); trials sorted by onset. */
function windowLookup(trials: readonly Trial[], windowSteps: number): (step: number) => boolean {
  const onsets = Int32Array.from(trials, (t) => t.onsetStep);
  return (step) => {
    // The last onset at or before `step`, by bisection.
    let lo = 0;
    let hi = onsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (onsets[mid]! <= step) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && step < onsets[lo - 1]! + windowSteps;
  };
}

/**
 * The target events of the classification error (docs/model.md §7.3): per trial, two markers on
 * its labelled output — the window's first step and its last — which open and close the window
 * of opportunity. A window needs at least 2 steps so that the two never merge.
 */
export function windowMarkers(trials: readonly Trial[], windowSeconds: number): TrialEvents {
  const windowSteps = secondsToSteps(windowSeconds);
  if (windowSteps < 2) throw new RangeError(`window ${windowSeconds} s is shorter than 2 steps: the classification error cannot open and close it`);
  const steps: number[] = [];
  const ids: number[] = [];
  for (const t of trials) {
    steps.push(t.onsetStep, t.onsetStep + windowSteps - 1);
    ids.push(t.label, t.label);
  }
  return sortedUnique(steps, ids);
}

/** A stimulus's events as steps from its onset; refuses events outside [0, window). */
function relativeSteps(times: Float64Array, ids: Uint32Array, windowSteps: number, what: string): { steps: number[]; ids: number[] } {
  const steps: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const s = secondsToSteps(times[i]!);
    if (!(s >= 0 && s < windowSteps)) {
      throw new RangeError(`${what}: event at ${times[i]} s lies outside the trial window [0, ${windowSteps * DT_SECONDS} s)`);
    }
    steps.push(s);
  }
  return { steps, ids: Array.from(ids) };
}

/** Sorted by (step, id) with duplicates of one (step, id) merged. */
export function sortedUnique(steps: readonly number[], ids: readonly number[]): TrialEvents {
  const order = Array.from({ length: steps.length }, (_, i) => i).sort((a, b) => steps[a]! - steps[b]! || ids[a]! - ids[b]!);
  const outSteps = new Int32Array(order.length);
  const outIds = new Uint32Array(order.length);
  let m = 0;
  for (const i of order) {
    if (m > 0 && outSteps[m - 1] === steps[i] && outIds[m - 1] === ids[i]) continue;
    outSteps[m] = steps[i]!;
    outIds[m++] = ids[i]!;
  }
  return { steps: outSteps.slice(0, m), ids: outIds.slice(0, m) };
}
