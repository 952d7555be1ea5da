/**
 * A config's trial-based task (docs/model.md §4.1) turned into replay tables: the stimuli (the
 * built-in XOR or the user's rasters), the trial sequence over the training time, and the same
 * trial list again for the readout, regenerated from the config alone.
 *
 * The sequence covers burn-in + blocks × blockSeconds and is the replay period P of both tables:
 * it never repeats while the network learns, and the protocol's frozen replay (§8), which runs
 * one period after training, presents the whole sequence once more to the trained, frozen
 * network — the test on which the final accuracy is measured.
 */
import { readSpikeSource } from './spike-source.js';
import { DT_SECONDS, secondsToSteps } from '../model/constants.js';
import type { EventTable } from '../model/replay.js';
import { trialList, trialSequence, windowMarkers, type Stimulus, type Trial, type TrialListOptions } from '../tasks/trials.js';
import { XOR_INPUTS, XOR_OUTPUTS, xorStimuli } from '../tasks/xor.js';
import { ConfigError } from './load.js';
import type { ExperimentConfig, TrialsConfig } from './schema.js';
import type { ResolvedTask } from './task.js';

/** Steps of the trial sequence: burn-in plus every training block (the replay period). */
export function trialSequenceSteps(config: ExperimentConfig): number {
  return secondsToSteps(config.blockSeconds) * (config.blocks + 1);
}

/** The labels of the config's stimuli, without reading any raster (XOR's from its generator). */
function trialLabels(trials: TrialsConfig): number[] {
  return trials.stimuli === 'xor' ? xorStimuli(trials.taskSeed).map((s) => s.label) : trials.stimuli.map((s) => s.label);
}

/**
 * The timing of the config's sequence: what both the engine's sequence and the readout's trial
 * list are drawn from, so the readout finds the trials where the run put them.
 */
function sequenceTiming(config: ExperimentConfig, trials: TrialsConfig): Omit<TrialListOptions, 'labels'> {
  return {
    windowSeconds: trials.windowSeconds,
    gapSeconds: trials.gapSeconds,
    durationSeconds: trialSequenceSteps(config) * DT_SECONDS,
    seed: trials.taskSeed,
  };
}

/** The trials of a run's sequence (one period), as the run generated them: a pure function of the config. */
export function trialListFor(config: ExperimentConfig): Trial[] {
  const trials = config.trials;
  if (trials === undefined) throw new ConfigError('the config has no "trials" task');
  return trialList({ labels: trialLabels(trials), ...sequenceTiming(config, trials) });
}

export async function resolveTrials(config: ExperimentConfig, warn: (m: string) => void): Promise<ResolvedTask> {
  const trials = config.trials!;
  const { stimuli, nInput, nOutput, what } = trials.stimuli === 'xor'
    ? { stimuli: xorStimuli(trials.taskSeed), nInput: XOR_INPUTS, nOutput: XOR_OUTPUTS, what: 'the built-in XOR' }
    : await userStimuli(trials, config, warn);
  if (config.nInput !== undefined && config.nInput !== nInput) throw new ConfigError(`nInput is ${config.nInput} but ${what} has ${nInput} inputs`);
  if (config.nOutput !== undefined && config.nOutput !== nOutput) throw new ConfigError(`nOutput is ${config.nOutput} but ${what} has ${nOutput} outputs`);
  const periodSteps = trialSequenceSteps(config);
  let sequence;
  try {
    sequence = trialSequence({
      stimuli, nInput, backgroundRateHz: trials.backgroundRateHz, backgroundInGapsOnly: trials.background === 'gaps', ...sequenceTiming(config, trials),
    });
    // The classification error reads the target group as window markers, not as spikes to match.
    if (trials.outputError === 'classification') sequence.target = windowMarkers(sequence.trials, trials.windowSeconds);
  } catch (err) {
    if (err instanceof RangeError) throw new ConfigError(`trials: ${err.message}`);
    throw err;
  }
  if (sequence.trials.length === 0) {
    throw new ConfigError(`trials: no trial fits into the ${periodSteps * DT_SECONDS} s of burn-in and training (window ${trials.windowSeconds} s, gaps ${trials.gapSeconds.join('–')} s)`);
  }
  const table = (e: { steps: Int32Array; ids: Uint32Array }): EventTable => ({ steps: e.steps, ids: e.ids, periodSteps });
  return {
    input: table(sequence.input),
    target: table(sequence.target),
    nInput,
    nOutput,
    gridSteps: periodSteps,
    description: `${what} as trials (${stimuli.length} stimuli, ${sequence.trials.length} trials in ${periodSteps * DT_SECONDS} s, ` +
      `window ${trials.windowSeconds * 1000} ms, gaps ${trials.gapSeconds.map((g) => g * 1000).join('–')} ms, ` +
      `background ${trials.backgroundRateHz} Hz ${trials.background === 'gaps' ? 'in the gaps only' : 'throughout'}, ${trials.outputError} error)`,
  };
}

/** The user's stimuli from their rasters; sizes from config.nInput/nOutput or the largest ids and labels. */
async function userStimuli(trials: TrialsConfig, config: ExperimentConfig, warn: (m: string) => void): Promise<{ stimuli: Stimulus[]; nInput: number; nOutput: number; what: string }> {
  const list = trials.stimuli as Exclude<TrialsConfig['stimuli'], 'xor'>;
  const stimuli: Stimulus[] = [];
  let maxInput = -1;
  let maxOutput = -1;
  for (const [k, s] of list.entries()) {
    const input = await readSpikeSource(s.input, `trials.stimuli.${k}.input`, { size: config.nInput, strict: config.strict, onWarning: warn });
    const target = await readSpikeSource(s.target, `trials.stimuli.${k}.target`, { size: config.nOutput, strict: config.strict, onWarning: warn });
    maxInput = Math.max(maxInput, input.maxId);
    maxOutput = Math.max(maxOutput, target.maxId, s.label);
    stimuli.push({ inputTimes: input.times, inputIds: input.ids, targetTimes: target.times, targetIds: target.ids, label: s.label });
  }
  const nInput = config.nInput ?? maxInput + 1;
  const nOutput = config.nOutput ?? maxOutput + 1;
  if (nInput <= 0) throw new ConfigError('trials.stimuli: the input rasters hold no events: cannot infer the input size (give nInput)');
  const bad = list.findIndex((s) => s.label >= nOutput);
  if (bad >= 0) throw new ConfigError(`trials.stimuli.${bad}.label: ${list[bad]!.label} is not an output neuron (nOutput ${nOutput})`);
  return { stimuli, nInput, nOutput, what: `the ${list.length} stimuli of trials.stimuli` };
}
