/**
 * The mirrored weights of symmetric feedback (layout.ts `mirrorRowsOf`, `sharedWeightColumn`;
 * engine/weight-mirror.ts): a process keeps, of other processes' ranks, only the rows its own
 * ranks read, and the copy plans put exactly those rows there. Checked against the whole matrix
 * for uneven sizes, several layouts and two hidden layers (two shared connections); the MPI runs
 * that compare bytes across layouts are in mpi-engine, mpi-continuation and mpi-graph tests.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout, sharedWeightConnections } from '../src/network/layout.js';
import { sharedWeightColumn } from '../src/network/mirror-rows.js';
import { buildTopology } from '../src/network/topology.js';
import { networkShape } from '../src/network/chain.js';
import { globalId, localCount, localIndex, ownerRank, ranksOfProcess } from '../src/network/partition.js';
import { mirrorSpan, mirrorSpanBounds, packSpan } from '../src/engine/weight-mirror.js';
import { DEFAULT_MODEL_KNOBS } from '../src/model/constants.js';

const topology = buildTopology(networkShape({ hidden: [11, 9], feedback: 'symmetric', partial: true, learnHidden: true, feedbackDelaySeconds: 0.0008, ...DEFAULT_MODEL_KNOBS }, { nInput: 13, nOutput: 7 }));
const shared = sharedWeightConnections(topology);

/** The value synapse (j, k) of connection c holds in these tests: distinct everywhere. */
const valueOf = (c: number, j: number, k: number): number => c * 10000 + j * 100 + k + 0.5;

/** Each process's memory with its own ranks' shared weights filled, mirrors left at 0. */
function processMemories(processes: number, perProcess: number) {
  const ranks = processes * perProcess;
  return Array.from({ length: processes }, (_, p) => {
    const own = ranksOfProcess(p, perProcess);
    const layout = computeLayout(topology, ranks, own);
    const f32 = new Float32Array(layout.totalBytes >> 2);
    for (const r of own) {
      for (const c of shared) {
        const info = topology.connections[c]!;
        const reg = layout.rankRegions[r]!.connections[c]!;
        for (let j = 0; j < info.nPre; j++) {
          for (let kl = 0; kl < localCount(info.nPost, r, ranks); kl++) f32[(reg.w >> 2) + j * reg.stride + kl] = valueOf(c, j, globalId(kl, r, ranks));
        }
      }
    }
    return { own, layout, f32 };
  });
}

/** Runs every pair's copy plan in chunks of `chunkFloats`, as mpi-link.ts does round by round. */
function exchange(memories: ReturnType<typeof processMemories>, chunkFloats: number): void {
  for (const [p, from] of memories.entries()) {
    for (const [q, to] of memories.entries()) {
      if (p === q) continue;
      const span = mirrorSpan(topology, from.layout, from.own, to.layout);
      expect(mirrorSpanBounds(topology, to.layout, from.own)).toEqual({ start: span.start, end: span.start + span.bytes });
      const out = new Float32Array(chunkFloats);
      for (let at = 0; at < span.bytes; at += chunkFloats * 4) {
        const part = out.subarray(0, Math.min(chunkFloats, (span.bytes - at) >> 2));
        packSpan(from.f32, span, at, part);
        to.f32.set(part, (span.start + at) >> 2);
      }
    }
  }
}

describe('mirrored weights of symmetric feedback', () => {
  it('two hidden layers give two shared connections (the test exercises both)', () => {
    expect(shared.length).toBe(2);
  });

  for (const [processes, perProcess] of [[2, 1], [2, 2], [3, 1], [3, 2]] as const) {
    it(`${processes} processes × ${perProcess} ranks: every rank reads the weights of the whole matrix, in any chunking`, () => {
      for (const chunk of [1, 7, 64, 1 << 16]) {
        const memories = processMemories(processes, perProcess);
        exchange(memories, chunk);
        const ranks = processes * perProcess;
        let checked = 0;
        for (const { own, layout, f32 } of memories) {
          for (const reader of own) {
            for (const c of shared) {
              const info = topology.connections[c]!;
              for (let k = 0; k < info.nPost; k++) {
                const { at, rowStep } = sharedWeightColumn(layout, info.nPre, c, ownerRank(k, ranks), reader);
                for (let jl = 0; jl < localCount(info.nPre, reader, ranks); jl++) {
                  expect(f32[at + localIndex(k, ranks) + jl * rowStep]).toBe(valueOf(c, globalId(jl, reader, ranks), k));
                  checked++;
                }
              }
            }
          }
        }
        // Every (j, k) of both matrices read exactly once: by the owner of j.
        expect(checked).toBe(shared.reduce((n, c) => n + topology.connections[c]!.nPre * topology.connections[c]!.nPost, 0));
      }
    });
  }

  it('a mirror holds only the rows its process reads: (P − 1)/P² of the matrix, not (P − 1)/P', () => {
    const c = shared[shared.length - 1]!;
    const info = topology.connections[c]!;
    for (const processes of [2, 3]) {
      const layout = computeLayout(topology, processes, [0]);
      let mirrored = 0;
      for (let r = 1; r < processes; r++) {
        const reg = layout.rankRegions[r]!.connections[c]!;
        expect(reg.mirrorRows).toBe(localCount(info.nPre, 0, processes));
        mirrored += reg.mirrorRows * localCount(info.nPost, r, processes);
      }
      let expected = 0;
      for (let j = 0; j < info.nPre; j++) for (let k = 0; k < info.nPost; k++) if (ownerRank(j, processes) === 0 && ownerRank(k, processes) !== 0) expected++;
      expect(mirrored).toBe(expected);
      expect(layout.mirrorBlock.end).toBeGreaterThan(layout.mirrorBlock.start);
    }
    // One process holds every rank: no mirrors, no mirror block.
    const one = computeLayout(topology, 4);
    expect(one.mirrorBlock).toEqual({ start: 0, end: 0 });
    expect(one.rankRegions.every((region) => region.connections.every((reg) => reg.mirrorRows === 0))).toBe(true);
  });

  it('reading a rank this process does not hold is refused', () => {
    const layout = computeLayout(topology, 2, [0]);
    const c = shared[0]!;
    expect(() => sharedWeightColumn(layout, topology.connections[c]!.nPre, c, 1, 1)).toThrow(/rank 1 is not held by this process/);
  });
});
