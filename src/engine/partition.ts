/**
 * Round-robin ownership (SPEC §10): global id g lives on rank g mod R at local index ⌊g/R⌋.
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
