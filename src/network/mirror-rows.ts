/**
 * The rows of shared weights (connections whose weights symmetric feedback reads) that a process
 * keeps of another process's ranks, and where a rank finds the column it reads (layout.ts places
 * them; weight-mirror.ts fills them). Pure functions of ranks and local ranks.
 */
import type { MemoryLayout } from './layout.js';
import { globalId, localCount } from './partition.js';

/**
 * Rows of a shared connection's weights that a process holding `localRanks` reads from another
 * rank: those of its ranks' own presynaptic neurons (every `ranks`-th row from each rank's index).
 */
export function mirrorRowsOf(nPre: number, ranks: number, localRanks: readonly number[]): number {
  let rows = 0;
  for (const t of localRanks) rows += localCount(nPre, t, ranks);
  return rows;
}

/**
 * The presynaptic neurons whose rows a mirror of a shared connection keeps, in its row order: each
 * local rank's own neurons (ascending), rank after rank. `mirrorRowsOf` is their count.
 */
export function mirrorRowIds(nPre: number, ranks: number, localRanks: readonly number[]): number[] {
  const ids: number[] = [];
  for (const t of localRanks) for (let jl = 0; jl < localCount(nPre, t, ranks); jl++) ids.push(globalId(jl, t, ranks));
  return ids;
}

/**
 * Where rank `reader` finds, in rank `owner`'s region of connection c, the weights from its own
 * presynaptic neurons to the owner's post kl: float index `at + kl`, then every `rowStep` floats,
 * one row per local presynaptic neuron of the reader (ascending). In a full region those are
 * every `ranks`-th row from row `reader`; in a mirror, consecutive rows from the reader's first.
 */
export function sharedWeightColumn(layout: MemoryLayout, nPre: number, c: number, owner: number, reader: number): { at: number; rowStep: number } {
  const reg = layout.rankRegions[owner]!.connections[c]!;
  if (!layout.rankRegions[owner]!.mirror) return { at: (reg.w >> 2) + reader * reg.stride, rowStep: reg.stride * layout.ranks };
  let row = 0;
  for (const t of layout.localRanks) {
    if (t === reader) return { at: (reg.w >> 2) + row * reg.stride, rowStep: reg.stride };
    row += localCount(nPre, t, layout.ranks);
  }
  throw new RangeError(`rank ${reader} is not held by this process: it reads no mirrored weights here`);
}
