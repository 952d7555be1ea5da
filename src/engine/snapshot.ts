/**
 * Between the ranks' memory (partitioned, padded) and the global-order view of the network:
 * network states (docs/model.md §11.5) and the coordinator's statistics read through here. Only
 * valid while every rank is parked.
 *
 * Each per-rank array is obtained through a `RegionFetcher`. In one process it is a view of the
 * shared memory. With ranks in several processes every process calls the same sequence of
 * fetches (a collective each); the root process receives the other processes' arrays and
 * assembles the global order, the others only contribute and get empty results. Spike and event
 * rings and replicated arrays need no fetch: the transport mirrors every rank's rings, and the
 * replicated arrays of rank 0 live in process 0.
 */
import { MIN_DELAY_STEPS } from '../model/constants.js';
import type { GroupState, SpikeRing } from '../io/netstate.js';
import { LazyFloat32, type StreamedConnection } from '../io/netstate-stream.js';
import type { MemoryLayout } from '../network/layout.js';
import { RegionView } from './region-view.js';
import { globalId, localIndex, ownerRank } from '../network/partition.js';
import type { Topology } from '../network/topology.js';

type SynField = 'w' | 'el' | 'elFlt' | 'elSum' | 'grad2';
type PostField = 'err' | 'errIn' | 'errTrace' | 'errFiltered' | 'avgSqErr' | 'hom';

/** One rank's array: element `base + i` of f32/i32 (two views of the same bytes). */
export interface RankArray {
  f32: Float32Array;
  i32: Int32Array;
  base: number;
}

export interface RegionFetcher {
  /** False on processes that only contribute: their fetch results are empty and not read. */
  readonly assembles: boolean;
  /** Every rank's array of `elements(r)` 4-byte elements at byte `offset(r)` of its region; valid until the next fetch. */
  fetch(offset: (r: number) => number, elements: (r: number) => number): RankArray[];
}

/** One process holds every rank: arrays are views of the shared memory. */
export class MemoryFetcher implements RegionFetcher {
  readonly assembles = true;
  private readonly array: RankArray;
  constructor(memory: WebAssembly.Memory, private readonly ranks: number) {
    this.array = { f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer), base: 0 };
  }
  fetch(offset: (r: number) => number): RankArray[] {
    return Array.from({ length: this.ranks }, (_, r) => ({ ...this.array, base: offset(r) >> 2 }));
  }
}

const EMPTY_F32 = new Float32Array(0);
/**
 * Synapses (4 bytes each) of one fetch of a synaptic field: bounds what is in transit at the root.
 * 2¹⁷ (512 KiB): with 2²⁰ the root's gather buffers and MPI's own for them kept process 0 ~30 MiB
 * above the others on 1000-8192-1000 × 2 processes (issue 16, point 4); the extra collectives
 * (≈ 125 per field at that size, at block ends only) cost nothing measurable.
 */
const FETCH_CHUNK_ELEMENTS = 1 << 17;
const EMPTY_I32 = new Int32Array(0);

/**
 * `sum` plus `rows` rows of a synaptic field in ascending (j, k), each row's posts read from their
 * owners' arrays. A top-level function of typed arrays, not a closure over the caller's locals:
 * the closure ran long enough in V8's unoptimised tiers to box every partial sum as a heap number
 * (~0.5 GB of garbage per block end on 1000-8192-1000, which grew the root's young generation
 * to 48 MB; issue 16, point 4). Same additions in the same order: the same bits.
 */
function addRows(
  sum: number, f32: Float32Array, bases: Int32Array, strides: Int32Array, rowBase: Int32Array,
  owner: Int32Array, local: Int32Array, rows: number, nPost: number,
): number {
  const ranks = bases.length;
  let acc = sum;
  for (let j = 0; j < rows; j++) {
    for (let r = 0; r < ranks; r++) rowBase[r] = bases[r]! + j * strides[r]!;
    for (let k = 0; k < nPost; k++) acc += f32[rowBase[owner[k]!]! + local[k]!]!;
  }
  return acc;
}

export class NetworkView extends RegionView {
  constructor(
    memory: WebAssembly.Memory,
    layout: MemoryLayout,
    private readonly topology: Topology,
    private readonly fetcher: RegionFetcher = new MemoryFetcher(memory, layout.ranks),
    /** Synapses per fetch of a synaptic field (tests use tiny chunks). */
    private readonly chunkElements = FETCH_CHUNK_ELEMENTS,
  ) {
    super(memory, layout);
  }

  /**
   * Visits a synaptic field in chunks of presynaptic rows [j0, j1), every rank's part of each
   * chunk fetched at once: with several processes the root never holds more than a chunk of
   * other processes' synapses in transit (the same chunks on every process: a pure function of
   * the topology).
   */
  private forEachRowChunk(c: number, field: SynField, visit: (arrays: RankArray[], j0: number, j1: number) => void): void {
    const info = this.topology.connections[c]!;
    const rows = Math.max(1, Math.floor(this.chunkElements / Math.max(1, info.nPost)));
    for (let j0 = 0; j0 < info.nPre; j0 += rows) {
      const j1 = Math.min(info.nPre, j0 + rows);
      const arrays = this.fetcher.fetch(
        (r) => this.conn(r, c)[field] + j0 * this.conn(r, c).stride * 4,
        (r) => (j1 - j0) * this.conn(r, c).stride,
      );
      if (this.fetcher.assembles) visit(arrays, j0, j1);
    }
  }

  /**
   * Sum of a synaptic field over all synapses in ascending (j, k), in float64. The root does this
   * for every block's statistics over the whole output connection, so the loop is two table
   * lookups per synapse (each post's rank and local index, from partition.ts once per size), not
   * a division and a modulo.
   */
  sumSynapses(c: number, field: SynField): number {
    const info = this.topology.connections[c]!;
    const { ranks } = this;
    const { owner, local } = this.postTables(info.nPost);
    const strides = Int32Array.from({ length: ranks }, (_, r) => this.conn(r, c).stride);
    const rowBase = new Int32Array(ranks);
    const bases = new Int32Array(ranks);
    let sum = 0;
    this.forEachRowChunk(c, field, (arrays, j0, j1) => {
      for (let r = 0; r < ranks; r++) bases[r] = arrays[r]!.base;
      // Every rank's array is a view of the same buffer (the shared memory, or the root's receive buffer).
      sum = addRows(sum, arrays[0]!.f32, bases, strides, rowBase, owner, local, j1 - j0, info.nPost);
    });
    return sum;
  }

  private readonly tables = new Map<number, { owner: Int32Array; local: Int32Array }>();

  /** Each post's owning rank and local index, for a group of `size` (partition.ts), built once. */
  private postTables(size: number): { owner: Int32Array; local: Int32Array } {
    let t = this.tables.get(size);
    if (t === undefined) {
      t = { owner: new Int32Array(size), local: new Int32Array(size) };
      for (let k = 0; k < size; k++) {
        t.owner[k] = ownerRank(k, this.ranks);
        t.local[k] = localIndex(k, this.ranks);
      }
      this.tables.set(size, t);
    }
    return t;
  }

  /** Sum of a per-post field over the real posts in ascending id, in float64. */
  sumPost(c: number, field: PostField): number {
    const values = this.gatherPost(c, field);
    let sum = 0;
    for (let k = 0; k < values.length; k++) sum += values[k]!;
    return sum;
  }

  /** A synaptic field in global order, whole (at the root; empty on processes that only contribute). */
  gatherSynapses(c: number, field: SynField): Float32Array {
    const lazy = this.lazySynapses(c, field);
    const out = this.fetcher.assembles ? new Float32Array(lazy.length) : EMPTY_F32;
    let at = 0;
    lazy.produce(this.fetcher.assembles ? (chunk) => {
      out.set(chunk, at);
      at += chunk.length;
    } : null);
    return out;
  }

  /**
   * A synaptic field in global order (row j, column k at j·nPost + k) as a lazy array: produced
   * chunk by chunk of presynaptic rows when the state is written (io/netstate-stream.ts), so no
   * process ever holds the whole field. Every process must produce it, in the same order.
   */
  lazySynapses(c: number, field: SynField): LazyFloat32 {
    const info = this.topology.connections[c]!;
    return new LazyFloat32(info.nPre * info.nPost, (sink) => {
      let chunk = EMPTY_F32;
      this.forEachRowChunk(c, field, (arrays, j0, j1) => {
        if (sink === null) return;
        const length = (j1 - j0) * info.nPost;
        if (chunk.length < length) chunk = new Float32Array(length);
        const out = chunk.subarray(0, length);
        for (let r = 0; r < this.ranks; r++) {
          const { f32, base } = arrays[r]!;
          const stride = this.conn(r, c).stride;
          const local = this.group(r, info.postGroup).localCount;
          for (let j = 0; j < j1 - j0; j++) {
            for (let kl = 0; kl < local; kl++) out[j * info.nPost + globalId(kl, r, this.ranks)] = f32[base + j * stride + kl]!;
          }
        }
        sink(out);
      });
    });
  }

  /**
   * Per-post values in global order: `rows` rows of the group's size, row `row` of rank r at
   * element `row·stride(r)` of its array (delay lines, feedback matrices; rows = 1 otherwise).
   */
  private gatherRows(group: number, offset: (r: number) => number, stride: (r: number) => number, rows: number, kind: 'f32' | 'i32'): Float32Array | Int32Array {
    const size = this.topology.groups[group]!.size;
    const arrays = this.fetcher.fetch(offset, (r) => (rows - 1) * stride(r) + this.group(r, group).localCount);
    if (!this.fetcher.assembles) return kind === 'f32' ? EMPTY_F32 : EMPTY_I32;
    const out = kind === 'f32' ? new Float32Array(rows * size) : new Int32Array(rows * size);
    for (let r = 0; r < this.ranks; r++) {
      const a = arrays[r]!;
      const heap = kind === 'f32' ? a.f32 : a.i32;
      const local = this.group(r, group).localCount;
      const s = stride(r);
      for (let row = 0; row < rows; row++) {
        for (let kl = 0; kl < local; kl++) out[row * size + globalId(kl, r, this.ranks)] = heap[a.base + row * s + kl]!;
      }
    }
    return out;
  }

  /** Per-post values (or per-post delay lines of `rows` slots) of connection c, global order. */
  gatherPost(c: number, field: PostField | 'sigmaLine', rows = 1): Float32Array {
    const info = this.topology.connections[c]!;
    return this.gatherRows(info.postGroup, (r) => this.conn(r, c)[field], (r) => this.conn(r, c).stride, rows, 'f32') as Float32Array;
  }

  private gatherNeurons(g: number, field: 'v' | 'i' | 'ref'): Float32Array | Int32Array {
    return this.gatherRows(g, (r) => this.group(r, g)[field], () => 0, 1, field === 'ref' ? 'i32' : 'f32');
  }

  private gatherFeedback(c: number): Float32Array {
    const info = this.topology.connections[c]!;
    const nOut = this.topology.shape.nOutput;
    return this.gatherRows(info.postGroup, (r) => this.conn(r, c).feedbackB, (r) => this.conn(r, c).stride, nOut, 'f32') as Float32Array;
  }

  /** Replicated per-presynaptic arrays: every rank holds the same values; rank 0's are saved. */
  private gatherReplicated(offset: number, count: number): Float32Array {
    return this.f32.slice(offset >> 2, (offset >> 2) + count);
  }

  /**
   * Spikes (or error events) emitted in the last `history` steps before `clock`: what the next
   * steps will still read as delayed input (MIN_DELAY steps, or a group's longest spike delay).
   * Sorted by (step, id).
   */
  private gatherRing(clock: number, history: number, lists: (r: number) => { counts: number; ids: number; values: number; cap: number }): SpikeRing {
    const events: Array<[number, number, number]> = [];
    for (let step = Math.max(0, clock - history); step < clock; step++) {
      const slot = step & (this.layout.ringSlots - 1);
      for (let r = 0; r < this.ranks; r++) {
        const l = lists(r);
        const count = this.i32[(l.counts >> 2) + slot]!;
        for (let s = 0; s < count; s++) {
          const at = slot * l.cap + s;
          events.push([step, this.u32[(l.ids >> 2) + at]!, l.values ? this.f32[(l.values >> 2) + at]! : 0]);
        }
      }
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const ring: SpikeRing = { steps: Int32Array.from(events, (e) => e[0]), ids: Uint32Array.from(events, (e) => e[1]) };
    if (lists(0).values) ring.values = Float32Array.from(events, (e) => e[2]);
    return ring;
  }

  private groupRing(g: number) {
    return (r: number) => {
      const reg = this.group(r, g);
      return { counts: reg.ringCounts, ids: reg.ringIds, values: 0, cap: reg.localCap };
    };
  }

  private eventRing(c: number) {
    const post = this.topology.connections[c]!.postGroup;
    return (r: number) => {
      const reg = this.conn(r, c);
      return { counts: reg.evCounts, ids: reg.evIds, values: reg.evValues, cap: this.group(r, post).localCap };
    };
  }

  captureGroups(clock: number): GroupState[] {
    return this.topology.groups.map((g, gi) => {
      const state: GroupState = { ring: this.gatherRing(clock, g.historySteps, this.groupRing(gi)) };
      if (g.kind === 'lif') {
        state.v = this.gatherNeurons(gi, 'v') as Float32Array;
        state.i = this.gatherNeurons(gi, 'i') as Float32Array;
        state.ref = this.gatherNeurons(gi, 'ref') as Int32Array;
      }
      if (g.presynaptic) state.pre = this.gatherReplicated(this.group(0, gi).pre, g.size);
      return state;
    });
  }

  /** Every connection's state; the synaptic fields lazy (lazySynapses), the rest gathered now. */
  captureConnections(clock: number): StreamedConnection[] {
    return this.topology.connections.map((c, ci) => {
      const reg0 = this.conn(0, ci);
      const state: StreamedConnection = { w: this.lazySynapses(ci, 'w') };
      if (c.plastic) {
        state.el = this.lazySynapses(ci, 'el');
        state.elFlt = this.lazySynapses(ci, 'elFlt');
        state.elSum = this.lazySynapses(ci, 'elSum');
        state.grad2 = this.lazySynapses(ci, 'grad2');
        for (const field of ['err', 'errIn', 'errTrace', 'errFiltered', 'avgSqErr'] as const) state[field] = this.gatherPost(ci, field);
        state.sigmaLine = this.gatherPost(ci, 'sigmaLine', c.delaySteps);
        state.psp = this.gatherReplicated(reg0.psp, c.nPre);
        state.pspLine = this.gatherReplicated(reg0.pspLine, c.delaySteps * c.nPre);
        // A longer spike delay's own `pre` trace (docs/model.md §5.1); absent at the minimum delay.
        if (c.ownPreTrace) state.pre = this.gatherReplicated(reg0.pre, c.nPre);
      }
      if (c.regulariser) state.hom = this.gatherPost(ci, 'hom');
      if (c.feedback?.mode === 'random') state.feedbackB = this.gatherFeedback(ci);
      if (c.emitsErrorEvents) state.events = this.gatherRing(clock, MIN_DELAY_STEPS, this.eventRing(ci));
      return state;
    });
  }
}
