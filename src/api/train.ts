/**
 * `train()` of the library API: one call from a config (a file, an object, or nothing for the
 * built-in task of config/default.json) to a finished run in an output folder. It only resolves
 * the config and the task and hands over to the engine's `runExperiment`, exactly as
 * `superspike run` does, so a library run writes the same files as the CLI.
 */
import { availableParallelism } from 'node:os';
import { createProgressReporter } from '../report/progress.js';
import { loadConfig } from '../config/load.js';
import type { ConfigInput, ExperimentConfig } from '../config/schema.js';
import { resolveTask } from '../config/task.js';
import { runExperiment, type ProgressEvent, type RunResult } from '../engine/coordinator.js';
import { UserError } from '../errors.js';
import type { RunInfo } from '../io/run-info.js';
import type { StatsLine } from '../io/stats.js';
import { DEFAULT_CONFIG_PATH } from '../paths.js';

/** A config file's path, a config object (same keys as the JSON file), or nothing. */
export type TrainConfig = string | ConfigInput | undefined;

export interface TrainOptions {
  /** Ranks (worker threads). Default: the number of cores. */
  workers?: number;
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
    throw new UserError(`train(): config must be a file path, a config object or undefined, got ${config === null ? 'null' : typeof config}`);
  }
  // An object is read like the file's JSON; relative input/target paths are taken from the
  // working directory, and without files or a task it gets the built-in task.
  return loadConfig(undefined, config).config;
}

/**
 * Trains a network and resolves when the run has finished and written its files. Rejects with a
 * `UserError` (one line naming the problem) for a bad config or a failed rank.
 */
export async function train(config?: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const experiment = resolveTrainConfig(config);
  const task = await resolveTask(experiment, { onWarning: options.quiet ? () => {} : undefined });
  const reporter = createProgressReporter({ quiet: options.quiet ?? false, stream: process.stderr });
  const workers = options.workers ?? availableParallelism();
  reporter.start({ config: experiment, task, workers });
  let result: RunResult;
  try {
    result = await runExperiment(experiment, task, {
      workers,
      outDir: options.out,
      kernels: options.kernels,
      stopSignal: options.signal,
      onProgress: (e) => {
        reporter.progress(e);
        options.onProgress?.(e);
      },
      onStats: (line) => {
        reporter.stats(line);
        options.onStats?.(line);
      },
    });
  } finally {
    reporter.stop();
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
