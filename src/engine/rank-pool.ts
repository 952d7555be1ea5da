/**
 * The rank threads of this process: one long-lived piscina task per thread, each stepping the
 * ranks it hosts (rank-thread.ts), their outcomes, and the hang watchdog. A rank that fails ends
 * the run with its name and step; a rank that makes no progress for `hangTimeoutSeconds` is named
 * by the watchdog and the pool is destroyed (its threads terminated), so a run never hangs for
 * ever. */
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { UserError } from '../errors.js';
import { RANK_WORKER_PATH } from '../paths.js';
import type { ControlBlock } from './exchange.js';
import { RunFailedError, describeRankFailure, type RankOutcome } from './rank-errors.js';
import type { RankTaskData } from './rank-task.js';
import type { RankTiming } from './wait-log.js';

/**
 * Young generation of a rank thread (V8: three semi-spaces' worth, so 1 MiB semi-spaces). Its step
 * loop runs in WASM and allocates ~0.5 MiB of JS objects per simulated second; V8's default let
 * each rank thread's young generation grow to 15 MiB committed, memory that every rank repeats
 * (issue 16, point 4).
 */
const RANK_YOUNG_GENERATION_MIB = 3;
/**
 * How often the coordinator looks at the ranks while it waits for them to park (a park, a rank's
 * failure and the end of the run wake it at once; the looks are for hangs, whose timeout is 5 s or
 * more). Each look wakes the main thread, which on a machine with as many rank threads as cores
 * takes a core from a rank thread, and the other ranks wait for that one at the next barrier: at
 * 250 ms instead of 50 two blocked workers at 200-1024-200 ran about 1 % faster (24 interleaved
 * rounds, faster in 17; docs/performance-log.md, 5 Dec 2026).
 */
const WATCH_POLL_MS = 250;
/** How long an aborted run waits for its ranks to notice before the threads are terminated. */
const ABORT_GRACE_MS = 2000;
/**
 * The automatic hang timeout: before the ranks first move (start-up: compiling kernels, drawing
 * initial weights), STARTUP; then HANG_FACTOR times the longest gap between two observed steps of
 * progress so far, but at least FLOOR — so a hung rank is named within seconds on a small network
 * and a slow but healthy one (or a loaded machine) is not declared hung.
 */
const AUTO_HANG = { startupSeconds: 120, factor: 20, floorSeconds: 5 } as const;

export class RankPool {
  private readonly pool: Piscina;
  private readonly tasks: Array<Promise<RankOutcome>>;
  private failure: Error | null = null;
  /** Longest wall time between two observed changes of the ranks' clocks (ms); −1 before the first. */
  private longestGapMs = -1;

  constructor(
    private readonly control: ControlBlock,
    private readonly ranks: readonly number[],
    /** The ranks of each thread (threads.ts, ranksOfThreads). */
    threads: readonly number[][],
    taskData: (hosted: number[]) => RankTaskData,
    /** Names a rank in messages (with several processes: its process and host too). */
    private readonly where: (rank: number) => string = () => '',
    /** The other processes of the job, for the message when an exchange with them never completes. */
    private readonly otherProcesses: string = 'the other processes',
  ) {
    if (!existsSync(RANK_WORKER_PATH)) {
      throw new UserError(`the worker entry ${RANK_WORKER_PATH} is missing: run \`npm run build\` first`);
    }
    this.pool = new Piscina({
      filename: RANK_WORKER_PATH,
      minThreads: threads.length,
      maxThreads: threads.length,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      atomics: 'disabled',
      resourceLimits: { maxYoungGenerationSizeMb: RANK_YOUNG_GENERATION_MIB },
    });
    this.tasks = threads.map((hosted) => this.pool.run(taskData(hosted)) as Promise<RankOutcome>);
    this.tasks.forEach((task, i) => {
      task.then((outcome) => {
        if (outcome.code === 'failed') this.fail(new RunFailedError(describeRankFailure(outcome)));
      }, (err: unknown) => {
        const rank = threads[i]![0]!;
        this.fail(new RunFailedError(
          `rank ${rank}${this.where(rank)} failed at step ≈${this.control.rankClock(rank)}: ${(err as Error)?.message ?? String(err)}`, err,
        ));
      });
    });
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Records the first failure and aborts every rank. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.control.abort();
  }

  /** The hang timeout in force: fixed, or automatic (AUTO_HANG) from the progress seen so far. */
  private timeoutSeconds(hangTimeoutSeconds: number | 'auto'): number {
    if (hangTimeoutSeconds !== 'auto') return hangTimeoutSeconds;
    if (this.longestGapMs < 0) return AUTO_HANG.startupSeconds;
    return Math.max(AUTO_HANG.floorSeconds, (AUTO_HANG.factor * this.longestGapMs) / 1000);
  }

  /** Waits until all ranks parked; fails on a rank error or when no rank moves for too long. */
  async waitParked(hangTimeoutSeconds: number | 'auto'): Promise<void> {
    let lastSignature = -1;
    let lastChange = performance.now();
    let waitedForOthers = false;
    const ok = await this.control.waitAllParked(WATCH_POLL_MS, () => {
      if (this.failure) return true;
      // Progress: a rank's clock, a rank parking, or a chunk of an eligibility pass done.
      let signature = (this.control.parkedCount * 31 + this.control.eligibilityChunksDone) % 2147483647;
      for (const r of this.ranks) signature = (signature * 31 + this.control.rankClock(r)) % 2147483647;
      const now = performance.now();
      const timeoutMs = this.timeoutSeconds(hangTimeoutSeconds) * 1000;
      if (signature !== lastSignature) {
        if (lastSignature !== -1 && !waitedForOthers) this.longestGapMs = Math.max(this.longestGapMs, now - lastChange);
        lastSignature = signature;
        lastChange = now;
        waitedForOthers = false;
      } else if (now - lastChange > timeoutMs) {
        if (this.control.linkBusy && !waitedForOthers) {
          // This process waits inside an exchange with the others: the hung rank is elsewhere,
          // and its own process names it. Give that one time to do so before ending the job.
          waitedForOthers = true;
          lastChange = now;
          return false;
        }
        const seconds = Math.round(timeoutMs / 100) / 10;
        this.fail(this.control.linkBusy ? this.waitError(2 * seconds) : this.hangError(seconds));
        return true;
      }
      return false;
    });
    if (!ok) throw this.failure ?? new RunFailedError('ranks stopped answering');
  }

  private hangError(seconds: number): RunFailedError {
    const clocks = this.ranks.map((r) => this.control.rankClock(r));
    const min = Math.min(...clocks);
    const laggards = this.ranks.filter((_, i) => clocks[i] === min);
    const who = laggards.length === this.ranks.length && laggards.length > 1
      ? `all ${this.ranks.length} ranks${this.where(laggards[0]!)}`
      : `rank${laggards.length > 1 ? 's' : ''} ${laggards.join(', ')}${this.where(laggards[0]!)}`;
    const others = laggards.length < this.ranks.length ? `; the others wait at the barrier of step ${Math.max(...clocks)}` : '';
    return new RunFailedError(`${who} stopped answering after step ${min} (no progress for ${seconds} s${others})`);
  }

  private waitError(seconds: number): RunFailedError {
    const clock = Math.max(...this.ranks.map((r) => this.control.rankClock(r)));
    return new RunFailedError(
      `${this.otherProcesses} stopped answering: ranks ${this.ranks.join(', ')}${this.where(this.ranks[0]!)} waited ${seconds} s for ${this.otherProcesses.includes(' or ') ? 'them' : 'it'} at the exchange of step ${clock}`,
    );
  }

  /** Timings of every rank once they all finished, in rank order. */
  async finished(): Promise<RankTiming[]> {
    const outcomes = await Promise.all(this.tasks);
    if (this.failure) throw this.failure;
    return outcomes.flatMap((o) => {
      if (o.code !== 'finished') throw new RunFailedError(`rank ${o.rank} ended without finishing (${o.code})`);
      return o.timings;
    }).sort((a, b) => a.rank - b.rank);
  }

  /** After a failure: give the ranks a moment to notice the abort, then end the threads. */
  async abandon(): Promise<void> {
    this.control.abort();
    await Promise.race([Promise.allSettled(this.tasks), sleep(ABORT_GRACE_MS)]);
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
