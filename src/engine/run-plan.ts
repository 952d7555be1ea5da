/**
 * What a run is before it starts: every check `run` makes before the first allocation (ranks,
 * memory with monitor buffers, monitor disk, threads), shared by the run itself (coordinator.ts)
 * and by `--dry-run` (planRun), which also checks the output folder without touching it. One
 * function for both, so a dry run refuses exactly what the run would refuse.
 */
import path from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import { checkMonitorDisk, checkNetworkMemory, checkWorkers, MONITOR_BUFFER_BYTES } from '../config/limits.js';
import { checkOutFolder, checkOutLockFree } from '../io/out-lock.js';
import { runIdOf } from '../io/run-identity.js';
import { DT_SECONDS } from '../model/constants.js';
import { networkShape } from '../network/chain.js';
import { computeLayout, type MemoryLayout } from '../network/layout.js';
import { buildTopology, type Topology } from '../network/topology.js';
import { trainedStateName } from './continuation.js';
import { presynapticCopiesFor } from './presynaptic-work.js';
import { monitorDiskBytes, msToSteps, planMonitors, type MonitorPlan } from './monitor-plan.js';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './options.js';
import { RunOutputs } from './outputs.js';
import { ROOT_PROCESS, jobOnThisHost, localRanksOf } from './process-group.js';
import { agreeOnRun, runFields } from './run-agreement.js';
import type { Schedule } from './schedule.js';
import { scheduleFor } from './setup.js';
import { autoThreads, fixedThreads, othersRunning, ranksOfThreads, synapsesOf, type ThreadChoice } from './threads.js';

/** What a run is, once every check before the first allocation has passed (checkRun). */
export interface CheckedRun {
  ranks: number;
  localRanks: number[];
  isRoot: boolean;
  runId: string;
  topology: Topology;
  layout: MemoryLayout;
  schedule: Schedule;
  monitors: MonitorPlan[] | null;
  threads: number[][];
  threadReason: string;
  /** The job's threads here and the other tasks outnumber the cores (threads.ts): waits sleep. */
  oversubscribed: boolean;
  /** The estimated memory of this process's part of the run. */
  memoryBytes: number;
}

/**
 * The limits of `run`, for every caller (the library too), before anything is allocated or the
 * output folder touched: ranks, memory (monitor buffers included), monitor disk, threads.
 */
export function checkRun(config: ExperimentConfig, task: ResolvedTask, options: ResolvedRunOptions): CheckedRun {
  const placement = options.processes?.placement ?? null;
  const ranks = placement === null ? options.workers : placement.processes * placement.ranksPerProcess;
  const localRanks = localRanksOf(placement, ranks);
  const isRoot = placement === null || placement.process === ROOT_PROCESS;
  const topology = buildTopology(networkShape(config, task));
  // The threads first: the layout holds a copy of the presynaptic side per thread or per process.
  const choice = chooseThreads(options, localRanks.length, ranks, topology);
  const threads = ranksOfThreads(localRanks, choice.threads);
  const presynapticCopies = presynapticCopiesFor(options.presynaptic, threads.length);
  const layout = computeLayout(topology, ranks, localRanks, presynapticCopies);
  const schedule = scheduleFor(config, task);
  const record = [...(config.record ?? []), ...options.record];
  const monitors = record.length === 0 || !options.recordSpikes ? null : planMonitors(record, topology, schedule, {
    everySteps: msToSteps(options.recordEveryMs, '--record-every-seconds'),
    rateBinSteps: msToSteps(options.recordRateBinMs, '--record-rate-bin-seconds'),
  });
  checkWorkers(ranks, null, localRanks.length);
  const estimate = checkNetworkMemory(topology.shape, ranks, task.input.steps.length + task.target.steps.length, options.maxMemoryGiB ?? config.maxMemoryGiB,
    localRanks, (monitors?.length ?? 0) * localRanks.length * MONITOR_BUFFER_BYTES, presynapticCopies);
  if (monitors && isRoot) checkMonitorDisk(monitorDiskBytes(monitors), options.outDir);
  return {
    ranks, localRanks, isRoot, runId: runIdOf({ config, task }), topology, layout, schedule, monitors,
    threads, threadReason: choice.reason, oversubscribed: choice.oversubscribed,
    memoryBytes: estimate.totalBytes,
  };
}

/** Threads for this process's ranks: as asked, or `auto` from the free cores (threads.ts). */
function chooseThreads(options: ResolvedRunOptions, localRanks: number, ranks: number, topology: Topology): ThreadChoice {
  const { threads } = options;
  const job = jobOnThisHost(options.processes?.placement);
  const here = job.processes;
  const others = othersRunning(here, job.pids);
  if (threads === null) return fixedThreads(localRanks, 'one per rank', here, others);
  if (threads !== 'auto') return fixedThreads(Math.min(threads, localRanks), 'as asked', here, others);
  return autoThreads(localRanks, Math.round((synapsesOf(topology.shape) * localRanks) / ranks), here, others);
}

/** What `run --dry-run` prints: the run as it would go, after every check it would make. */
export interface RunPlan {
  outDir: string;
  /** Sizes of the input, hidden and output layers. */
  layers: number[];
  connections: Array<{ name: string; synapses: number; plastic: boolean }>;
  synapses: number;
  ranks: number;
  processes: number;
  ranksPerProcess: number;
  /** Threads of this process, and why that many. */
  threads: number;
  threadReason: string;
  /** Copies of the presynaptic side in this process: 1 (its threads share it) or one per thread. */
  presynapticCopies: number;
  burnInSeconds: number;
  blocks: number;
  blockSeconds: number;
  /** Simulated seconds where the run starts (a resume: the saved clock) and ends. */
  startSeconds: number;
  endSeconds: number;
  /** Estimated memory of this process's part of the run. */
  memoryBytes: number;
  /** What the run would find in its output folder, in words (process 0; the others: ''). */
  folder: string;
  /** Files the run writes into its output folder (rank files as first … last). */
  files: string[];
}

/**
 * `run --dry-run`: every check the run makes before it starts — processes agree (MPI), limits,
 * monitors, threads, and the output folder (a folder or creatable, writable, not locked by a live
 * run, a resume only into its own run's folder and rank files, no interrupted run's checkpoint
 * deleted without force) — with nothing allocated and nothing in the folder touched. Throws what
 * the run would throw. Under MPI every process calls it (the agreement is a collective).
 */
export function planRun(config: ExperimentConfig, task: ResolvedTask, options: RunOptions = {}): RunPlan {
  const resolved = resolveRunOptions(options);
  if (resolved.processes) agreeOnRun(resolved.processes, runFields(config, task, resolved));
  const run = checkRun(config, task, resolved);
  const outDir = path.resolve(resolved.outDir);
  const outputs = new RunOutputs(outDir, config, task, run.topology, run.isRoot, run.ranks, new Set(run.localRanks));
  const resume = resolved.resume ?? null;
  checkOutFolder(outDir);
  if (resume) outputs.checkResumable(run.monitors !== null);
  let folder = '';
  if (run.isRoot) {
    checkOutLockFree(outDir);
    folder = outputs.checkClaim(resume && { runId: resume.runId, statsLines: resume.statsLines, file: resolved.resumeFile ?? 'the resumed state' }, resolved.force);
  }
  const placement = resolved.processes?.placement ?? null;
  const s = run.schedule;
  const rankFiles = (name: string, suffix: string) => (run.ranks === 1 ? `${name}.0${suffix}` : `${name}.0${suffix} … ${name}.${run.ranks - 1}${suffix}`);
  return {
    outDir,
    layers: run.topology.groups.filter((g) => g.role !== 'target').map((g) => g.size),
    connections: run.topology.connections.map((c) => ({ name: c.name, synapses: c.nPre * c.nPost, plastic: c.plastic })),
    synapses: run.topology.connections.reduce((sum, c) => sum + c.nPre * c.nPost, 0),
    ranks: run.ranks,
    processes: placement?.processes ?? 1,
    ranksPerProcess: placement?.ranksPerProcess ?? run.ranks,
    threads: run.threads.length,
    threadReason: run.threadReason,
    presynapticCopies: run.layout.presynapticCopies,
    burnInSeconds: s.burnInSteps * DT_SECONDS,
    blocks: s.blocks,
    blockSeconds: s.blockSteps * DT_SECONDS,
    startSeconds: (resume?.clock ?? 0) * DT_SECONDS,
    endSeconds: s.endStep * DT_SECONDS,
    memoryBytes: run.memoryBytes,
    folder,
    files: [
      ...(resolved.recordSpikes ? run.topology.groups.map((g) => rankFiles(g.spkName, '.spk')) : []),
      `${config.name}.stats`, trainedStateName(config.name), `${config.name}.netstate`, 'run.json',
      ...(run.monitors ?? []).map((m) => (m.aurynName ? `${m.aurynName}.<rank>.${m.suffix}` : `${m.spkName}.${m.suffix}.<rank>`)),
    ],
  };
}

