/**
 * One rank: a slice of every layer and the incoming synapses of its neurons, stepped through the
 * duty cycle of SPEC §2. `step()` is the one place that owns the step order; read it top to
 * bottom. All state lives in the run's shared memory (layout.ts), so the coordinator can read it
 * while the ranks are parked, and other ranks can read spikes, error events and (symmetric
 * feedback) weights after a barrier.
 */
import {
  AVG_DECAY, BETA_PER_VOLT, DT_F32, GAMMA, HOM_LAMBDA, SURROGATE_FLOOR_VOLTS,
  DECAY_RATE, DELTA_RANDOM, E_REST_VOLTS, EPSILON, HOM_DECAY, KAPPA_MEM, ALPHA_SYN, MIN_DELAY_STEPS, PRE_DECAY,
  ELIGIBILITY_BATCH, REFRACTORY_STEPS, RISE_DECAY, RISE_RATE, RMS_MUL, THRESHOLD_VOLTS, WEIGHT_UPDATE_STEPS, W_MAX,
} from '../model/constants.js';
import type { Kernels } from '../model/kernels.js';
import { Replay, type ReplayTable } from '../model/replay.js';
import { counterNormal, Xoshiro128 } from '../model/rng.js';
import { bumpTrace } from '../model/traces.js';
import { ControlBlock, RankAbortedError, mergeRankLists } from './exchange.js';
import { RING_SLOTS, type ConnectionRegion, type GroupRegion, type MemoryLayout } from './layout.js';
import { globalId, localIndex, ownerRank } from './partition.js';
import type { Topology } from './topology.js';
import type { RunInfoRankTiming } from '../io/run-info.js';

const f = Math.fround;
const SLOT_MASK = RING_SLOTS - 1;
/** Int32 fields of a connection's shared pass descriptor (layout.ts, `pass`). */
const PASS = { taken: 0, done: 1, total: 2, steps: 3, anyError: 4, rows: 5 } as const;
/** `taken` of a finished pass: claims on it are out of range whatever `total` reads. */
const PASS_CLOSED = 1 << 30;


/** Where a rank's spikes go (a buffered .spk writer, or nothing). */
export interface SpikeSink {
  write(step: number, ids: Uint32Array, start: number, count: number): void;
  flush(): void;
  close(): void;
}

export interface RankOptions {
  rank: number;
  ranks: number;
  topology: Topology;
  layout: MemoryLayout;
  memory: WebAssembly.Memory;
  kernels: Kernels;
  /** Replay tables of this rank's input and target neurons. */
  inputReplay: ReplayTable;
  targetReplay: ReplayTable;
  /** One sink per group, in group order (null: not recorded). */
  sinks: Array<SpikeSink | null>;
  /** Test-only: merge spike lists in rank order instead of ascending id (breaks invariance). */
  rankOrderMerge?: boolean;
  /** Iterations of busy-waiting at a barrier before sleeping (0 when oversubscribed). */
  barrierSpin?: number;
  /** Test-only fault injection. */
  fault?: { step: number; kind: 'throw' | 'hang' } | null;
  /** Let ranks waiting at a barrier take chunks of slower ranks' eligibility passes (default true). */
  shareWork?: boolean;
  /** Synapses per chunk of a shared eligibility pass (default 16384). */
  chunkSynapses?: number;
  /**
   * Stress testing: sleep a random 0…jitterMicros µs (seeded per rank) before every exchange and
   * after publishing each shared eligibility pass.
   */
  jitterMicros?: number;
  jitterSeed?: number;
}

/** Per-rank timing reported at the end of a run (also stored in run.json). */
export type RankTiming = RunInfoRankTiming;

export class RankEngine {
  readonly rank: number;
  readonly ranks: number;
  clock = 0;
  eta = 0;
  learning = false;
  frozen = false;

  private readonly topology: Topology;
  private readonly layout: MemoryLayout;
  private readonly region: { groups: GroupRegion[]; connections: ConnectionRegion[] };
  private readonly kernels: Kernels;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  readonly control: ControlBlock;
  private readonly inputReplay: Replay;
  private readonly targetReplay: Replay;
  private readonly sinks: Array<SpikeSink | null>;
  private readonly rankOrderMerge: boolean;
  private readonly barrierSpin: number;
  private readonly fault: { step: number; kind: 'throw' | 'hang' } | null;
  /** Merge scratch: list starts and counts per rank. */
  private readonly listStarts: Int32Array;
  private readonly listCounts: Int32Array;
  private readonly valueStarts: Int32Array;
  /** Per presynaptic group: length of this step's merged delayed list. */
  private readonly mergedCount: Int32Array;
  /** Per emitting connection: length of this step's merged delayed error events. */
  private readonly mergedEvents: Int32Array;
  /** Per connection: steps waiting in the eligibility batch, and whether any had an error. */
  private readonly batchSteps: Int32Array;
  private readonly batchAnyError: Int32Array;
  /** Connections whose weights other ranks read for symmetric feedback. */
  private readonly sharedWeights: boolean[];
  private waitsMs = new Float64Array(1024);
  private waitCount = 0;
  private computeSeconds = 0;
  private readonly jitterMicros: number;
  private readonly shareWork: boolean;
  private readonly chunkSynapses: number;
  private readonly helpOthersBound: () => boolean;
  private chunksHelped = 0;
  private readonly jitterRng: Xoshiro128;
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  private stepsRun = 0;

  constructor(options: RankOptions) {
    this.rank = options.rank;
    this.ranks = options.ranks;
    this.topology = options.topology;
    this.layout = options.layout;
    this.region = options.layout.rankRegions[options.rank]!;
    this.kernels = options.kernels;
    const buffer = options.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.control = new ControlBlock(buffer, options.layout);
    this.inputReplay = new Replay(options.inputReplay);
    this.targetReplay = new Replay(options.targetReplay);
    this.sinks = options.sinks;
    this.rankOrderMerge = options.rankOrderMerge ?? false;
    this.barrierSpin = options.barrierSpin ?? 0;
    this.fault = options.fault ?? null;
    this.jitterMicros = options.jitterMicros ?? 0;
    this.shareWork = options.shareWork ?? true;
    this.chunkSynapses = options.chunkSynapses ?? 16384;
    this.helpOthersBound = () => this.helpOthers();
    this.jitterRng = new Xoshiro128(((options.jitterSeed ?? 0) * 7919 + options.rank) >>> 0);
    this.listStarts = new Int32Array(this.ranks);
    this.listCounts = new Int32Array(this.ranks);
    this.valueStarts = new Int32Array(this.ranks);
    this.mergedCount = new Int32Array(this.topology.groups.length);
    this.mergedEvents = new Int32Array(this.topology.connections.length);
    this.batchSteps = new Int32Array(this.topology.connections.length);
    this.batchAnyError = new Int32Array(this.topology.connections.length);
    this.sharedWeights = this.topology.connections.map((c) =>
      this.topology.connections.some((r) => r.feedback?.mode === 'symmetric' && r.feedback.source === c.index));
  }

  /** Fresh state of a new network (SPEC §3, §5.3): every value a pure function of the seed. */
  initialise(seed: number, w0: number): void {
    const { f32, i32, topology, rank, ranks } = this;
    topology.groups.forEach((g, gi) => {
      const reg = this.region.groups[gi]!;
      if (g.kind === 'lif') {
        f32.fill(E_REST_VOLTS, reg.v >> 2, (reg.v >> 2) + reg.localCount);
        f32.fill(0, reg.i >> 2, (reg.i >> 2) + reg.stride);
        i32.fill(0, reg.ref >> 2, (reg.ref >> 2) + reg.stride);
      }
    });
    topology.connections.forEach((c, ci) => {
      const reg = this.region.connections[ci]!;
      const post = this.region.groups[c.postGroup]!;
      const sigma = w0 / Math.sqrt(c.nPre);
      const w = reg.w >> 2;
      for (let j = 0; j < c.nPre; j++) {
        for (let kl = 0; kl < reg.stride; kl++) {
          let value = 0;
          if (kl < post.localCount) {
            const z = f(sigma * counterNormal(seed, ci, j, globalId(kl, rank, ranks)));
            value = z > W_MAX ? W_MAX : z < -W_MAX ? -W_MAX : z;
          }
          f32[w + j * reg.stride + kl] = value;
        }
      }
      if (reg.feedbackB !== 0) {
        const b = reg.feedbackB >> 2;
        for (let k = 0; k < topology.shape.nOutput; k++) {
          for (let kl = 0; kl < post.localCount; kl++) {
            f32[b + k * reg.stride + kl] = f(counterNormal(seed, 1000 + ci, k, globalId(kl, rank, ranks)));
          }
        }
      }
    });
  }

  /** Runs steps until the clock reaches `targetStep` or the ranks agree to stop early. */
  runUntil(targetStep: number): 'target' | 'stopped' {
    const started = performance.now();
    try {
      while (this.clock < targetStep) {
        this.step();
        if (this.clock % MIN_DELAY_STEPS === 0) {
          this.control.setRankClock(this.rank, this.clock);
          if (this.exchange()) return 'stopped';
        }
      }
      this.control.setRankClock(this.rank, this.clock);
      return 'target';
    } finally {
      this.flushAllEligibility();
      this.computeSeconds += (performance.now() - started) / 1000;
    }
  }

  /** The duty cycle of one step (SPEC §2). */
  step(): void {
    const n = this.clock;
    if (this.fault !== null && this.fault.step === n) this.injectFault();
    const slot = n & SLOT_MASK;
    const delayedSlot = (n - MIN_DELAY_STEPS) & SLOT_MASK;
    const { topology } = this;

    // A — groups evolve in creation order; new spikes go to immediate(n), ascending id.
    for (let g = 0; g < topology.groups.length; g++) this.evolveGroup(g, n, slot);

    // B — propagate delayed(n) spikes and delayed error events.
    for (let g = 0; g < topology.groups.length; g++) {
      if (topology.groups[g]!.presynaptic) this.mergedCount[g] = this.mergeSpikes(g, delayedSlot);
    }
    for (let c = 0; c < topology.connections.length; c++) {
      if (topology.connections[c]!.emitsErrorEvents) this.mergedEvents[c] = this.mergeErrorEvents(c, delayedSlot);
    }
    for (let c = 0; c < topology.connections.length; c++) {
      this.transmitForward(c);
      this.transmitErrors(c);
    }

    // C — monitors record immediate(n).
    for (let g = 0; g < topology.groups.length; g++) this.record(g, n, slot);

    // D1 — traces of every group before any plastic connection evolves.
    this.updateTraces(slot);

    // D2 — plasticity, hidden layers before the output.
    if (!this.frozen) {
      for (let c = 0; c < topology.connections.length; c++) {
        if (topology.connections[c]!.plastic) this.evolveConnection(c, n, slot, delayedSlot);
      }
    }

    // E — advance the clock (the exchange at interval ends is done by runUntil).
    this.clock = n + 1;
    this.stepsRun++;
  }

  private evolveGroup(g: number, n: number, slot: number): void {
    const info = this.topology.groups[g]!;
    const reg = this.region.groups[g]!;
    const out = (reg.ringIds >> 2) + slot * reg.localCap;
    let count: number;
    if (info.kind === 'file') {
      count = (info.role === 'input' ? this.inputReplay : this.targetReplay).emit(n, this.u32, out);
    } else {
      count = this.kernels.lifStep(
        reg.v, reg.i, reg.ref, reg.localCount, out << 2, this.rank, this.ranks,
        KAPPA_MEM, E_REST_VOLTS, THRESHOLD_VOLTS, ALPHA_SYN, REFRACTORY_STEPS,
      );
    }
    this.i32[(reg.ringCounts >> 2) + slot] = count;
  }

  /** Merges every rank's spikes of group g at ring slot `s` into the group's merged list. */
  private mergeSpikes(g: number, s: number): number {
    const { listStarts, listCounts } = this;
    for (let r = 0; r < this.ranks; r++) {
      const reg = this.layout.rankRegions[r]!.groups[g]!;
      listStarts[r] = (reg.ringIds >> 2) + s * reg.localCap;
      listCounts[r] = this.i32[(reg.ringCounts >> 2) + s]!;
    }
    const out = this.region.groups[g]!.merged >> 2;
    return mergeRankLists(this.u32, listStarts, listCounts, this.ranks, out, this.rankOrderMerge, null, null, 0);
  }

  private mergeErrorEvents(c: number, s: number): number {
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

  private transmitForward(c: number): void {
    const info = this.topology.connections[c]!;
    const count = this.mergedCount[info.preGroup]!;
    if (count === 0) return;
    const reg = this.region.connections[c]!;
    const post = this.region.groups[info.postGroup]!;
    if (post.localCount === 0) return;
    this.kernels.forward(this.region.groups[info.preGroup]!.merged, count, reg.w, reg.stride, post.i);
  }

  /** Delivers the error events of the feedback source into this connection's inbox (SPEC §7.4). */
  private transmitErrors(c: number): void {
    const info = this.topology.connections[c]!;
    if (info.feedback === null) return;
    const source = info.feedback.source;
    const events = this.mergedEvents[source]!;
    if (events === 0) return;
    const reg = this.region.connections[c]!;
    const src = this.region.connections[source]!;
    const localPosts = this.region.groups[info.postGroup]!.localCount;
    if (localPosts === 0) return;
    const { f32, u32 } = this;
    const ids = src.mergedEvIds >> 2;
    const values = src.mergedEvValues >> 2;
    const inbox = reg.errIn >> 2;
    switch (info.feedback.mode) {
      case 'random':
        this.kernels.feedbackRows(src.mergedEvIds, src.mergedEvValues, events, reg.feedbackB, reg.stride, reg.errIn);
        break;
      case 'uniform':
        for (let ev = 0; ev < events; ev++) {
          const e = f32[values + ev]!;
          for (let jl = 0; jl < localPosts; jl++) f32[inbox + jl] = f(f32[inbox + jl]! + e);
        }
        break;
      case 'symmetric': {
        // errIn[j] += w[j,k]·e with the weights of the source connection, owned by k's rank.
        const { ranks, rank } = this;
        for (let ev = 0; ev < events; ev++) {
          const k = u32[ids + ev]!;
          const e = f32[values + ev]!;
          const owner = this.layout.rankRegions[ownerRank(k, ranks)]!.connections[source]!;
          const column = (owner.w >> 2) + localIndex(k, ranks);
          const rowStep = owner.stride * ranks;
          let at = column + rank * owner.stride;
          for (let jl = 0; jl < localPosts; jl++, at += rowStep) {
            f32[inbox + jl] = f(f32[inbox + jl]! + f(f32[at]! * e));
          }
        }
        break;
      }
    }
  }

  private record(g: number, n: number, slot: number): void {
    const sink = this.sinks[g];
    if (!sink) return;
    const reg = this.region.groups[g]!;
    const count = this.i32[(reg.ringCounts >> 2) + slot]!;
    if (count > 0) sink.write(n, this.u32, (reg.ringIds >> 2) + slot * reg.localCap, count);
  }

  private updateTraces(slot: number): void {
    const { f32, topology, kernels } = this;
    for (let g = 0; g < topology.groups.length; g++) {
      const info = topology.groups[g]!;
      if (!info.presynaptic) continue;
      const reg = this.region.groups[g]!;
      bumpTrace(f32, reg.pre >> 2, this.u32, reg.merged >> 2, this.mergedCount[g]!, 1);
      kernels.traceDecay(reg.pre, info.size, PRE_DECAY);
    }
    for (let c = 0; c < topology.connections.length; c++) {
      const info = topology.connections[c]!;
      if (!info.plastic) continue;
      const reg = this.region.connections[c]!;
      const post = this.region.groups[info.postGroup]!;
      if (reg.hom !== 0) {
        const count = this.i32[(post.ringCounts >> 2) + slot]!;
        bumpTrace(f32, reg.hom >> 2, this.u32, (post.ringIds >> 2) + slot * post.localCap, count, this.ranks);
        kernels.traceDecay(reg.hom, post.localCount, HOM_DECAY);
      }
      kernels.traceFollow(reg.errTrace, reg.err, post.localCount, RISE_RATE);
      kernels.traceFollow(reg.errFiltered, reg.errTrace, post.localCount, DECAY_RATE);
    }
  }

  /** SPEC §7.2, E1–E5, for the local posts of connection c. */
  private evolveConnection(c: number, n: number, slot: number, delayedSlot: number): void {
    const { f32, i32, u32, topology, ranks, rank } = this;
    const info = topology.connections[c]!;
    const reg = this.region.connections[c]!;
    const post = this.region.groups[info.postGroup]!;
    const local = post.localCount;
    const stride = reg.stride;
    const err = reg.err >> 2;
    const errIn = reg.errIn >> 2;

    // E1 with E3's post side (σ' delay line, error skip, regulariser): disjoint state, one pass.
    const batchRow = this.batchSteps[c]!;
    const out = batchRow * reg.batchPitch * 4;
    const anyError = this.kernels.postsynaptic(
      reg.errFiltered, reg.avgSqErr, reg.eEff + out, post.v, reg.sigmaLine, reg.sDelayed + out,
      reg.hom, reg.h4 === 0 ? 0 : reg.h4 + out, local, stride, info.delaySteps, n, topology.shape.partial ? 1 : 0,
      AVG_DECAY, DT_F32, GAMMA, HOM_LAMBDA, BETA_PER_VOLT, THRESHOLD_VOLTS, SURROGATE_FLOOR_VOLTS,
    );
    if (anyError !== 0) this.batchAnyError[c] = 1;

    // E2 — this step's error: the inbox, or for the output target minus own delayed spikes.
    if (info.isOutput) {
      f32.fill(0, err, err + local);
      const own = (post.ringCounts >> 2) + delayedSlot;
      const ownIds = (post.ringIds >> 2) + delayedSlot * post.localCap;
      for (let s = 0, cnt = i32[own]!; s < cnt; s++) {
        const kl = localIndex(u32[ownIds + s]!, ranks);
        f32[err + kl] = f(f32[err + kl]! - 1);
      }
      const target = this.region.groups[topology.targetGroup]!;
      const tIds = (target.ringIds >> 2) + delayedSlot * target.localCap;
      for (let s = 0, cnt = i32[(target.ringCounts >> 2) + delayedSlot]!; s < cnt; s++) {
        const kl = localIndex(u32[tIds + s]!, ranks);
        f32[err + kl] = f(f32[err + kl]! + 1);
      }
    } else {
      for (let kl = 0; kl < local; kl++) {
        f32[err + kl] = f32[errIn + kl]!;
        f32[errIn + kl] = 0;
      }
    }
    if (info.emitsErrorEvents) {
      const evIds = (reg.evIds >> 2) + slot * post.localCap;
      const evValues = (reg.evValues >> 2) + slot * post.localCap;
      let count = 0;
      for (let kl = 0; kl < local; kl++) {
        const e = f32[err + kl]!;
        if (e !== 0) {
          u32[evIds + count] = globalId(kl, rank, ranks);
          f32[evValues + count++] = e;
        }
      }
      i32[(reg.evCounts >> 2) + slot] = count;
    }

    // E3 pre side (psp delay line and skip) with E5 (psp follows pre): psp is not read in between.
    const nPre = info.nPre;
    const random = topology.shape.feedback === 'random';
    this.kernels.presynaptic(
      reg.psp, reg.pspLine, reg.pEff + batchRow * reg.prePitch * 4, this.region.groups[info.preGroup]!.pre,
      nPre, info.delaySteps, n, random ? 1 : 0, random ? DELTA_RANDOM : GAMMA, DECAY_RATE,
    );

    // E3 — the fused eligibility pass over all synapses, batched: it runs when the batch is full
    // or before anything reads the synaptic traces (the weight update below, a snapshot).
    this.batchSteps[c] = batchRow + 1;
    if (batchRow + 1 === ELIGIBILITY_BATCH) this.flushEligibility(c);

    // E4 — weight update every WEIGHT_UPDATE_STEPS, n = 0 included.
    if (n % WEIGHT_UPDATE_STEPS === 0) {
      this.flushEligibility(c);
      // Other ranks read these weights for symmetric feedback: nobody may read while they change.
      const shared = this.sharedWeights[c]! && ranks > 1;
      if (shared) this.syncBarrier();
      this.kernels.weightUpdate(
        reg.synapses, reg.w, reg.elSum, reg.grad2, WEIGHT_UPDATE_STEPS, RMS_MUL, Math.fround(this.eta), EPSILON, W_MAX,
        this.learning ? 1 : 0,
      );
      if (shared) this.syncBarrier();
    }

  }

  /**
   * Runs the batched eligibility pass of connection c over the steps collected so far. With
   * several ranks the pass is cut into chunks of rows published in the connection's shared pass
   * descriptor: ranks that wait at the barrier take chunks too (`helpOthers`), which evens out
   * ranks that run slower. Every synapse still gets exactly the same operations, so the result
   * does not depend on who computed it; the owner returns only when every chunk is done.
   */
  private flushEligibility(c: number): void {
    const steps = this.batchSteps[c]!;
    if (steps === 0) return;
    this.batchSteps[c] = 0;
    const anyError = this.batchAnyError[c]!;
    this.batchAnyError[c] = 0;
    const info = this.topology.connections[c]!;
    const reg = this.region.connections[c]!;
    if (this.region.groups[info.postGroup]!.localCount === 0) return;
    if (this.ranks === 1 || !this.shareWork) {
      this.eligibilityRows(this.rank, c, 0, info.nPre, steps, anyError);
      return;
    }
    const { i32 } = this;
    const pass = reg.pass >> 2;
    const rows = Math.max(1, Math.ceil(this.chunkSynapses / reg.stride));
    const total = Math.ceil(info.nPre / rows);
    i32[pass + PASS.steps] = steps;
    i32[pass + PASS.anyError] = anyError;
    i32[pass + PASS.rows] = rows;
    Atomics.store(i32, pass + PASS.total, total);
    Atomics.store(i32, pass + PASS.done, 0);
    Atomics.store(i32, pass + PASS.taken, 0); // publishes the pass
    if (this.jitterMicros > 0) this.sleepJitter(); // stress testing: let waiting ranks take chunks
    for (;;) {
      const chunk = Atomics.add(i32, pass + PASS.taken, 1);
      if (chunk >= total) break;
      this.eligibilityRows(this.rank, c, chunk * rows, Math.min(info.nPre, (chunk + 1) * rows), steps, anyError);
      Atomics.add(i32, pass + PASS.done, 1);
    }
    // Chunks taken by other ranks take microseconds: spin briefly, then sleep until notified
    // (a descheduled helper must not cost a busy core when ranks outnumber cores).
    for (let spins = 0, done = Atomics.load(i32, pass + PASS.done); done < total; done = Atomics.load(i32, pass + PASS.done)) {
      if (this.control.aborted) throw new RankAbortedError();
      if (++spins > 1000) Atomics.wait(i32, pass + PASS.done, done, 1);
    }
    Atomics.store(i32, pass + PASS.taken, PASS_CLOSED);
  }

  /** Takes one open chunk of another rank's eligibility pass; false when there is none. */
  private helpOthers(): boolean {
    const { i32, ranks, topology } = this;
    for (let k = 1; k < ranks; k++) {
      const owner = (this.rank + k) % ranks;
      for (let c = 0; c < topology.connections.length; c++) {
        if (!topology.connections[c]!.plastic) continue;
        const pass = this.layout.rankRegions[owner]!.connections[c]!.pass >> 2;
        if (Atomics.load(i32, pass + PASS.taken) >= Atomics.load(i32, pass + PASS.total)) continue;
        const chunk = Atomics.add(i32, pass + PASS.taken, 1);
        const total = Atomics.load(i32, pass + PASS.total);
        if (chunk >= total) continue;
        const rows = i32[pass + PASS.rows]!;
        const nPre = topology.connections[c]!.nPre;
        this.eligibilityRows(owner, c, chunk * rows, Math.min(nPre, (chunk + 1) * rows), i32[pass + PASS.steps]!, i32[pass + PASS.anyError]!);
        Atomics.add(i32, pass + PASS.done, 1);
        Atomics.notify(i32, pass + PASS.done);
        this.chunksHelped++;
        return true;
      }
    }
    return false;
  }

  /** The eligibility kernel on presynaptic rows [j0, j1) of `owner`'s part of connection c. */
  private eligibilityRows(owner: number, c: number, j0: number, j1: number, steps: number, anyError: number): void {
    const reg = this.layout.rankRegions[owner]!.connections[c]!;
    const row = j0 * reg.stride * 4;
    this.kernels.eligibilityBatch(
      steps, j1 - j0, reg.stride, reg.prePitch, reg.batchPitch, reg.pEff + j0 * 4, reg.sDelayed, reg.eEff, reg.h4, anyError,
      reg.el + row, reg.elFlt + row, reg.elSum + row, reg.w === 0 ? 0 : reg.w + row, DECAY_RATE, RISE_DECAY,
    );
  }

  /** Completes every pending eligibility batch: the synaptic state is then current. */
  flushAllEligibility(): void {
    for (let c = 0; c < this.topology.connections.length; c++) this.flushEligibility(c);
  }

  /** Interval exchange: after it, every rank's spikes and events of the interval are visible. */
  private exchange(): boolean {
    if (this.jitterMicros > 0) this.sleepJitter();
    const t0 = performance.now();
    const stop = this.control.intervalBarrier(this.clock, this.barrierSpin, true, this.shareWork ? this.helpOthersBound : undefined);
    this.noteWait(performance.now() - t0);
    return stop;
  }

  /** Stress testing: a seeded random sleep of up to jitterMicros µs. */
  private sleepJitter(): void {
    Atomics.wait(this.sleepCell, 0, 0, (this.jitterRng.nextUnit() * this.jitterMicros) / 1000);
  }

  private syncBarrier(): void {
    const t0 = performance.now();
    this.control.intervalBarrier(this.clock, this.barrierSpin, false);
    this.noteWait(performance.now() - t0);
  }

  private noteWait(ms: number): void {
    if (this.waitCount === this.waitsMs.length) {
      if (this.waitCount >= 1 << 22) return;
      const grown = new Float64Array(this.waitCount * 2);
      grown.set(this.waitsMs);
      this.waitsMs = grown;
    }
    this.waitsMs[this.waitCount++] = ms;
  }

  private injectFault(): never {
    if (this.fault!.kind === 'throw') throw new Error(`injected fault at step ${this.clock}`);
    // A rank that stops answering: spin for ever (the watchdog must notice and terminate it).
    for (;;) {
      /* hang */
    }
  }

  flushSinks(): void {
    for (const sink of this.sinks) sink?.flush();
  }

  closeSinks(): void {
    for (const sink of this.sinks) sink?.close();
  }

  timing(): RankTiming {
    const waits = this.waitsMs.slice(0, this.waitCount).sort();
    const total = waits.reduce((a, b) => a + b, 0);
    return {
      rank: this.rank,
      steps: this.stepsRun,
      computeSeconds: this.computeSeconds,
      barrierWaits: waits.length,
      barrierWaitSeconds: total / 1000,
      waitMinMs: waits.length ? waits[0]! : 0,
      waitMedianMs: waits.length ? waits[waits.length >> 1]! : 0,
      waitMaxMs: waits.length ? waits[waits.length - 1]! : 0,
      chunksHelped: this.chunksHelped,
    };
  }
}
