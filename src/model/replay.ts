/**
 * File-driven spike groups (docs/model.md §4): a sorted event table replayed with period P for ever, or
 * once when there is no loop grid. Each rank replays only the events of its own neurons.
 */

/** Spike events of a file-driven group: the one event-table shape of the project. */
export interface EventTable {
  /** Event steps, ascending; equal steps in ascending id. */
  steps: Int32Array;
  /** Global neuron ids. */
  ids: Uint32Array;
  /** Replay period P in steps, or 0 to play once. */
  periodSteps: number;
}

/** P = (⌊s_last/G⌋ + 1)·G for a grid of G steps; 0 when G is 0 (no grid). */
export function replayPeriod(lastStep: number, gridSteps: number): number {
  if (gridSteps <= 0) return 0;
  return (Math.floor(Math.max(0, lastStep) / gridSteps) + 1) * gridSteps;
}

export class Replay {
  private cursor = 0;
  private lastLocal = -1;

  constructor(private readonly table: EventTable) {}

  /** Writes the ids of events at clock `n` into `out` from `at`; returns how many. */
  emit(n: number, out: Uint32Array, at: number): number {
    const { steps, ids, periodSteps } = this.table;
    const local = periodSteps > 0 ? n % periodSteps : n;
    if (local < this.lastLocal) this.cursor = 0;
    this.lastLocal = local;
    let c = this.cursor;
    const len = steps.length;
    if (c < len && steps[c]! < local) c = lowerBound(steps, local, c);
    let count = 0;
    while (c < len && steps[c] === local) out[at + count++] = ids[c++]!;
    this.cursor = c;
    return count;
  }
}

function lowerBound(a: Int32Array, value: number, from: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
