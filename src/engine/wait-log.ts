/**
 * Per-rank timing: how long each barrier wait took and how much time the step loop used. Kept as
 * a growable Float64Array (no allocation per wait), summarised at the end of the run, and
 * spread (min / median / max) at every park for the live view.
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

  /**
   * Min / median / max of the waits logged so far, in ms, for the live view (every park, so per
   * block, never per step): one pass and a quickselect in place, no allocation. The log's order is
   * free (summary() sorts a copy), and the median is the element summary() would pick.
   */
  spreadSoFar(): { minMs: number; medianMs: number; maxMs: number } {
    const n = this.count;
    if (n === 0) return { minMs: 0, medianMs: 0, maxMs: 0 };
    const a = this.waitsMs;
    let min = a[0]!;
    let max = a[0]!;
    for (let i = 1; i < n; i++) {
      const v = a[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { minMs: min, medianMs: selectInPlace(a, n, n >> 1), maxMs: max };
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

/** The k-th smallest of a[0..n) (Hoare quickselect, median-of-three pivot), reordering a[0..n). */
export function selectInPlace(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const swap = (i: number, j: number) => {
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  };
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < a[lo]!) swap(lo, mid);
    if (a[hi]! < a[lo]!) swap(lo, hi);
    if (a[hi]! < a[mid]!) swap(mid, hi);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
