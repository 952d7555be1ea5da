/**
 * The coordinator (main thread): builds the network in one shared memory, starts the ranks
 * (rank-pool.ts), and drives the protocol (schedule.ts) segment by segment — while the ranks are
 * parked it writes the stats line of each block (statistics.ts) and checkpoints (outputs.ts), its
 * collectives with the other processes under the block-end watch (block-end-watch.ts). It
 * orchestrates; it neither formats files nor knows the protocol's arithmetic.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import type { NetworkState } from '../io/netstate.js';
import type { RunInfo } from '../io/run-info.js';
import type { StatsLine } from '../io/stats.js';
import { DT_SECONDS, MIN_DELAY_STEPS } from '../model/constants.js';
import { ControlBlock } from './exchange.js';
import { createSharedMemory, type MemoryLayout } from '../network/layout.js';
import { rankSettings, resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './options.js';
import { checkRun } from './run-plan.js';
import { RunOutputs } from './outputs.js';
import { RankPool } from './rank-pool.js';
import { jobWaitShareNotice, processWaitShareWord, waitShareNotice } from './threads.js';
import { writePresynapticRegions } from './presynaptic-work.js';
import { MPI_POLITE_SLEEP_MICROS, MPI_POLITE_SPIN_MICROS, MpiLink } from './mpi-link.js';
import { type MonitorPlan } from './monitor-plan.js';
import { CollectiveFetcher, gatherJson, otherProcesses, whereIs, withProcess } from './process-group.js';
import { RunFailedError } from './rank-errors.js';
import { BlockEndWatch, namingSilence } from './block-end-watch.js';
import { provokeBlockEndFault } from './block-end-fault.js';
import { acquireOutLock } from '../io/out-lock.js';
import { fsUserError, isDescribableFsError } from '../io/fs-errors.js';
import type { RunFileRecord } from '../io/run-files.js';
import { restoreNetwork, restoreWeights } from './restore.js';
import { initialiseRank } from './initialise.js';
import { trainedStateName } from './continuation.js';
import { agreeOnRun, runFields } from './run-agreement.js';
import { LIVE_TIMING_FIELDS, type RankTaskData } from './rank-task.js';
import { nextSegment, phaseAt, type Schedule } from './schedule.js';
import { partitionTable } from './setup.js';
import { NetworkView } from './snapshot.js';
import { statsLine } from './statistics.js';
import { type Topology } from '../network/topology.js';
import type { RankTiming } from './wait-log.js';

export type { ProgressEvent, RunOptions } from './options.js';

export { RunFailedError } from './rank-errors.js';
export { planRun, type RunPlan } from './run-plan.js';

export interface RunResult {
  interrupted: boolean;
  clock: number;
  endStep: number;
  outDir: string;
  statsFile: string;
  stateFile: string | null;
  stats: StatsLine[];
  timings: RankTiming[];
  /** Wall seconds of this process's segment (a resumed run: since the resume). */
  wallSeconds: number;
  /** Simulated seconds from 0 to the clock reached. */
  simulatedSeconds: number;
  /** Simulated seconds at which this segment started (the resumed clock; 0 for a fresh run). */
  startSeconds: number;
  files: string[];
  info: RunInfo;
}

export async function runExperiment(config: ExperimentConfig, task: ResolvedTask, options: RunOptions = {}): Promise<RunResult> {
  const resolved = resolveRunOptions(options);
  const runtime = resolved.processes;
  if (runtime) {
    // Processes of an MPI job compare what makes the run before any of them touches anything,
    // watched since they joined (mpi-session.ts): a process silent here is named.
    provokeBlockEndFault(resolved.testHooks?.blockEndFault, runtime.placement.process, 'start');
    namingSilence(runtime.placement, 'at the start of the job', () => agreeOnRun(runtime, runFields(config, task, resolved)));
  }
  return new Coordinator(config, task, resolved).run();
}

class Coordinator {
  /** Ranks of the whole run, and those this process holds. */
  private readonly ranks: number;
  private readonly localRanks: number[];
  /** The ranks each of this process's threads steps (threads.ts), and why that many threads. */
  private readonly threads: number[][];
  private readonly threadReason: string;
  private readonly oversubscribed: boolean;
  /** The wait-share notice (options.onNotice) is said at most once. */
  private noticed = false;
  private readonly isRoot: boolean;
  /** Under MPI: the watch on the other processes while every rank is parked (null without MPI). */
  private readonly watch: BlockEndWatch | null;
  /** With several processes: the coordinator's own link, for a run that ends inside an interval. */
  private readonly link: MpiLink | null;
  /** Digest of config and task (io/run-identity.ts): in every state, and in the folder's run.json. */
  private readonly runId: string;
  private readonly topology: Topology;
  private readonly layout: MemoryLayout;
  private readonly schedule: Schedule;
  private readonly memory: WebAssembly.Memory;
  private readonly control: ControlBlock;
  private readonly view: NetworkView;
  private readonly outputs: RunOutputs;
  /** State monitors of `record` (config and options), or null. */
  private readonly monitors: MonitorPlan[] | null;
  private readonly stats: StatsLine[] = [];
  private statsLines = 0;
  private clock = 0;
  private startWall = 0;
  /** When the ranks last parked, and the process's CPU seconds then (RanksLoopSoFar). */
  private parked = { atMs: 0, cpuSeconds: 0 };
  /** This process's segment of the run: when and from which clock it started (run.json `segments`). */
  private segment = { startedAt: '', fromStep: 0, argv: [] as string[] };
  /** Each rank's timing so far (LIVE_TIMING_FIELDS per rank), written by the ranks before they park (rank-task.ts). */
  private readonly liveTimings: Float64Array;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly task: ResolvedTask,
    private readonly options: ResolvedRunOptions,
  ) {
    const runtime = options.processes;
    const placement = runtime?.placement ?? null;
    // Every check of the run (limits, monitors, threads) before anything is allocated: the same
    // function that planRun() (--dry-run) calls.
    const checked = checkRun(config, task, options);
    this.ranks = checked.ranks;
    this.localRanks = checked.localRanks;
    this.isRoot = checked.isRoot;
    this.runId = checked.runId;
    this.topology = checked.topology;
    this.layout = checked.layout;
    this.schedule = checked.schedule;
    this.monitors = checked.monitors;
    this.threads = checked.threads;
    this.threadReason = checked.threadReason;
    this.oversubscribed = checked.oversubscribed;
    this.memory = createSharedMemory(this.layout);
    writePresynapticRegions(new Uint32Array(this.memory.buffer), this.layout, this.topology);
    this.control = new ControlBlock(this.memory.buffer, this.layout, this.threads.length);
    this.control.reset();
    this.view = new NetworkView(this.memory, this.layout, this.topology,
      runtime ? new CollectiveFetcher(runtime, this.layout, this.memory) : undefined);
    this.link = runtime && placement!.processes > 1 ? new MpiLink(runtime.comm, placement!, this.layout, this.topology, this.memory, options.testHooks?.mpiInlineWords) : null;
    // Process-wide: the rank thread that drives the link waits as this decides (mpi-link.ts).
    if (this.link) runtime!.comm.setWaitPolicy?.(this.oversubscribed ? 0 : MPI_POLITE_SPIN_MICROS, MPI_POLITE_SLEEP_MICROS);
    this.watch = runtime ? new BlockEndWatch(runtime, options.hangTimeoutSeconds) : null;
    this.liveTimings = new Float64Array(new SharedArrayBuffer(this.ranks * LIVE_TIMING_FIELDS * 8));
    this.outputs = new RunOutputs(path.resolve(options.outDir), config, task, this.topology, this.isRoot, this.ranks, new Set(this.localRanks));
  }

  /** The whole run, with the output folder locked (by the root process) from start to end. */
  async run(): Promise<RunResult> {
    const lock = this.isRoot ? acquireOutLock(this.outputs.outDir) : null;
    try {
      this.prepareFolder();
      return await this.execute();
    } catch (err) {
      // A process that stopped answering while the others waited for it (block-end-watch.ts).
      const silence = this.watch?.explain(err);
      if (silence) throw silence;
      // Node's messages of failed writes (a full disk) name no file: say which one.
      if (isDescribableFsError(err)) throw fsUserError('write', err.path ?? this.outputs.outDir, err);
      throw err;
    } finally {
      lock?.release();
    }
  }

  /**
   * The root claims the folder for this run (refusing another run's folder), then every process
   * cuts its own rank files back: removed for a fresh run, truncated to the saved clock for a
   * resume. Barriers keep processes from touching files before the claim, and ranks from writing
   * before every process has cleared its stale files.
   */
  private prepareFolder(): void {
    const { options, outputs } = this;
    const resume = options.resume ?? null;
    const comm = options.processes?.comm;
    mkdirSync(outputs.outDir, { recursive: true });
    // No rank runs yet: the main threads' collectives are watched (block-end-watch.ts).
    this.watch?.open(`before step ${resume?.clock ?? 0}`);
    // Every process checks what it will cut back before any process changes anything.
    if (resume) outputs.checkResumable(this.monitors !== null);
    comm?.barrier();
    if (this.isRoot) {
      outputs.claimFolder(this.runId, resume && { runId: resume.runId, statsLines: resume.statsLines, file: options.resumeFile ?? 'the resumed state', clock: resume.clock }, options.force);
    }
    comm?.barrier();
    if (resume) {
      this.clock = resume.clock;
      this.statsLines = resume.statsLines;
      restoreNetwork(this.memory, this.layout, this.topology, resume.groups, resume.connections);
      outputs.prepareResumed(this.clock, this.statsLines);
    } else {
      outputs.prepareFresh();
      if (options.initFrom) this.initialiseFrom(options.initFrom.connections);
    }
    this.watch?.close(); // a barrier, then the ranks may start (their first exchange is unwatched)
  }

  /**
   * `--init-from`: this process's ranks start as a fresh network of this run's seed, then take the
   * saved weights (and random feedback matrices) — so the ranks skip their own initialisation.
   */
  private initialiseFrom(connections: NetworkState['connections']): void {
    const f32 = new Float32Array(this.memory.buffer);
    const i32 = new Int32Array(this.memory.buffer);
    for (const r of this.localRanks) {
      initialiseRank(f32, i32, this.topology, this.layout.rankRegions[r]!, r, this.ranks, this.config.seed, this.config.w0);
    }
    restoreWeights(this.memory, this.layout, this.topology, connections);
  }

  private async execute(): Promise<RunResult> {
    const { options, outputs } = this;
    const resume = options.resume;
    const settings = { ...rankSettings(options, this.oversubscribed), monitors: this.monitors };
    const taskData = (hosted: number[]): RankTaskData => ({
      hosted,
      ranks: this.ranks,
      threads: this.threads.length,
      presynapticCopies: this.layout.presynapticCopies,
      shape: this.topology.shape,
      memory: this.memory,
      inputReplay: hosted.map((rank) => partitionTable(this.task.input, rank, this.ranks)),
      targetReplay: hosted.map((rank) => partitionTable(this.task.target, rank, this.ranks)),
      outDir: options.recordSpikes ? outputs.outDir : null,
      appendSpikes: resume !== undefined,
      startClock: this.clock,
      initialise: resume || options.initFrom ? null : { seed: this.config.seed, w0: this.config.w0 },
      settings,
      liveTimings: this.liveTimings,
    });

    this.startWall = performance.now();
    this.parked = parkedNow();
    this.segment = { startedAt: new Date().toISOString(), fromStep: this.clock, argv: options.argv ?? process.argv };
    const placement = options.processes?.placement ?? null;
    const pool = new RankPool(this.control, this.localRanks, this.threads, taskData, (rank) => whereIs(placement, rank), otherProcesses(placement));
    const progressTimer = setInterval(() => this.emitProgress(), options.progressIntervalMs);
    const onStop = () => this.control.requestStop();
    options.stopSignal?.addEventListener('abort', onStop);
    if (options.stopSignal?.aborted) onStop();
    let interrupted = false;
    let stateFile: string | null = null;
    let timings: RankTiming[] = [];
    let files: RunFileRecord[] = [];
    try {
      await this.waitParked(pool);
      interrupted = await this.drive(pool);
      // The last word of progress, whatever the timer managed to say during a short run.
      this.emitProgress();
      // A run that ends inside an interval: complete the mirrors' rings before saving them.
      if (this.link !== null && this.clock % MIN_DELAY_STEPS !== 0) {
        this.link.exchangeSteps(this.clock - (this.clock % MIN_DELAY_STEPS), this.clock, false);
      }
      stateFile = this.saveState(interrupted);
      if (!interrupted) this.outputs.removeCheckpoint();
      this.control.post({ targetStep: this.clock, eta: 0, learning: false, frozen: true, finish: true });
      timings = await pool.finished();
      files = outputs.recordFiles(stateFile);
      if (options.processes) {
        const all = gatherJson(options.processes, { timings, files }) ?? [];
        timings = all.flatMap((p) => p.timings);
        files = all.flatMap((p) => p.files);
      }
    } catch (err) {
      const error = this.watch?.explain(err) ?? (err instanceof UserError ? err : new RunFailedError((err as Error).message, err));
      const runtime = options.processes;
      if (runtime?.abort && this.control.linkBusy) {
        // A rank thread is blocked inside MPI (another process stopped answering): it can be
        // neither woken nor terminated, so the pool could never be torn down. Say why, end the job.
        process.stderr.write(`superspike: ${withProcess(error.message, runtime.placement)}\n`);
        runtime.abort(1);
      }
      await pool.abandon();
      throw error;
    } finally {
      clearInterval(progressTimer);
      options.stopSignal?.removeEventListener('abort', onStop);
      await pool.destroy();
    }
    return this.finish(interrupted, stateFile, timings, files);
  }

  private async waitParked(pool: RankPool): Promise<void> {
    await pool.waitParked(this.options.hangTimeoutSeconds);
    this.parked = parkedNow();
    this.clock = this.control.rankClock(this.localRanks[0]!) || this.clock;
    // Every rank parked until the next post: the main threads meet, watched, until then (or the end).
    this.watch?.open(`at the block end of step ${this.clock}`);
    // Every process must take the same decision at every park: a stop asked for anywhere holds everywhere.
    const comm = this.options.processes?.comm;
    if (comm && comm.allreduceInt32(this.control.stopRequested ? 1 : 0, 'max') === 1) this.control.requestStop();
    this.noticeWaitShare();
  }

  /**
   * The wait-share notice (threads.ts), looked at every park, said at most once. Under MPI it is
   * the job's (process 0 says it): the worst process's share, from a collective that every process
   * makes at every park, whatever it has said — a rank's wait there is mostly for other processes.
   */
  private noticeWaitShare(): void {
    const { loopMs, waitMs } = this.control.loopTime();
    const runtime = this.options.processes;
    const job = runtime && runtime.placement.processes > 1 ? runtime : null;
    const worst = job === null ? -1 : job.comm.allreduceInt32(processWaitShareWord(this.threads.length, loopMs, waitMs, job.placement.process), 'max');
    if (this.noticed || this.options.onNotice === null || !this.isRoot) return;
    const message = job === null ? waitShareNotice(this.threads.length, loopMs, waitMs) : jobWaitShareNotice(worst, job.placement.hosts, this.ranks);
    if (message === null) return;
    this.noticed = true;
    this.options.onNotice(message);
  }

  /** The protocol from the current clock on; the ranks are parked at every await. True when interrupted. */
  private async drive(pool: RankPool): Promise<boolean> {
    for (;;) {
      if (this.control.stopRequested) return true;
      const segment = nextSegment(this.schedule, this.clock, this.statsLines);
      if (segment.statsDue) {
        provokeBlockEndFault(this.options.testHooks?.blockEndFault, this.options.processes?.placement.process ?? 0, segment.block);
        // Training is over and the frozen replay is next: the state a later `--extend` continues.
        if (!segment.done && segment.phase === 'final') this.saveTrainedState();
        if (!segment.done && segment.phase === 'block') {
          if (this.options.stopAfterBlock === segment.block) return true;
          const every = this.options.checkpointEveryBlocks;
          if (every > 0 && segment.block > 0 && segment.block % every === 0) this.saveState(true);
        }
        this.writeStats(segment.block);
      }
      if (segment.done) return false;
      this.watch?.close();
      this.control.post({ targetStep: segment.targetStep, eta: segment.eta, learning: segment.learning, frozen: segment.frozen, finish: false });
      await this.waitParked(pool);
    }
  }

  private writeStats(block: number): void {
    const line = statsLine(this.view, this.topology, block, this.clock);
    if (this.isRoot) this.outputs.appendStats(line);
    this.stats.push(line);
    this.statsLines++;
    const timings = this.allTimingsSoFar();
    if (this.isRoot) this.outputs.writeProgressInfo(this.runInfoNow(false, null, timings!, [], true), this.statsLines);
    if (this.options.onStats) {
      const { loopMs, waitMs } = this.control.loopTime();
      this.options.onStats(line, { loopSeconds: loopMs / 1000, waitSeconds: waitMs / 1000, parkedAtMs: this.parked.atMs, cpuSecondsAtPark: this.parked.cpuSeconds });
    }
  }

  private saveState(checkpoint: boolean): string {
    const state = this.outputs.captureState(this.view, this.clock, this.statsLines, this.runId);
    return this.outputs.saveState(state, checkpoint);
  }

  private saveTrainedState(): void {
    const state = this.outputs.captureState(this.view, this.clock, this.statsLines, this.runId);
    this.outputs.saveStateAs(state, trainedStateName(this.config.name)); // a collective: only the root writes
  }

  private emitProgress(): void {
    if (!this.options.onProgress) return;
    const s = this.schedule;
    let clock = Infinity;
    for (const r of this.localRanks) clock = Math.min(clock, this.control.rankClock(r));
    if (!Number.isFinite(clock)) clock = this.clock;
    const { phase, block } = phaseAt(s, clock);
    this.options.onProgress({
      clock,
      endStep: s.endStep,
      simulatedSeconds: clock * DT_SECONDS,
      startSeconds: this.segment.fromStep * DT_SECONDS,
      wallSeconds: (performance.now() - this.startWall) / 1000,
      phase,
      block,
      blocks: s.blocks,
      mse: this.stats.length ? this.stats[this.stats.length - 1]!.mse : NaN,
    });
  }

  /**
   * This process's ranks' timings while the run goes (ranks parked): what the ranks wrote before
   * parking — steps, loop and wait seconds, the wait distribution's min / median / max so far and
   * the chunks helped (rank-thread.ts). With several processes each rank names its process and host.
   */
  private timingsSoFar(): RankTiming[] {
    const placement = this.options.processes?.placement ?? null;
    return this.localRanks.map((rank) => {
      const [steps, loopSeconds, waitSeconds, waits, waitMinMs, waitMedianMs, waitMaxMs, chunksHelped] =
        this.liveTimings.subarray(rank * LIVE_TIMING_FIELDS, (rank + 1) * LIVE_TIMING_FIELDS);
      return {
        rank, steps: steps!, computeSeconds: loopSeconds!, barrierWaits: waits!, barrierWaitSeconds: waitSeconds!,
        waitMinMs: waitMinMs!, waitMedianMs: waitMedianMs!, waitMaxMs: waitMaxMs!, chunksHelped: chunksHelped!,
        ...(placement !== null && placement.processes > 1 ? { process: placement.process, host: placement.hosts[placement.process] } : {}),
      };
    });
  }

  /**
   * Every rank's timing so far, at a block end: this process's, or under MPI every process's,
   * gathered at the root (a collective every process makes at the same block end, as the stats
   * line itself; null on the other processes). Once per block: nothing on the step path.
   */
  private allTimingsSoFar(): RankTiming[] | null {
    const own = this.timingsSoFar();
    const runtime = this.options.processes;
    if (!runtime || runtime.placement.processes === 1) return own;
    return gatherJson(runtime, own)?.flat() ?? null;
  }

  /** run.json's content now; `files` are recorded only when the run ends (none while it goes). */
  private runInfoNow(interrupted: boolean, stateFile: string | null, timings: RankTiming[], files: RunFileRecord[], inProgress = false): RunInfo {
    const placement = this.options.processes?.placement ?? null;
    return this.outputs.runInfo({
      schedule: this.schedule, ranks: this.ranks, kernels: this.options.kernels, clock: this.clock,
      interrupted, stateFile, wallSeconds: (performance.now() - this.startWall) / 1000, timings,
      placement: placement ?? { processes: 1, process: 0, ranksPerProcess: this.ranks, hosts: [hostname()] },
      runId: this.runId, segment: this.segment, files, inProgress,
      threads: { count: this.threads.length, reason: this.threadReason, presynapticCopies: this.layout.presynapticCopies },
    });
  }

  private finish(interrupted: boolean, stateFile: string | null, timings: RankTiming[], files: RunFileRecord[]): RunResult {
    const info = this.runInfoNow(interrupted, stateFile, timings, files);
    // This process's segment (run.json's wallSeconds sums every segment of a resumed run).
    const wallSeconds = info.segments?.at(-1)?.wallSeconds ?? info.wallSeconds;
    if (this.isRoot) this.outputs.writeRunInfo(info);
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
      startSeconds: this.segment.fromStep * DT_SECONDS,
      files: this.outputs.files(stateFile),
      info,
    };
  }
}

/** The moment and this process's CPU seconds, taken as the ranks park (RanksLoopSoFar). */
function parkedNow(): { atMs: number; cpuSeconds: number } {
  const used = process.cpuUsage();
  return { atMs: performance.now(), cpuSeconds: (used.user + used.system) / 1e6 };
}
