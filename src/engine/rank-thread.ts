/**
 * One rank thread: it steps the ranks it hosts (rank.ts) in lockstep and meets the other threads
 * of the process once per synchronisation point for all of them.
 *
 * Ranks are data partitions; threads execute them. A thread that hosts ranks a and b runs step n
 * of a up to its next sync point (⇄ in rank.ts), then step n of b up to the same point, then
 * waits once at the process barrier (transport.ts) and resumes both. Between two sync points a
 * rank reads nothing another rank writes in the same stretch (spikes and error events are read
 * one interval later; shared weights only between fences), so the order in which one thread runs
 * its ranks changes no byte. Every rank yields the same sync points in the same order (the
 * conditions depend only on the clock and the run's flags), which the thread checks.
 *
 * Why: with one thread per rank, a descheduled thread holds every other rank at the next barrier
 * for a whole time slice; with fewer threads than ranks the ranks still exist (the same files,
 * the same bytes) but only as many threads compete for the cores as the run was given
 * (options.ts, `threads`). See docs/model.md §10.
 */
import { MIN_DELAY_STEPS } from '../model/constants.js';
import type { PresynapticWork } from './presynaptic-work.js';
import type { RankEngine, SyncPoint } from './rank.js';
import type { RankTransport } from './transport.js';
import { WaitLog, type RankTiming } from './wait-log.js';

/**
 * Live timing numbers per rank: steps, loop seconds, barrier-wait seconds, barrier waits, wait
 * min / median / max (ms), chunks helped.
 */
export const LIVE_TIMING_FIELDS = 8;

export class RankThread {
  private readonly waits = new WaitLog();
  /** The rank being stepped right now (a failure names it). */
  current: RankEngine;

  constructor(
    private readonly engines: readonly RankEngine[],
    private readonly transport: RankTransport,
    /** The presynaptic side, computed with the process's other threads once per interval. */
    private readonly presynaptic: PresynapticWork,
  ) {
    if (engines.length === 0) throw new Error('a rank thread needs at least one rank');
    this.current = engines[0]!;
  }

  get clock(): number {
    return this.engines[0]!.clock;
  }

  /** Before the first step: fence once so that other processes see the initial shared weights. */
  shareInitialWeights(): void {
    if (this.engines[0]!.sharesWeights) this.transport.fenceAfterWeightUpdate(this.clock);
  }

  /** Sets the segment's learning flags on every hosted rank. */
  configure(eta: number, learning: boolean, frozen: boolean): void {
    for (const e of this.engines) {
      e.eta = eta;
      e.learning = learning;
      e.frozen = frozen;
    }
  }

  /** Runs steps until the clock reaches `targetStep` or the ranks agree to stop early. */
  runUntil(targetStep: number): 'target' | 'stopped' {
    const started = performance.now();
    const waitedBefore = this.waits.totalWaitMs;
    const { engines } = this;
    const steps: Array<Generator<SyncPoint, void, boolean>> = new Array(engines.length);
    try {
      for (const e of engines) e.stopHere = false;
      const frozen = engines[0]!.frozen;
      // One pass per interval (or the part of one up to the target).
      while (this.clock < targetStep) {
        // P — the presynaptic side of the interval's steps, with the process's other threads.
        const end = Math.min(targetStep, this.clock - (this.clock % MIN_DELAY_STEPS) + MIN_DELAY_STEPS);
        this.presynaptic.prepare(this.clock, end, frozen);
        // A–F of each step of it, every hosted rank up to each sync point in turn (rank.ts).
        for (let k = 0; k < engines.length; k++) steps[k] = engines[k]!.step(targetStep);
        let answer = false;
        for (let sync = this.advance(steps, answer); sync !== null; sync = this.advance(steps, answer)) {
          answer = this.meet(sync);
        }
        if (engines[0]!.stopHere) return 'stopped';
      }
      for (const e of engines) e.publishClock();
      return 'target';
    } finally {
      this.flushAllEligibility();
      const loopMs = performance.now() - started;
      this.waits.computeSeconds += loopMs / 1000;
      this.transport.noteLoopTime(loopMs, this.waits.totalWaitMs - waitedBefore);
    }
  }

  /** Resumes every hosted rank up to its next sync point; null when the interval is complete. */
  private advance(steps: Array<Generator<SyncPoint, void, boolean>>, answer: boolean): SyncPoint | null {
    let sync: SyncPoint | null = null;
    for (let k = 0; k < steps.length; k++) {
      this.current = this.engines[k]!;
      const next = steps[k]!.next(answer);
      const at = next.done === true ? null : next.value;
      if (k > 0 && at !== sync) throw new Error(`ranks of one thread disagree on a sync point (${sync} vs ${at})`);
      sync = at;
    }
    return sync;
  }

  /** ⇄ the process barrier, once for every hosted rank; returns the interval's stop decision. */
  private meet(sync: SyncPoint): boolean {
    const clock = this.clock;
    switch (sync) {
      case 'interval': {
        const t0 = performance.now();
        const stop = this.transport.exchangeInterval(clock, this.engines[0]!.helpOthers);
        this.waits.note(performance.now() - t0);
        return stop;
      }
      case 'before-weight-update':
        this.transport.fenceBeforeWeightUpdate(clock);
        return false;
      case 'after-weight-update':
        this.transport.fenceAfterWeightUpdate(clock);
        return false;
    }
  }

  flushAllEligibility(): void {
    for (const e of this.engines) e.flushAllEligibility();
  }

  flushSinks(): void {
    for (const e of this.engines) e.flushSinks();
  }

  closeSinks(): void {
    for (const e of this.engines) e.closeSinks();
  }

  /** Each hosted rank's timing so far into the live view's shared array (LIVE_TIMING_FIELDS per rank). */
  writeLiveTimings(live: Float64Array): void {
    // The hosting thread's waits, spread once for all its ranks (as timings() reports them).
    const spread = this.waits.spreadSoFar();
    for (const e of this.engines) {
      const t = e.liveTiming(this.waits);
      live.set([t.steps, t.loopSeconds, t.waitSeconds, t.waits, spread.minMs, spread.medianMs, spread.maxMs, t.chunksHelped], e.rank * LIVE_TIMING_FIELDS);
    }
  }

  timings(): RankTiming[] {
    return this.engines.map((e) => e.timing(this.waits));
  }
}
