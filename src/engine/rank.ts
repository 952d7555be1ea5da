/**
 * One rank: a slice of every layer and the incoming synapses of its neurons, stepped through the
 * duty cycle of docs/model.md §2. `step()` is the one place that owns the step order and shows
 * every synchronisation point; read it top to bottom. All state lives in the process's shared
 * memory (layout.ts); what other ranks contribute (spikes, error events, shared weights) reaches
 * that memory through the transport (transport.ts), the rank's only line to the others.
 *
 * A rank is a data partition, not a thread: `step()` yields at each synchronisation point and the
 * thread that hosts the rank (rank-thread.ts) meets the other threads there once for all the
 * ranks it steps, so more ranks than cores cost no extra barrier (docs/model.md §10).
 */
import {
  DECAY_RATE, MIN_DELAY_STEPS, RISE_RATE, WEIGHT_UPDATE_STEPS, homDecayOf,
} from '../model/constants.js';
import { classificationError, emitErrorEvents, outputError, symmetricFeedbackEvent, takeInbox, uniformFeedback } from '../model/error-signal.js';
import { KERNEL_REGION, kernelRegionWords, type Kernels } from '../model/kernels.js';
import { Replay, type EventTable } from '../model/replay.js';
import { clearSelfSynapses } from '../model/self-synapses.js';
import { bumpTrace } from '../model/traces.js';
import { initialiseRank } from './initialise.js';
import { DelayedLists } from './merge.js';
import { kernelRegionOf, sharedWeightConnections, type MemoryLayout, type RankRegion } from '../network/layout.js';
import { sharedWeightColumn } from '../network/mirror-rows.js';
import type { RankMonitors } from './monitors.js';
import type { RankSettings } from './options.js';
import { RankHooks } from './rank-hooks.js';
import { globalId, localIndex, ownerRank } from '../network/partition.js';
import type { Topology } from '../network/topology.js';
import type { RankTransport } from './transport.js';
import type { RankTiming, WaitLog } from './wait-log.js';
import { EligibilityPasses } from './work-sharing.js';

export type { RankTiming } from './wait-log.js';

/**
 * Where `step()` waits for the other ranks (⇄). The hosting thread answers an `interval` with
 * whether the ranks agreed to stop at this clock; the fences need no answer.
 */
export type SyncPoint = 'interval' | 'before-weight-update' | 'after-weight-update';

/** Where a rank's spikes go (a buffered .spk writer, or nothing). */
export interface SpikeSink {
  write(step: number, ids: Uint32Array, start: number, count: number): void;
  flush(): void;
  close(): void;
}

export interface RankOptions {
  rank: number;
  ranks: number;
  /** Ranks held by this process (their regions are complete; the others' are mirrors). */
  localRanks: readonly number[];
  topology: Topology;
  layout: MemoryLayout;
  memory: WebAssembly.Memory;
  kernels: Kernels;
  transport: RankTransport;
  /** Replay tables of this rank's input and target neurons. */
  inputReplay: EventTable;
  targetReplay: EventTable;
  /** One sink per group, in group order (null: not recorded). */
  sinks: Array<SpikeSink | null>;
  settings: RankSettings;
}

export class RankEngine {
  readonly rank: number;
  readonly ranks: number;
  clock = 0;
  eta = 0;
  learning = false;
  frozen = false;
  /** The ranks agreed to stop at the last interval barrier (Ctrl-C): the segment ends there. */
  stopHere = false;
  /** State monitors (monitors.ts), set by the rank task; null when nothing is recorded. */
  monitors: RankMonitors | null = null;

  private readonly topology: Topology;
  private readonly region: RankRegion;
  private readonly kernels: Kernels;
  private readonly transport: RankTransport;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly inputReplay: Replay;
  private readonly targetReplay: Replay;
  private readonly sinks: Array<SpikeSink | null>;
  private readonly passes: EligibilityPasses;
  private readonly hooks: RankHooks | null;
  private readonly delayed: DelayedLists;
  /** Per presynaptic group: length of this step's merged delayed list (minimum delay). */
  private readonly mergedCount: Int32Array;
  /** Per connection with a longer spike delay: length of its own merged list of this step. */
  private readonly mergedOwn: Int32Array;
  /** Ring slots − 1 (layout.ts: a power of two, ≥ the longest spike delay + one interval). */
  private readonly slotMask: number;
  /** Per emitting connection: length of this step's merged delayed error events. */
  private readonly mergedEvents: Int32Array;
  /** Per connection: steps waiting in the eligibility batch, and whether any had an error. */
  private readonly batchSteps: Int32Array;
  private readonly batchAnyError: Int32Array;
  /** Some connection's weights are read by other ranks (symmetric feedback): fence updates. */
  private readonly fenceWeightUpdates: boolean;
  /**
   * Per connection read by symmetric feedback (else empty), per owner rank: where this rank's rows
   * of the owner's weights start and how far apart they are (mirror-rows.ts, `sharedWeightColumn`).
   */
  private readonly sharedAt: Int32Array[];
  private readonly sharedRowStep: Int32Array[];
  /** The eligibility pass is blocked (docs/model.md §7.7), not recursive. */
  private readonly blocked: boolean;
  /** Per-step decay of the regulariser's `hom` trace (the config's τ_hom). */
  private readonly homDecay: number;
  private readonly localOf: (id: number) => number;
  private readonly globalOf: (local: number) => number;
  private stepsRun = 0;

  constructor(options: RankOptions) {
    this.rank = options.rank;
    this.ranks = options.ranks;
    this.topology = options.topology;
    this.region = options.layout.rankRegions[options.rank]!;
    this.kernels = options.kernels;
    this.transport = options.transport;
    const buffer = options.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.inputReplay = new Replay(options.inputReplay);
    this.targetReplay = new Replay(options.targetReplay);
    this.sinks = options.sinks;
    const { settings } = options;
    this.hooks = settings.testHooks === null ? null : new RankHooks(settings.testHooks, options.rank);
    this.passes = new EligibilityPasses({
      rank: options.rank, localRanks: options.localRanks, topology: options.topology, layout: options.layout,
      i32: this.i32, kernels: options.kernels, share: settings.shareWork, chunkSynapses: settings.chunkSynapses,
      isAborted: () => this.transport.aborted, afterPublish: this.hooks?.jitter ?? null, afterChunk: this.hooks?.afterChunk ?? null,
    });
    const ranks = this.ranks;
    this.localOf = (id) => localIndex(id, ranks);
    this.globalOf = (local) => globalId(local, options.rank, ranks);
    this.delayed = new DelayedLists(options.layout, this.region, this.topology, this.i32, this.u32, this.f32, settings.testHooks?.rankOrderMerge ?? false);
    this.mergedCount = new Int32Array(this.topology.groups.length);
    this.mergedOwn = new Int32Array(this.topology.connections.length);
    this.slotMask = options.layout.ringSlots - 1;
    this.mergedEvents = new Int32Array(this.topology.connections.length);
    this.batchSteps = new Int32Array(this.topology.connections.length);
    this.batchAnyError = new Int32Array(this.topology.connections.length);
    this.fenceWeightUpdates = ranks > 1 && sharedWeightConnections(this.topology).length > 0;
    this.sharedAt = this.topology.connections.map(() => new Int32Array(0));
    this.sharedRowStep = this.topology.connections.map(() => new Int32Array(0));
    for (const c of sharedWeightConnections(this.topology)) {
      const columns = Array.from({ length: ranks }, (_, owner) => sharedWeightColumn(options.layout, this.topology.connections[c]!.nPre, c, owner, options.rank));
      this.sharedAt[c] = Int32Array.from(columns, (col) => col.at);
      this.sharedRowStep[c] = Int32Array.from(columns, (col) => col.rowStep);
    }
    this.blocked = this.topology.shape.eligibility === 'blocked';
    this.homDecay = homDecayOf(this.topology.shape.regulariser.tauSeconds);
    // The kernel regions of this rank's plastic connections (helpers read them too: work-sharing.ts).
    for (let c = 0; c < this.topology.connections.length; c++) {
      const at = this.region.connections[c]!.kernelRegion;
      if (at !== 0) this.u32.set(kernelRegionWords(kernelRegionOf(this.topology, this.region, c)), at >> 2);
    }
  }

  /** Fresh state of a new network: every value a pure function of the seed. */
  initialise(seed: number, w0: number): void {
    initialiseRank(this.f32, this.i32, this.topology, this.region, this.rank, this.ranks, seed, w0);
  }

  /**
   * Before the first step, other processes' mirrors of the weights that symmetric feedback reads
   * need this rank's initial (or restored) values: true when the hosting thread must fence once.
   */
  get sharesWeights(): boolean {
    return this.fenceWeightUpdates;
  }

  /** Lets this rank's thread take chunks of other ranks' eligibility passes while it waits. */
  get helpOthers(): (() => boolean) | null {
    return this.passes.helpOthers;
  }

  /**
   * The duty cycle of the steps of one interval (docs/model.md §2), up to its end or to
   * `targetStep`, whichever comes first: each pass of the loop is one step, A to F. Synchronisation
   * points are marked ⇄: the steps yield there and resume once the hosting thread has met every
   * other rank. One generator per interval, not per step: the loop allocates nothing.
   */
  *step(targetStep: number): Generator<SyncPoint, void, boolean> {
    const { topology } = this;
    const groups = topology.groups.length;
    const connections = topology.connections.length;
    do {
      const n = this.clock;
      if (this.hooks !== null) this.hooks.beforeStep(n);
      const slot = n & this.slotMask;
      const delayedSlot = (n - MIN_DELAY_STEPS) & this.slotMask;

      // A — groups evolve in creation order; new spikes go to immediate(n), ascending id.
      for (let g = 0; g < groups; g++) this.evolveGroup(g, n, slot);

      // B — propagate delayed(n) spikes and delayed error events (every rank's lists: the
      // transport made them current at the last interval exchange). A connection with a longer
      // spike delay D merges its own list, the spikes of step n − D (docs/model.md §5.1).
      for (let g = 0; g < groups; g++) {
        if (topology.groups[g]!.presynaptic) this.mergedCount[g] = this.delayed.spikes(g, delayedSlot);
      }
      for (let c = 0; c < connections; c++) {
        const info = topology.connections[c]!;
        if (info.spikeDelaySteps !== MIN_DELAY_STEPS) {
          const own = this.region.connections[c]!.merged;
          this.mergedOwn[c] = this.delayed.spikes(info.preGroup, (n - info.spikeDelaySteps) & this.slotMask, own);
        }
        if (info.emitsErrorEvents) this.mergedEvents[c] = this.delayed.errorEvents(c, delayedSlot);
      }
      for (let c = 0; c < connections; c++) {
        this.transmitForward(c);
        this.transmitErrors(c);
      }

      // C — monitors record immediate(n).
      for (let g = 0; g < groups; g++) this.record(g, n, slot);
      if (this.monitors !== null) this.monitors.record(n, slot);

      // D1 — traces before any plastic connection evolves (the pre traces, and E3's pre side with
      // E5, were computed for the whole interval in phase P, once per process: rank-thread.ts).
      this.updateTraces(slot);

      if (!this.frozen) {
        // D2 — plasticity (E1–E3, E5), hidden layers before the output.
        for (let c = 0; c < connections; c++) {
          if (topology.connections[c]!.plastic) this.evolveConnection(c, n, slot, delayedSlot);
        }
        // E4 — weight update every WEIGHT_UPDATE_STEPS, n = 0 included (an interval start).
        if (n % WEIGHT_UPDATE_STEPS === 0) {
          this.flushAllEligibility();
          if (this.fenceWeightUpdates) yield 'before-weight-update'; // ⇄ nobody reads shared weights now
          for (let c = 0; c < connections; c++) if (topology.connections[c]!.plastic) this.updateWeights(c);
          if (this.fenceWeightUpdates) yield 'after-weight-update'; // ⇄ new weights visible everywhere
        }
      }

      // F — advance the clock; at an interval end exchange spikes and events with every rank.
      this.clock = n + 1;
      this.stepsRun++;
      if (this.clock % MIN_DELAY_STEPS === 0) {
        this.transport.publishClock(this.rank, this.clock);
        this.hooks?.jitter?.();
        this.stopHere = yield 'interval'; // ⇄ interval barrier (true: the ranks agreed to stop here)
        return;
      }
    } while (this.clock < targetStep);
  }

  /** Publishes the clock at the end of a segment (progress and the watchdog). */
  publishClock(): void {
    this.transport.publishClock(this.rank, this.clock);
  }

  private evolveGroup(g: number, n: number, slot: number): void {
    const info = this.topology.groups[g]!;
    const reg = this.region.groups[g]!;
    const out = (reg.ringIds >> 2) + slot * reg.localCap;
    let count: number;
    if (info.kind === 'file') {
      count = (info.role === 'input' ? this.inputReplay : this.targetReplay).emit(n, this.u32, out);
    } else {
      count = this.kernels.lifStep(reg.v, reg.i, reg.ref, reg.localCount, out << 2, this.rank, this.ranks);
    }
    this.i32[(reg.ringCounts >> 2) + slot] = count;
  }

  private transmitForward(c: number): void {
    const info = this.topology.connections[c]!;
    const reg = this.region.connections[c]!;
    // The group's delayed(n), or the connection's own list where its spike delay is longer.
    const count = reg.merged === 0 ? this.mergedCount[info.preGroup]! : this.mergedOwn[c]!;
    if (count === 0) return;
    const post = this.region.groups[info.postGroup]!;
    if (post.localCount === 0) return;
    this.kernels.forward(reg.merged === 0 ? this.region.groups[info.preGroup]!.merged : reg.merged, count, reg.w, reg.stride, post.i);
  }

  /** Delivers the error events of the feedback source into this connection's inbox (§7.4). */
  private transmitErrors(c: number): void {
    const info = this.topology.connections[c]!;
    if (info.feedback === null) return;
    const source = info.feedback.source;
    const events = this.mergedEvents[source]!;
    if (events === 0) return;
    const reg = this.region.connections[c]!;
    const src = this.region.connections[source]!;
    const local = this.region.groups[info.postGroup]!.localCount;
    if (local === 0) return;
    switch (info.feedback.mode) {
      case 'random':
        this.kernels.feedbackRows(src.mergedEvIds, src.mergedEvValues, events, reg.feedbackB, reg.stride, reg.errIn);
        break;
      case 'uniform':
        uniformFeedback(this.f32, src.mergedEvValues >> 2, events, reg.errIn >> 2, local);
        break;
      case 'symmetric': {
        // The weights from this rank's posts to event neuron k sit in k's owner's region (or this
        // process's mirror of it): one column there, one row per post of this rank.
        const { ranks, f32, u32 } = this;
        const ids = src.mergedEvIds >> 2;
        const values = src.mergedEvValues >> 2;
        const at = this.sharedAt[source]!;
        const rowStep = this.sharedRowStep[source]!;
        for (let ev = 0; ev < events; ev++) {
          const k = u32[ids + ev]!;
          const owner = ownerRank(k, ranks);
          symmetricFeedbackEvent(f32, reg.errIn >> 2, local, at[owner]! + localIndex(k, ranks), rowStep[owner]!, f32[values + ev]!);
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

  /** D1 post side: the `pre` traces were computed for the whole interval (presynaptic-work.ts). */
  private updateTraces(slot: number): void {
    const { f32, topology, kernels } = this;
    for (let c = 0; c < topology.connections.length; c++) {
      const info = topology.connections[c]!;
      if (!info.plastic) continue;
      const reg = this.region.connections[c]!;
      const post = this.region.groups[info.postGroup]!;
      if (reg.hom !== 0) {
        const count = this.i32[(post.ringCounts >> 2) + slot]!;
        bumpTrace(f32, reg.hom >> 2, this.u32, (post.ringIds >> 2) + slot * post.localCap, count, this.ranks);
        kernels.traceDecay(reg.hom, post.localCount, this.homDecay);
      }
      kernels.traceFollow(reg.errTrace, reg.err, post.localCount, RISE_RATE);
      kernels.traceFollow(reg.errFiltered, reg.errTrace, post.localCount, DECAY_RATE);
    }
  }

  /** §7.2, E1–E3 and E5 for the local posts of connection c (E4 is in `step`). */
  private evolveConnection(c: number, n: number, slot: number, delayedSlot: number): void {
    const { f32, i32, u32, topology } = this;
    const info = topology.connections[c]!;
    const reg = this.region.connections[c]!;
    const post = this.region.groups[info.postGroup]!;
    const local = post.localCount;

    // E1 with E3's post side (σ' delay line, error skip, regulariser): disjoint state, one pass.
    const batchRow = this.batchSteps[c]!;
    const anyError = this.kernels.postsynaptic(reg.kernelRegion, batchRow, n, topology.shape.partial ? 1 : 0);
    if (anyError !== 0) this.batchAnyError[c] = 1;

    // E2 — this step's error: for the output, target minus own delayed spikes (or the
    // classification error, the target group then marking windows); for an added (recurrent,
    // skip) connection its post neurons' error, which the chain connection into the same group
    // computed earlier in this step; else the inbox.
    if (info.errorFrom !== null) {
      const from = this.region.connections[info.errorFrom]!.err >> 2;
      f32.copyWithin(reg.err >> 2, from, from + local);
    } else if (info.isOutput) {
      const target = this.region.groups[topology.targetGroup]!;
      const ownAt = (post.ringIds >> 2) + delayedSlot * post.localCap;
      const ownCount = i32[(post.ringCounts >> 2) + delayedSlot]!;
      const targetAt = (target.ringIds >> 2) + delayedSlot * target.localCap;
      const targetCount = i32[(target.ringCounts >> 2) + delayedSlot]!;
      if (topology.shape.outputError === 'classification') {
        classificationError(f32, u32, reg.err >> 2, reg.errIn >> 2, local, ownAt, ownCount, targetAt, targetCount, this.localOf);
      } else {
        outputError(f32, u32, reg.err >> 2, local, ownAt, ownCount, targetAt, targetCount, this.localOf);
      }
    } else {
      takeInbox(f32, reg.err >> 2, reg.errIn >> 2, local);
    }
    if (info.emitsErrorEvents) {
      // Symmetric feedback out of a hidden layer carries that layer's σ' (§7.4, `feedbackGate`): the
      // delayed σ' the postsynaptic pass wrote for this step (batch row `batchRow`).
      const gateAt = info.gateErrorEvents ? (reg.sDelayed >> 2) + batchRow * reg.batchPitch : null;
      i32[(reg.evCounts >> 2) + slot] = emitErrorEvents(
        f32, u32, reg.err >> 2, local, (reg.evIds >> 2) + slot * post.localCap, (reg.evValues >> 2) + slot * post.localCap,
        this.globalOf, gateAt,
      );
    }

    // E3 pre side (psp delay line and skip) with E5 (psp follows pre) were computed for the whole
    // interval, once per process or thread (presynaptic-work.ts): this step's pEff is row n of the ring, and
    // a new batch starts its rows there.
    if (batchRow === 0) this.u32[(reg.kernelRegion >> 2) + KERNEL_REGION.pEff] = reg.pEff + (n % reg.pEffRingRows) * reg.prePitch * 4;

    // E3 — the fused eligibility pass over all synapses, batched (blocked, §7.7): it runs when the
    // batch is full or before anything reads the synaptic traces (a weight update, a snapshot).
    this.batchSteps[c] = batchRow + 1;
    if (batchRow + 1 === reg.batchRows) this.flushEligibility(c);
  }

  /** §7.5 on this rank's synapses of connection c (its eligibility batch already flushed). */
  private updateWeights(c: number): void {
    const reg = this.region.connections[c]!;
    const info = this.topology.connections[c]!;
    this.kernels.weightUpdate(reg.kernelRegion, Math.fround(this.eta * info.etaScale), this.learning ? 1 : 0);
    if (info.preGroup === info.postGroup) {
      clearSelfSynapses(this.f32, reg.w >> 2, reg.stride, this.region.groups[info.postGroup]!.localCount, this.globalOf);
    }
  }

  private flushEligibility(c: number): void {
    const steps = this.batchSteps[c]!;
    if (steps === 0) return;
    this.batchSteps[c] = 0;
    const anyError = this.batchAnyError[c]!;
    this.batchAnyError[c] = 0;
    if (this.region.groups[this.topology.connections[c]!.postGroup]!.localCount === 0) return;
    // Blocked mode: the per-post weights of the block, once, before any rank takes rows of it.
    if (this.blocked) this.kernels.eligibilityBlockPrepare(this.region.connections[c]!.kernelRegion, steps);
    this.passes.run(c, steps, anyError);
  }

  /** Completes every pending eligibility batch: the synaptic state is then current. */
  flushAllEligibility(): void {
    for (let c = 0; c < this.topology.connections.length; c++) this.flushEligibility(c);
  }

  flushSinks(): void {
    for (const sink of this.sinks) sink?.flush();
  }

  closeSinks(): void {
    for (const sink of this.sinks) sink?.close();
  }

  /** The timing so far, cheap enough for every park (the live view's shared array); waits of the hosting thread. */
  liveTiming(waits: WaitLog): { steps: number; loopSeconds: number; waitSeconds: number; waits: number; chunksHelped: number } {
    return { steps: this.stepsRun, loopSeconds: waits.computeSeconds, waitSeconds: waits.totalWaitMs / 1000, waits: waits.waits, chunksHelped: this.passes.chunksHelped };
  }

  /** This rank's timing; the waits are those of the thread that hosts it. */
  timing(waits: WaitLog): RankTiming {
    return waits.summary(this.rank, this.stepsRun, this.passes.chunksHelped);
  }
}
