/**
 * The global-order view of the ranks' memory (engine/snapshot.ts) fetches synaptic fields in
 * chunks of presynaptic rows (so a root process never holds more than a chunk of other
 * processes' synapses in transit): any chunk size gives the same sums and the same arrays.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout, createSharedMemory } from '../src/network/layout.js';
import { NetworkView } from '../src/engine/snapshot.js';
import { buildTopology } from '../src/network/topology.js';
import { Xoshiro128 } from '../src/model/rng.js';
import { testShape } from './helpers.js';

describe('network view', () => {
  it('gives the same sums and global arrays for any fetch chunk size', () => {
    const topology = buildTopology(testShape({ nInput: 13, hidden: [11], nOutput: 7 }));
    const layout = computeLayout(topology, 3);
    const memory = createSharedMemory(layout);
    const f32 = new Float32Array(memory.buffer);
    const rng = new Xoshiro128(7);
    for (const region of layout.rankRegions) {
      for (const c of region.connections) {
        for (const field of ['w', 'el'] as const) {
          for (let i = 0; i < c.synapses; i++) f32[(c[field] >> 2) + i] = Math.fround(rng.nextUnit() - 0.5);
        }
      }
    }
    const whole = new NetworkView(memory, layout, topology);
    let distinct = 0;
    for (const chunk of [1, 7, 11, 30, 1 << 20]) {
      const chunked = new NetworkView(memory, layout, topology, undefined, chunk);
      for (let c = 0; c < topology.connections.length; c++) {
        for (const field of ['w', 'el'] as const) {
          const a = chunked.gatherSynapses(c, field);
          expect(Buffer.from(a.buffer).equals(Buffer.from(whole.gatherSynapses(c, field).buffer)), `${field} ${c} chunk ${chunk}`).toBe(true);
          expect(chunked.sumSynapses(c, field)).toBe(whole.sumSynapses(c, field));
          distinct += new Set(a).size;
        }
      }
    }
    // The comparison means something: the arrays hold many different values.
    expect(distinct).toBeGreaterThan(1000);
  });
});
