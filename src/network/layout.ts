/**
 * Where every array lives in the run's one shared WebAssembly.Memory (struct of arrays).
 *
 * The layout is a pure function of (topology, ranks, local ranks): the coordinator and every
 * rank of a process compute the same offsets. Offsets are bytes, 64-byte aligned (cache lines, so
 * ranks never share one while writing); bytes [0, 65536) belong to the WASM kernel module's own
 * data. A process that holds only some ranks (several MPI processes) allocates full regions for
 * its own ranks and *mirrors* for the others: just what the transport copies in — spike rings,
 * error-event rings, and the weights symmetric feedback reads. Of those weights a mirror keeps only
 * the rows this process's ranks read (their own presynaptic neurons, rank by rank: mirror-rows.ts),
 * not the whole matrix: (P − 1)/P² of it per process instead of (P − 1)/P, which at 16 processes
 * would otherwise outweigh the process's own synapses. The mirrored weights of all ranks sit together
 * at the end of the layout, rank by rank, so the ones another process sends form one span
 * (`mirrorSpans`, mpi-link.ts). Absent arrays have offset 0.
 * Each plastic connection of a full region also has a kernel region (kernels.ts, KERNEL_REGION):
 * the pointers and sizes its kernels read, filled by the owning rank (`kernelRegionOf`).
 *
 * The presynaptic side is the same for every rank (every rank's posts see every presynaptic
 * neuron), so it is not kept once per rank: the `pre` traces, each plastic connection's psp and
 * psp delay line, and its pEff rows exist in `presynapticCopies` copies per process — one that the
 * process's threads compute together, or one per thread (src/engine/presynaptic-work.ts says
 * when). Copy q serves the local ranks at positions i ≡ q (mod copies) of `localRanks`, which,
 * with one copy per thread, are exactly the ranks of thread q (threads.ts, ranksOfThreads). Each
 * copy is computed once per interval from its own kernel region (`presynapticRegions[q]`). The
 * copies lie after everything else, so the offsets of every rank region and mirror do not depend
 * on them: another process (mpi-link.ts) computes this one's layout without knowing its threads.
 * pEff is a ring of `pEffRingRows` rows, one per step, followed by a mirror of its first
 * `batchRows − 1` rows, so that any batch of up to `batchRows` consecutive steps is contiguous:
 * a rank points its kernel region's pEff at the ring row of its batch's first step.
 *
 * Spike rings hold `ringSlots` steps: the interval being written and the longest spike delay read
 * (docs/model.md §5.1), rounded up to a power of two so a slot is a mask away. With every
 * connection at the minimum delay that is RING_SLOTS (16), as it always was. A connection with a
 * longer delay has its own merged list per rank and its own `pre` trace per presynaptic copy: it reads the
 * group's spikes of another step than the group's other readers.
 */
import { BLOCK_STEPS, ELIGIBILITY_BATCH, MIN_DELAY_STEPS } from '../model/constants.js';
import { BLOCK_COEFFICIENT_ROWS, BLOCK_SCRATCH_FLOATS } from '../model/eligibility-block-ref.js';
import { KERNEL_REGION_WORDS, type KernelRegion } from '../model/kernels.js';
import { WASM_RESERVED_BYTES } from '../model/kernels-wasm.js';
import { mirrorRowsOf } from './mirror-rows.js';
import { localCount, paddedStride } from './partition.js';
import type { Topology } from './topology.js';

/**
 * Steps of spikes (and error events) kept per rank when every delay is the minimum: the interval
 * being written and the one being read. Longer delays need longer rings: `ringSlotsOf`.
 */
export const RING_SLOTS = 2 * MIN_DELAY_STEPS;

/**
 * Slots of every spike and event ring of a topology: the smallest power of two ≥ the longest
 * history a group keeps (its longest outgoing spike delay, topology.ts `historySteps`) + one interval.
 */
export function ringSlotsOf(topology: Topology): number {
  let longest = MIN_DELAY_STEPS;
  for (const g of topology.groups) longest = Math.max(longest, g.historySteps);
  let slots = RING_SLOTS;
  while (slots < longest + MIN_DELAY_STEPS) slots *= 2;
  return slots;
}
const ALIGN = 64;
const PAGE = 65536;

/** Int32 indices into the control block (see exchange.ts for the protocol). */
export const CTRL = {
  barrierCount: 0,
  barrierGeneration: 1,
  commandGeneration: 2,
  parkedCount: 3,
  abort: 4,
  stopRequested: 5,
  /** Clock at which the ranks agreed to stop early (Ctrl-C), −1 when none. */
  stopAtStep: 6,
  targetStep: 7,
  learning: 8,
  frozen: 9,
  finish: 10,
  /** Nonzero while a rank of this process is inside an inter-process exchange (the watchdog asks). */
  linkBusy: 11,
  /** Milliseconds the rank threads spent in their step loops, and of that waiting at barriers (summed). */
  loopMs: 12,
  waitMs: 13,
  /** Chunks of the presynaptic work claimed and done (presynaptic-work.ts; wrapping counters). */
  presynapticTaken: 14,
  presynapticDone: 15,
  /**
   * Eligibility chunks done by this process's threads (work-sharing.ts; a wrapping counter): the
   * watchdog's sign of progress inside one long pass, e.g. a blocked pass of a large network.
   */
  eligibilityChunksDone: 16,
  /** First of `ranks` per-rank clocks (progress and watchdog). */
  rankClocks: 17,
} as const;
/** Float64 indices into the parameter block. */
export const PARAM = { eta: 0 } as const;

export interface GroupRegion {
  localCount: number;
  /** Capacity of one ring slot: at least 1 so every offset is distinct. */
  localCap: number;
  stride: number;
  v: number;
  i: number;
  ref: number;
  ringCounts: number;
  ringIds: number;
  /** Presynaptic trace of every neuron of the group, in the copy of the presynaptic side this rank reads. */
  pre: number;
  /** Scratch: this step's delayed spikes of the whole group, merged in ascending id (minimum delay). */
  merged: number;
}

export interface ConnectionRegion {
  stride: number;
  synapses: number;
  w: number;
  /**
   * In a mirror of a connection whose weights symmetric feedback reads: the rows of `w` it holds
   * (`mirrorRowsOf`), `stride` floats each; 0 in full regions, where `w` has all `nPre` rows.
   */
  mirrorRows: number;
  el: number;
  elFlt: number;
  elSum: number;
  grad2: number;
  err: number;
  errIn: number;
  errTrace: number;
  errFiltered: number;
  avgSqErr: number;
  hom: number;
  sigmaLine: number;
  /** Floats per row of the post-side batch buffers (sDelayed, eEff, h4) and of pEff. */
  batchPitch: number;
  prePitch: number;
  /** Rows of the batch buffers: ELIGIBILITY_BATCH, or BLOCK_STEPS in blocked mode (§7.7). */
  batchRows: number;
  /** Rows of the pEff ring before its mirror (`pEffRingRows`); 0 when not plastic here. */
  pEffRingRows: number;
  /** Batch buffers (`batchRows` rows): the eligibility kernel's per-step inputs. */
  sDelayed: number;
  eEff: number;
  h4: number;
  /** psp and its delay line: the copy of the presynaptic side this rank reads (shared by the ranks it serves). */
  psp: number;
  /** That copy's pEff ring (`pEffRingRows` rows, then `pEffMirrorRows` mirror rows, `prePitch` floats each). */
  pEff: number;
  pspLine: number;
  /** Blocked mode only (§7.7): uf rows and coefficient rows of the blocked pass; else 0. */
  blockBuf: number;
  feedbackB: number;
  evCounts: number;
  evIds: number;
  evValues: number;
  mergedEvIds: number;
  mergedEvValues: number;
  /** Shared descriptor of the current batched eligibility pass (see rank.ts, PASS). */
  pass: number;
  /**
   * Only where the spike delay is not the minimum (else 0): scratch for this step's delayed spikes
   * of the pre group, merged (full regions), and the connection's own `pre` trace (one per copy of the presynaptic side,
   * plastic connections), which the kernel region then points at instead of the group's.
   */
  merged: number;
  pre: number;
  /** The connection's kernel region (uint32 words, see kernelRegionOf); 0 when not plastic here. */
  kernelRegion: number;
}

export interface RankRegion {
  /** A mirror of a rank held by another process (only rings and shared weights are present). */
  mirror: boolean;
  groups: GroupRegion[];
  connections: ConnectionRegion[];
  /**
   * Blocked mode only (§7.7), else 0: BLOCK_SCRATCH_FLOATS where the thread that hosts this rank
   * transposes the p rows of whatever blocked pass it runs (its own ranks' or, helping, another's).
   */
  blockScratch: number;
}

/** Rows of a pEff ring: a batch of `batchRows` steps plus the interval computed ahead of it. */
export function pEffRingRows(batchRows: number): number {
  return batchRows + MIN_DELAY_STEPS;
}

/**
 * Rows after a pEff ring that mirror its first ones, so that a batch starting anywhere in the ring
 * is contiguous: `batchRows − 1`. None in blocked mode (batches of BLOCK_STEPS), whose pass wraps
 * at the ring's end instead (its scratch transposition, §7.7).
 */
export function pEffMirrorRows(batchRows: number): number {
  return batchRows === BLOCK_STEPS ? 0 : batchRows - 1;
}

export interface MemoryLayout {
  /** Ranks in the whole run (all processes). */
  ranks: number;
  /** Ranks held by this process, ascending. */
  localRanks: readonly number[];
  control: number;
  controlInts: number;
  params: number;
  rankRegions: RankRegion[];
  /** Slots of every spike and event ring (a power of two, RING_SLOTS without longer delays). */
  ringSlots: number;
  /** Copies of the presynaptic side in this process (see the opening comment); 0 when it holds no rank. */
  presynapticCopies: number;
  /**
   * Per copy and connection, the kernel region the presynaptic work computes that copy from (its
   * psp, psp line, pre and the pEff ring's base); 0 where the connection is not plastic.
   */
  presynapticRegions: number[][];
  /** Bytes [start, end) of the mirrored weights of other processes' ranks (0, 0 when none). */
  mirrorBlock: { start: number; end: number };
  totalBytes: number;
  pages: number;
}

class Allocator {
  offset: number;
  constructor(start: number) {
    this.offset = start;
  }
  /** Reserves `count` 4-byte elements; a count of 0 yields offset 0 (absent). */
  take(count: number): number {
    if (count <= 0) return 0;
    const at = this.offset;
    this.offset = align(at + count * 4);
    return at;
  }
}

/**
 * Row pitch of batch buffers: the length rounded up to whole 64-byte lines (16 floats), plus one
 * more line if that makes an even number of lines. An odd number of lines is coprime with the 64
 * sets of a 32 KiB 8-way L1, so the rows of consecutive steps that a pass walks down a column
 * (the blocked pass reads 128 of them from each of three buffers, docs/model.md §7.7) fall in
 * every set alike; an even count crowds them into a fraction of the sets — 512 bytes (100 or 104
 * posts) into 8 of 64 — and they evict each other: that pass ran 13 % slower at 1024 × 100
 * (`scripts/bench-blocked.mjs`). A multiple of 4 KiB, the worst case, is even, so never chosen.
 */
export function batchPitch(length: number): number {
  const lines = (length + 15) >> 4;
  return ((lines & 1) === 1 ? lines : lines + 1) << 4;
}

function align(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

/** Connections whose weights other ranks read (sources of symmetric feedback). */
export function sharedWeightConnections(topology: Topology): number[] {
  return topology.connections
    .filter((c) => topology.connections.some((r) => r.feedback?.mode === 'symmetric' && r.feedback.source === c.index))
    .map((c) => c.index);
}

/**
 * The layout of a process holding `localRanks` (all by default) of `ranks`, with `presynapticCopies`
 * copies of the presynaptic side (at most one per local rank).
 */
export function computeLayout(topology: Topology, ranks: number, localRanks?: readonly number[], presynapticCopies = 1): MemoryLayout {
  const local = localRanks ?? Array.from({ length: ranks }, (_, r) => r);
  const isLocal = new Set(local);
  const shared = new Set(sharedWeightConnections(topology));
  const alloc = new Allocator(WASM_RESERVED_BYTES);
  const controlInts = CTRL.rankClocks + ranks;
  const control = alloc.take(controlInts);
  const params = alloc.take(2 * 8);
  const rows = topology.shape.eligibility === 'blocked' ? BLOCK_STEPS : ELIGIBILITY_BATCH;
  if (!Number.isInteger(presynapticCopies) || presynapticCopies < 1) throw new RangeError(`presynaptic copies must be a positive integer, got ${presynapticCopies}`);
  const copies = Math.min(presynapticCopies, local.length);
  const ringSlots = ringSlotsOf(topology);
  const rankRegions: RankRegion[] = [];
  for (let r = 0; r < ranks; r++) {
    const full = isLocal.has(r);
    // The presynaptic fields (pre, psp, pspLine, pEff) are set once the copies are placed, below.
    const groups = topology.groups.map((g): GroupRegion => {
      const local = localCount(g.size, r, ranks);
      const localCap = Math.max(1, local);
      const stride = paddedStride(local);
      const lif = g.kind === 'lif' && full;
      return {
        localCount: local,
        localCap,
        stride,
        v: lif ? alloc.take(stride) : 0,
        i: lif ? alloc.take(stride) : 0,
        ref: lif ? alloc.take(stride) : 0,
        ringCounts: alloc.take(ringSlots),
        ringIds: alloc.take(ringSlots * localCap),
        pre: 0,
        merged: g.presynaptic && full ? alloc.take(g.size) : 0,
      };
    });
    const connections = topology.connections.map((c): ConnectionRegion => {
      const post = groups[c.postGroup]!;
      const stride = post.stride;
      const synapses = c.nPre * stride;
      const plastic = c.plastic && full;
      const syn = (on: boolean) => (on ? alloc.take(synapses) : 0);
      const perPost = (on: boolean) => (on ? alloc.take(stride) : 0);
      const localCap = post.localCap;
      return {
        stride,
        synapses,
        w: syn(full), // a mirror's shared weights: after every rank region, below
        mirrorRows: 0,
        el: syn(plastic),
        elFlt: syn(plastic),
        elSum: syn(plastic),
        grad2: syn(plastic),
        err: perPost(plastic),
        errIn: perPost(plastic),
        errTrace: perPost(plastic),
        errFiltered: perPost(plastic),
        avgSqErr: perPost(plastic),
        hom: perPost(c.regulariser && full),
        sigmaLine: plastic ? alloc.take(c.delaySteps * stride) : 0,
        batchPitch: batchPitch(stride),
        prePitch: batchPitch(c.nPre),
        batchRows: rows,
        pEffRingRows: plastic ? pEffRingRows(rows) : 0,
        sDelayed: plastic ? alloc.take(rows * batchPitch(stride)) : 0,
        eEff: plastic ? alloc.take(rows * batchPitch(stride)) : 0,
        h4: c.regulariser && full ? alloc.take(rows * batchPitch(stride)) : 0,
        psp: 0,
        pEff: 0,
        pspLine: 0,
        blockBuf: plastic && rows === BLOCK_STEPS ? alloc.take((rows + BLOCK_COEFFICIENT_ROWS) * batchPitch(stride)) : 0,
        feedbackB: c.feedback?.mode === 'random' && full ? alloc.take(topology.shape.nOutput * stride) : 0,
        evCounts: c.emitsErrorEvents ? alloc.take(ringSlots) : 0,
        evIds: c.emitsErrorEvents ? alloc.take(ringSlots * localCap) : 0,
        evValues: c.emitsErrorEvents ? alloc.take(ringSlots * localCap) : 0,
        mergedEvIds: c.emitsErrorEvents && full ? alloc.take(c.nPost) : 0,
        mergedEvValues: c.emitsErrorEvents && full ? alloc.take(c.nPost) : 0,
        pass: plastic ? alloc.take(16) : 0,
        kernelRegion: plastic ? alloc.take(KERNEL_REGION_WORDS) : 0,
        merged: full && c.spikeDelaySteps !== MIN_DELAY_STEPS ? alloc.take(c.nPre) : 0,
        pre: 0,
      };
    });
    const blockScratch = full && rows === BLOCK_STEPS && topology.connections.some((c) => c.plastic) ? alloc.take(BLOCK_SCRATCH_FLOATS) : 0;
    rankRegions.push({ mirror: !full, groups, connections, blockScratch });
  }
  // The rows of shared weights each mirror keeps, rank by rank and connection by connection, so
  // that the ranks of one other process have one contiguous span.
  const mirrorStart = alloc.offset;
  for (let r = 0; r < ranks; r++) {
    if (isLocal.has(r)) continue;
    for (const c of shared) {
      const reg = rankRegions[r]!.connections[c]!;
      reg.mirrorRows = mirrorRowsOf(topology.connections[c]!.nPre, ranks, local);
      reg.w = alloc.take(reg.mirrorRows * reg.stride);
    }
  }
  const mirrorBlock = alloc.offset > mirrorStart ? { start: mirrorStart, end: alloc.offset } : { start: 0, end: 0 };
  // The copies of the presynaptic side, last (see the opening comment), and the full regions of
  // the ranks each serves pointed at it.
  const presynapticRegions: number[][] = [];
  for (let q = 0; q < copies; q++) {
    const pre = topology.groups.map((g) => (g.presynaptic ? alloc.take(g.size) : 0));
    const conn = topology.connections.map((c) => ({
      psp: c.plastic ? alloc.take(c.nPre) : 0,
      pspLine: c.plastic ? alloc.take(c.delaySteps * c.nPre) : 0,
      pEff: c.plastic ? alloc.take((pEffRingRows(rows) + pEffMirrorRows(rows)) * batchPitch(c.nPre)) : 0,
      kernelRegion: c.plastic ? alloc.take(KERNEL_REGION_WORDS) : 0,
      pre: c.plastic && c.ownPreTrace ? alloc.take(c.nPre) : 0,
    }));
    presynapticRegions.push(conn.map((c) => c.kernelRegion));
    for (let i = q; i < local.length; i += copies) {
      const region = rankRegions[local[i]!]!;
      for (const g of topology.groups) region.groups[g.index]!.pre = pre[g.index]!;
      for (const c of topology.connections) {
        const reg = region.connections[c.index]!;
        const { psp, pspLine, pEff, pre: ownPre } = conn[c.index]!;
        Object.assign(reg, { psp, pspLine, pEff, pre: ownPre });
      }
    }
  }
  const totalBytes = alloc.offset;
  const pages = Math.ceil(totalBytes / PAGE);
  return {
    ranks, localRanks: local, control, controlInts, params, rankRegions, ringSlots, presynapticCopies: copies, presynapticRegions, mirrorBlock, totalBytes, pages,
  };
}

/**
 * What the kernel region of connection c in a full rank region holds: its own arrays, the post
 * group's membrane potentials and the pre group's `pre` trace (its own, for a longer spike delay). Pure; the owning rank writes it
 * (kernels.ts, kernelRegionWords) before its first step.
 */
export function kernelRegionOf(topology: Topology, region: RankRegion, c: number): KernelRegion {
  const info = topology.connections[c]!;
  const reg = region.connections[c]!;
  return {
    errFiltered: reg.errFiltered, avgSqErr: reg.avgSqErr, eEff: reg.eEff, v: region.groups[info.postGroup]!.v,
    sigmaLine: reg.sigmaLine, sDelayed: reg.sDelayed, hom: reg.hom, h4: reg.h4,
    local: region.groups[info.postGroup]!.localCount, stride: reg.stride, delaySteps: info.delaySteps,
    batchPitch: reg.batchPitch,
    psp: reg.psp, pspLine: reg.pspLine, pEff: reg.pEff, pre: reg.pre !== 0 ? reg.pre : region.groups[info.preGroup]!.pre, nPre: info.nPre,
    prePitch: reg.prePitch,
    el: reg.el, elFlt: reg.elFlt, elSum: reg.elSum, w: reg.w, grad2: reg.grad2, synapses: reg.synapses,
    blockBuf: reg.blockBuf, blockRows: reg.batchRows,
    // A ring without mirror rows is one the kernel must wrap in.
    ...(pEffMirrorRows(reg.batchRows) === 0
      ? { pEffRing: reg.pEff, pEffRingBytes: reg.pEffRingRows * reg.prePitch * 4 }
      : { pEffRing: 0, pEffRingBytes: 0 }),
  };
}

export function createSharedMemory(layout: MemoryLayout): WebAssembly.Memory {
  if (layout.pages > 65536) {
    throw new RangeError(`network needs ${(layout.totalBytes / 2 ** 30).toFixed(2)} GiB of shared memory, more than the 4 GiB a WebAssembly memory can hold`);
  }
  return new WebAssembly.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
}
