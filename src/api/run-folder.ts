/**
 * `loadRun()` and `decodeSpikes()` of the library API: a finished run's folder as plain data
 * (run.json, the stats lines, the groups and their rank files) and any spike files as typed
 * arrays, merged across ranks by (time, id) like `superspike decode`.
 */
import * as path from 'node:path';
import { UserError } from '../errors.js';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { expandSpkArgs, mergeSpkFiles, readSpkSetHeader } from '../io/spk.js';
import type { StatsLine } from '../io/stats.js';
import { groupSpikeFiles, loadRunInfo, loadStats, resolveRunFile } from '../report/load.js';

export interface RunGroup extends RunInfoGroup {
  /** Prefix of the rank files: pass it to `decodeSpikes`. */
  spikePrefix: string;
  /** The rank files `<spkName>.<rank>.spk` found, in rank order. */
  spikeFiles: string[];
}

export interface LoadedRun {
  /** Absolute path of the run folder. */
  dir: string;
  info: RunInfo;
  /** The stats lines; empty when the run has no stats file. */
  stats: StatsLine[];
  /** The MSE of every stats line. */
  mse: number[];
  /** Input, hidden layers, output and target, as the engine numbers them. */
  groups: RunGroup[];
  /** The final (or checkpoint) network state file, or null. */
  stateFile: string | null;
}

/** Reads a run's output folder. A folder without run.json is a `UserError`. */
export function loadRun(dir: string): LoadedRun {
  const abs = path.resolve(dir);
  const info = loadRunInfo(abs);
  const stats = loadStats(abs, info) ?? [];
  return {
    dir: abs,
    info,
    stats,
    mse: stats.map((s) => s.mse),
    groups: info.groups.map((g) => ({ ...g, spikePrefix: path.join(abs, g.spkName), spikeFiles: groupSpikeFiles(abs, g) })),
    stateFile: info.stateFile ? resolveRunFile(abs, info.stateFile) : null,
  };
}

export interface DecodeSpikesOptions {
  /** Keep spikes at or after this time in seconds. Default: from the start. */
  from?: number;
  /** Keep spikes before this time in seconds. Default: to the end. */
  to?: number;
}

export interface DecodedSpikes {
  /** Spike times in seconds (step / stepsPerSecond). */
  times: Float64Array;
  /** Neuron ids. */
  ids: Uint32Array;
  /** Spike times in simulation steps (exact). */
  steps: Uint32Array;
  stepsPerSecond: number;
  /** The files merged. */
  files: string[];
}

/**
 * Spikes of one file, of a rank-file prefix (`out/output` stands for `out/output.0.spk`,
 * `out/output.1.spk`, …) or of a list of files, merged by (time, id), in [from, to).
 */
export async function decodeSpikes(fileOrPrefix: string | readonly string[], opts: DecodeSpikesOptions = {}): Promise<DecodedSpikes> {
  const files = expandSpkArgs(typeof fileOrPrefix === 'string' ? [fileOrPrefix] : fileOrPrefix);
  const { stepsPerSecond, records } = readSpkSetHeader(files);
  for (const [key, value] of Object.entries(opts)) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new UserError(`decodeSpikes: ${key} must be a non-negative number of seconds, got ${String(value)}`);
    }
  }
  const fromStep = opts.from === undefined ? 0 : Math.ceil(opts.from * stepsPerSecond - 1e-6);
  const toStep = opts.to === undefined ? undefined : Math.ceil(opts.to * stepsPerSecond - 1e-6);
  // At most `records` spikes: one allocation, trimmed at the end.
  const steps = new Uint32Array(records);
  const ids = new Uint32Array(records);
  let n = 0;
  for await (const chunk of mergeSpkFiles(files, { fromStep, toStep })) {
    steps.set(chunk.steps.subarray(0, chunk.length), n);
    ids.set(chunk.ids.subarray(0, chunk.length), n);
    n += chunk.length;
  }
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = steps[i]! / stepsPerSecond;
  return { times, ids: ids.slice(0, n), steps: steps.slice(0, n), stepsPerSecond, files };
}
