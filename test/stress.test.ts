/**
 * The stress tool passes on the real engine under jitter and several worker counts, and catches a
 * deliberately broken synchronisation (spikes merged in rank order instead of ascending id).
 */
import { describe, expect, it } from 'vitest';
import { runStress } from '../src/engine/stress.js';
import { smallConfig, taskFor, tempDir } from './helpers.js';

describe('stress', () => {
  it('finds every output byte-identical across 1, 2, 3 and 5 workers with random exchange delays', async () => {
    const config = smallConfig({ blocks: 2 });
    const report = await runStress(config, await taskFor(config), {
      workers: [1, 2, 3, 5], jitterMicros: 300, repeat: 1, outDir: tempDir('stress-ok'),
    });
    expect(report.runs).toHaveLength(4);
    for (const run of report.runs) {
      expect(run.error).toBeUndefined();
      expect(run.mismatches).toEqual([]);
      expect(run.timings).toHaveLength(run.workers);
      for (const t of run.timings) expect(t.waitMaxMs).toBeGreaterThanOrEqual(t.waitMedianMs);
    }
    expect(report.ok).toBe(true);
  });

  it('detects spikes delivered in rank order', async () => {
    const config = smallConfig({ blocks: 2 });
    const report = await runStress(config, await taskFor(config), {
      workers: [1, 3], jitterMicros: 100, repeat: 1, outDir: tempDir('stress-broken'), rankOrderMerge: true,
    });
    expect(report.ok).toBe(false);
    expect(report.runs[0]!.mismatches).toEqual([]);
    expect(report.runs[1]!.mismatches.length).toBeGreaterThan(0);
  });
});
