/**
 * The coordinator (main thread): builds the network in one shared memory, starts one piscina
 * task per rank, drives the experiment protocol of SPEC §8 segment by segment, aggregates the
 * error signals and statistics in ascending global id, writes the stats file, the network state
 * and run.json, and turns a failing or silent rank into an error that names it.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import { UserError } from '../errors.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import { saveNetworkState, NETSTATE_FORMAT, NETSTATE_VERSION, type NetworkState } from '../io/netstate.js';
import { writeRunInfo, type RunInfo } from '../io/run-info.js';
import { spkRankFiles, truncateSpkAfter } from '../io/spk.js';
import { formatStatsLine, type StatsLine } from '../io/stats.js';
import { DT_SECONDS, MSE_SCALE, STEPS_PER_SECOND, TAU_AVG_SECONDS, secondsToSteps } from '../model/constants.js';
import { RANK_WORKER_PATH } from '../paths.js';
import { ControlBlock, RankAbortedError } from './exchange.js';
import { computeLayout, createSharedMemory, type MemoryLayout } from './layout.js';
import type { RankTiming } from './rank.js';
import type { RankTaskData } from './rank-task.js';
import { NetworkView } from './snapshot.js';
import { ownerRank } from './partition.js';
import { buildTopology, type NetworkShape, type Topology } from './topology.js';

/** How a run is executed. Nothing here changes the results. */
export interface RunOptions {
  /** Ranks (worker threads). Default: the number of cores. */
  workers?: number;
  /** Output folder. Default `output`. */
  outDir?: string;
  /** Kernel implementation. Default `wasm`. */
  kernels?: 'wasm' | 'reference';
  /** Continue from this saved state instead of a fresh network. */
  resume?: NetworkState;
  /** Stop with a checkpoint when this block is about to start (the run resumes from there). */
  stopAfterBlock?: number;
  /** Also write `<name>.checkpoint.netstate` before every k-th block, without stopping. */
  checkpointEveryBlocks?: number;
  /** Write .spk files (default true). */
  recordSpikes?: boolean;
  /** A rank that makes no progress for this long is declared hung. Default 60 s. */
  hangTimeoutSeconds?: number;
  /** Busy-wait iterations at a barrier before sleeping. Default: 20000, 0 if ranks > cores. */
  barrierSpin?: number;
  /** Progress events every this many milliseconds. Default 250. */
  progressIntervalMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  onStats?: (line: StatsLine) => void;
  /** Aborting it asks the ranks to stop at the next interval and checkpoint (Ctrl-C). */
  stopSignal?: AbortSignal;
  /** Test-only: merge spikes in rank order (breaks invariance; the stress tool must notice). */
  rankOrderMerge?: boolean;
  /** Test-only: make one rank fail at a step. */
  fault?: { rank: number; step: number; kind: 'throw' | 'hang' } | null;
  /** Ranks waiting at a barrier compute chunks of slower ranks' eligibility passes (default true). */
  shareWork?: boolean;
  /** Synapses per shared chunk (default 16384; tests use tiny chunks to share a lot). */
  chunkSynapses?: number;
  /** Stress testing: random sleeps of up to this many µs before every exchange. */
  jitterMicros?: number;
  jitterSeed?: number;
}

export interface ProgressEvent {
  clock: number;
  endStep: number;
  simulatedSeconds: number;
  wallSeconds: number;
  phase: 'burn-in' | 'block' | 'final';
  block: number;
  blocks: number;
  /** MSE of the latest stats line (NaN before the first). */
  mse: number;
}

export interface RunResult {
  interrupted: boolean;
  clock: number;
  endStep: number;
  outDir: string;
  statsFile: string;
  stateFile: string | null;
  stats: StatsLine[];
  timings: RankTiming[];
  wallSeconds: number;
  simulatedSeconds: number;
  files: string[];
  info: RunInfo;
}

export class RunFailedError extends UserError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'RunFailedError';
  }
}

/** The protocol's fixed points in steps (SPEC §8). */
export interface Schedule {
  blockSteps: number;
  burnInSteps: number;
  blocks: number;
  /** Clock at the end of the last block. */
  trainingEnd: number;
  periodSteps: number;
  endStep: number;
  testWindowSteps: number;
}

export function computeSchedule(config: ExperimentConfig, task: ResolvedTask): Schedule {
  const blockSteps = secondsToSteps(config.blockSeconds);
  if (blockSteps % 8 !== 0 || blockSteps <= 0) {
    throw new UserError(`blockSeconds ${config.blockSeconds} must be a positive multiple of 0.8 ms (the exchange interval)`);
  }
  const trainingEnd = blockSteps + config.blocks * blockSteps;
  const period = task.target.periodSteps || task.input.periodSteps;
  let endStep: number;
  if (period > 0) {
    endStep = Math.ceil(trainingEnd / period) * period + period;
  } else {
    const last = Math.max(lastStep(task.target.steps), lastStep(task.input.steps));
    endStep = trainingEnd + last + 1;
  }
  if (endStep > 0x7fffffff) throw new UserError('the run is longer than the 2^31-step clock allows (59 hours of simulated time)');
  return {
    blockSteps, burnInSteps: blockSteps, blocks: config.blocks, trainingEnd, periodSteps: period, endStep,
    testWindowSteps: Math.min(STEPS_PER_SECOND, blockSteps),
  };
}

function lastStep(steps: Int32Array): number {
  return steps.length ? steps[steps.length - 1]! : 0;
}

export function networkShape(config: ExperimentConfig, task: ResolvedTask): NetworkShape {
  return {
    nInput: task.nInput,
    hidden: config.hidden,
    nOutput: task.nOutput,
    feedback: config.feedback,
    partial: config.partial,
    learnHidden: config.learnHidden,
    feedbackDelaySteps: secondsToSteps(config.feedbackDelaySeconds),
  };
}

/** Per-rank slice of a replay table: the events of the neurons rank r owns. */
function partitionTable(table: ResolvedTask['input'], rank: number, ranks: number): ResolvedTask['input'] {
  const keep: number[] = [];
  for (let e = 0; e < table.ids.length; e++) if (ownerRank(table.ids[e]!, ranks) === rank) keep.push(e);
  return {
    steps: Int32Array.from(keep, (e) => table.steps[e]!),
    ids: Uint32Array.from(keep, (e) => table.ids[e]!),
    periodSteps: table.periodSteps,
  };
}

export async function runExperiment(config: ExperimentConfig, task: ResolvedTask, options: RunOptions = {}): Promise<RunResult> {
  return new Coordinator(config, task, options).run();
}

class Coordinator {
  private readonly ranks: number;
  private readonly outDir: string;
  private readonly topology: Topology;
  private readonly layout: MemoryLayout;
  private readonly schedule: Schedule;
  private readonly memory: WebAssembly.Memory;
  private readonly control: ControlBlock;
  private readonly view: NetworkView;
  private readonly statsFile: string;
  private readonly stats: StatsLine[] = [];
  private statsLines = 0;
  private clock = 0;
  private failure: Error | null = null;
  private startWall = 0;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly task: ResolvedTask,
    private readonly options: RunOptions,
  ) {
    this.ranks = options.workers ?? availableParallelism();
    if (!Number.isInteger(this.ranks) || this.ranks < 1) throw new UserError(`workers must be a positive integer, got ${options.workers}`);
    this.outDir = path.resolve(options.outDir ?? 'output');
    this.topology = buildTopology(networkShape(config, task));
    this.layout = computeLayout(this.topology, this.ranks);
    this.schedule = computeSchedule(config, task);
    this.memory = createSharedMemory(this.layout);
    this.control = new ControlBlock(this.memory.buffer, this.layout);
    this.control.reset();
    this.view = new NetworkView(this.memory, this.layout, this.topology);
    this.statsFile = path.join(this.outDir, `${config.name}.stats`);
  }

  async run(): Promise<RunResult> {
    mkdirSync(this.outDir, { recursive: true });
    const resume = this.options.resume;
    if (resume) {
      this.clock = resume.clock;
      this.statsLines = resume.statsLines;
      this.view.restore(resume.groups, resume.connections);
      this.prepareResumedOutputs();
    } else {
      this.prepareFreshOutputs();
    }
    const record = this.options.recordSpikes ?? true;
    const cores = availableParallelism();
    const spin = this.options.barrierSpin ?? (this.ranks <= cores ? 20000 : 0);
    const taskData = (rank: number): RankTaskData => ({
      rank,
      ranks: this.ranks,
      shape: this.topology.shape,
      memory: this.memory,
      inputReplay: partitionTable(this.task.input, rank, this.ranks),
      targetReplay: partitionTable(this.task.target, rank, this.ranks),
      outDir: record ? this.outDir : null,
      appendSpikes: resume !== undefined,
      kernels: this.options.kernels ?? 'wasm',
      barrierSpin: spin,
      startClock: this.clock,
      initialise: resume ? null : { seed: this.config.seed, w0: this.config.w0 },
      rankOrderMerge: this.options.rankOrderMerge ?? false,
      fault: this.options.fault && this.options.fault.rank === rank ? { step: this.options.fault.step, kind: this.options.fault.kind } : null,
      jitterMicros: this.options.jitterMicros ?? 0,
      shareWork: this.options.shareWork ?? true,
      chunkSynapses: this.options.chunkSynapses ?? 16384,
      jitterSeed: this.options.jitterSeed ?? 0,
    });

    this.startWall = performance.now();
    if (!existsSync(RANK_WORKER_PATH)) {
      throw new UserError(`the worker entry ${RANK_WORKER_PATH} is missing: run \`npm run build\` first`);
    }
    const pool = new Piscina({
      filename: RANK_WORKER_PATH,
      minThreads: this.ranks,
      maxThreads: this.ranks,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      atomics: 'disabled',
    });
    const tasks: Array<Promise<RankTiming>> = [];
    for (let r = 0; r < this.ranks; r++) tasks.push(pool.run(taskData(r)) as Promise<RankTiming>);
    tasks.forEach((t, rank) => {
      t.catch((err: unknown) => this.noteRankFailure(rank, err));
    });

    const progressTimer = setInterval(() => this.emitProgress(), this.options.progressIntervalMs ?? 250);
    const onStop = () => this.control.requestStop();
    this.options.stopSignal?.addEventListener('abort', onStop);
    if (this.options.stopSignal?.aborted) onStop();
    let interrupted = false;
    let stateFile: string | null = null;
    let timings: RankTiming[] = [];
    try {
      await this.waitParked();
      interrupted = await this.drive();
      stateFile = this.saveState(interrupted);
      this.control.post({ targetStep: this.clock, eta: 0, learning: false, frozen: true, finish: true });
      timings = await Promise.all(tasks);
    } catch (err) {
      this.control.abort();
      await Promise.race([Promise.allSettled(tasks), sleep(2000)]);
      throw err instanceof RunFailedError || err instanceof UserError ? err : new RunFailedError((err as Error).message, err);
    } finally {
      clearInterval(progressTimer);
      this.options.stopSignal?.removeEventListener('abort', onStop);
      await pool.destroy();
    }
    return this.finish(interrupted, stateFile, timings);
  }

  private noteRankFailure(rank: number, err: unknown): void {
    if (err instanceof RankAbortedError || (err as Error)?.name === 'RankAbortedError') return;
    if (this.failure) return;
    const message = (err as Error)?.message ?? String(err);
    const named = /^rank \d+ /.test(message) ? message : `rank ${rank} failed at step ≈${this.control.rankClock(rank)}: ${message}`;
    this.failure = new RunFailedError(named, err);
    this.control.abort();
  }

  /** Waits until all ranks parked; fails on a rank error or when no rank moves for too long. */
  private async waitParked(): Promise<void> {
    const timeoutMs = (this.options.hangTimeoutSeconds ?? 60) * 1000;
    let lastSignature = -1;
    let lastChange = performance.now();
    const ok = await this.control.waitAllParked(50, () => {
      if (this.failure) return true;
      let signature = this.control.parkedCount;
      for (let r = 0; r < this.ranks; r++) signature = (signature * 31 + this.control.rankClock(r)) % 2147483647;
      const now = performance.now();
      if (signature !== lastSignature) {
        lastSignature = signature;
        lastChange = now;
      } else if (now - lastChange > timeoutMs) {
        this.failure = this.hangError(timeoutMs / 1000);
        this.control.abort();
        return true;
      }
      return false;
    });
    if (!ok) throw this.failure ?? new RunFailedError('ranks stopped answering');
    this.clock = this.control.rankClock(0) || this.clock;
  }

  private hangError(seconds: number): RunFailedError {
    const clocks = Array.from({ length: this.ranks }, (_, r) => this.control.rankClock(r));
    const min = Math.min(...clocks);
    const laggards = clocks.map((c, r) => (c === min ? r : -1)).filter((r) => r >= 0);
    const who = laggards.length === this.ranks
      ? `all ${this.ranks} ranks`
      : `rank${laggards.length > 1 ? 's' : ''} ${laggards.join(', ')}`;
    return new RunFailedError(
      `${who} stopped answering after step ${min} (no progress for ${seconds} s; the others wait at the barrier of step ${Math.max(...clocks)})`,
    );
  }

  /** The protocol (SPEC §8) from the current clock on. Returns true when interrupted. */
  private async drive(): Promise<boolean> {
    const s = this.schedule;
    const eta0 = this.config.eta;
    // SPEC §8: from block 20 on, η₀/10 (not cumulative).
    const etaOfBlock = (b: number) => (b >= 20 ? eta0 / 10 : eta0);
    for (;;) {
      const clock = this.clock;
      if (this.control.stopRequested) return true;
      let target: number;
      let learning = true;
      let frozen = false;
      let eta = eta0;
      if (clock < s.burnInSteps) {
        target = s.burnInSteps;
        learning = false;
      } else if (clock < s.trainingEnd) {
        const b = Math.floor((clock - s.burnInSteps) / s.blockSteps);
        const blockStart = s.burnInSteps + b * s.blockSteps;
        if (clock === blockStart && this.statsLines === b) {
          if (this.options.stopAfterBlock === b) return true;
          const every = this.options.checkpointEveryBlocks ?? 0;
          if (every > 0 && b > 0 && b % every === 0) this.saveState(true);
          this.writeStats(b);
        }
        eta = etaOfBlock(b);
        target = blockStart + s.blockSteps;
      } else if (clock < s.endStep) {
        if (this.statsLines === s.blocks) this.writeStats(s.blocks);
        frozen = true;
        learning = false;
        eta = etaOfBlock(s.blocks - 1);
        target = s.endStep;
      } else {
        if (this.statsLines === s.blocks) this.writeStats(s.blocks);
        return false;
      }
      this.control.post({ targetStep: target, eta, learning, frozen, finish: false });
      await this.waitParked();
    }
  }

  private writeStats(block: number): void {
    const c = this.topology.outputConnection;
    const info = this.topology.connections[c]!;
    const synapses = info.nPre * info.nPost;
    const t = this.clock * DT_SECONDS;
    const meanSq = this.view.sumPost(c, 'avgSqErr') / info.nPost;
    const line: StatsLine = {
      block,
      mse: (MSE_SCALE * meanSq) / (1 - Math.exp(-t / TAU_AVG_SECONDS) + 1e-9),
      meanW: this.view.sumSynapses(c, 'w') / synapses,
      meanEl: this.view.sumSynapses(c, 'el') / synapses,
      meanElFlt: this.view.sumSynapses(c, 'elFlt') / synapses,
      meanElSum: this.view.sumSynapses(c, 'elSum') / synapses,
      meanGrad2: this.view.sumSynapses(c, 'grad2') / synapses,
      meanErrFiltered: this.view.sumPost(c, 'errFiltered') / info.nPost,
    };
    writeFileSync(this.statsFile, `${formatStatsLine(line)}\n`, { flag: 'a' });
    this.stats.push(line);
    this.statsLines++;
    this.options.onStats?.(line);
  }

  private emitProgress(): void {
    if (!this.options.onProgress) return;
    const s = this.schedule;
    let clock = Infinity;
    for (let r = 0; r < this.ranks; r++) clock = Math.min(clock, this.control.rankClock(r));
    if (!Number.isFinite(clock)) clock = this.clock;
    const phase = clock < s.burnInSteps ? 'burn-in' : clock < s.trainingEnd ? 'block' : 'final';
    this.options.onProgress({
      clock,
      endStep: s.endStep,
      simulatedSeconds: clock * DT_SECONDS,
      wallSeconds: (performance.now() - this.startWall) / 1000,
      phase,
      block: phase === 'block' ? Math.floor((clock - s.burnInSteps) / s.blockSteps) : phase === 'final' ? s.blocks : -1,
      blocks: s.blocks,
      mse: this.stats.length ? this.stats[this.stats.length - 1]!.mse : NaN,
    });
  }

  private spkNames(): string[] {
    return this.topology.groups.map((g) => g.spkName);
  }

  /** Rank files matching this network's groups, whatever rank count wrote them. */
  private existingRankFiles(): string[] {
    return this.spkNames().flatMap((name) => spkRankFiles(path.join(this.outDir, name)));
  }

  private prepareFreshOutputs(): void {
    // Stale files of an earlier run with more ranks would otherwise join every merge.
    for (const f of this.existingRankFiles()) rmSync(f);
    writeFileSync(this.statsFile, '');
  }

  private prepareResumedOutputs(): void {
    for (const f of this.existingRankFiles()) truncateSpkAfter(f, this.clock);
    const kept = existsSync(this.statsFile)
      ? readFileSync(this.statsFile, 'utf8').split('\n').filter((l) => l !== '').slice(0, this.statsLines)
      : [];
    if (kept.length < this.statsLines) {
      throw new UserError(
        `${this.statsFile} has ${kept.length} lines but the state was saved after ${this.statsLines}: resume into the run's own output folder`,
      );
    }
    writeFileSync(this.statsFile, kept.map((l) => `${l}\n`).join(''));
  }

  private stateFileFor(interrupted: boolean): string {
    return path.join(this.outDir, interrupted ? `${this.config.name}.checkpoint.netstate` : `${this.config.name}.netstate`);
  }

  private saveState(interrupted: boolean): string {
    const state: NetworkState = {
      format: NETSTATE_FORMAT,
      version: NETSTATE_VERSION,
      config: this.config as unknown as Record<string, unknown>,
      task: this.task,
      clock: this.clock,
      statsLines: this.statsLines,
      groups: this.view.captureGroups(this.clock),
      connections: this.view.captureConnections(this.clock),
    };
    const file = this.stateFileFor(interrupted);
    saveNetworkState(file, state);
    return file;
  }

  private finish(interrupted: boolean, stateFile: string | null, timings: RankTiming[]): RunResult {
    const s = this.schedule;
    const wallSeconds = (performance.now() - this.startWall) / 1000;
    const testWindows = [];
    for (let b = 0; b < s.blocks; b++) {
      const from = s.burnInSteps + b * s.blockSteps;
      if (from >= this.clock) break;
      testWindows.push({ block: b, fromStep: from, toStep: Math.min(from + s.testWindowSteps, this.clock) });
    }
    const finalFrom = s.endStep - (s.periodSteps || s.endStep - s.trainingEnd);
    const info: RunInfo = {
      name: this.config.name,
      config: this.config as unknown as Record<string, unknown>,
      taskDescription: this.task.description,
      ranks: this.ranks,
      kernels: this.options.kernels ?? 'wasm',
      groups: this.topology.groups.map((g) => ({ spkName: g.spkName, role: g.role, size: g.size })),
      connections: this.topology.connections.map((c) => ({
        pre: this.topology.groups[c.preGroup]!.spkName,
        post: this.topology.groups[c.postGroup]!.spkName,
        synapses: c.nPre * c.nPost,
        plastic: c.plastic,
      })),
      stepsPerSecond: STEPS_PER_SECOND,
      burnInSteps: s.burnInSteps,
      blockSteps: s.blockSteps,
      blocks: s.blocks,
      gridSteps: this.task.gridSteps,
      periodSteps: s.periodSteps,
      endStep: s.endStep,
      clock: this.clock,
      interrupted,
      testWindows,
      finalWindow: !interrupted ? { block: s.blocks, fromStep: finalFrom, toStep: s.endStep } : null,
      statsFile: path.basename(this.statsFile),
      stateFile: stateFile ? path.basename(stateFile) : null,
      wallSeconds,
      simulatedSeconds: this.clock * DT_SECONDS,
      rankTimings: timings,
    };
    writeRunInfo(this.outDir, info);
    const files = [
      ...this.existingRankFiles().sort(),
      this.statsFile,
      ...(stateFile ? [stateFile] : []),
      path.join(this.outDir, 'run.json'),
    ];
    return {
      interrupted,
      clock: this.clock,
      endStep: s.endStep,
      outDir: this.outDir,
      statsFile: this.statsFile,
      stateFile,
      stats: this.stats,
      timings,
      wallSeconds,
      simulatedSeconds: this.clock * DT_SECONDS,
      files,
      info,
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
