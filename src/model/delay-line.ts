/**
 * Delay lines of SPEC §7.1: a ring of D rows; at step n the row n mod D holds what was stored at
 * step n − D (zero during the first D steps). Storing today's values and reading the delayed
 * ones is one swap, so the head is a pure function of the clock and needs no state of its own.
 */

/**
 * Swaps `values[0..count)` with row n mod D of the line: afterwards `values` holds the values
 * stored D steps ago and the line holds today's. Offsets are element indices into `heap`.
 */
export function delayLineSwap(
  heap: Float32Array, lineStart: number, rowLength: number, delaySteps: number, n: number, values: number, count: number,
): void {
  const row = lineStart + (n % delaySteps) * rowLength;
  for (let i = 0; i < count; i++) {
    const today = heap[values + i]!;
    heap[values + i] = heap[row + i]!;
    heap[row + i] = today;
  }
}
