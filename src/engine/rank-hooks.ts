/**
 * The test hooks of one rank (options.ts, TestHooks): fault injection at a step, seeded random
 * sleeps and one slow rank's fixed ones. The rank holds `null` when a run has no hooks, so
 * production pays one null check.
 */
import { Xoshiro128 } from '../model/rng.js';
import type { TestHooks } from './options.js';

export class RankHooks {
  private readonly fault: { step: number; kind: 'throw' | 'hang' } | null;
  private readonly jitterMicros: number;
  private readonly rng: Xoshiro128;
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  /** Sleeps a seeded random 0…jitterMicros µs, plus the slow rank's fixed sleep; null when neither applies. */
  readonly jitter: (() => void) | null;
  /** Sleeps chunkDelayMs after an eligibility chunk, or null. */
  readonly afterChunk: (() => void) | null;

  constructor(hooks: TestHooks, rank: number) {
    this.fault = hooks.fault && hooks.fault.rank === rank ? { step: hooks.fault.step, kind: hooks.fault.kind } : null;
    this.jitterMicros = hooks.jitterMicros ?? 0;
    this.rng = new Xoshiro128(((hooks.jitterSeed ?? 0) * 7919 + rank) >>> 0);
    const slowMicros = hooks.slowRank && hooks.slowRank.rank === rank ? hooks.slowRank.micros : 0;
    this.jitter = this.jitterMicros > 0 || slowMicros > 0
      ? () => void Atomics.wait(this.sleepCell, 0, 0, (slowMicros + (this.jitterMicros > 0 ? this.rng.nextUnit() * this.jitterMicros : 0)) / 1000)
      : null;
    const chunkDelayMs = hooks.chunkDelayMs ?? 0;
    this.afterChunk = chunkDelayMs > 0 ? () => void Atomics.wait(this.sleepCell, 0, 0, chunkDelayMs) : null;
  }

  beforeStep(n: number): void {
    if (this.fault === null || this.fault.step !== n) return;
    if (this.fault.kind === 'throw') throw new Error(`injected fault at step ${n}`);
    // A rank that stops answering: spin for ever (the watchdog must notice and terminate it).
    for (;;) {
      /* hang */
    }
  }
}
