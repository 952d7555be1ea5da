/**
 * The presynaptic side of a step, once per process or once per thread instead of once per rank
 * (docs/model.md §2, the interval preparation P; docs/mpi.md).
 *
 * Every rank's posts see every presynaptic neuron, so the `pre` traces (D1) and each plastic
 * connection's psp, psp delay line and pEff rows (E3 pre side with E5) are the same on every rank.
 * Every spike they read is delayed by at least MIN_DELAY_STEPS, so once the interval exchange has
 * delivered the last interval's spikes, the whole next interval of them is determined, and it is
 * computed before any rank steps into the interval. Each neuron gets exactly the operations, in
 * the order, that each rank used to apply, so no byte changes whoever computes it.
 *
 * Where it is computed (`presynapticCopiesFor`):
 * - *per process*: one copy; the threads of the process compute it together. The presynaptic
 *   neurons are cut into chunks, each chunk runs the interval's steps in order, and a chunk is
 *   claimed by whichever thread gets to it first (as eligibility chunks are: work-sharing.ts);
 *   a process of T threads spends 1/T of it per thread, and waits for the last chunk.
 * - *per thread*: a copy per thread, which computes all of it alone, for its own ranks. No wait,
 *   and the pEff rows a rank's eligibility pass reads were written by its own core.
 * Either way a thread that hosts several ranks computes it once for all of them.
 *
 * A connection with a longer spike delay D (docs/model.md §5.1) has its own `pre` trace, bumped by
 * the spikes of step n − D instead of n − MIN_DELAY_STEPS; D ≥ MIN_DELAY_STEPS, so those too are
 * delivered before the interval starts.
 *
 * The arrays live once per copy (layout.ts); pEff is a ring with one row per step and a mirror,
 * so a rank's batch of consecutive steps is contiguous wherever it starts (rank.ts points its
 * kernel region at the row of its batch's first step). In blocked mode the ring has no mirror: the
 * blocked pass wraps at its end.
 */
import { kernelRegionWords, type Kernels } from '../model/kernels.js';
import { MIN_DELAY_STEPS, PRE_DECAY } from '../model/constants.js';
import { CTRL, kernelRegionOf, pEffMirrorRows, type MemoryLayout } from '../network/layout.js';
import type { Topology } from '../network/topology.js';
import { RankAbortedError } from './exchange.js';
import type { PresynapticMode } from './options.js';

/** Presynaptic neurons per chunk: a multiple of 16 (whole cache lines, aligned SIMD). */
export const PRESYNAPTIC_CHUNK_NEURONS = 256;

interface Chunk {
  /** The pre group's `pre` trace (byte offset), its ring lists and its neurons [j0, j1). */
  pre: number;
  /** Every rank's ring of the group (element offsets, counts and ids) and its slot capacity. */
  ringCounts: Int32Array;
  ringIds: Int32Array;
  ringCaps: Int32Array;
  j0: number;
  j1: number;
  /** The plastic connections out of the group: their process-level kernel regions. */
  connections: Array<{ region: number; ringRows: number; mirrorRows: number; rowBytes: number; pEff: number }>;
  /** Those of them with a longer spike delay: their own `pre` trace (byte offset) and delay. */
  ownTraces: Array<{ pre: number; delay: number }>;
}

/** Writes the kernel regions every copy's chunks compute from (the coordinator, before any thread starts). */
export function writePresynapticRegions(u32: Uint32Array, layout: MemoryLayout, topology: Topology): void {
  layout.presynapticRegions.forEach((regions, q) => {
    // Copy q serves local rank q first (layout.ts), whose full region points at it.
    const region = layout.rankRegions[layout.localRanks[q]!]!;
    for (let c = 0; c < topology.connections.length; c++) {
      const at = regions[c]!;
      if (at !== 0) u32.set(kernelRegionWords(kernelRegionOf(topology, region, c)), at >> 2);
    }
  });
}

/**
 * Copies of the presynaptic side for a process of `threads` rank threads (layout.ts): one per
 * thread up to PER_THREAD_PRESYNAPTIC_MAX_THREADS threads under `auto`, else one for all.
 *
 * One copy computed together costs each thread 1/T of the work, a wait for the last chunk every
 * interval, and chunks whose data moves between cores; and each rank's eligibility pass then reads
 * pEff rows that another core wrote. A copy per thread costs each thread all of the work and
 * nothing else. On this project's 2-core VM (200-1024-200, blocked eligibility) two threads ran
 * as fast either way where the host put the two vCPUs on cores that share a cache, and about 6 %
 * faster with a copy each where it did not; the copies took the placement out of the speed
 * (docs/performance-log.md, 5 Dec 2026). At 16 threads a copy each would repeat the work 16 times,
 * which the scaling model (scripts/scaling-model.mjs) cannot afford.
 */
export function presynapticCopiesFor(mode: PresynapticMode, threads: number): number {
  if (mode === 'per-process') return 1;
  if (mode === 'per-thread') return threads;
  return threads <= PER_THREAD_PRESYNAPTIC_MAX_THREADS ? threads : 1;
}

/** `auto` gives each thread its own copy of the presynaptic side up to this many threads per process. */
export const PER_THREAD_PRESYNAPTIC_MAX_THREADS = 2;

export interface PresynapticWorkOptions {
  topology: Topology;
  layout: MemoryLayout;
  memory: WebAssembly.Memory;
  kernels: Kernels;
  /** Threads of this process that take part in every `prepare` (1: no synchronisation). */
  threads: number;
  /** This thread's index among them (threads.ts, ranksOfThreads): with a copy per thread, its copy. */
  thread: number;
  /** Spin iterations before sleeping while other threads finish their chunks (exchange.ts). */
  spin: number;
}

export class PresynapticWork {
  private readonly chunks: Chunk[] = [];
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly ctrl: number;
  /** Where this process's chunk counters stand before the next prepare (all threads agree). */
  private base = 0;
  private readonly skipMode: number;
  /** Ring slots − 1 (layout.ts). */
  private readonly slotMask: number;
  /** The copy this thread computes, and how many threads compute it (itself included). */
  private readonly copy: number;
  private readonly sharing: number;

  constructor(private readonly o: PresynapticWorkOptions) {
    const buffer = o.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.ctrl = o.layout.control >> 2;
    this.skipMode = o.topology.shape.feedback === 'random' ? 1 : 0;
    this.slotMask = o.layout.ringSlots - 1;
    // With a copy per thread this thread computes its own copy alone; with one, every thread of
    // the process computes it together.
    const copies = o.layout.presynapticCopies;
    this.copy = copies === 1 ? 0 : o.thread;
    this.sharing = copies === 1 ? o.threads : 1;
    if (copies === 0) return; // a process that holds no rank
    if (copies !== 1 && copies !== o.threads) throw new RangeError(`presynaptic copies must be 1 or one per thread (${o.threads}), got ${copies}`);
    const first = o.layout.localRanks[this.copy];
    if (first === undefined) return;
    const region = o.layout.rankRegions[first]!;
    for (const g of o.topology.groups) {
      if (!g.presynaptic) continue;
      const connections = o.topology.connections
        .filter((c) => c.plastic && c.preGroup === g.index)
        .map((c) => {
          const reg = region.connections[c.index]!;
          return {
            region: o.layout.presynapticRegions[this.copy]![c.index]!, ringRows: reg.pEffRingRows, mirrorRows: pEffMirrorRows(reg.batchRows),
            rowBytes: reg.prePitch * 4, pEff: reg.pEff,
          };
        });
      const ownTraces = o.topology.connections
        .filter((c) => c.ownPreTrace && c.preGroup === g.index)
        .map((c) => ({ pre: region.connections[c.index]!.pre, delay: c.spikeDelaySteps }));
      const rings = o.layout.rankRegions.map((rr) => rr.groups[g.index]!);
      const ringCounts = Int32Array.from(rings, (rg) => rg.ringCounts >> 2);
      const ringIds = Int32Array.from(rings, (rg) => rg.ringIds >> 2);
      const ringCaps = Int32Array.from(rings, (rg) => rg.localCap);
      for (let j0 = 0; j0 < g.size; j0 += PRESYNAPTIC_CHUNK_NEURONS) {
        this.chunks.push({
          pre: region.groups[g.index]!.pre, ringCounts, ringIds, ringCaps,
          j0, j1: Math.min(g.size, j0 + PRESYNAPTIC_CHUNK_NEURONS), connections, ownTraces,
        });
      }
    }
  }

  /**
   * Steps [from, to) of the presynaptic side (at most one interval, all of it already
   * determined by delivered spikes); `frozen`: the traces only (no plasticity, no psp). Every
   * thread of the process calls it with the same arguments; it returns once every chunk is done.
   */
  prepare(from: number, to: number, frozen: boolean): void {
    const total = this.chunks.length;
    if (total === 0) return;
    if (this.sharing === 1) {
      for (let k = 0; k < total; k++) this.chunk(k, from, to, frozen);
      return;
    }
    const { i32, ctrl } = this;
    const taken = ctrl + CTRL.presynapticTaken;
    const done = ctrl + CTRL.presynapticDone;
    const base = this.base;
    this.base = (base + total) | 0;
    // Claim with compare-and-swap, so the counters advance by exactly `total` per prepare and the
    // next one starts where every thread expects (wrapping int32 arithmetic).
    for (;;) {
      const v = Atomics.load(i32, taken);
      const k = (v - base) | 0;
      if (k >= total) break;
      if (Atomics.compareExchange(i32, taken, v, (v + 1) | 0) !== v) continue;
      this.chunk(k, from, to, frozen);
      if (((Atomics.add(i32, done, 1) + 1 - base) | 0) === total) Atomics.notify(i32, done);
    }
    for (let spins = 0, d = Atomics.load(i32, done); ((d - base) | 0) < total; d = Atomics.load(i32, done)) {
      if (Atomics.load(i32, ctrl + CTRL.abort) !== 0) throw new RankAbortedError();
      if (++spins > this.o.spin) Atomics.wait(i32, done, d, 50);
    }
  }

  /** Chunk k over steps [from, to): per step, D1 for its neurons, then E3 pre side with E5 per connection. */
  private chunk(k: number, from: number, to: number, frozen: boolean): void {
    const { f32 } = this;
    const { kernels } = this.o;
    const c = this.chunks[k]!;
    const { j0, j1 } = c;
    for (let n = from; n < to; n++) {
      // D1: the group's trace sees the spikes of MIN_DELAY steps ago; a connection with a longer
      // spike delay D has its own trace, which sees those of D steps ago.
      this.bumpAndDecay(c, c.pre, n - MIN_DELAY_STEPS);
      for (let t = 0; t < c.ownTraces.length; t++) this.bumpAndDecay(c, c.ownTraces[t]!.pre, n - c.ownTraces[t]!.delay);
      if (frozen) continue;
      for (let k = 0; k < c.connections.length; k++) {
        const conn = c.connections[k]!;
        const row = n % conn.ringRows;
        kernels.presynaptic(conn.region, row, n, this.skipMode, j0, j1);
        if (row < conn.mirrorRows) {
          const at = (conn.pEff + row * conn.rowBytes) >> 2;
          const mirror = at + (conn.ringRows * conn.rowBytes >> 2);
          f32.copyWithin(mirror + j0, at + j0, at + j1);
        }
      }
    }
  }

  /**
   * One step of a `pre` trace (byte offset `pre`) for the chunk's neurons: +1 for every neuron of
   * the chunk that spiked at step `emitted` (in any rank's list; at most one spike per neuron and
   * step, so the order of the additions is immaterial), then decay.
   */
  private bumpAndDecay(c: Chunk, pre: number, emitted: number): void {
    const { f32, i32, u32 } = this;
    const { j0, j1, ringCounts, ringIds, ringCaps } = c;
    const preAt = pre >> 2;
    const slot = emitted & this.slotMask;
    for (let r = 0; r < ringCounts.length; r++) {
      const count = i32[ringCounts[r]! + slot]!;
      const ids = ringIds[r]! + slot * ringCaps[r]!;
      for (let s = 0; s < count; s++) {
        const id = u32[ids + s]!;
        if (id >= j0 && id < j1) f32[preAt + id] = Math.fround(f32[preAt + id]! + 1);
      }
    }
    this.o.kernels.traceDecay(pre + j0 * 4, j1 - j0, PRE_DECAY);
  }
}
