/**
 * The stress tool passes on the real engine under jitter and several worker counts, and catches a
 * deliberately broken synchronisation (spikes merged in rank order instead of ascending id).
 */
import { describe, expect, it } from 'vitest';
import { runStress } from '../src/engine/stress.js';
import { smallConfig, taskFor, tempDir } from './helpers.js';
import { mpiGate } from './mpi-helpers.js';

const threads = (...counts: number[]) => counts.map((t) => ({ processes: 1, threads: t, tcp: false }));

describe('stress', () => {
  it('finds every output byte-identical across 1, 2, 3 and 5 workers with random exchange delays', async () => {
    const config = smallConfig({ blocks: 2 });
    const report = await runStress(config, await taskFor(config), {
      layouts: threads(1, 2, 3, 5), jitterMicros: 300, repeat: 1, outDir: tempDir('stress-ok'),
    });
    expect(report.runs).toHaveLength(4);
    for (const run of report.runs) {
      expect(run.error).toBeUndefined();
      expect(run.mismatches).toEqual([]);
      expect(run.timings).toHaveLength(run.layout.threads);
      for (const t of run.timings) expect(t.waitMaxMs).toBeGreaterThanOrEqual(t.waitMedianMs);
    }
    expect(report.ok).toBe(true);
  });

  it('detects spikes delivered in rank order', async () => {
    const config = smallConfig({ blocks: 2 });
    const report = await runStress(config, await taskFor(config), {
      layouts: threads(1, 3), jitterMicros: 100, repeat: 1, outDir: tempDir('stress-broken'), rankOrderMerge: true,
    });
    expect(report.ok).toBe(false);
    expect(report.runs[0]!.mismatches).toEqual([]);
    expect(report.runs[1]!.mismatches.length).toBeGreaterThan(0);
  });

  const gate = mpiGate('stress --layouts');
  it.skipIf(gate.skip)('compares MPI layouts (processes × threads) under jitter, and catches a broken merge across processes', async () => {
    expect(gate.missing, 'MPI must be installed for this test (see the warning above)').toBeNull();
    const config = smallConfig({ blocks: 1 });
    const task = await taskFor(config);
    const layouts = [{ processes: 1, threads: 2, tcp: false }, { processes: 2, threads: 1, tcp: false }, { processes: 2, threads: 2, tcp: true }];
    const report = await runStress(config, task, { layouts, jitterMicros: 200, repeat: 1, outDir: tempDir('stress-mpi') });
    for (const run of report.runs) expect(run.error, JSON.stringify(run.layout)).toBeUndefined();
    expect(report.ok).toBe(true);
    // Rank timings come back from every process: 4 ranks in the 2×2 job.
    expect(report.runs[2]!.timings.map((t) => t.rank)).toEqual([0, 1, 2, 3]);
    const broken = await runStress(config, task, {
      layouts: [{ processes: 1, threads: 1, tcp: false }, { processes: 2, threads: 1, tcp: false }],
      jitterMicros: 0, repeat: 1, outDir: tempDir('stress-mpi-broken'), rankOrderMerge: true,
    });
    expect(broken.ok).toBe(false);
    expect(broken.runs[1]!.mismatches.length).toBeGreaterThan(0);
  });
});
