/**
 * The weights symmetric feedback reads across processes, as pure copy plans (mpi-link.ts moves them).
 *
 * Hidden neuron j's error sums W[j, k]·e_k over the output events k, so the rank that owns j reads
 * row j of every rank's part of W, wherever k lives. A process keeps, of another process's ranks,
 * only the rows its own ranks read (mirror-rows.ts, `mirrorRowsOf`), and after every weight update each
 * process sends every other process exactly those rows: (P − 1)/P² of the matrix per process,
 * where broadcasting each rank's whole part sent (P − 1)/P. The rows a process sends to process q
 * form one span of q's memory (q's layout keeps the mirrors of one process's ranks together), so
 * the sender writes the span's image — the rows at q's offsets, zeros in the alignment gaps — and
 * q receives it in place. Same weights, same summation order in the feedback: same bytes.
 */
import { sharedWeightConnections, type MemoryLayout } from '../network/layout.js';
import { mirrorRowIds } from '../network/mirror-rows.js';
import type { Topology } from '../network/topology.js';

/** What one process sends to another after a weight update: one span of the receiver's memory. */
export interface MirrorSpan {
  /** Byte offset of the span in the receiver's memory and its length (0 when nothing is sent). */
  start: number;
  bytes: number;
  /** Per row, ascending `dst`: its float index in the sender's memory and in the span, and its length in floats. */
  src: Int32Array;
  dst: Int32Array;
  floats: Int32Array;
}

/**
 * Where what the process holding `senderRanks` sends lies in the memory of the process whose
 * layout is `receiver`: bytes [start, end) from its first mirrored array of the sender's ranks to
 * its last (both 0 when it mirrors none: nothing is sent).
 */
export function mirrorSpanBounds(topology: Topology, receiver: MemoryLayout, senderRanks: readonly number[]): { start: number; end: number } {
  const shared = sharedWeightConnections(topology);
  let start = -1;
  let end = 0;
  for (const r of senderRanks) {
    for (const c of shared) {
      const to = receiver.rankRegions[r]!.connections[c]!;
      if (!receiver.rankRegions[r]!.mirror || to.mirrorRows === 0) continue;
      if (start < 0) start = to.w;
      end = to.w + to.mirrorRows * to.stride * 4;
    }
  }
  return start < 0 ? { start: 0, end: 0 } : { start, end };
}

/** The length in bytes of a span's bounds. */
export const spanBytes = (bounds: { start: number; end: number }): number => bounds.end - bounds.start;

/**
 * The rows the process holding `senderRanks` (its layout `sender`) sends to the process whose
 * layout is `receiver`: for each sender rank and shared connection, the receiver's ranks' rows,
 * in the order the receiver's mirror keeps them (layout.ts, `mirrorRowIds`).
 */
export function mirrorSpan(topology: Topology, sender: MemoryLayout, senderRanks: readonly number[], receiver: MemoryLayout): MirrorSpan {
  const src: number[] = [];
  const dst: number[] = [];
  const floats: number[] = [];
  const { start, end } = mirrorSpanBounds(topology, receiver, senderRanks);
  const shared = sharedWeightConnections(topology);
  // The receiver's rows of each shared connection: the same for every sender rank.
  const rowIds = shared.map((c) => mirrorRowIds(topology.connections[c]!.nPre, receiver.ranks, receiver.localRanks));
  for (const r of senderRanks) {
    for (const [i, c] of shared.entries()) {
      const from = sender.rankRegions[r]!.connections[c]!;
      const to = receiver.rankRegions[r]!.connections[c]!;
      if (!receiver.rankRegions[r]!.mirror || to.mirrorRows === 0) continue;
      rowIds[i]!.forEach((j, row) => {
        src.push((from.w >> 2) + j * from.stride);
        dst.push(((to.w - start) >> 2) + row * to.stride);
        floats.push(to.stride);
      });
    }
  }
  return { start, bytes: end - start, src: Int32Array.from(src), dst: Int32Array.from(dst), floats: Int32Array.from(floats) };
}

/**
 * Writes bytes [from, from + out.length·4) of the span's image into `out` (multiples of 4 bytes):
 * the rows that fall there, zeros between them. Allocation-free; rows are ascending in `dst`.
 */
export function packSpan(f32: Float32Array, span: MirrorSpan, from: number, out: Float32Array): void {
  out.fill(0);
  const lo = from >> 2;
  const hi = lo + out.length;
  const { src, dst, floats } = span;
  for (let i = 0; i < dst.length; i++) {
    const d0 = dst[i]!;
    const d1 = d0 + floats[i]!;
    if (d1 <= lo) continue;
    if (d0 >= hi) break;
    const a = Math.max(d0, lo);
    const b = Math.min(d1, hi);
    out.set(f32.subarray(src[i]! + (a - d0), src[i]! + (b - d0)), a - lo);
  }
}
