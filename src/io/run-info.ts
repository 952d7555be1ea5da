/**
 * `run.json`: what a finished (or interrupted) run leaves beside its spike files so that tools
 * (`report`, `plot`, `animate`, `inspect`) know the groups, windows and timings without the
 * config. Not part of the rank-invariant outputs: it holds wall-clock timings.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { RunFileRecord } from './run-files.js';

export const RUN_INFO_FILE = 'run.json';

export interface RunInfoGroup {
  /** Base name of the rank files: `<spkName>.<rank>.spk`. */
  spkName: string;
  role: 'input' | 'hidden' | 'output' | 'target';
  size: number;
}

export interface RunInfoWindow {
  /** Block index (the final frozen replay has block = blocks). */
  block: number;
  fromStep: number;
  toStep: number;
}

export interface RunInfoRankTiming {
  rank: number;
  steps: number;
  /** Wall time inside the step loop, barrier waits included. */
  computeSeconds: number;
  barrierWaits: number;
  barrierWaitSeconds: number;
  /** Per-barrier waits in milliseconds: min / median / max. */
  waitMinMs: number;
  waitMedianMs: number;
  waitMaxMs: number;
  /** Chunks of other ranks' eligibility passes this rank computed while waiting at barriers. */
  chunksHelped: number;
  /** With ranks in several processes: the process and host of the rank, and the MPI exchanges it drove. */
  process?: number;
  host?: string;
  /** Interval exchanges this rank drove for its process (it arrived last), and the bytes sent in them. */
  mpiIntervals?: number;
  mpiIntervalBytesSent?: number;
  /** Weight exchanges (symmetric feedback) it drove, and their bytes. */
  mpiWeightExchanges?: number;
  mpiWeightBytesSent?: number;
  /** Seconds inside MPI collectives, waiting for the other processes included. */
  mpiSeconds?: number;
}

/** How the ranks were laid out over processes (MPI) and threads, and what crossed between processes. */
export interface RunInfoLayout {
  processes: number;
  ranksPerProcess: number;
  hosts: string[];
  /** Bytes every process sent per interval exchange, averaged over the run (0 with one process). */
  bytesPerIntervalPerProcess: number;
  /** Bytes every process sent per weight exchange (symmetric feedback; 0 without). */
  bytesPerWeightExchangePerProcess: number;
  /** Seconds all ranks of all processes spent inside MPI collectives (interval and weight exchanges). */
  mpiSeconds: number;
  /** Threads that stepped the ranks of the root process, and why that many (engine/threads.ts). */
  threadsPerProcess?: number;
  threadChoice?: string;
  /** Copies of the presynaptic side in the root process: 1 (its threads share it) or one per thread (engine/presynaptic-work.ts). */
  presynapticCopies?: number;
}

/**
 * One process's part of a run: a fresh start, or a resume from a checkpoint. Each has its own
 * wall time, so speeds stay right when a run is continued (simulated / wall of the same segment).
 */
export interface RunInfoSegment {
  /** ISO time the segment's process started the run. */
  startedAt: string;
  /** Clock (steps) the segment started from (the resumed state's clock; 0 for a fresh run) and reached. */
  fromStep: number;
  toStep: number;
  wallSeconds: number;
  /** The segment stopped with a checkpoint (signal, --stop-after-block). */
  interrupted: boolean;
  /** The command line of the process (`process.argv`), the package version, Node's version and the host. */
  argv: string[];
  version: string;
  node: string;
  host: string;
  ranks: number;
  processes: number;
}

/** Who made a run and how: the package version, Node, host and command line of the process that wrote run.json. */
export interface RunInfoProvenance {
  version: string;
  node: string;
  host: string;
  argv: string[];
  /** ISO time the run's first segment started. */
  startedAt: string;
}

/**
 * Set while the run goes (with `completed: false`): run.json is rewritten at every stats line so
 * that `report` and `watch` can show a running folder. The folder's lock (out-lock.ts) names the
 * same pid and host while the run lives; a dead run leaves this behind with a stale or no lock.
 */
export interface RunInfoProgress {
  pid: number;
  host: string;
  /** ISO time of this rewrite. */
  updatedAt: string;
  /** Stats lines written so far (block b's line is written as block b begins). */
  statsLines: number;
}

export interface RunInfo {
  name: string;
  /** Provenance (absent in runs made before it was recorded). */
  provenance?: RunInfoProvenance;
  /** One entry per process that ran part of the run, oldest first (absent in older runs). */
  segments?: RunInfoSegment[];
  /** Present only while the run goes (see RunInfoProgress). */
  progress?: RunInfoProgress;
  /** The run's identity (io/run-identity.ts); also in its network states. */
  runId?: string;
  /**
   * True once the run's process has written every output consistently (a run stopped with a
   * checkpoint included: see `interrupted`). The start marker says false; older builds omit it.
   */
  completed?: boolean;
  /** The validated experiment config. */
  config: Record<string, unknown>;
  taskDescription: string;
  ranks: number;
  /** Processes × ranks per process (absent in runs made before layouts existed). */
  layout?: RunInfoLayout;
  kernels: string;
  groups: RunInfoGroup[];
  /** Synapses per connection, input side first. */
  /**
   * `name` (input_to_hidden, hidden_to_hidden, …) and the fan-in rule's `weightScale` and `fanIn`
   * (docs/model.md §5.3): absent in runs from before they were written (then 1 and nPre).
   */
  connections: Array<{ pre: string; post: string; synapses: number; plastic: boolean; name?: string; weightScale?: number; fanIn?: number }>;
  stepsPerSecond: number;
  burnInSteps: number;
  blockSteps: number;
  blocks: number;
  gridSteps: number;
  periodSteps: number;
  endStep: number;
  /** Clock reached (equals endStep unless interrupted). */
  clock: number;
  interrupted: boolean;
  /** First second of each block ("test window"), then the final frozen replay. */
  testWindows: RunInfoWindow[];
  finalWindow: RunInfoWindow | null;
  statsFile: string;
  stateFile: string | null;
  /** Wall seconds of all segments together (only the last one's in runs made before segments). */
  wallSeconds: number;
  /** Simulated seconds from 0 to `clock`. */
  simulatedSeconds: number;
  rankTimings: RunInfoRankTiming[];
  /**
   * Every output file of the run with its size and what it holds (spikes, samples, stats lines):
   * `report`, `export`, `loadRun` and sweeps refuse a folder that no longer matches (io/run-files.ts).
   * Absent in runs made before it was recorded.
   */
  files?: RunFileRecord[];
}

/**
 * Written atomically (io/atomic.ts), and last: it marks the folder `completed: true` unless told
 * otherwise. A run id not given is carried over from the folder's start marker
 * (io/run-identity.ts writeRunStartMarker), so the identity survives the final rewrite.
 */
export function writeRunInfo(dir: string, info: RunInfo): void {
  const file = path.join(dir, RUN_INFO_FILE);
  let runId = info.runId;
  if (runId === undefined && existsSync(file)) {
    try {
      const previous = JSON.parse(readFileSync(file, 'utf8')) as { runId?: unknown };
      if (typeof previous.runId === 'string') runId = previous.runId;
    } catch {
      // an unreadable old run.json carries no identity
    }
  }
  const full: RunInfo = { ...info, runId, completed: info.completed ?? true };
  writeFileAtomic(file, `${JSON.stringify(full, null, 2)}\n`);
}

export function readRunInfo(dir: string): RunInfo {
  const file = path.join(dir, RUN_INFO_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${dir} holds no ${RUN_INFO_FILE}: is it the output folder of a superspike run?`);
  }
  try {
    return JSON.parse(text) as RunInfo;
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}
