/**
 * Turns a config's task into replay tables: the input and target rasters as sorted (step, id)
 * events with their sizes and replay periods (docs/model.md §4, §11.1) — read from .ras files or generated
 * by the built-in task (a word in a pixel font as target, frozen Poisson input), or a trial-based
 * task (config/trials.ts).
 */
import { DT_SECONDS, secondsToSteps } from '../model/constants.js';
import { replayPeriod, type EventTable } from '../model/replay.js';
import { drawText } from '../tasks/pixel-font.js';
import { darkBitmapToTargetEvents } from '../tasks/image-target.js';
import { poissonEvents } from '../tasks/poisson.js';
import { ConfigError } from './load.js';
import type { BuiltinTask, ExperimentConfig } from './schema.js';
import { readSpikeSource, spikeSourceName } from './spike-source.js';
import { resolveTrials } from './trials.js';

export type { EventTable } from '../model/replay.js';

export interface ResolvedTask {
  input: EventTable;
  target: EventTable;
  nInput: number;
  nOutput: number;
  /** Loop grid in steps, 0 without a grid. */
  gridSteps: number;
  description: string;
}

export interface TaskWarnings {
  onWarning?: (message: string) => void;
}

export async function resolveTask(config: ExperimentConfig, opts: TaskWarnings = {}): Promise<ResolvedTask> {
  const task = await resolveTaskTables(config, opts);
  if (config.feedbackCentred === true && task.nOutput < 2) {
    throw new ConfigError(`feedbackCentred needs at least 2 outputs (with one output, centring makes every feedback weight 0; the task has ${task.nOutput})`);
  }
  return task;
}

async function resolveTaskTables(config: ExperimentConfig, opts: TaskWarnings): Promise<ResolvedTask> {
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`superspike: warning: ${m}\n`));
  if (config.input !== undefined && config.target !== undefined) {
    const gridSteps = config.gridSeconds === null ? 0 : secondsToSteps(config.gridSeconds);
    const inputName = spikeSourceName(config.input, 'input');
    const targetName = spikeSourceName(config.target, 'target');
    const input = await readSpikeSource(config.input, 'input', { size: config.nInput, strict: config.strict, onWarning: warn });
    const target = await readSpikeSource(config.target, 'target', { size: config.nOutput, strict: config.strict, onWarning: warn });
    const nInput = config.nInput ?? input.maxId + 1;
    const nOutput = config.nOutput ?? target.maxId + 1;
    if (nInput <= 0) throw new ConfigError(`${inputName} holds no events: cannot infer the input size (give nInput)`);
    if (nOutput <= 0) throw new ConfigError(`${targetName} holds no events: cannot infer the output size (give nOutput)`);
    return {
      input: toTable(input.times, input.ids, gridSteps, inputName, warn),
      target: toTable(target.times, target.ids, gridSteps, targetName, warn),
      nInput,
      nOutput,
      gridSteps,
      description: `${inputName} → ${targetName}`,
    };
  }
  if (config.trials !== undefined) return resolveTrials(config, warn);
  return builtinTask(config.task!, config, warn);
}

function builtinTask(task: BuiltinTask, config: ExperimentConfig, warn: (m: string) => void): ResolvedTask {
  let bitmap: boolean[][];
  try {
    bitmap = drawText(task.text, task.scale);
  } catch (err) {
    throw new ConfigError(`task.text: ${(err as Error).message}`);
  }
  const raster = darkBitmapToTargetEvents(bitmap, { binSeconds: task.binSeconds, seed: task.taskSeed });
  const gridSeconds = config.gridSeconds ?? raster.gridSeconds;
  const gridSteps = secondsToSteps(gridSeconds);
  const input = poissonEvents({
    neurons: task.inputNeurons, rateHz: task.inputRateHz, durationSeconds: gridSteps * DT_SECONDS, seed: task.taskSeed,
  });
  if (config.nOutput !== undefined && config.nOutput !== raster.neurons) {
    throw new ConfigError(`nOutput is ${config.nOutput} but the built-in picture of "${task.text}" has ${raster.neurons} rows`);
  }
  if (config.nInput !== undefined && config.nInput !== task.inputNeurons) {
    throw new ConfigError(`nInput is ${config.nInput} but task.inputNeurons is ${task.inputNeurons}`);
  }
  return {
    input: toTable(input.times, input.ids, gridSteps, 'built-in input', warn),
    target: toTable(raster.times, raster.ids, gridSteps, 'built-in target', warn),
    nInput: task.inputNeurons,
    nOutput: raster.neurons,
    gridSteps,
    description: `built-in task "${task.text}" (${task.inputNeurons} Poisson inputs at ${task.inputRateHz} Hz, ${raster.neurons} outputs)`,
  };
}

/** Seconds → steps (rounded), sorted by (step, id), duplicates of one (step, id) dropped. */
export function toTable(times: Float64Array, ids: Uint32Array, gridSteps: number, source: string, warn: (m: string) => void): EventTable {
  const n = times.length;
  const steps = new Float64Array(n);
  for (let i = 0; i < n; i++) steps[i] = secondsToSteps(times[i]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => steps[a]! - steps[b]! || ids[a]! - ids[b]!);
  const outSteps = new Int32Array(n);
  const outIds = new Uint32Array(n);
  let m = 0;
  let duplicates = 0;
  for (const i of order) {
    if (m > 0 && outSteps[m - 1] === steps[i] && outIds[m - 1] === ids[i]) {
      duplicates++;
      continue;
    }
    if (steps[i]! > 0x7fffffff) throw new ConfigError(`${source}: event time ${times[i]} s is beyond the simulator's clock range`);
    outSteps[m] = steps[i]!;
    outIds[m++] = ids[i]!;
  }
  if (duplicates > 0) {
    warn(`${source}: ${duplicates} event(s) fall on the same 0.1 ms step as another event of the same neuron and were merged (a neuron spikes at most once per step)`);
  }
  const lastStep = m > 0 ? outSteps[m - 1]! : 0;
  return { steps: outSteps.slice(0, m), ids: outIds.slice(0, m), periodSteps: replayPeriod(lastStep, gridSteps) };
}
