/**
 * Resource limits, checked before anything is allocated: a typo (`--hidden 25000000`,
 * `feedbackDelaySeconds: 1000`, `--workers 1000`) is refused up front with one line that names
 * the limit and what the request would cost, instead of swapping the machine for minutes.
 *
 * The memory estimate is network/layout.ts `computeLayout`'s total (the one shared WebAssembly
 * memory of a process) plus what lives outside it: one worker
 * thread per rank, its spike-file buffers, the replay tables and a network-state snapshot.
 * The default memory limit can be raised with `--max-memory-gib N` or the config key
 * `maxMemoryGiB`; the 4 GiB of one WebAssembly memory cannot.
 */
import { existsSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentConfig } from './schema.js';
import { DT_SECONDS } from '../model/constants.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH } from '../tasks/pixel-font.js';
import { computeLayout } from '../network/layout.js';
import { buildTopology, type NetworkShape } from '../network/topology.js';

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;

export const LIMITS = {
  /** Hidden layers: the paper uses up to 4; each layer costs a connection and two delay lines. */
  maxHiddenLayers: 64,
  /** Neurons of any one group (input, hidden layer, output). */
  maxGroupNeurons: 2 ** 24,
  /** Extra eligibility delay per hidden layer: the paper uses 0.8 ms. */
  maxFeedbackDelaySeconds: 1,
  /** Ranks (worker threads): each costs about WORKER_BYTES of its own. */
  maxWorkers: 256,
  /** Default of `maxMemoryGiB`. */
  defaultMaxMemoryGiB: 16,
  /** One WebAssembly memory: 65536 pages of 64 KiB. Not adjustable. */
  wasmMaxBytes: 4 * GiB,
  /** Pixels of a target picture (`superspike target`, the built-in task's picture). */
  maxImagePixels: 25_000_000,
  /** Events of the built-in task's generated input (12 bytes each while generated). */
  maxGeneratedEvents: 50_000_000,
  /** Seeds per condition of an experiment (each a run folder). */
  maxSeeds: 10_000,
  /** MPI processes of one local launch (`stress`/`bench --layouts`): each is a Node process of ~80 MiB. */
  maxLocalProcesses: 64,
} as const;

/** What one worker thread costs outside the shared memory (isolate, piscina, kernels). */
export const WORKER_BYTES = 8 * MiB;
/** Buffer of one rank's spike writer per group (io/spk.ts default). */
const SPK_BUFFER_BYTES = 64 * 1024;
/** "3.2 GiB", "512 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(bytes >= 10 * GiB ? 0 : 1)} GiB`;
  return `${Math.max(1, Math.round(bytes / MiB))} MiB`;
}

/**
 * Bytes of the shared WebAssembly memory of one process for this shape on `ranks` ranks, of
 * which it holds `localRanks` (all by default), with `presynapticCopies` copies of the presynaptic
 * side (layout.ts): computeLayout's own total. Laying out allocates
 * nothing (offsets only), so any size can be asked about.
 */
export function sharedMemoryBytes(shape: NetworkShape, ranks: number, localRanks?: readonly number[], presynapticCopies = 1): number {
  return computeLayout(buildTopology(shape), ranks, localRanks, presynapticCopies).totalBytes;
}

/** Bytes of one network-state snapshot (global arrays, float32/int32): what a checkpoint holds. */
export function stateBytes(shape: NetworkShape): number {
  const topology = buildTopology(shape);
  let values = 0;
  for (const g of topology.groups) values += (g.kind === 'lif' ? 3 * g.size : 0) + (g.presynaptic ? g.size : 0);
  for (const c of topology.connections) {
    const syn = c.nPre * c.nPost;
    values += syn;
    if (c.plastic) values += 4 * syn + 5 * c.nPost + c.delaySteps * (c.nPost + c.nPre) + c.nPre;
    // A longer spike delay: the connection's own pre trace (the rings' history is a few spike ids per step).
    if (c.ownPreTrace) values += c.nPre;
    if (c.regulariser) values += c.nPost;
    if (c.feedback?.mode === 'random') values += shape.nOutput * c.nPost;
  }
  return values * 4;
}

export interface NetworkBytes {
  /** The shared WebAssembly memory (computeLayout's totalBytes). */
  sharedBytes: number;
  /** Worker threads and their spike-file buffers. */
  workerBytes: number;
  /** A state snapshot and its encoding while a checkpoint is written. */
  snapshotBytes: number;
  /** Replay tables: the global ones and their per-rank partitions. */
  replayBytes: number;
  totalBytes: number;
}

/**
 * Estimated memory of a run of `shape` on `ranks` ranks with `replayEvents` input + target
 * events. Pure arithmetic on the shape; call it before computeLayout.
 */
export function estimateNetworkBytes(
  shape: NetworkShape, ranks: number, replayEvents = 0, localRanks?: readonly number[], monitorBytes = 0, presynapticCopies = 1,
): NetworkBytes {
  const groups = shape.hidden.length + 3;
  const sharedBytes = sharedMemoryBytes(shape, ranks, localRanks, presynapticCopies);
  const workerBytes = (localRanks?.length ?? ranks) * (WORKER_BYTES + groups * SPK_BUFFER_BYTES) + monitorBytes;
  const snapshotBytes = 2 * stateBytes(shape);
  const replayBytes = 2 * 8 * replayEvents;
  return { sharedBytes, workerBytes, snapshotBytes, replayBytes, totalBytes: sharedBytes + workerBytes + snapshotBytes + replayBytes };
}

export class LimitError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/** The semantic parts of a config the limits look at (before the task is resolved). */
export interface ShapeRequest {
  hidden: readonly number[];
  feedbackDelaySeconds: number;
  nInput?: number;
  nOutput?: number;
}

/**
 * Limits that need no task: layer count, layer sizes, feedback delay. `source` names the config
 * in the message.
 */
export function checkShapeLimits(req: ShapeRequest, source: string): void {
  const L = req.hidden.length;
  if (L > LIMITS.maxHiddenLayers) {
    throw new LimitError(`${source}: ${L} hidden layers is above the limit of ${LIMITS.maxHiddenLayers} (each layer adds a connection, two delay lines and a spike file per rank)`);
  }
  const sizes: Array<[string, number | undefined]> = [
    ['nInput', req.nInput], ['nOutput', req.nOutput], ...req.hidden.map((n, i): [string, number] => [`hidden[${i}]`, n]),
  ];
  for (const [key, n] of sizes) {
    if (n !== undefined && n > LIMITS.maxGroupNeurons) {
      throw new LimitError(`${source}: ${key} = ${n} neurons is above the limit of ${LIMITS.maxGroupNeurons} per group (its state alone would need ${formatBytes(n * 16)})`);
    }
  }
  if (req.feedbackDelaySeconds > LIMITS.maxFeedbackDelaySeconds) {
    const steps = Math.round(req.feedbackDelaySeconds / 1e-4);
    const widest = Math.max(1, ...req.hidden);
    throw new LimitError(
      `${source}: feedbackDelaySeconds ${req.feedbackDelaySeconds} is above the limit of ${LIMITS.maxFeedbackDelaySeconds} s ` +
        `(the paper uses 0.0008; its delay lines would hold ${steps} steps per neuron, ${formatBytes(steps * widest * 4 * Math.max(1, L))} or more)`,
    );
  }
}

/** Refuses more ranks than LIMITS.maxWorkers; returns a warning when ranks exceed the largest group. */
/**
 * `ranks`: of the whole run; `threads`: of this process (the same without MPI), which is what the
 * worker limit bounds. Returns a warning when some rank would own no neuron at all.
 */
export function checkWorkers(ranks: number, shape: NetworkShape | null, threads = ranks): string | null {
  if (threads > LIMITS.maxWorkers) {
    throw new LimitError(`--workers ${threads} is above the limit of ${LIMITS.maxWorkers} (each worker thread costs about ${formatBytes(WORKER_BYTES)}; ${threads} would need ${formatBytes(threads * WORKER_BYTES)} before the network)`);
  }
  if (!shape) return null;
  const largest = Math.max(shape.nInput, shape.nOutput, ...shape.hidden);
  if (ranks > largest) {
    return `${ranks} ranks are more than the largest layer (${largest} neurons): ${ranks - largest} rank(s) will own no neuron of any layer and only wait at barriers`;
  }
  return null;
}

/**
 * Refuses a network whose shared memory exceeds what one WebAssembly memory holds, or whose
 * estimated total exceeds `maxMemoryGiB` (default LIMITS.defaultMaxMemoryGiB).
 */
/** The memory limits of one process, which holds `localRanks` of the run's `ranks` (all without MPI). */
export function checkNetworkMemory(
  shape: NetworkShape, ranks: number, replayEvents: number, maxMemoryGiB?: number, localRanks?: readonly number[],
  /** Buffers of state monitors (--record) in this process. */
  monitorBytes = 0,
  /** Copies of the presynaptic side in this process (layout.ts). */
  presynapticCopies = 1,
): NetworkBytes {
  const est = estimateNetworkBytes(shape, ranks, replayEvents, localRanks, monitorBytes, presynapticCopies);
  const share = localRanks && localRanks.length < ranks ? ` (per process, ${localRanks.length} of them)` : '';
  const describe = `${shape.nInput}-${[...shape.hidden, shape.nOutput].join('-')} network on ${ranks} rank${ranks === 1 ? '' : 's'}${share}`;
  if (est.sharedBytes > LIMITS.wasmMaxBytes) {
    throw new LimitError(
      `the ${describe} needs ${formatBytes(est.sharedBytes)} of shared memory, above the ${formatBytes(LIMITS.wasmMaxBytes)} one WebAssembly memory can hold: use smaller layers`,
    );
  }
  const limitGiB = maxMemoryGiB ?? LIMITS.defaultMaxMemoryGiB;
  if (est.totalBytes > limitGiB * GiB) {
    throw new LimitError(
      `the ${describe} would need about ${formatBytes(est.totalBytes)}, above the memory limit of ${limitGiB} GiB (raise it with --max-memory-gib or the config key maxMemoryGiB)`,
    );
  }
  return est;
}

/** What one state monitor holds in memory per rank before it writes (engine/monitors.ts FLUSH_CHARS of UTF-16). */
export const MONITOR_BUFFER_BYTES = 128 * 1024;

/**
 * Refuses monitors whose files would not fit on the output folder's file system (its free space
 * now, less a margin for the spike files and states), naming what they would take.
 */
export function checkMonitorDisk(diskBytes: number, outDir: string, source = '--record'): void {
  if (diskBytes === 0) return;
  let dir = path.resolve(outDir);
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  let free: number;
  try {
    const st = statfsSync(dir);
    free = st.bavail * st.bsize;
  } catch {
    return; // no answer from the file system: the writers report a full disk by file name
  }
  if (diskBytes > 0.9 * free) {
    throw new LimitError(`${source}: the recorded state would take about ${formatBytes(diskBytes)} on disk, but ${dir} has ${formatBytes(free)} free: record fewer neurons or synapses, a longer --record-every-ms, or a shorter window (@tests)`);
  }
}

/** Refuses a picture above LIMITS.maxImagePixels, naming what decoding it would cost. */
export function checkImagePixels(width: number, height: number, source: string): void {
  const pixels = width * height;
  if (pixels > LIMITS.maxImagePixels) {
    throw new LimitError(
      `${source}: ${width}×${height} = ${pixels} pixels is above the limit of ${LIMITS.maxImagePixels} pixels ` +
        `(decoding it would take ${formatBytes(pixels * 4)} of RGBA and a target neuron per row)`,
    );
  }
}

/**
 * Every limit a config implies on its own (before its rasters are read): shape limits, and the
 * built-in task's picture size, bin width and generated input. `source` names the config.
 */
export function checkConfigLimits(config: ExperimentConfig, source: string): void {
  checkShapeLimits(config, source);
  if (config.trials !== undefined) {
    // The background alone: XOR's 100 inputs, or nInput (the user's stimuli add a few events per trial).
    const neurons = config.trials.stimuli === 'xor' ? 100 : config.nInput ?? 0;
    checkPoissonEvents(`${source}: the trial background`, neurons, config.trials.backgroundRateHz, config.blockSeconds * (config.blocks + 1));
  }
  const task = config.task;
  if (!task) return;
  if (task.binSeconds < DT_SECONDS) {
    throw new LimitError(`${source}: task.binSeconds ${task.binSeconds} is shorter than the 0.1 ms time step: one pixel column needs at least one step`);
  }
  const width = [...task.text].length * (GLYPH_WIDTH + 1) + 1;
  const height = GLYPH_HEIGHT * task.scale + 2;
  checkImagePixels(width, height, `${source}: the built-in picture of task.text at task.scale ${task.scale}`);
  if (task.inputNeurons > LIMITS.maxGroupNeurons) {
    throw new LimitError(`${source}: task.inputNeurons = ${task.inputNeurons} is above the limit of ${LIMITS.maxGroupNeurons} per group`);
  }
  checkPoissonEvents(`${source}: the built-in input`, task.inputNeurons, task.inputRateHz, width * task.binSeconds);
}

/** Refuses a generated Poisson raster (`what`, e.g. "superspike input") expected above LIMITS.maxGeneratedEvents. */
export function checkPoissonEvents(what: string, neurons: number, rateHz: number, seconds: number): void {
  const events = neurons * rateHz * seconds;
  if (events > LIMITS.maxGeneratedEvents) {
    throw new LimitError(
      `${what} would hold about ${Math.round(events)} events (${neurons} neurons × ${rateHz} Hz × ${seconds} s), ` +
        `above the limit of ${LIMITS.maxGeneratedEvents} (${formatBytes(events * 12)} while generated)`,
    );
  }
}
