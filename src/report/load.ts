/**
 * Reading a run's output folder for `report`, `plot` and `animate`: `run.json`, the stats file,
 * one group's spikes in a time window (merged across the rank files), and the weights of every
 * connection from the final network state. Everything a folder may lack (an interrupted run, a
 * run without a state) comes back as null or empty rather than an error, so the tools can still
 * show what is there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { expandSpkArgs } from '../io/spk.js';
import { NetstateError, readNetworkStateFile } from '../io/netstate.js';
import { readRunInfo, type RunInfo, type RunInfoGroup, type RunInfoWindow } from '../io/run-info.js';
import { runFileRecords, verifyRunFiles } from '../io/run-files.js';
import { mergeSpkFiles } from '../io/spk.js';
import { readStatsFile, type StatsLine } from '../io/stats.js';
import { runStateOf } from '../io/run-state.js';

export interface LoadRunInfoOptions {
  /**
   * Accept a folder whose run is still going (io/run-state.ts): run.json then says
   * `completed: false` and carries `progress`. Folders of runs that died are refused all the same.
   */
  allowRunning?: boolean;
}

/**
 * Reads `DIR/run.json`; a missing folder or file, an incomplete run, or a folder whose files no
 * longer match what run.json records of them (missing, short: io/run-files.ts) is a `UserError`.
 * With `allowRunning`, a run still going is read too (its files are not recorded until it ends).
 */
export function loadRunInfo(dir: string, opts: LoadRunInfoOptions = {}): RunInfo {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new UserError(`no such run folder: ${dir}`);
  }
  if (!st.isDirectory()) throw new UserError(`${dir} is not a folder (expected a run's output folder)`);
  const info = readRunInfo(dir);
  // A folder whose run is running, failed or was killed holds a start marker (or a run.json
  // saying completed: false): its files may be half-written or another run's leftovers.
  const state = info.completed === false ? runStateOf(dir, info) : 'complete';
  if (state === 'starting' || (state === 'running' && !opts.allowRunning)) {
    throw new UserError(
      state === 'starting'
        ? `${dir}: the run in this folder has just started and finished no block yet: try again in a moment, or follow it with superspike watch ${dir}`
        : `${dir}: the run in this folder is still running: use superspike report ${dir} (marked "in progress") or superspike watch ${dir}, or wait for it to end`,
    );
  }
  if (state === 'incomplete') {
    throw new UserError(
      `${dir}: the run in this folder has not completed (it is still running, failed or was killed); ` +
        'resume it from its checkpoint or run it again before reporting on it',
    );
  }
  if (!Array.isArray(info.groups) || typeof info.stepsPerSecond !== 'number') {
    throw new UserError(`${path.join(dir, 'run.json')} lacks groups or stepsPerSecond: not a superspike run description`);
  }
  const records = state === 'complete' ? runFileRecords(path.join(dir, 'run.json'), info.files) : null;
  if (records) verifyRunFiles(dir, records);
  return info;
}

/**
 * A file named in run.json: absolute names as they are, others inside the run folder (by the
 * name as given, else by its base name — the folder may have been moved).
 */
export function resolveRunFile(dir: string, name: string): string {
  if (path.isAbsolute(name)) return name;
  const inDir = path.join(dir, name);
  if (fs.existsSync(inDir)) return inDir;
  const base = path.join(dir, path.basename(name));
  if (fs.existsSync(base)) return base;
  if (fs.existsSync(name)) return name;
  return inDir;
}

/** The stats lines, or null when the run has no (readable) stats file. */
export function loadStats(dir: string, info: RunInfo): StatsLine[] | null {
  if (!info.statsFile) return null;
  const file = resolveRunFile(dir, info.statsFile);
  if (!fs.existsSync(file)) return null;
  try {
    return readStatsFile(file);
  } catch (err) {
    throw new UserError(`${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The group named by `name`: a spkName (`output`, `multi_hidden2`), a role (`input`, `output`,
 * `target`, `hidden` = the first hidden layer) or `hiddenK` (the K-th hidden layer, from 1).
 */
export function findGroup(info: RunInfo, name: string): RunInfoGroup {
  const byName = info.groups.find((g) => g.spkName === name);
  if (byName) return byName;
  const hidden = info.groups.filter((g) => g.role === 'hidden');
  const m = /^hidden(\d+)$/.exec(name);
  if (m) {
    const k = Number(m[1]);
    if (k >= 1 && k <= hidden.length) return hidden[k - 1]!;
  }
  const byRole = info.groups.find((g) => g.role === name);
  if (byRole) return byRole;
  const choices = info.groups.map((g) => g.spkName).join(', ');
  throw new UserError(`no group "${name}" in this run (groups: ${choices}; or a role: input, hidden, hiddenK, output, target)`);
}

/** A readable label: "output", "hidden 2 (multi_hidden2)". */
export function groupLabel(info: RunInfo, group: RunInfoGroup): string {
  if (group.role === 'hidden') {
    const hidden = info.groups.filter((g) => g.role === 'hidden');
    const k = hidden.indexOf(group) + 1;
    return hidden.length > 1 ? `hidden ${k}` : 'hidden';
  }
  return group.role;
}

/** The rank files `<spkName>.<rank>.spk` of a group, in rank order; empty when there are none. */
export function groupSpikeFiles(dir: string, group: RunInfoGroup): string[] {
  try {
    return expandSpkArgs([path.join(dir, group.spkName)]);
  } catch (err) {
    if (err instanceof UserError) return [];
    throw err;
  }
}

export interface StepWindow {
  fromStep: number;
  toStep: number;
}

export interface GroupSpikes extends StepWindow {
  group: RunInfoGroup;
  /** The rank files read; empty when the group wrote none. */
  files: string[];
  /** Merged by (step, id), within [fromStep, toStep). */
  steps: Uint32Array;
  ids: Uint32Array;
}

/** A group's spikes in [fromStep, toStep), merged across its rank files into plain arrays. */
export async function loadSpikes(dir: string, group: RunInfoGroup, window: StepWindow): Promise<GroupSpikes> {
  const files = groupSpikeFiles(dir, group);
  let steps = new Uint32Array(1024);
  let ids = new Uint32Array(1024);
  let count = 0;
  if (files.length > 0 && window.toStep > window.fromStep) {
    for await (const chunk of mergeSpkFiles(files, { fromStep: window.fromStep, toStep: window.toStep })) {
      if (count + chunk.length > steps.length) {
        let cap = steps.length * 2;
        while (cap < count + chunk.length) cap *= 2;
        const s = new Uint32Array(cap);
        s.set(steps.subarray(0, count));
        const d = new Uint32Array(cap);
        d.set(ids.subarray(0, count));
        steps = s;
        ids = d;
      }
      steps.set(chunk.steps.subarray(0, chunk.length), count);
      ids.set(chunk.ids.subarray(0, chunk.length), count);
      count += chunk.length;
    }
  }
  return {
    group,
    files,
    fromStep: window.fromStep,
    toStep: window.toStep,
    steps: steps.slice(0, count),
    ids: ids.slice(0, count),
  };
}

/** The steps the run covered: [0, clock) (endStep when the clock is missing). */
export function wholeRun(info: RunInfo): StepWindow {
  const end = info.clock > 0 ? info.clock : info.endStep;
  return { fromStep: 0, toStep: Math.max(end, 1) };
}

/** The first block's test window, or null when the run recorded none. */
export function firstWindow(info: RunInfo): RunInfoWindow | null {
  return info.testWindows?.[0] ?? info.finalWindow ?? null;
}

/** The final frozen replay window if there is one, else the last block's test window. */
export function lastWindow(info: RunInfo): RunInfoWindow | null {
  if (info.finalWindow) return info.finalWindow;
  const w = info.testWindows ?? [];
  return w.length > 0 ? w[w.length - 1]! : null;
}

export interface LayerWeights {
  /** Connection index, input side first. */
  index: number;
  pre: string;
  post: string;
  plastic: boolean;
  /** The connection's name (input_to_hidden, hidden_to_hidden); absent for older runs. */
  name?: string | undefined;
  /** j-major nPre × nPost, as saved. */
  w: Float32Array;
}

/**
 * The weights of every connection from the run's final network state, or null when the run
 * names no state file or it is missing. A damaged state is a `UserError`.
 */
export function loadWeights(dir: string, info: RunInfo): LayerWeights[] | null {
  if (!info.stateFile) return null;
  const file = resolveRunFile(dir, info.stateFile);
  if (!fs.existsSync(file)) return null;
  // Only the weights are read, so only they are checked (the resume path validates in full).
  const state = readNetworkStateFile(file);
  if (!Array.isArray(state.connections)) throw new NetstateError(file, 'connections: missing');
  const layers = info.groups.filter((g) => g.role !== 'target');
  return state.connections.map((c, i) => {
    const meta = info.connections?.[i];
    if (!(c?.w instanceof Float32Array)) throw new NetstateError(file, `connections[${i}].w: must be a Float32Array`);
    if (meta && meta.synapses !== c.w.length) {
      throw new NetstateError(file, `connections[${i}].w: has ${c.w.length} values, run.json says ${meta.synapses} synapses`);
    }
    return {
      index: i,
      name: meta?.name,
      pre: meta?.pre ?? layers[i]?.spkName ?? `layer ${i}`,
      post: meta?.post ?? layers[i + 1]?.spkName ?? `layer ${i + 1}`,
      plastic: meta?.plastic ?? true,
      w: c.w,
    };
  });
}
