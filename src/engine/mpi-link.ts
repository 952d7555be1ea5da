/**
 * The inter-process half of the transport (transport.ts, InterProcessLink) over MPI collectives.
 * Called by the last rank of a process to arrive at a barrier, while the others wait.
 *
 * Interval exchange: the process packs, for each of its ranks and each step of the interval that
 * just ended, every group's spike list and every emitting connection's error events (count, ids,
 * values), plus one stop flag, behind its length. One collective of a fixed block per process
 * (`inlineWordsOf`) carries all of it whenever every process's lists fit (the usual case: a few
 * hundred bytes); only when some do not, a second one carries the rest, and every process knows so from
 * the lengths the first delivered. Every process then unpacks the others' lists into its mirrors
 * of their ranks at the same ring slots. The rank loop then merges exactly the lists it would have
 * read in one process: same bytes. One collective instead of two (the sizes, then the lists)
 * halves the meetings per interval, each of which costs a wake-up when a process waits politely.
 *
 * Weight exchange (symmetric feedback): after a weight update, each process sends every other
 * process the rows of its ranks' shared weights that the other's ranks read (weight-mirror.ts),
 * one gatherv per receiving process in rounds of at most `WEIGHT_CHUNK_BYTES`, received in place.
 */
import { MIN_DELAY_STEPS } from '../model/constants.js';
import { computeLayout, sharedWeightConnections, type MemoryLayout } from '../network/layout.js';
import { mirrorSpan, mirrorSpanBounds, packSpan, spanBytes, type MirrorSpan } from './weight-mirror.js';
import { ranksOfProcess } from '../network/partition.js';
import { displacements, type Collectives, type Placement } from './process-group.js';
import type { Topology } from '../network/topology.js';
import type { InterProcessLink } from './transport.js';

/** What one link moved and how long it spent in MPI (summed into run.json per rank). */
export interface LinkStats {
  /** Interval exchanges this link drove, and the bytes this process sent in them. */
  intervals: number;
  intervalBytesSent: number;
  /** Weight exchanges (symmetric feedback) and their bytes. */
  weightExchanges: number;
  weightBytesSent: number;
  mpiSeconds: number;
}

/**
 * How a process waits for the interval exchange (docs/mpi.md, "Waiting politely"): it tests the
 * nonblocking collective for 100 µs (0 when the cores are oversubscribed, threads.ts), then between
 * sleeps of 10 µs. The blocking collectives of OpenMPI and MPICH poll at full speed, so a process
 * that arrived early keeps its core from the one it waits for whenever the job and its
 * neighbours outnumber the cores.
 *
 * 100 µs is about what a sleep and its wake-up cost here (a 10 µs sleep overruns by the 50 µs
 * timer slack, then the scheduler): the spin-then-block rule of the barrier (docs/model.md §10.1),
 * within twice the ideal whatever the wait. With 30 µs, shorter than a sleep, the process that
 * arrived first overslept at most exchanges (quiet 2×2 against 1×2, 200-1024-200, 2 Dec 2026: the
 * previous main, 30 µs and two collectives, 1.07–1.65× over 10 rounds; 100 µs and one, 1.20–1.31×
 * over 3). A 1 µs timer slack for the sleeps (1.15–1.17× over 3) was not kept: a job that misjudged
 * its cores as free then woke every 10 µs and preempted the very process it waited for.
 */
export const MPI_POLITE_SPIN_MICROS = 100;

/**
 * Bytes of mirrored weights one process sends in one round of a weight exchange: the size of its
 * staging buffer. 1 MiB keeps the buffer small beside the mirrors it saves (8 MiB per process at
 * 1000-8192-1000 on 2 processes) and the rounds few (a weight exchange is once per 5000 steps).
 */
export const WEIGHT_CHUNK_BYTES = 1 << 20;
export const MPI_POLITE_SLEEP_MICROS = 10;

/**
 * Words (4 bytes) of ids and error values an interval's first collective carries per process,
 * beyond its fixed words (length, stop flag and a count per group, emitting connection, rank and
 * step), for P processes: 384 (1.5 KiB) up to 32 processes, which holds the lists of the largest
 * measured interval (≈ 250 bytes per process at 1000-8192-1000, README) six times over; beyond,
 * 12 288 / P words but at least 64, so that every process receives at most 48 KiB of it (about
 * 2.5 µs at 20 GB/s) where the collective it saves costs ⌈log₂P⌉·α — and each process's share of
 * the lists shrinks as 1/P too.
 */
export function inlineListWords(processes: number): number {
  return Math.max(64, Math.min(384, Math.ceil(12288 / processes)));
}

/** Words of the inline block: the fixed words of the process with the most ranks, plus inlineListWords. */
export function inlineWordsOf(layout: MemoryLayout, topology: Topology, processRanks: readonly (readonly number[])[]): number {
  const emitting = topology.connections.filter((c) => c.emitsErrorEvents).length;
  let fixed = 0;
  for (const ranks of processRanks) {
    let words = 2;
    for (const r of ranks) words += MIN_DELAY_STEPS * (layout.rankRegions[r]!.groups.length + emitting);
    fixed = Math.max(fixed, words);
  }
  return fixed + inlineListWords(processRanks.length);
}

export class MpiLink implements InterProcessLink {
  readonly stats: LinkStats = { intervals: 0, intervalBytesSent: 0, weightExchanges: 0, weightBytesSent: 0, mpiSeconds: 0 };
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly f32: Float32Array;
  private readonly send: Uint32Array;
  /** The first collective's blocks (inlineWords per process), what did not fit, and every process's words reassembled. */
  private readonly recvInline: Uint32Array;
  private readonly recvRest: Uint32Array;
  private readonly recv: Uint32Array;
  /** Bytes per process beyond its inline block (the second collective), and the fixed counts of the first. */
  private readonly sizes: Int32Array;
  private readonly inlineCounts: Int32Array;
  private readonly inlineDispls: Int32Array;
  /** Where each process's words start in `recv`. */
  private readonly starts: Int32Array;
  private readonly emitting: number[];
  private readonly shared: number[];
  /**
   * Weight exchange: what this process sends to each process (none to itself), where what each
   * process sends lands here (byte bounds), and the rounds each receiver takes.
   */
  private readonly sendSpans: MirrorSpan[];
  private readonly recvBounds: { start: number; end: number }[];
  private readonly weightRounds: number[];
  private readonly staging: Float32Array;
  private readonly weightCounts: Int32Array;
  private readonly weightDispls: Int32Array;
  private readonly processRanks: number[][];
  private readonly inlineWords: number;

  constructor(
    private readonly comm: Collectives,
    private readonly placement: Placement,
    private readonly layout: MemoryLayout,
    private readonly topology: Topology,
    memory: WebAssembly.Memory,
    /** The inline block's words (every process must pass the same); tests pass small ones. Default: inlineWordsOf. */
    inlineWords?: number,
  ) {
    this.i32 = new Int32Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.f32 = new Float32Array(memory.buffer);
    this.emitting = topology.connections.filter((c) => c.emitsErrorEvents).map((c) => c.index);
    this.shared = sharedWeightConnections(topology);
    this.processRanks = Array.from({ length: placement.processes }, (_, p) => ranksOfProcess(p, placement.ranksPerProcess));
    this.inlineWords = inlineWords ?? inlineWordsOf(layout, topology, this.processRanks);
    if (!Number.isInteger(this.inlineWords) || this.inlineWords < 2) throw new RangeError(`the inline block needs at least 2 words (length and stop flag), got ${this.inlineWords}`);
    // Each process's packed words behind a length word; at least the inline block.
    const capacity = this.processRanks.map((ranks) => Math.max(this.inlineWords, 1 + maxIntervalWords(layout, topology, ranks)));
    this.send = new Uint32Array(capacity[placement.process]!);
    this.recvInline = new Uint32Array(placement.processes * this.inlineWords);
    this.recvRest = new Uint32Array(capacity.reduce((a, b) => a + b - this.inlineWords, 0));
    this.recv = new Uint32Array(capacity.reduce((a, b) => a + b, 0));
    this.sizes = new Int32Array(placement.processes);
    this.inlineCounts = new Int32Array(placement.processes).fill(this.inlineWords * 4);
    this.inlineDispls = displacements(this.inlineCounts);
    this.starts = new Int32Array(placement.processes);
    // Weight exchange plans: the spans this process sends and receives, and every pair's span
    // length (pure functions of the layouts), so that all processes agree on each receiver's rounds.
    const P = placement.processes;
    const layouts = this.shared.length === 0 ? [] : this.processRanks.map((ranks, q) => q === placement.process ? layout : computeLayout(topology, layout.ranks, ranks));
    const me = placement.process;
    const none: MirrorSpan = { start: 0, bytes: 0, src: new Int32Array(0), dst: new Int32Array(0), floats: new Int32Array(0) };
    const bounds = (p: number, q: number) => layouts.length === 0 || p === q ? { start: 0, end: 0 } : mirrorSpanBounds(topology, layouts[q]!, this.processRanks[p]!);
    this.sendSpans = Array.from({ length: P }, (_, q) => layouts.length === 0 || q === me ? none : mirrorSpan(topology, layout, this.processRanks[me]!, layouts[q]!));
    this.recvBounds = Array.from({ length: P }, (_, p) => bounds(p, me));
    this.weightRounds = Array.from({ length: P }, (_, q) => {
      let most = 0;
      for (let p = 0; p < P; p++) most = Math.max(most, spanBytes(bounds(p, q)));
      return Math.ceil(most / WEIGHT_CHUNK_BYTES);
    });
    const largest = Math.max(0, ...this.sendSpans.map((s) => s.bytes));
    this.staging = new Float32Array(Math.min(largest, WEIGHT_CHUNK_BYTES) >> 2);
    this.weightCounts = new Int32Array(P);
    this.weightDispls = new Int32Array(P);
  }

  exchangeInterval(clock: number, stopHere: boolean): boolean {
    return this.exchangeSteps(clock - MIN_DELAY_STEPS, clock, stopHere);
  }

  /**
   * The lists of steps [from, to) (at most one interval). Besides interval ends, the coordinator
   * uses it once when a run ends inside an interval, so that the saved rings are complete.
   */
  exchangeSteps(fromStep: number, to: number, stopHere: boolean): boolean {
    const { i32, u32, send, layout } = this;
    // send[0]: the words packed (length word included); send[1]: the stop flag; then the lists.
    send[1] = stopHere ? 1 : 0;
    let at = 2;
    for (const r of layout.localRanks) {
      const region = layout.rankRegions[r]!;
      for (let step = fromStep; step < to; step++) {
        const slot = step & (layout.ringSlots - 1);
        for (const g of region.groups) {
          const count = step < 0 ? 0 : i32[(g.ringCounts >> 2) + slot]!;
          send[at++] = count;
          const ids = (g.ringIds >> 2) + slot * g.localCap;
          send.set(u32.subarray(ids, ids + count), at);
          at += count;
        }
        for (const c of this.emitting) {
          const reg = region.connections[c]!;
          const cap = region.groups[this.topology.connections[c]!.postGroup]!.localCap;
          const count = step < 0 ? 0 : i32[(reg.evCounts >> 2) + slot]!;
          send[at++] = count;
          const ids = (reg.evIds >> 2) + slot * cap;
          const values = (reg.evValues >> 2) + slot * cap;
          send.set(u32.subarray(ids, ids + count), at);
          send.set(u32.subarray(values, values + count), at + count);
          at += 2 * count;
        }
      }
    }
    send[0] = at;
    const t0 = performance.now();
    const sent = this.gather(at);
    this.stats.mpiSeconds += (performance.now() - t0) / 1000;
    this.stats.intervals++;
    this.stats.intervalBytesSent += sent;
    let stop = false;
    for (let p = 0; p < this.placement.processes; p++) {
      let from = this.starts[p]! + 1;
      if (this.recv[from++] !== 0) stop = true;
      if (p === this.placement.process) continue;
      for (const r of this.processRanks[p]!) from = this.unpackRank(r, from, fromStep, to);
    }
    return stop;
  }

  /**
   * Every process's `words` packed words (send[0…words), length word first) into `recv`, process
   * after process from `starts[p]`: the inline blocks, then — only when some process's words did
   * not fit — the rest of each. Returns the bytes of this process's packed words (its inline block
   * is padded to inlineWords on the wire).
   */
  private gather(words: number): number {
    const { send, recvInline, recvRest, recv, sizes, starts } = this;
    const P = this.placement.processes;
    this.comm.allgatherv(send.subarray(0, this.inlineWords), recvInline, this.inlineCounts, this.inlineDispls);
    let overflow = false;
    for (let p = 0; p < P; p++) {
      const total = recvInline[p * this.inlineWords]!;
      sizes[p] = Math.max(0, total - this.inlineWords) * 4;
      if (sizes[p]! > 0) overflow = true;
    }
    const restDispls = overflow ? displacements(sizes) : null;
    if (restDispls !== null) {
      this.comm.allgatherv(send.subarray(this.inlineWords, Math.max(this.inlineWords, words)), recvRest, sizes, restDispls);
    }
    let at = 0;
    for (let p = 0; p < P; p++) {
      const total = recvInline[p * this.inlineWords]!;
      starts[p] = at;
      recv.set(recvInline.subarray(p * this.inlineWords, p * this.inlineWords + Math.min(total, this.inlineWords)), at);
      if (total > this.inlineWords) {
        const rest = restDispls![p]! >> 2;
        recv.set(recvRest.subarray(rest, rest + total - this.inlineWords), at + this.inlineWords);
      }
      at += total;
    }
    // The packed lists (what the model counts), not the inline block's padding.
    return words * 4;
  }

  /** Writes rank r's lists of steps [fromStep, toStep) from recv[at…] into its mirror. */
  private unpackRank(r: number, at: number, fromStep: number, toStep: number): number {
    let from = at;
    const { i32, u32, recv } = this;
    const region = this.layout.rankRegions[r]!;
    for (let step = fromStep; step < toStep; step++) {
      const slot = step & (this.layout.ringSlots - 1);
      for (const g of region.groups) {
        const count = recv[from++]!;
        if (step >= 0) i32[(g.ringCounts >> 2) + slot] = count;
        u32.set(recv.subarray(from, from + count), (g.ringIds >> 2) + slot * g.localCap);
        from += count;
      }
      for (const c of this.emitting) {
        const reg = region.connections[c]!;
        const cap = region.groups[this.topology.connections[c]!.postGroup]!.localCap;
        const count = recv[from++]!;
        if (step >= 0) i32[(reg.evCounts >> 2) + slot] = count;
        u32.set(recv.subarray(from, from + count), (reg.evIds >> 2) + slot * cap);
        u32.set(recv.subarray(from + count, from + 2 * count), (reg.evValues >> 2) + slot * cap);
        from += 2 * count;
      }
    }
    return from;
  }

  /**
   * After a weight update: for each receiving process q in turn, every other process sends the
   * rows of its ranks' shared weights that q's ranks read, and q receives them straight into its
   * mirrors (one span per sender, weight-mirror.ts), in rounds of at most WEIGHT_CHUNK_BYTES.
   */
  exchangeWeights(): void {
    const { placement, staging, weightCounts: counts, weightDispls: displs, f32 } = this;
    const t0 = performance.now();
    const me = placement.process;
    const block = this.layout.mirrorBlock;
    let sent = 0;
    for (let q = 0; q < placement.processes; q++) {
      const recv = q === me ? new Uint8Array(f32.buffer, block.start, block.end - block.start) : null;
      for (let round = 0; round < this.weightRounds[q]!; round++) {
        const from = round * WEIGHT_CHUNK_BYTES;
        let send: Uint8Array = new Uint8Array(0);
        if (q !== me) {
          const span = this.sendSpans[q]!;
          const bytes = Math.max(0, Math.min(WEIGHT_CHUNK_BYTES, span.bytes - from));
          const out = staging.subarray(0, bytes >> 2);
          if (bytes > 0) packSpan(f32, span, from, out);
          send = new Uint8Array(out.buffer, out.byteOffset, bytes);
          sent += bytes;
        } else {
          for (let p = 0; p < placement.processes; p++) {
            const span = this.recvBounds[p]!;
            counts[p] = Math.max(0, Math.min(WEIGHT_CHUNK_BYTES, spanBytes(span) - from));
            displs[p] = counts[p]! > 0 ? span.start - block.start + from : 0;
          }
        }
        this.comm.gatherv(send, recv, q === me ? counts : null, q === me ? displs : null, q);
      }
    }
    this.stats.mpiSeconds += (performance.now() - t0) / 1000;
    this.stats.weightExchanges++;
    this.stats.weightBytesSent += sent;
  }
}

/**
 * The largest payload of one interval exchange from a process holding `ranks`, in 4-byte words:
 * the stop flag, then per rank and step a count and the ids of every group, and a count, ids and
 * values of every emitting connection — the shape `exchangeSteps` packs.
 */
export function maxIntervalWords(layout: MemoryLayout, topology: Topology, ranks: readonly number[]): number {
  const emitting = topology.connections.filter((c) => c.emitsErrorEvents);
  let words = 1;
  for (const r of ranks) {
    const region = layout.rankRegions[r]!;
    for (const g of region.groups) words += MIN_DELAY_STEPS * (1 + g.localCap);
    for (const c of emitting) words += MIN_DELAY_STEPS * (1 + 2 * region.groups[c.postGroup]!.localCap);
  }
  return words;
}
