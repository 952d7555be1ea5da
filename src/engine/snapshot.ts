/**
 * Between the ranks' shared memory (partitioned, padded) and the global-order view of the
 * network: network states (SPEC §11.5) and the coordinator's statistics read through here.
 * Only valid while every rank is parked.
 */
import { MIN_DELAY_STEPS } from '../model/constants.js';
import type { ConnectionState, GroupState, SpikeRing } from '../io/netstate.js';
import { RING_SLOTS, type ConnectionRegion, type GroupRegion, type MemoryLayout } from './layout.js';
import { globalId, localIndex, ownerRank } from './partition.js';
import type { Topology } from './topology.js';

type SynField = 'w' | 'el' | 'elFlt' | 'elSum' | 'grad2';
type PostField = 'err' | 'errIn' | 'errTrace' | 'errFiltered' | 'avgSqErr' | 'hom';

export class NetworkView {
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly ranks: number;

  constructor(memory: WebAssembly.Memory, private readonly layout: MemoryLayout, private readonly topology: Topology) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.ranks = layout.ranks;
  }

  private conn(r: number, c: number): ConnectionRegion {
    return this.layout.rankRegions[r]!.connections[c]!;
  }

  private group(r: number, g: number): GroupRegion {
    return this.layout.rankRegions[r]!.groups[g]!;
  }

  /** Sum of a synaptic field over all synapses in ascending (j, k), in float64. */
  sumSynapses(c: number, field: SynField): number {
    const info = this.topology.connections[c]!;
    const { f32, ranks } = this;
    let sum = 0;
    const regs = Array.from({ length: ranks }, (_, r) => this.conn(r, c));
    for (let j = 0; j < info.nPre; j++) {
      for (let k = 0; k < info.nPost; k++) {
        const reg = regs[ownerRank(k, ranks)]!;
        sum += f32[(reg[field] >> 2) + j * reg.stride + localIndex(k, ranks)]!;
      }
    }
    return sum;
  }

  /** Sum of a per-post field over the real posts in ascending id, in float64. */
  sumPost(c: number, field: PostField): number {
    const values = this.gatherPost(c, field);
    let sum = 0;
    for (let k = 0; k < values.length; k++) sum += values[k]!;
    return sum;
  }

  gatherSynapses(c: number, field: SynField): Float32Array {
    const info = this.topology.connections[c]!;
    const out = new Float32Array(info.nPre * info.nPost);
    this.mapSynapses(c, field, (heap, global) => {
      out[global] = this.f32[heap]!;
    });
    return out;
  }

  scatterSynapses(c: number, field: SynField, values: Float32Array): void {
    this.mapSynapses(c, field, (heap, global) => {
      this.f32[heap] = values[global]!;
    });
  }

  private mapSynapses(c: number, field: SynField, visit: (heap: number, global: number) => void): void {
    const info = this.topology.connections[c]!;
    for (let r = 0; r < this.ranks; r++) {
      const reg = this.conn(r, c);
      const local = this.group(r, info.postGroup).localCount;
      const base = reg[field] >> 2;
      for (let j = 0; j < info.nPre; j++) {
        for (let kl = 0; kl < local; kl++) visit(base + j * reg.stride + kl, j * info.nPost + globalId(kl, r, this.ranks));
      }
    }
  }

  /** Per-post values (or per-post delay lines of `rows` slots) of connection c, global order. */
  gatherPost(c: number, field: PostField | 'sigmaLine', rows = 1): Float32Array {
    const info = this.topology.connections[c]!;
    const out = new Float32Array(rows * info.nPost);
    this.mapPost(info.postGroup, (r) => this.conn(r, c)[field], (r) => this.conn(r, c).stride, rows, info.nPost, (heap, global) => {
      out[global] = this.f32[heap]!;
    });
    return out;
  }

  scatterPost(c: number, field: PostField | 'sigmaLine', values: Float32Array, rows = 1): void {
    const info = this.topology.connections[c]!;
    this.mapPost(info.postGroup, (r) => this.conn(r, c)[field], (r) => this.conn(r, c).stride, rows, info.nPost, (heap, global) => {
      this.f32[heap] = values[global]!;
    });
  }

  private mapPost(
    group: number, offset: (r: number) => number, stride: (r: number) => number, rows: number, size: number,
    visit: (heap: number, global: number) => void,
  ): void {
    for (let r = 0; r < this.ranks; r++) {
      const local = this.group(r, group).localCount;
      const base = offset(r) >> 2;
      const s = stride(r);
      for (let row = 0; row < rows; row++) {
        for (let kl = 0; kl < local; kl++) visit(base + row * s + kl, row * size + globalId(kl, r, this.ranks));
      }
    }
  }

  private gatherNeurons(g: number, field: 'v' | 'i' | 'ref'): Float32Array | Int32Array {
    const size = this.topology.groups[g]!.size;
    const out = field === 'ref' ? new Int32Array(size) : new Float32Array(size);
    const heap = field === 'ref' ? this.i32 : this.f32;
    this.mapPost(g, (r) => this.group(r, g)[field], () => 0, 1, size, (h, global) => {
      out[global] = heap[h]!;
    });
    return out;
  }

  private scatterNeurons(g: number, field: 'v' | 'i' | 'ref', values: Float32Array | Int32Array): void {
    const size = this.topology.groups[g]!.size;
    const heap = field === 'ref' ? this.i32 : this.f32;
    this.mapPost(g, (r) => this.group(r, g)[field], () => 0, 1, size, (h, global) => {
      heap[h] = values[global]!;
    });
  }

  /** Replicated per-presynaptic arrays: every rank holds the same values; rank 0's are saved. */
  private gatherReplicated(offset: number, count: number): Float32Array {
    return this.f32.slice(offset >> 2, (offset >> 2) + count);
  }

  private scatterReplicated(offsets: number[], values: Float32Array): void {
    for (const o of offsets) this.f32.set(values, o >> 2);
  }

  /**
   * Spikes (or error events) emitted in the last MIN_DELAY steps before `clock`: what the next
   * steps will still read as delayed input. Sorted by (step, id).
   */
  private gatherRing(clock: number, lists: (r: number) => { counts: number; ids: number; values: number; cap: number }): SpikeRing {
    const events: Array<[number, number, number]> = [];
    for (let step = Math.max(0, clock - MIN_DELAY_STEPS); step < clock; step++) {
      const slot = step & (RING_SLOTS - 1);
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

  private scatterRing(ring: SpikeRing, lists: (r: number) => { counts: number; ids: number; values: number; cap: number }): void {
    for (let e = 0; e < ring.steps.length; e++) {
      const id = ring.ids[e]!;
      const l = lists(ownerRank(id, this.ranks));
      const slot = ring.steps[e]! & (RING_SLOTS - 1);
      const at = slot * l.cap + this.i32[(l.counts >> 2) + slot]!++;
      this.u32[(l.ids >> 2) + at] = id;
      if (l.values && ring.values) this.f32[(l.values >> 2) + at] = ring.values[e]!;
    }
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
      const state: GroupState = { ring: this.gatherRing(clock, this.groupRing(gi)) };
      if (g.kind === 'lif') {
        state.v = this.gatherNeurons(gi, 'v') as Float32Array;
        state.i = this.gatherNeurons(gi, 'i') as Float32Array;
        state.ref = this.gatherNeurons(gi, 'ref') as Int32Array;
      }
      if (g.presynaptic) state.pre = this.gatherReplicated(this.group(0, gi).pre, g.size);
      return state;
    });
  }

  captureConnections(clock: number): ConnectionState[] {
    return this.topology.connections.map((c, ci) => {
      const reg0 = this.conn(0, ci);
      const state: ConnectionState = { w: this.gatherSynapses(ci, 'w') };
      if (c.plastic) {
        state.el = this.gatherSynapses(ci, 'el');
        state.elFlt = this.gatherSynapses(ci, 'elFlt');
        state.elSum = this.gatherSynapses(ci, 'elSum');
        state.grad2 = this.gatherSynapses(ci, 'grad2');
        for (const field of ['err', 'errIn', 'errTrace', 'errFiltered', 'avgSqErr'] as const) state[field] = this.gatherPost(ci, field);
        state.sigmaLine = this.gatherPost(ci, 'sigmaLine', c.delaySteps);
        state.psp = this.gatherReplicated(reg0.psp, c.nPre);
        state.pspLine = this.gatherReplicated(reg0.pspLine, c.delaySteps * c.nPre);
      }
      if (c.regulariser) state.hom = this.gatherPost(ci, 'hom');
      if (c.feedback?.mode === 'random') state.feedbackB = this.gatherFeedback(ci);
      if (c.emitsErrorEvents) state.events = this.gatherRing(clock, this.eventRing(ci));
      return state;
    });
  }

  private gatherFeedback(c: number): Float32Array {
    const info = this.topology.connections[c]!;
    const nOut = this.topology.shape.nOutput;
    const out = new Float32Array(nOut * info.nPost);
    this.mapPost(info.postGroup, (r) => this.conn(r, c).feedbackB, (r) => this.conn(r, c).stride, nOut, info.nPost, (h, g) => {
      out[g] = this.f32[h]!;
    });
    return out;
  }

  private scatterFeedback(c: number, values: Float32Array): void {
    const info = this.topology.connections[c]!;
    const nOut = this.topology.shape.nOutput;
    this.mapPost(info.postGroup, (r) => this.conn(r, c).feedbackB, (r) => this.conn(r, c).stride, nOut, info.nPost, (h, g) => {
      this.f32[h] = values[g]!;
    });
  }

  /** Loads a saved state into freshly zeroed memory. */
  restore(groups: GroupState[], connections: ConnectionState[]): void {
    const allRanks = Array.from({ length: this.ranks }, (_, r) => r);
    this.topology.groups.forEach((g, gi) => {
      const s = groups[gi]!;
      if (g.kind === 'lif') {
        this.scatterNeurons(gi, 'v', need(s.v, `group ${gi} v`));
        this.scatterNeurons(gi, 'i', need(s.i, `group ${gi} i`));
        this.scatterNeurons(gi, 'ref', need(s.ref, `group ${gi} ref`));
      }
      if (g.presynaptic) this.scatterReplicated(allRanks.map((r) => this.group(r, gi).pre), need(s.pre, `group ${gi} pre`));
      this.scatterRing(s.ring, this.groupRing(gi));
    });
    this.topology.connections.forEach((c, ci) => {
      const s = connections[ci]!;
      this.scatterSynapses(ci, 'w', s.w);
      if (c.plastic) {
        for (const field of ['el', 'elFlt', 'elSum', 'grad2'] as const) this.scatterSynapses(ci, field, need(s[field], `connection ${ci} ${field}`));
        for (const field of ['err', 'errIn', 'errTrace', 'errFiltered', 'avgSqErr'] as const) {
          this.scatterPost(ci, field, need(s[field], `connection ${ci} ${field}`));
        }
        this.scatterPost(ci, 'sigmaLine', need(s.sigmaLine, `connection ${ci} sigmaLine`), c.delaySteps);
        this.scatterReplicated(allRanks.map((r) => this.conn(r, ci).psp), need(s.psp, `connection ${ci} psp`));
        this.scatterReplicated(allRanks.map((r) => this.conn(r, ci).pspLine), need(s.pspLine, `connection ${ci} pspLine`));
      }
      if (c.regulariser) this.scatterPost(ci, 'hom', need(s.hom, `connection ${ci} hom`));
      if (c.feedback?.mode === 'random') this.scatterFeedback(ci, need(s.feedbackB, `connection ${ci} feedbackB`));
      if (c.emitsErrorEvents) this.scatterRing(need(s.events, `connection ${ci} events`), this.eventRing(ci));
    });
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`network state lacks ${what}`);
  return value;
}
