/**
 * Synchronisation between ranks and the coordinator, all through Atomics on the control block of
 * the shared memory (layout.ts, CTRL):
 *
 * - `barrier`: every MIN_DELAY steps all ranks of the process meet once; the writes of spikes and
 *   error events made before it are visible to every rank after it. The last rank to arrive also
 *   takes the decisions every rank must agree on (stop early on Ctrl-C) before it releases the
 *   others. The rank loop reaches it through a transport (transport.ts), never directly.
 * - `park`: at the end of a segment the ranks report to the coordinator and sleep until it posts
 *   the next command (new target step, η, learning flags) or tells them to finish.
 *
 * Waiting spins for about what a sleep costs and then sleeps in `Atomics.wait` (at once when the
 * cores are oversubscribed), so more threads than free cores still make progress; every wait
 * wakes up regularly to notice an abort.
 */
import { CTRL, PARAM, type MemoryLayout } from '../network/layout.js';

/** Thrown inside a rank when the coordinator aborted the run (another rank failed). */
export class RankAbortedError extends Error {
  constructor() {
    super('run aborted by the coordinator');
    this.name = 'RankAbortedError';
  }
}

const WAKE_MS = 50;

export interface SegmentCommand {
  targetStep: number;
  eta: number;
  learning: boolean;
  frozen: boolean;
  finish: boolean;
}

export class ControlBlock {
  readonly ints: Int32Array;
  readonly params: Float64Array;
  /** Rank threads of this process (rank-thread.ts): the count every barrier and park waits for. */
  readonly threads: number;

  constructor(buffer: ArrayBufferLike, layout: MemoryLayout, threads = layout.localRanks.length) {
    this.ints = new Int32Array(buffer, layout.control, layout.controlInts);
    this.params = new Float64Array(buffer, layout.params, 2);
    this.threads = threads;
  }

  reset(): void {
    this.ints.fill(0);
    this.ints[CTRL.stopAtStep] = -1;
  }

  get aborted(): boolean {
    return Atomics.load(this.ints, CTRL.abort) !== 0;
  }

  rankClock(rank: number): number {
    return Atomics.load(this.ints, CTRL.rankClocks + rank);
  }

  setRankClock(rank: number, clock: number): void {
    Atomics.store(this.ints, CTRL.rankClocks + rank, clock);
  }

  /**
   * Coordinator: stop every rank now; waiting ranks wake and throw RankAbortedError, and the
   * coordinator's own wait for parks (waitAllParked) wakes to see the failure.
   */
  abort(): void {
    Atomics.store(this.ints, CTRL.abort, 1);
    Atomics.notify(this.ints, CTRL.barrierGeneration);
    Atomics.notify(this.ints, CTRL.commandGeneration);
    Atomics.notify(this.ints, CTRL.parkedCount);
  }

  /** Coordinator: ask the ranks to stop at their next interval boundary (Ctrl-C). */
  requestStop(): void {
    Atomics.store(this.ints, CTRL.stopRequested, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.ints, CTRL.stopRequested) !== 0;
  }

  get stopAtStep(): number {
    return Atomics.load(this.ints, CTRL.stopAtStep);
  }

  // ---- ranks ----

  /**
   * All ranks of this process meet at `clock`. The last to arrive runs `onLastArrival` (decide a
   * pending stop; with several processes, the inter-process exchange) before it releases the
   * others; the others take chunks of slower ranks' work (`whileWaiting`) until released.
   * Returns true when the ranks agreed to stop at this clock.
   */
  barrier(clock: number, spin: number, onLastArrival: ((clock: number) => void) | null, whileWaiting: (() => boolean) | null): boolean {
    const ints = this.ints;
    const generation = Atomics.load(ints, CTRL.barrierGeneration);
    if (Atomics.add(ints, CTRL.barrierCount, 1) === this.threads - 1) {
      Atomics.store(ints, CTRL.barrierCount, 0);
      if (onLastArrival !== null) onLastArrival(clock);
      Atomics.add(ints, CTRL.barrierGeneration, 1);
      Atomics.notify(ints, CTRL.barrierGeneration);
    } else {
      // Results do not depend on who computes a synapse, so waiting ranks may help.
      if (whileWaiting !== null) {
        while (Atomics.load(ints, CTRL.barrierGeneration) === generation && whileWaiting()) {
          /* helped with one chunk */
        }
      }
      this.waitWhile(CTRL.barrierGeneration, generation, spin);
    }
    return Atomics.load(ints, CTRL.stopAtStep) === clock;
  }

  /** Last arrival at an interval end: a pending stop request becomes a stop at this clock. */
  decideStop(clock: number): boolean {
    const ints = this.ints;
    if (Atomics.load(ints, CTRL.stopRequested) !== 0 && Atomics.load(ints, CTRL.stopAtStep) < 0) {
      Atomics.store(ints, CTRL.stopAtStep, clock);
    }
    return Atomics.load(ints, CTRL.stopAtStep) === clock;
  }

  get linkBusy(): boolean {
    return Atomics.load(this.ints, CTRL.linkBusy) !== 0;
  }

  setLinkBusy(busy: boolean): void {
    Atomics.store(this.ints, CTRL.linkBusy, busy ? 1 : 0);
  }

  /** Sets the agreed stop clock (used when processes agree on a stop). */
  stopAt(clock: number): void {
    Atomics.store(this.ints, CTRL.stopAtStep, clock);
  }

  /** A thread's step-loop time of one segment, and of that its barrier waits (whole ms). */
  addLoopTime(loopMs: number, waitMs: number): void {
    Atomics.add(this.ints, CTRL.loopMs, Math.round(loopMs));
    Atomics.add(this.ints, CTRL.waitMs, Math.round(waitMs));
  }

  /** Step-loop and barrier-wait milliseconds of all threads so far. */
  loopTime(): { loopMs: number; waitMs: number } {
    // Read unsigned: the ms counters wrap at 2³² ms (≈ 50 days of rank time), not at 2³¹.
    return { loopMs: Atomics.load(this.ints, CTRL.loopMs) >>> 0, waitMs: Atomics.load(this.ints, CTRL.waitMs) >>> 0 };
  }

  /** Reports this rank parked and sleeps until the coordinator posts the next command. */
  park(seenCommand: number): number {
    const ints = this.ints;
    if (Atomics.add(ints, CTRL.parkedCount, 1) === this.threads - 1) Atomics.notify(ints, CTRL.parkedCount);
    this.waitWhile(CTRL.commandGeneration, seenCommand, 0);
    return Atomics.load(ints, CTRL.commandGeneration);
  }

  readCommand(): SegmentCommand {
    const ints = this.ints;
    return {
      targetStep: Atomics.load(ints, CTRL.targetStep),
      eta: this.params[PARAM.eta]!,
      learning: Atomics.load(ints, CTRL.learning) !== 0,
      frozen: Atomics.load(ints, CTRL.frozen) !== 0,
      finish: Atomics.load(ints, CTRL.finish) !== 0,
    };
  }

  /**
   * Waits while ints[index] === value: spins up to `spin` iterations, then sleeps on the futex.
   * Spin-then-block with a budget of about what a sleep and a wake cost (options.ts) is within twice
   * the ideal whatever the wait; an adaptive budget that shrank after long waits was measured to
   * sleep through the ordinary imbalance of two ranks on a quiet machine (15 % waiting instead of
   * 9–12 %, 200-1024-200 on 2 threads). Oversubscribed cores get spin 0 (threads.ts), so a waiting
   * thread gives its core to the ones still computing at once.
   */
  private waitWhile(index: number, value: number, spin: number): void {
    const ints = this.ints;
    for (let i = 0; i < spin; i++) {
      if (Atomics.load(ints, index) !== value) return;
    }
    while (Atomics.load(ints, index) === value) {
      if (Atomics.load(ints, CTRL.abort) !== 0) throw new RankAbortedError();
      Atomics.wait(ints, index, value, WAKE_MS);
    }
    if (Atomics.load(ints, CTRL.abort) !== 0) throw new RankAbortedError();
  }

  // ---- coordinator ----

  /** Eligibility chunks done so far by this process (wrapping): progress inside a pass. */
  get eligibilityChunksDone(): number {
    return Atomics.load(this.ints, CTRL.eligibilityChunksDone);
  }

  get parkedCount(): number {
    return Atomics.load(this.ints, CTRL.parkedCount);
  }

  /** Resolves once all ranks parked, or when `shouldGiveUp` says so (polled every `pollMs`). */
  async waitAllParked(pollMs: number, shouldGiveUp: () => boolean): Promise<boolean> {
    for (;;) {
      const parked = Atomics.load(this.ints, CTRL.parkedCount);
      if (parked >= this.threads) return true;
      if (shouldGiveUp()) return false;
      const result = Atomics.waitAsync(this.ints, CTRL.parkedCount, parked, pollMs);
      if (result.async) await result.value;
    }
  }

  /** Coordinator: posts the next segment and wakes the parked ranks. */
  post(command: SegmentCommand): void {
    const ints = this.ints;
    Atomics.store(ints, CTRL.parkedCount, 0);
    Atomics.store(ints, CTRL.targetStep, command.targetStep);
    this.params[PARAM.eta] = command.eta;
    Atomics.store(ints, CTRL.learning, command.learning ? 1 : 0);
    Atomics.store(ints, CTRL.frozen, command.frozen ? 1 : 0);
    Atomics.store(ints, CTRL.finish, command.finish ? 1 : 0);
    Atomics.add(ints, CTRL.commandGeneration, 1);
    Atomics.notify(ints, CTRL.commandGeneration);
  }

  get commandGeneration(): number {
    return Atomics.load(this.ints, CTRL.commandGeneration);
  }
}
