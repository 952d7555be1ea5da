/**
 * Batched eligibility passes, shared between the ranks of one process.
 *
 * A rank collects up to ELIGIBILITY_BATCH steps of per-neuron inputs and then makes one pass over
 * its synapses (kernels.ts, `eligibilityBatch`; in blocked mode, docs/model.md §7.7, up to
 * BLOCK_STEPS steps and `eligibilityBlock`, after the owner's `eligibilityBlockPrepare`). With several local ranks the pass is cut into
 * chunks of presynaptic rows published in the connection's pass descriptor (layout.ts, `pass`):
 * ranks that wait at a barrier take chunks too (`helpOthers`), which evens out ranks that run
 * slower. Every synapse still gets exactly the same operations, so the result does not depend on
 * who computed it; the owner returns only when every chunk is done.
 *
 * Every chunk done counts in the process's CTRL.eligibilityChunksDone, which the hang watchdog
 * (rank-pool.ts) reads as progress: a blocked pass of a large network runs for seconds between
 * two clock ticks. So a blocked pass is cut into chunks even where no other rank takes them.
 */
import type { Kernels } from '../model/kernels.js';
import { RankAbortedError } from './exchange.js';
import { CTRL, type MemoryLayout } from '../network/layout.js';
import type { Topology } from '../network/topology.js';

/** Int32 fields of a connection's shared pass descriptor. */
const PASS = { taken: 0, done: 1, total: 2, steps: 3, anyError: 4, rows: 5 } as const;
/** `taken` of a finished pass: claims on it are out of range whatever `total` reads. */
const PASS_CLOSED = 1 << 30;
/**
 * A chunk of a blocked pass holds this many times `chunkSynapses` (131 072 by default). The kernel
 * reads a tile of the block's post-side data once per chunk and reuses it across the chunk's rows:
 * 16 rows of 1024 posts (the recursive mode's chunk) made the pass 24 % slower than one call over
 * all rows, 128 rows 2 % (`node scripts/bench-blocked.mjs --chunk-rows 16,128`, 3 Dec 2026).
 */
export const BLOCK_CHUNK_FACTOR = 8;
/** A shared blocked pass keeps at least this many chunks, so that waiting ranks can still help. */
export const BLOCK_MIN_SHARED_CHUNKS = 4;

/**
 * Presynaptic rows per chunk of a pass over nPre rows of `stride` posts: `chunkSynapses` worth in
 * recursive mode; in blocked mode BLOCK_CHUNK_FACTOR times that, but when other ranks may help,
 * not so many that the pass has fewer than BLOCK_MIN_SHARED_CHUNKS chunks (nor fewer rows than the
 * recursive mode's chunk).
 */
export function chunkRows(nPre: number, stride: number, chunkSynapses: number, blocked: boolean, shared: boolean): number {
  const base = Math.max(1, Math.ceil(chunkSynapses / Math.max(1, stride)));
  if (!blocked) return base;
  const big = Math.ceil((chunkSynapses * BLOCK_CHUNK_FACTOR) / Math.max(1, stride));
  return shared ? Math.max(base, Math.min(big, Math.ceil(nPre / BLOCK_MIN_SHARED_CHUNKS))) : Math.max(base, big);
}

export interface WorkSharingOptions {
  rank: number;
  /** Ranks whose passes live in this process's memory (the helpers and the helped). */
  localRanks: readonly number[];
  topology: Topology;
  layout: MemoryLayout;
  i32: Int32Array;
  kernels: Kernels;
  /** Cut passes into chunks for other ranks (false: every rank computes its own pass alone). */
  share: boolean;
  chunkSynapses: number;
  isAborted: () => boolean;
  /** Stress testing: called after a pass is published, to let waiting ranks take chunks. */
  afterPublish: (() => void) | null;
  /** Testing: called after every chunk (a slow pass). */
  afterChunk: (() => void) | null;
}

export class EligibilityPasses {
  chunksHelped = 0;
  /** Bound once: handed to every barrier as its `whileWaiting`. */
  readonly helpOthers: (() => boolean) | null;
  private readonly others: number[];
  /** Index of CTRL.eligibilityChunksDone in `i32`. */
  private readonly chunksDone: number;
  private readonly blocked: boolean;
  /** Blocked mode: this rank's scratch, where the thread that hosts it transposes p rows. */
  private readonly scratch: number;
  /** Presynaptic rows per chunk of this rank's pass of each connection (chunkRows). */
  private readonly rowsPerChunk: Int32Array;

  constructor(private readonly o: WorkSharingOptions) {
    this.chunksDone = (o.layout.control >> 2) + CTRL.eligibilityChunksDone;
    const n = o.localRanks.length;
    const me = o.localRanks.indexOf(o.rank);
    // Each rank visits the others starting after itself, so helpers spread over the owners.
    this.others = Array.from({ length: n - 1 }, (_, k) => o.localRanks[(me + 1 + k) % n]!);
    this.helpOthers = o.share && n > 1 ? () => this.helpOne() : null;
    this.blocked = o.topology.shape.eligibility === 'blocked';
    const region = o.layout.rankRegions[o.rank]!;
    this.scratch = region.blockScratch;
    this.rowsPerChunk = Int32Array.from(o.topology.connections, (info) =>
      chunkRows(info.nPre, region.connections[info.index]!.stride, o.chunkSynapses, this.blocked, this.helpOthers !== null));
  }

  /** Runs connection c's pass over `steps` batched steps; returns when all its chunks are done. */
  run(c: number, steps: number, anyError: number): void {
    const { o } = this;
    const nPre = o.topology.connections[c]!.nPre;
    const rows = this.rowsPerChunk[c]!;
    if (this.helpOthers === null) {
      if (!this.blocked) {
        this.rows(o.rank, c, 0, nPre, steps, anyError);
        return;
      }
      for (let j0 = 0; j0 < nPre; j0 += rows) {
        this.rows(o.rank, c, j0, Math.min(nPre, j0 + rows), steps, anyError);
        this.chunkDone();
      }
      return;
    }
    const { i32 } = o;
    const pass = o.layout.rankRegions[o.rank]!.connections[c]!.pass >> 2;
    const total = Math.ceil(nPre / rows);
    i32[pass + PASS.steps] = steps;
    i32[pass + PASS.anyError] = anyError;
    i32[pass + PASS.rows] = rows;
    Atomics.store(i32, pass + PASS.total, total);
    Atomics.store(i32, pass + PASS.done, 0);
    Atomics.store(i32, pass + PASS.taken, 0); // publishes the pass
    o.afterPublish?.();
    for (;;) {
      const chunk = Atomics.add(i32, pass + PASS.taken, 1);
      if (chunk >= total) break;
      this.rows(o.rank, c, chunk * rows, Math.min(nPre, (chunk + 1) * rows), steps, anyError);
      Atomics.add(i32, pass + PASS.done, 1);
      this.chunkDone();
    }
    // Chunks taken by other ranks take microseconds: spin briefly, then sleep until notified
    // (a descheduled helper must not cost a busy core when ranks outnumber cores).
    for (let spins = 0, done = Atomics.load(i32, pass + PASS.done); done < total; done = Atomics.load(i32, pass + PASS.done)) {
      if (o.isAborted()) throw new RankAbortedError();
      if (++spins > 1000) Atomics.wait(i32, pass + PASS.done, done, 1);
    }
    Atomics.store(i32, pass + PASS.taken, PASS_CLOSED);
  }

  /** Takes one open chunk of another local rank's pass; false when there is none. */
  private helpOne(): boolean {
    const { i32, topology, layout } = this.o;
    for (const owner of this.others) {
      for (let c = 0; c < topology.connections.length; c++) {
        if (!topology.connections[c]!.plastic) continue;
        const pass = layout.rankRegions[owner]!.connections[c]!.pass >> 2;
        if (Atomics.load(i32, pass + PASS.taken) >= Atomics.load(i32, pass + PASS.total)) continue;
        const chunk = Atomics.add(i32, pass + PASS.taken, 1);
        const total = Atomics.load(i32, pass + PASS.total);
        if (chunk >= total) continue;
        const rows = i32[pass + PASS.rows]!;
        const nPre = topology.connections[c]!.nPre;
        this.rows(owner, c, chunk * rows, Math.min(nPre, (chunk + 1) * rows), i32[pass + PASS.steps]!, i32[pass + PASS.anyError]!);
        Atomics.add(i32, pass + PASS.done, 1);
        Atomics.notify(i32, pass + PASS.done);
        this.chunkDone();
        this.chunksHelped++;
        return true;
      }
    }
    return false;
  }

  /** One more chunk done in this process (the watchdog's progress), then the test hook. */
  private chunkDone(): void {
    Atomics.add(this.o.i32, this.chunksDone, 1);
    this.o.afterChunk?.();
  }

  /**
   * The eligibility kernel on presynaptic rows [j0, j1) of `owner`'s part of connection c: the
   * owner's kernel region (its arrays), whoever runs it; a blocked pass transposes its p rows into
   * the scratch of this rank, which only this thread uses.
   */
  private rows(owner: number, c: number, j0: number, j1: number, steps: number, anyError: number): void {
    const region = this.o.layout.rankRegions[owner]!.connections[c]!.kernelRegion;
    if (this.blocked) {
      this.o.kernels.eligibilityBlock(region, steps, j0, j1, anyError, this.scratch);
    } else {
      this.o.kernels.eligibilityBatch(region, steps, j0, j1, anyError);
    }
  }
}
