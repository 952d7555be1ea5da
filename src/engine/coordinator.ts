/**
 * The coordinator (main thread): builds the network in one shared memory, starts the ranks
 * (rank-pool.ts), and drives the protocol (schedule.ts) segment by segment — while the ranks are
 * parked it writes the stats line of each block (statistics.ts) and checkpoints (outputs.ts). It
 * orchestrates; it neither formats files nor knows the protocol's arithmetic.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import type { RunInfo } from '../io/run-info.js';
import type { StatsLine } from '../io/stats.js';
import { DT_SECONDS } from '../model/constants.js';
import { ControlBlock } from './exchange.js';
import { computeLayout, createSharedMemory, type MemoryLayout } from './layout.js';
import { rankSettings, resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './options.js';
import { RunOutputs } from './outputs.js';
import { RankPool } from './rank-pool.js';
import { RunFailedError } from './rank-errors.js';
import type { RankTaskData } from './rank-task.js';
import { nextSegment, phaseAt, type Schedule } from './schedule.js';
import { networkShape, partitionTable, scheduleFor } from './setup.js';
import { NetworkView } from './snapshot.js';
import { statsLine } from './statistics.js';
import { buildTopology, type Topology } from './topology.js';
import type { RankTiming } from './wait-log.js';

export type { ProgressEvent, RunOptions } from './options.js';
export { RunFailedError } from './rank-errors.js';

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

export async function runExperiment(config: ExperimentConfig, task: ResolvedTask, options: RunOptions = {}): Promise<RunResult> {
  return new Coordinator(config, task, resolveRunOptions(options)).run();
}

class Coordinator {
  private readonly ranks: number;
  private readonly topology: Topology;
  private readonly layout: MemoryLayout;
  private readonly schedule: Schedule;
  private readonly memory: WebAssembly.Memory;
  private readonly control: ControlBlock;
  private readonly view: NetworkView;
  private readonly outputs: RunOutputs;
  private readonly stats: StatsLine[] = [];
  private statsLines = 0;
  private clock = 0;
  private startWall = 0;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly task: ResolvedTask,
    private readonly options: ResolvedRunOptions,
  ) {
    this.ranks = options.workers;
    this.topology = buildTopology(networkShape(config, task));
    this.layout = computeLayout(this.topology, this.ranks);
    this.schedule = scheduleFor(config, task);
    this.memory = createSharedMemory(this.layout);
    this.control = new ControlBlock(this.memory.buffer, this.layout);
    this.control.reset();
    this.view = new NetworkView(this.memory, this.layout, this.topology);
    this.outputs = new RunOutputs(path.resolve(options.outDir), config, task, this.topology);
  }

  async run(): Promise<RunResult> {
    const { options, outputs } = this;
    mkdirSync(outputs.outDir, { recursive: true });
    const resume = options.resume;
    if (resume) {
      this.clock = resume.clock;
      this.statsLines = resume.statsLines;
      this.view.restore(resume.groups, resume.connections);
      outputs.prepareResumed(this.clock, this.statsLines);
    } else {
      outputs.prepareFresh();
    }
    const settings = rankSettings(options);
    const taskData = (rank: number): RankTaskData => ({
      rank,
      ranks: this.ranks,
      shape: this.topology.shape,
      memory: this.memory,
      inputReplay: partitionTable(this.task.input, rank, this.ranks),
      targetReplay: partitionTable(this.task.target, rank, this.ranks),
      outDir: options.recordSpikes ? outputs.outDir : null,
      appendSpikes: resume !== undefined,
      startClock: this.clock,
      initialise: resume ? null : { seed: this.config.seed, w0: this.config.w0 },
      settings,
    });

    this.startWall = performance.now();
    const pool = new RankPool(this.control, Array.from({ length: this.ranks }, (_, r) => r), taskData);
    const progressTimer = setInterval(() => this.emitProgress(), options.progressIntervalMs);
    const onStop = () => this.control.requestStop();
    options.stopSignal?.addEventListener('abort', onStop);
    if (options.stopSignal?.aborted) onStop();
    let interrupted = false;
    let stateFile: string | null = null;
    let timings: RankTiming[] = [];
    try {
      await this.waitParked(pool);
      interrupted = await this.drive(pool);
      stateFile = this.saveState(interrupted);
      this.control.post({ targetStep: this.clock, eta: 0, learning: false, frozen: true, finish: true });
      timings = await pool.finished();
    } catch (err) {
      await pool.abandon();
      throw err instanceof UserError ? err : new RunFailedError((err as Error).message, err);
    } finally {
      clearInterval(progressTimer);
      options.stopSignal?.removeEventListener('abort', onStop);
      await pool.destroy();
    }
    return this.finish(interrupted, stateFile, timings);
  }

  private async waitParked(pool: RankPool): Promise<void> {
    await pool.waitParked(this.options.hangTimeoutSeconds);
    this.clock = this.control.rankClock(0) || this.clock;
  }

  /** The protocol from the current clock on; the ranks are parked at every await. True when interrupted. */
  private async drive(pool: RankPool): Promise<boolean> {
    for (;;) {
      if (this.control.stopRequested) return true;
      const segment = nextSegment(this.schedule, this.clock, this.statsLines);
      if (segment.statsDue) {
        if (!segment.done && segment.phase === 'block') {
          if (this.options.stopAfterBlock === segment.block) return true;
          const every = this.options.checkpointEveryBlocks;
          if (every > 0 && segment.block > 0 && segment.block % every === 0) this.saveState(true);
        }
        this.writeStats(segment.block);
      }
      if (segment.done) return false;
      this.control.post({ targetStep: segment.targetStep, eta: segment.eta, learning: segment.learning, frozen: segment.frozen, finish: false });
      await this.waitParked(pool);
    }
  }

  private writeStats(block: number): void {
    const line = statsLine(this.view, this.topology, block, this.clock);
    this.outputs.appendStats(line);
    this.stats.push(line);
    this.statsLines++;
    this.options.onStats?.(line);
  }

  private saveState(checkpoint: boolean): string {
    return this.outputs.saveState(this.view, this.clock, this.statsLines, checkpoint);
  }

  private emitProgress(): void {
    if (!this.options.onProgress) return;
    const s = this.schedule;
    let clock = Infinity;
    for (let r = 0; r < this.ranks; r++) clock = Math.min(clock, this.control.rankClock(r));
    if (!Number.isFinite(clock)) clock = this.clock;
    const { phase, block } = phaseAt(s, clock);
    this.options.onProgress({
      clock,
      endStep: s.endStep,
      simulatedSeconds: clock * DT_SECONDS,
      wallSeconds: (performance.now() - this.startWall) / 1000,
      phase,
      block,
      blocks: s.blocks,
      mse: this.stats.length ? this.stats[this.stats.length - 1]!.mse : NaN,
    });
  }

  private finish(interrupted: boolean, stateFile: string | null, timings: RankTiming[]): RunResult {
    const wallSeconds = (performance.now() - this.startWall) / 1000;
    const info = this.outputs.writeRunInfo({
      schedule: this.schedule, ranks: this.ranks, kernels: this.options.kernels, clock: this.clock,
      interrupted, stateFile, wallSeconds, timings,
    });
    return {
      interrupted,
      clock: this.clock,
      endStep: this.schedule.endStep,
      outDir: this.outputs.outDir,
      statsFile: this.outputs.statsFile,
      stateFile,
      stats: this.stats,
      timings,
      wallSeconds,
      simulatedSeconds: this.clock * DT_SECONDS,
      files: this.outputs.files(stateFile),
      info,
    };
  }
}
