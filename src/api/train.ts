/**
 * `train()` of the library API: one call from a config (a file, an object, or nothing for the
 * built-in task of config/default.json) to a finished run in an output folder. It only resolves
 * the config and the task and hands over to the engine's `runExperiment`, exactly as
 * `superspike run` does, so a library run writes the same files as the CLI.
 */
import { z } from 'zod';
import { defaultRanks } from '../engine/threads.js';
import { createProgressReporter } from '../report/progress.js';
import { loadConfig } from '../config/load.js';
import type { ConfigInput, ExperimentConfig } from '../config/schema.js';
import { resolveTask, type ResolvedTask } from '../config/task.js';
import { checkInitFrom, resumedConfig } from '../engine/continuation.js';
import { networkShape } from '../network/chain.js';
import type { NetworkState } from '../io/netstate.js';
import { loadNetworkState } from '../engine/state-validate.js';
import { runExperiment, type ProgressEvent, type RunResult } from '../engine/coordinator.js';
import { UserError } from '../errors.js';
import type { RunInfo } from '../io/run-info.js';
import type { StatsLine } from '../io/stats.js';
import { DEFAULT_CONFIG_PATH } from '../paths.js';

/** A config file's path, a config object (same keys as the JSON file), or nothing. */
export type TrainConfig = string | ConfigInput | undefined;

export interface TrainOptions {
  /**
   * Ranks (data partitions; the result does not depend on them). Default: as `superspike run`,
   * the cores other work leaves free, fewer for a small network (engine/threads.ts).
   */
  workers?: number;
  /**
   * Threads that step the ranks. Default `auto`, as `superspike run`: one per rank while cores
   * are free, fewer on a busy machine (docs/model.md §10.1).
   */
  threads?: number | 'auto';
  /** Output folder. Default `output`. */
  out?: string;
  /** No progress lines on stderr. Default false (progress as in `superspike run`). */
  quiet?: boolean;
  /** Called about every 250 ms with where the run is. */
  onProgress?: (event: ProgressEvent) => void;
  /** Called with each stats line (one per block, then the final one) as it is written. */
  onStats?: (line: StatsLine) => void;
  /** Aborting stops the run at the next 0.8 ms interval with a checkpoint (`interrupted`). */
  signal?: AbortSignal;
  /** Kernel implementation. Default `wasm`. */
  kernels?: 'wasm' | 'reference';
  /**
   * Continue a saved run (`run --resume`): a checkpoint, or `<name>.trained.netstate` with
   * `extend`. The config argument must then be undefined (the state holds it); `out` should be
   * the run's own folder.
   */
  resume?: string;
  /** With `resume` of `<name>.trained.netstate`: train this many more blocks (`run --extend`). */
  extend?: number;
  /** A fresh run that starts from the weights of this saved network (`run --init-from`; same layer sizes). */
  initFrom?: string;
  /** Checkpoint and stop when this block is about to start (`run --stop-after-block`; `interrupted`). */
  stopAfterBlock?: number;
  /** Write `<name>.checkpoint.netstate` before every k-th block and keep going (`run --checkpoint-every`). */
  checkpointEvery?: number;
  /** State monitors as `run --record` takes them (docs/monitors.md). */
  record?: string[];
  /** A fresh run may delete the checkpoint of an interrupted run in `out` (`run --force`). */
  force?: boolean;
}

const isFunction = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');

/** `TrainOptions` as a schema: every key checked, with a one-line error naming it. */
const TrainOptionsSchema = z.strictObject({
  workers: z.number().int().positive().optional(),
  out: z.string().min(1).optional(),
  quiet: z.boolean().optional(),
  onProgress: isFunction.optional(),
  onStats: isFunction.optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'expected an AbortSignal').optional(),
  kernels: z.enum(['wasm', 'reference']).optional(),
  resume: z.string().min(1).optional(),
  extend: z.number().int().positive().optional(),
  initFrom: z.string().min(1).optional(),
  stopAfterBlock: z.number().int().nonnegative().optional(),
  checkpointEvery: z.number().int().positive().optional(),
  record: z.array(z.string()).optional(),
  force: z.boolean().optional(),
});

/** The options, checked: a `UserError` such as `train(): options.workers: expected int, received number`. */
export function validateTrainOptions(options: unknown): TrainOptions {
  if (options === undefined) return {};
  const parsed = TrainOptionsSchema.safeParse(options);
  if (parsed.success) {
    const o = parsed.data as TrainOptions;
    if (o.extend !== undefined && o.resume === undefined) throw new UserError('train(): options.extend needs options.resume (the state saved when training ended)');
    if (o.initFrom !== undefined && o.resume !== undefined) throw new UserError('train(): options.initFrom starts a new run and options.resume continues one: give one of them');
    return o;
  }
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new UserError(`train(): unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (known: ${Object.keys(TrainOptionsSchema.shape).join(', ')})`);
  }
  const where = issue.path.length > 0 ? `options.${issue.path.join('.')}` : 'options';
  throw new UserError(`train(): ${where}: ${issue.message}`);
}

export interface TrainResult {
  /**
   * The MSE of every stats line, in order: one per block, then the final frozen replay. Full
   * double precision (the stats file prints 6 significant digits, as Auryn's does).
   */
  mse: number[];
  /** Absolute path of the output folder. */
  outDir: string;
  /** Wall-clock seconds of the simulation (worker start-up included). */
  wallSeconds: number;
  simulatedSeconds: number;
  /** Every file the run wrote: spike files per group and rank, stats, state, run.json. */
  files: string[];
  /** The stats lines in full (MSE, mean weight, eligibility traces, …). */
  stats: StatsLine[];
  /** True when the run was stopped by `signal` (a checkpoint was written). */
  interrupted: boolean;
  /** The validated config that ran. */
  config: ExperimentConfig;
  /** What run.json says about the run. */
  info: RunInfo;
}

/** Turns `train()`'s config argument into a validated config. */
export function resolveTrainConfig(config: TrainConfig): ExperimentConfig {
  if (config === undefined) return loadConfig(DEFAULT_CONFIG_PATH).config;
  if (typeof config === 'string') return loadConfig(config).config;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new UserError(`train(): config must be a file path, a config object or undefined, got ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config}`);
  }
  // An object is read like the file's JSON, from the same defaults (config/default.json's built-in
  // task); relative input/target paths are taken from the working directory, and spike trains
  // may be given as { times, ids } arrays.
  return loadConfig(undefined, config, undefined, 'train() config').config;
}

/** The config, task and saved state a call runs: a new run, a resume (perhaps extended), or a start from saved weights. */
async function planRun(config: TrainConfig, options: TrainOptions): Promise<{
  experiment: ExperimentConfig; task: ResolvedTask; resume?: NetworkState; initFrom?: NetworkState;
}> {
  if (options.resume !== undefined) {
    if (config !== undefined) throw new UserError('train(): options.resume continues the saved experiment as it was: pass undefined as the config');
    const resume = loadNetworkState(options.resume);
    return { experiment: resumedConfig(resume, options.resume, options.extend), task: resume.task, resume };
  }
  const experiment = resolveTrainConfig(config);
  const task = await resolveTask(experiment, { onWarning: options.quiet ? () => {} : undefined });
  if (options.initFrom === undefined) return { experiment, task };
  const initFrom = loadNetworkState(options.initFrom);
  checkInitFrom(initFrom, options.initFrom, networkShape(experiment, task));
  return { experiment, task, initFrom };
}

/**
 * Trains a network and resolves when the run has finished and written its files. Rejects with a
 * `UserError` (one line naming the problem) for a bad config, bad options or a failed rank.
 */
export async function train(config?: TrainConfig, trainOptions?: TrainOptions): Promise<TrainResult> {
  const options = validateTrainOptions(trainOptions);
  const { experiment, task, resume, initFrom } = await planRun(config, options);
  const reporter = createProgressReporter({ quiet: options.quiet ?? false, stream: process.stderr });
  const workers = options.workers ?? defaultRanks(networkShape(experiment, task));
  reporter.start({ config: experiment, task, workers, resumedFrom: options.resume });
  // A callback that throws must not kill the process from inside the engine's timer: the first
  // error stops the run at the next interval (a checkpoint is written) and train() rejects with it.
  const stop = new AbortController();
  const forward = () => stop.abort();
  options.signal?.addEventListener('abort', forward);
  if (options.signal?.aborted) stop.abort();
  let callbackError: { name: string; error: unknown } | null = null;
  const guarded = <T>(name: string, fn: ((value: T) => void) | undefined) => (value: T) => {
    if (fn === undefined || callbackError !== null) return;
    try {
      fn(value);
    } catch (error) {
      callbackError = { name, error };
      stop.abort();
    }
  };
  const onProgress = guarded('onProgress', options.onProgress);
  const onStats = guarded('onStats', options.onStats);
  let result: RunResult;
  try {
    result = await runExperiment(experiment, task, {
      workers,
      threads: options.threads ?? 'auto',
      outDir: options.out,
      kernels: options.kernels,
      resume,
      resumeFile: options.resume,
      initFrom,
      stopAfterBlock: options.stopAfterBlock,
      checkpointEveryBlocks: options.checkpointEvery,
      record: options.record,
      force: options.force,
      stopSignal: stop.signal,
      onProgress: (e) => {
        reporter.progress(e);
        onProgress(e);
      },
      onStats: (line) => {
        reporter.stats(line);
        onStats(line);
      },
      onNotice: options.quiet ? null : (message) => process.stderr.write(`superspike: note: ${message}\n`),
    });
  } finally {
    reporter.stop();
    options.signal?.removeEventListener('abort', forward);
  }
  if (callbackError !== null) {
    const { name, error } = callbackError as { name: string; error: unknown };
    throw new UserError(`train(): options.${name} threw: ${(error as Error)?.message ?? String(error)} (the run stopped with a checkpoint in ${result.outDir})`, { cause: error });
  }
  reporter.summary(result);
  return {
    mse: result.stats.map((s) => s.mse),
    outDir: result.outDir,
    wallSeconds: result.wallSeconds,
    simulatedSeconds: result.simulatedSeconds,
    files: result.files,
    stats: result.stats,
    interrupted: result.interrupted,
    config: experiment,
    info: result.info,
  };
}
