/**
 * Per-rank timing: how long each barrier wait took and how much time the step loop used. Kept as
 * a growable Float64Array (no allocation per wait) and summarised once at the end of the run.
 */
import type { RunInfoRankTiming } from '../io/run-info.js';

/** Per-rank timing reported at the end of a run (also stored in run.json). */
export type RankTiming = RunInfoRankTiming;

/** Waits beyond this many are not logged (the summary stays representative, memory bounded). */
const MAX_LOGGED_WAITS = 1 << 22;

export class WaitLog {
  private waitsMs = new Float64Array(1024);
  private count = 0;
  computeSeconds = 0;
  /** Sum of every wait (logged or not), for the live view's wait share. */
  totalWaitMs = 0;
  waits = 0;

  note(ms: number): void {
    this.totalWaitMs += ms;
    this.waits++;
    if (this.count === this.waitsMs.length) {
      if (this.count >= MAX_LOGGED_WAITS) return;
      const grown = new Float64Array(this.count * 2);
      grown.set(this.waitsMs);
      this.waitsMs = grown;
    }
    this.waitsMs[this.count++] = ms;
  }

  summary(rank: number, steps: number, chunksHelped: number): RankTiming {
    const waits = this.waitsMs.slice(0, this.count).sort();
    const total = waits.reduce((a, b) => a + b, 0);
    return {
      rank,
      steps,
      computeSeconds: this.computeSeconds,
      barrierWaits: waits.length,
      barrierWaitSeconds: total / 1000,
      waitMinMs: waits.length ? waits[0]! : 0,
      waitMedianMs: waits.length ? waits[waits.length >> 1]! : 0,
      waitMaxMs: waits.length ? waits[waits.length - 1]! : 0,
      chunksHelped,
    };
  }
}
