/**
 * How a run is executed — one options object with every default written once, here (as piscina
 * does with its default options). Nothing in it changes a result byte: the same config and seed
 * give the same outputs for any of these settings. `resolveRunOptions` fills the defaults once;
 * the part the ranks need (`RankSettings`) travels to them as is.
 */
import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import type { NetworkState } from '../io/netstate.js';
import { DEFAULT_AURYN_VERSION, aurynSpkTag } from '../io/spk.js';
import type { StatsLine } from '../io/stats.js';
import type { MonitorPlan } from './monitor-plan.js';
import type { Placement, ProcessRuntime } from './process-group.js';

import type { BlockEndFault } from './block-end-fault.js';

export type KernelKind = 'wasm' | 'reference';

/**
 * Knobs that exist only to test the engine. Absent in production, where they cost one null check
 * per interval; each one is named after what it breaks or provokes.
 */
export interface TestHooks {
  /** Merge spike lists in rank order instead of ascending id (breaks invariance; stress must notice). */
  rankOrderMerge?: boolean;
  /** Make rank `rank` throw or hang when its clock reaches `step`. */
  fault?: { rank: number; step: number; kind: 'throw' | 'hang' } | null;
  /** Sleep a seeded random 0…jitterMicros µs before every exchange and after publishing a shared pass. */
  jitterMicros?: number;
  jitterSeed?: number;
  /** Rank `rank` sleeps `micros` µs before every exchange (besides any jitter): one late rank that the others wait for. */
  slowRank?: { rank: number; micros: number } | null;
  /** Sleep this many ms after every chunk of an eligibility pass: a pass far longer than the steps around it. */
  chunkDelayMs?: number;
  /** Words of the MPI interval exchange's inline block (mpi-link.ts inlineWordsOf); small values force its second collective. */
  mpiInlineWords?: number;
  /** Freeze (SIGSTOP) or stall a process at a block end (block-end-fault.ts), for the block-end watch. */
  blockEndFault?: BlockEndFault | null;
}

export interface ProgressEvent {
  clock: number;
  endStep: number;
  simulatedSeconds: number;
  /** Simulated seconds at which this process's part of the run began (the resumed clock; 0 for a fresh run). */
  startSeconds: number;
  /** Wall seconds since this process's part of the run began. */
  wallSeconds: number;
  phase: 'burn-in' | 'block' | 'final';
  block: number;
  blocks: number;
  /** MSE of the latest stats line (NaN before the first). */
  mse: number;
}

/**
 * This process's rank threads' step-loop and barrier-wait time since the run began, summed over
 * its ranks, at a stats line (the ranks parked there, so every rank's share is in). Differences
 * between two stats lines give one block's wait share (bench).
 */
export interface RanksLoopSoFar {
  loopSeconds: number;
  waitSeconds: number;
  /**
   * When the ranks parked at this block end (`performance.now()` of this process), and the
   * process's CPU seconds (user + system) then: before the coordinator's own work at the block
   * end — the stats line, a checkpoint, and after the last block the trained state, which takes
   * tens of milliseconds and happens once per run, not per simulated second. Differences between
   * two stats lines give one block's wall and CPU time (bench).
   */
  parkedAtMs: number;
  cpuSecondsAtPark: number;
}

export interface RunOptions {
  /** Ranks in this process (data partitions; the result does not depend on their number). */
  workers?: number;
  /**
   * Threads that execute this process's ranks (rank-thread.ts). `auto`: as many as cores are free
   * for this process, at most one per rank (threads.ts); null: one per rank.
   */
  threads?: number | 'auto' | null;
  /** Output folder. */
  outDir?: string;
  /** Kernel implementation; both give the same bits. */
  kernels?: KernelKind;
  /** Continue from this saved state instead of a fresh network. */
  resume?: NetworkState;
  /** Start a fresh run whose weights are this state's (`--init-from`; shape checked by the caller). */
  initFrom?: NetworkState;
  /** Where `resume` was read from (for messages). */
  resumeFile?: string;
  /** The command line recorded in run.json's segment (default: `process.argv`). */
  argv?: string[];
  /** Stop with a checkpoint when this block is about to start (the run resumes from there). */
  stopAfterBlock?: number | null;
  /** Also write `<name>.checkpoint.netstate` before every k-th block, without stopping (0: never). */
  checkpointEveryBlocks?: number;
  /** A fresh run may delete the checkpoint of an interrupted run in its folder. Default false: refused. */
  force?: boolean;
  /** Write .spk files. */
  recordSpikes?: boolean;
  /**
   * Auryn version whose tag the `.spk` headers carry (`X.Y.Z`, e.g. 0.8.1 for the paper's code):
   * Auryn's `aube` warns on every file whose tag is not its own. Only the header's second field
   * changes.
   */
  aurynVersion?: string;
  /** State monitors, `KIND:GROUP[:IDS][@WINDOW]` or `auryn` (monitor-plan.ts); added to the config's `record`. */
  record?: string[];
  /** Sampling interval of state monitors, ms. */
  recordEveryMs?: number;
  /** Bin of rate monitors, ms. */
  recordRateBinMs?: number;
  /**
   * A rank that makes no progress for this long is declared hung. `auto`: generous during
   * start-up, then 20× the slowest progress seen so far, at least 5 s (rank-pool.ts).
   */
  hangTimeoutSeconds?: number | 'auto';
  /**
   * Busy-wait iterations at a barrier before sleeping (exchange.ts); `auto`: spin unless the
   * cores are oversubscribed (threads.ts), then sleep at once.
   */
  barrierSpin?: number | 'auto';
  /** Progress events every this many milliseconds. */
  progressIntervalMs?: number;
  /** Ranks waiting at a barrier compute chunks of slower ranks' eligibility passes. */
  shareWork?: boolean;
  /**
   * Where the presynaptic side (traces, psp, pEff) is computed: once per process by all its
   * threads, once per thread, or `auto`: per thread up to 2 threads (presynaptic-work.ts). The
   * result does not depend on it.
   */
  presynaptic?: PresynapticMode;
  /** Synapses per chunk of a shared eligibility pass (a blocked pass: BLOCK_CHUNK_FACTOR times as many, work-sharing.ts). */
  chunkSynapses?: number;
  onProgress?: ((event: ProgressEvent) => void) | null;
  onStats?: ((line: StatsLine, ranks: RanksLoopSoFar) => void) | null;
  /**
   * Said once when the rank threads measured more than half of their loop waiting at barriers
   * (cores shared with other work), with the layout that would be faster.
   */
  onNotice?: ((message: string) => void) | null;
  /** Aborting it asks the ranks to stop at the next interval and checkpoint (Ctrl-C, SIGTERM). */
  stopSignal?: AbortSignal | null;
  testHooks?: TestHooks | null;
  /**
   * Ranks in several processes (MPI): this process's placement and collectives. `workers` is then
   * the number of ranks in this process; the run has processes × workers ranks.
   */
  processes?: ProcessRuntime | null;
  /** Refuse networks estimated above this many GiB (default: the config's maxMemoryGiB, else the limit of config/limits.ts). */
  maxMemoryGiB?: number;
}

/** Where the presynaptic side is computed (presynaptic-work.ts, `presynapticCopiesFor`). */
export type PresynapticMode = 'auto' | 'per-process' | 'per-thread';
export const PRESYNAPTIC_MODES: readonly PresynapticMode[] = ['auto', 'per-process', 'per-thread'];

/**
 * Spin iterations at a barrier when every thread has a core of its own: about 100 µs here, what
 * a sleep on the futex and the wake-up cost (measured: a 50 µs timed wait takes ~140 µs), so a
 * wait costs at most twice the ideal (spin-then-block, exchange.ts).
 */
const BARRIER_SPIN_WHEN_CORES_SUFFICE = 20000;

/** Every default, once. `workers` is the core count of the machine running the coordinator. */
export const DEFAULT_RUN_OPTIONS = Object.freeze({
  workers: availableParallelism(),
  threads: null as number | 'auto' | null,
  outDir: 'output',
  kernels: 'wasm' as KernelKind,
  resume: undefined as NetworkState | undefined,
  resumeFile: undefined as string | undefined,
  initFrom: undefined as NetworkState | undefined,
  argv: undefined as string[] | undefined,
  stopAfterBlock: null as number | null,
  checkpointEveryBlocks: 0,
  force: false,
  recordSpikes: true,
  aurynVersion: DEFAULT_AURYN_VERSION,
  record: [] as string[],
  recordEveryMs: 1,
  recordRateBinMs: 10,
  hangTimeoutSeconds: 'auto' as number | 'auto',
  barrierSpin: 'auto' as number | 'auto',
  progressIntervalMs: 250,
  shareWork: true,
  presynaptic: 'auto' as PresynapticMode,
  chunkSynapses: 16384,
  onProgress: null as ((event: ProgressEvent) => void) | null,
  onStats: null as ((line: StatsLine, ranks: RanksLoopSoFar) => void) | null,
  onNotice: null as ((message: string) => void) | null,
  stopSignal: null as AbortSignal | null,
  testHooks: null as TestHooks | null,
  processes: null as ProcessRuntime | null,
  maxMemoryGiB: undefined as number | undefined,
});

export type ResolvedRunOptions = { -readonly [K in keyof typeof DEFAULT_RUN_OPTIONS]: (typeof DEFAULT_RUN_OPTIONS)[K] };

/** What every rank needs to know about how to run; structured-cloneable, handed over as is. */
export interface RankSettings {
  kernels: KernelKind;
  barrierSpin: number;
  shareWork: boolean;
  chunkSynapses: number;
  testHooks: TestHooks | null;
  /** Null in a one-process run. */
  placement: Placement | null;
  /** State monitors; null when nothing is recorded (then ranks create no monitor object). */
  monitors: MonitorPlan[] | null;
  /** Header tag of new `.spk` files (Auryn's version tag). */
  spkTag: number;
}

export function resolveRunOptions(options: RunOptions = {}): ResolvedRunOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const merged = { ...DEFAULT_RUN_OPTIONS, ...defined } as typeof DEFAULT_RUN_OPTIONS;
  if (!Number.isInteger(merged.workers) || merged.workers < 1) {
    throw new UserError(`workers must be a positive integer, got ${options.workers}`);
  }
  if (typeof merged.outDir !== 'string' || merged.outDir.trim() === '') {
    throw new UserError(`the output folder must be a non-empty path, got ${JSON.stringify(merged.outDir)} (an empty --out would write into the working directory)`);
  }
  const threads = merged.threads;
  if (threads !== null && threads !== 'auto' && (!Number.isInteger(threads) || threads < 1)) {
    throw new UserError(`threads must be a positive integer or auto, got ${threads}`);
  }
  if (!PRESYNAPTIC_MODES.includes(merged.presynaptic)) {
    throw new UserError(`presynaptic must be one of ${PRESYNAPTIC_MODES.join(', ')}, got ${JSON.stringify(merged.presynaptic)}`);
  }
  aurynSpkTag(merged.aurynVersion); // a bad version is a UserError before anything starts
  const hooks = merged.testHooks;
  const hasHooks = hooks !== null && Object.values(hooks).some((v) => v !== undefined && v !== null && v !== false && v !== 0);
  return { ...merged, testHooks: hasHooks ? hooks : null };
}

/** The ranks' settings once the process knows whether its threads oversubscribe the cores (threads.ts). */
export function rankSettings(options: ResolvedRunOptions, oversubscribed: boolean): RankSettings {
  const barrierSpin = options.barrierSpin === 'auto' ? (oversubscribed ? 0 : BARRIER_SPIN_WHEN_CORES_SUFFICE) : options.barrierSpin;
  return {
    kernels: options.kernels,
    barrierSpin,
    shareWork: options.shareWork,
    chunkSynapses: options.chunkSynapses,
    testHooks: options.testHooks,
    placement: options.processes?.placement ?? null,
    monitors: null,
    spkTag: aurynSpkTag(options.aurynVersion),
  };
}
