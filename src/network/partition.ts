/**
 * Round-robin ownership (docs/model.md §10): global id g lives on rank g mod R at local index ⌊g/R⌋, and
 * rank r in process ⌊r/T⌋ when T ranks share a process.
 * The only place that knows how neurons map to ranks; everything else asks here.
 */

/** Neurons of a group of `size` that rank `rank` of `ranks` owns. */
export function localCount(size: number, rank: number, ranks: number): number {
  return rank < size ? Math.floor((size - 1 - rank) / ranks) + 1 : 0;
}

export function ownerRank(globalId: number, ranks: number): number {
  return globalId % ranks;
}

export function localIndex(globalId: number, ranks: number): number {
  return Math.floor(globalId / ranks);
}

export function globalId(local: number, rank: number, ranks: number): number {
  return local * ranks + rank;
}

/** Row stride of a rank's synaptic matrices: local posts rounded up to whole SIMD vectors. */
export function paddedStride(localPosts: number): number {
  return (localPosts + 3) & ~3;
}

/**
 * With ranks in several processes of T ranks (threads) each, global rank r runs in process ⌊r/T⌋:
 * each process holds a contiguous block, while neurons stay round-robin over all ranks.
 */
export function processOfRank(rank: number, ranksPerProcess: number): number {
  return Math.floor(rank / ranksPerProcess);
}

export function ranksOfProcess(process: number, ranksPerProcess: number): number[] {
  return Array.from({ length: ranksPerProcess }, (_, t) => process * ranksPerProcess + t);
}
