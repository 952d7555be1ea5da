/**
 * Frozen Poisson input, like the paper's `oxford-input.ras`: every neuron fires as an
 * independent homogeneous Poisson process, and the file is replayed identically on every loop.
 */
import { Xoshiro128, hash32 } from '../model/rng.js';
import { sortEvents } from './events.js';
import { DT_SECONDS } from '../model/constants.js';

export interface PoissonOptions {
  /** Number of neurons (ids 0…neurons−1). */
  neurons: number;
  /** Rate of every neuron, in Hz. */
  rateHz: number;
  /** Duration in seconds: events have 0 <= time < duration. */
  durationSeconds: number;
  /** Seed. Default 1. */
  seed?: number;
  /**
   * Simulation step in seconds; times are rounded to this grid (what the simulator does with
   * them anyway, docs/model.md §12), so the file states exactly what will be replayed. A second spike of
   * the same neuron in the same step is dropped (a neuron spikes at most once per step): at 5 Hz
   * and 0.1 ms that happens with probability 5e-4 per spike. 0 disables rounding. Default `DT_SECONDS` (1e-4).
   */
  stepSeconds?: number;
}

// Domain-separation constant for hash32: "pois".
const STREAM = 0x706f6973;

/**
 * Events sorted by (time, id). Each neuron has its own generator, seeded by (seed, neuron id),
 * so a neuron's train does not depend on how many neurons there are.
 */
export function poissonEvents(opts: PoissonOptions): { times: Float64Array; ids: Uint32Array } {
  const { neurons, rateHz, durationSeconds } = opts;
  const seed = opts.seed ?? 1;
  const step = opts.stepSeconds ?? DT_SECONDS;
  if (!Number.isInteger(neurons) || neurons < 0) throw new RangeError(`neurons must be a non-negative integer, got ${neurons}`);
  if (!(rateHz >= 0) || !Number.isFinite(rateHz)) throw new RangeError(`rate must be a finite number >= 0, got ${rateHz}`);
  if (!(durationSeconds >= 0) || !Number.isFinite(durationSeconds)) {
    throw new RangeError(`duration must be a finite number >= 0, got ${durationSeconds}`);
  }
  if (!(step >= 0)) throw new RangeError(`step must be >= 0, got ${step}`);

  const times: number[] = [];
  const ids: number[] = [];
  if (rateHz > 0) {
    for (let n = 0; n < neurons; n++) {
      const rng = new Xoshiro128(hash32(seed, STREAM, n, 0));
      let last = -1;
      for (let t = rng.nextExponential(rateHz); t < durationSeconds; t += rng.nextExponential(rateHz)) {
        let time = t;
        if (step > 0) {
          const k = Math.round(t / step);
          if (k === last) continue;
          last = k;
          time = k * step;
          if (time >= durationSeconds) break;
        }
        times.push(time);
        ids.push(n);
      }
    }
  }
  return sortEvents(Float64Array.from(times), Uint32Array.from(ids));
}
