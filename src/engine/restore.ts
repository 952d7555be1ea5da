/**
 * Loads a saved network state (global order) into this process's freshly zeroed memory: the full
 * state of the ranks it holds, and the parts every mirror of another process's rank keeps (spike
 * and event rings, shared weights). Any partition can restore any state: ownership decides where
 * each value goes (partition.ts).
 */
import type { ConnectionState, GroupState, SpikeRing } from '../io/netstate.js';
import type { MemoryLayout } from '../network/layout.js';
import { mirrorRowIds } from '../network/mirror-rows.js';
import { RegionView } from './region-view.js';
import { globalId, ownerRank } from '../network/partition.js';
import type { Topology } from '../network/topology.js';

export function restoreNetwork(
  memory: WebAssembly.Memory, layout: MemoryLayout, topology: Topology, groups: GroupState[], connections: ConnectionState[],
): void {
  new Restorer(memory, layout, topology).restore(groups, connections);
}

/**
 * Only the weights of a saved state — plastic weights and random-feedback matrices — into a
 * network initialised fresh (`run --init-from`): everything else (membranes, traces, rings,
 * the normaliser grad2, the clock) starts as in a new run.
 */
export function restoreWeights(
  memory: WebAssembly.Memory, layout: MemoryLayout, topology: Topology, connections: ConnectionState[],
): void {
  new Restorer(memory, layout, topology).restoreWeights(connections);
}

class Restorer extends RegionView {
  constructor(memory: WebAssembly.Memory, layout: MemoryLayout, private readonly topology: Topology) {
    super(memory, layout);
  }

  /**
   * Writes `rows` rows of per-post values (row stride `stride(r)`) of a group into every rank
   * region that has the array (offset ≠ 0): the local ranks, and mirrors where they keep it.
   */
  private scatterRows(group: number, offset: (r: number) => number, stride: (r: number) => number, rows: number,
    heap: Float32Array | Int32Array, values: Float32Array | Int32Array): void {
    const size = this.topology.groups[group]!.size;
    for (let r = 0; r < this.ranks; r++) {
      const base = offset(r) >> 2;
      if (base === 0) continue;
      const local = this.group(r, group).localCount;
      const s = stride(r);
      for (let row = 0; row < rows; row++) {
        for (let kl = 0; kl < local; kl++) heap[base + row * s + kl] = values[row * size + globalId(kl, r, this.ranks)]!;
      }
    }
  }

  /** Synapse (j, k) of global order into every region that holds connection c's field. */
  private scatterSynapses(c: number, field: 'w' | 'el' | 'elFlt' | 'elSum' | 'grad2', values: Float32Array): void {
    const info = this.topology.connections[c]!;
    for (let r = 0; r < this.ranks; r++) {
      const reg = this.conn(r, c);
      const base = reg[field] >> 2;
      if (base === 0) continue;
      const local = this.group(r, info.postGroup).localCount;
      if (reg.mirrorRows > 0) {
        // A mirror of shared weights keeps only its process's ranks' rows, rank by rank (layout.ts).
        mirrorRowIds(info.nPre, this.ranks, this.layout.localRanks).forEach((j, row) => {
          for (let kl = 0; kl < local; kl++) this.f32[base + row * reg.stride + kl] = values[j * info.nPost + globalId(kl, r, this.ranks)]!;
        });
        continue;
      }
      for (let j = 0; j < info.nPre; j++) {
        for (let kl = 0; kl < local; kl++) this.f32[base + j * reg.stride + kl] = values[j * info.nPost + globalId(kl, r, this.ranks)]!;
      }
    }
  }

  private scatterReplicated(offsets: number[], values: Float32Array): void {
    for (const o of offsets) if (o !== 0) this.f32.set(values, o >> 2);
  }

  private scatterRing(ring: SpikeRing, lists: (r: number) => { counts: number; ids: number; values: number; cap: number }): void {
    for (let e = 0; e < ring.steps.length; e++) {
      const id = ring.ids[e]!;
      const l = lists(ownerRank(id, this.ranks));
      const slot = ring.steps[e]! & (this.layout.ringSlots - 1);
      const at = slot * l.cap + this.i32[(l.counts >> 2) + slot]!++;
      this.u32[(l.ids >> 2) + at] = id;
      if (l.values && ring.values) this.f32[(l.values >> 2) + at] = ring.values[e]!;
    }
  }

  restoreWeights(connections: ConnectionState[]): void {
    this.topology.connections.forEach((c, ci) => {
      const s = connections[ci]!;
      this.scatterSynapses(ci, 'w', s.w);
      // A state without a feedback matrix (symmetric or uniform feedback) leaves the fresh one from the seed.
      if (c.feedback?.mode === 'random' && s.feedbackB !== undefined) {
        this.scatterRows(c.postGroup, (r) => this.conn(r, ci).feedbackB, (r) => this.conn(r, ci).stride, this.topology.shape.nOutput, this.f32, s.feedbackB);
      }
    });
  }

  restore(groups: GroupState[], connections: ConnectionState[]): void {
    const allRanks = Array.from({ length: this.ranks }, (_, r) => r);
    this.topology.groups.forEach((g, gi) => {
      const s = groups[gi]!;
      if (g.kind === 'lif') {
        for (const field of ['v', 'i'] as const) this.scatterRows(gi, (r) => this.group(r, gi)[field], () => 0, 1, this.f32, need(s[field], `group ${gi} ${field}`));
        this.scatterRows(gi, (r) => this.group(r, gi).ref, () => 0, 1, this.i32, need(s.ref, `group ${gi} ref`));
      }
      if (g.presynaptic) this.scatterReplicated(allRanks.map((r) => this.group(r, gi).pre), need(s.pre, `group ${gi} pre`));
      this.scatterRing(s.ring, (r) => {
        const reg = this.group(r, gi);
        return { counts: reg.ringCounts, ids: reg.ringIds, values: 0, cap: reg.localCap };
      });
    });
    this.topology.connections.forEach((c, ci) => {
      const s = connections[ci]!;
      this.scatterSynapses(ci, 'w', s.w);
      const stride = (r: number) => this.conn(r, ci).stride;
      if (c.plastic) {
        for (const field of ['el', 'elFlt', 'elSum', 'grad2'] as const) this.scatterSynapses(ci, field, need(s[field], `connection ${ci} ${field}`));
        for (const field of ['err', 'errIn', 'errTrace', 'errFiltered', 'avgSqErr'] as const) {
          this.scatterRows(c.postGroup, (r) => this.conn(r, ci)[field], stride, 1, this.f32, need(s[field], `connection ${ci} ${field}`));
        }
        this.scatterRows(c.postGroup, (r) => this.conn(r, ci).sigmaLine, stride, c.delaySteps, this.f32, need(s.sigmaLine, `connection ${ci} sigmaLine`));
        this.scatterReplicated(allRanks.map((r) => this.conn(r, ci).psp), need(s.psp, `connection ${ci} psp`));
        this.scatterReplicated(allRanks.map((r) => this.conn(r, ci).pspLine), need(s.pspLine, `connection ${ci} pspLine`));
        if (c.ownPreTrace) this.scatterReplicated(allRanks.map((r) => this.conn(r, ci).pre), need(s.pre, `connection ${ci} pre`));
      }
      if (c.regulariser) this.scatterRows(c.postGroup, (r) => this.conn(r, ci).hom, stride, 1, this.f32, need(s.hom, `connection ${ci} hom`));
      if (c.feedback?.mode === 'random') {
        this.scatterRows(c.postGroup, (r) => this.conn(r, ci).feedbackB, stride, this.topology.shape.nOutput, this.f32, need(s.feedbackB, `connection ${ci} feedbackB`));
      }
      if (c.emitsErrorEvents) {
        const post = c.postGroup;
        this.scatterRing(need(s.events, `connection ${ci} events`), (r) => {
          const reg = this.conn(r, ci);
          return { counts: reg.evCounts, ids: reg.evIds, values: reg.evValues, cap: this.group(r, post).localCap };
        });
      }
    });
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`network state lacks ${what}`);
  return value;
}
