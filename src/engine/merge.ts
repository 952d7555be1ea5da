/**
 * Delayed input of a step: every rank's ascending id list of one ring slot merged into one list
 * in ascending global id — the order that makes sums and deliveries independent of the partition.
 */
import type { MemoryLayout, RankRegion } from '../network/layout.js';
import type { Topology } from '../network/topology.js';

/** Reads every rank's ring slot (local or mirrored) and merges it into this rank's scratch lists. */
export class DelayedLists {
  private readonly ranks: number;
  /** Merge scratch: list starts and counts per rank. */
  private readonly listStarts: Int32Array;
  private readonly listCounts: Int32Array;
  private readonly valueStarts: Int32Array;

  constructor(
    private readonly layout: MemoryLayout,
    private readonly region: RankRegion,
    private readonly topology: Topology,
    private readonly i32: Int32Array,
    private readonly u32: Uint32Array,
    private readonly f32: Float32Array,
    /** Test-only: concatenate in rank order (breaks invariance; the stress tool must notice). */
    private readonly rankOrderMerge: boolean,
  ) {
    this.ranks = layout.ranks;
    this.listStarts = new Int32Array(this.ranks);
    this.listCounts = new Int32Array(this.ranks);
    this.valueStarts = new Int32Array(this.ranks);
  }

  /**
   * Merges every rank's spikes of group g at ring slot `s` into the group's merged list, or into
   * `out` (a byte offset: a longer-delay connection's own list, which reads another slot).
   */
  spikes(g: number, s: number, out = this.region.groups[g]!.merged): number {
    const { listStarts, listCounts } = this;
    for (let r = 0; r < this.ranks; r++) {
      const reg = this.layout.rankRegions[r]!.groups[g]!;
      listStarts[r] = (reg.ringIds >> 2) + s * reg.localCap;
      listCounts[r] = this.i32[(reg.ringCounts >> 2) + s]!;
    }
    return mergeRankLists(this.u32, listStarts, listCounts, this.ranks, out >> 2, this.rankOrderMerge, null, null, 0);
  }

  errorEvents(c: number, s: number): number {
    const { listStarts, listCounts, valueStarts } = this;
    const post = this.topology.connections[c]!.postGroup;
    for (let r = 0; r < this.ranks; r++) {
      const reg = this.layout.rankRegions[r]!.connections[c]!;
      const cap = this.layout.rankRegions[r]!.groups[post]!.localCap;
      listStarts[r] = (reg.evIds >> 2) + s * cap;
      valueStarts[r] = (reg.evValues >> 2) + s * cap;
      listCounts[r] = this.i32[(reg.evCounts >> 2) + s]!;
    }
    const own = this.region.connections[c]!;
    return mergeRankLists(
      this.u32, listStarts, listCounts, this.ranks, own.mergedEvIds >> 2, this.rankOrderMerge,
      this.f32, valueStarts, own.mergedEvValues >> 2,
    );
  }
}

/**
 * Merges the per-rank ascending id lists of one step into `out` in ascending global id.
 * Lists are (ids at `idsBase[r] + slot·cap[r]`, count `counts[r][slot]`). Because ownership is
 * round-robin, the merge is a walk over local indices: global id = local·R + r, so reading every
 * rank's list in lockstep by local index gives ascending order with one comparison per element.
 * `rankOrder` (test-only) concatenates in rank order instead, to prove the stress tool catches it.
 */
export function mergeRankLists(
  u32: Uint32Array,
  listStarts: Int32Array,
  listCounts: Int32Array,
  ranks: number,
  out: number,
  rankOrder: boolean,
  values: Float32Array | null,
  valueStarts: Int32Array | null,
  outValues: number,
): number {
  let n = 0;
  if (ranks === 1 || rankOrder) {
    for (let r = 0; r < ranks; r++) {
      const start = listStarts[r]!;
      const count = listCounts[r]!;
      for (let i = 0; i < count; i++) {
        if (values !== null) values[outValues + n] = values[valueStarts![r]! + i]!;
        u32[out + n++] = u32[start + i]!;
      }
    }
    return n;
  }
  // k-way merge; R is small, so a linear scan for the minimum head beats a heap.
  const heads = mergeHeads.length >= ranks ? mergeHeads : (mergeHeads = new Int32Array(ranks * 2));
  heads.fill(0, 0, ranks);
  for (;;) {
    let best = -1;
    let bestId = 0xffffffff;
    for (let r = 0; r < ranks; r++) {
      const h = heads[r]!;
      if (h < listCounts[r]!) {
        const id = u32[listStarts[r]! + h]!;
        if (best < 0 || id < bestId) {
          best = r;
          bestId = id;
        }
      }
    }
    if (best < 0) return n;
    const h = heads[best]!;
    if (values !== null) values[outValues + n] = values[valueStarts![best]! + h]!;
    u32[out + n++] = bestId;
    heads[best] = h + 1;
  }
}
let mergeHeads = new Int32Array(64);
