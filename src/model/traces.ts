/**
 * Per-neuron traces of docs/model.md §6 on float32 arrays, every operation rounded to float32 and
 * decayed values flushed to zero below the smallest normal float (see FLT_MIN_NORMAL).
 */
import { FLT_MIN_NORMAL } from './constants.js';

const f = Math.fround;

/** x ·= decay over [start, start+count). */
export function decayTrace(x: Float32Array, start: number, count: number, decay: number): void {
  for (let i = start, end = start + count; i < end; i++) {
    const v = f(x[i]! * decay);
    x[i] = Math.abs(v) < FLT_MIN_NORMAL ? 0 : v;
  }
}

/** x += rate·(v − x) elementwise (`follow` of docs/model.md §6), for `count` entries. */
export function followTrace(x: Float32Array, xStart: number, v: Float32Array, vStart: number, count: number, rate: number): void {
  for (let i = 0; i < count; i++) {
    const xi = x[xStart + i]!;
    const y = f(xi + f(rate * f(v[vStart + i]! - xi)));
    x[xStart + i] = Math.abs(y) < FLT_MIN_NORMAL ? 0 : y;
  }
}

/** x[ids] += 1 for each listed id (ids are indices into x relative to `start`). */
export function bumpTrace(x: Float32Array, start: number, ids: Uint32Array, idStart: number, count: number, divisor: number): void {
  for (let s = 0; s < count; s++) {
    const i = start + Math.floor(ids[idStart + s]! / divisor);
    x[i] = f(x[i]! + 1);
  }
}
