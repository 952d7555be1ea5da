/**
 * The transport seam: everything a rank shares with the other ranks, behind one interface.
 *
 * Contract (what the rank loop may rely on):
 * - after `exchangeInterval(clock)`, the ring slots of the interval that just ended — spike lists
 *   of every group and error events of every emitting connection — are current for EVERY rank's
 *   region in this process's memory (layout.ts), local ranks and mirrors of remote ones alike;
 *   it returns true when all ranks agreed to stop at this clock (Ctrl-C, SIGTERM);
 * - between `fenceBeforeWeightUpdate` and `fenceAfterWeightUpdate` no rank reads weights that
 *   symmetric feedback shares; after the second fence those weights are current in every rank's
 *   region here (a process that holds only some ranks gets mirrors of the others');
 * - `awaitCommand` parks the rank until the coordinator posts the next segment;
 * - a failure anywhere aborts every waiting rank with RankAbortedError.
 *
 * `SharedMemoryTransport` serves ranks that are threads of one process. With ranks in several
 * processes the same object does the process-local part and hands the inter-process part to an
 * `InterProcessLink` (MPI), which the last local rank to arrive drives.
 */
import { ControlBlock, type SegmentCommand } from './exchange.js';

export interface RankTransport {
  readonly aborted: boolean;
  /**
   * Publishes a rank's clock (progress display and the hang watchdog). One transport serves every
   * rank its thread hosts, so the rank is named: each hosted rank publishes its own.
   */
  publishClock(rank: number, clock: number): void;
  /** Interval end. `whileWaiting` lets an early rank help slower ones; true: stop here. */
  exchangeInterval(clock: number, whileWaiting: (() => boolean) | null): boolean;
  fenceBeforeWeightUpdate(clock: number): void;
  fenceAfterWeightUpdate(clock: number): void;
  /** Reports the rank parked and sleeps until the next segment command. */
  awaitCommand(): SegmentCommand;
  /** Adds a segment's step-loop time and barrier waits to the process's totals (the wait-share notice). */
  noteLoopTime(loopMs: number, waitMs: number): void;
}

/** The part of an exchange that leaves the process; called by the last local rank to arrive. */
export interface InterProcessLink {
  /** Exchanges the interval's ring slots with the other processes; returns true if any asked to stop. */
  exchangeInterval(clock: number, stopHere: boolean): boolean;
  /** Refreshes the mirrors of other processes' shared weights after a weight update. */
  exchangeWeights(clock: number): void;
}

export class SharedMemoryTransport implements RankTransport {
  private seenCommand = 0;
  private readonly decideStop: (clock: number) => void;
  private readonly exchangeWeights: ((clock: number) => void) | null;

  constructor(
    private readonly control: ControlBlock,
    private readonly spin: number,
    link: InterProcessLink | null = null,
  ) {
    this.decideStop = link === null
      ? (clock) => void control.decideStop(clock)
      : (clock) => {
        const stopHere = control.decideStop(clock);
        control.setLinkBusy(true);
        const anyStop = link.exchangeInterval(clock, stopHere);
        control.setLinkBusy(false);
        if (anyStop) control.stopAt(clock);
      };
    this.exchangeWeights = link === null ? null : (clock) => {
      control.setLinkBusy(true);
      link.exchangeWeights(clock);
      control.setLinkBusy(false);
    };
  }

  get aborted(): boolean {
    return this.control.aborted;
  }

  publishClock(rank: number, clock: number): void {
    this.control.setRankClock(rank, clock);
  }

  exchangeInterval(clock: number, whileWaiting: (() => boolean) | null): boolean {
    return this.control.barrier(clock, this.spin, this.decideStop, whileWaiting);
  }

  fenceBeforeWeightUpdate(clock: number): void {
    this.control.barrier(clock, this.spin, null, null);
  }

  fenceAfterWeightUpdate(clock: number): void {
    this.control.barrier(clock, this.spin, this.exchangeWeights, null);
  }

  noteLoopTime(loopMs: number, waitMs: number): void {
    this.control.addLoopTime(loopMs, waitMs);
  }

  awaitCommand(): SegmentCommand {
    this.seenCommand = this.control.park(this.seenCommand);
    return this.control.readCommand();
  }
}
