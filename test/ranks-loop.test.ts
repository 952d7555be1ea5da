/**
 * The loop and wait time the engine hands to `onStats` with every stats line (RanksLoopSoFar):
 * bench takes the measured block's wait share from two of them, so they must be this process's
 * ranks' totals at that line — growing, the waits within the loop, and at the last line within
 * what the ranks report at the end (the run's timings, which add the frozen replay).
 */
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import type { RanksLoopSoFar } from '../src/engine/options.js';
import { blockWaitShare } from '../src/bench/bench.js';
import { smallConfig, taskFor, tempDir } from './helpers.js';

describe('the ranks\' loop and wait time at every stats line', () => {
  it('grows line by line and ends at the ranks\' own totals', async () => {
    const config = smallConfig({ blocks: 2 });
    const task = await taskFor(config);
    const seen: RanksLoopSoFar[] = [];
    const calledAt: Array<{ ms: number; cpuSeconds: number }> = [];
    const started = performance.now();
    // One thread per rank and up to 2 ms of random delay before every exchange: the ranks wait.
    const result = await runExperiment(config, task, {
      workers: 2, threads: 2, outDir: tempDir('ranks-loop'), testHooks: { jitterMicros: 2000 },
      onStats: (_line, ranks) => {
        const used = process.cpuUsage();
        calledAt.push({ ms: performance.now(), cpuSeconds: (used.user + used.system) / 1e6 });
        seen.push({ ...ranks });
      },
    });
    expect(seen.length).toBe(result.stats.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.loopSeconds, `loop at line ${i}`).toBeGreaterThan(seen[i - 1]!.loopSeconds);
      expect(seen[i]!.waitSeconds, `waits at line ${i}`).toBeGreaterThanOrEqual(seen[i - 1]!.waitSeconds);
    }
    for (const s of seen) expect(s.waitSeconds).toBeLessThanOrEqual(s.loopSeconds);
    // The park before each line: after the previous line was written (its segment was posted
    // then), no later than this line's own call — the block's wall time in bench.
    for (let i = 0; i < seen.length; i++) {
      expect(seen[i]!.parkedAtMs, `park before line ${i}`).toBeGreaterThanOrEqual(i === 0 ? started : calledAt[i - 1]!.ms);
      expect(seen[i]!.parkedAtMs).toBeLessThanOrEqual(calledAt[i]!.ms);
      expect(seen[i]!.cpuSecondsAtPark).toBeLessThanOrEqual(calledAt[i]!.cpuSeconds);
      if (i > 0) expect(seen[i]!.cpuSecondsAtPark, `CPU at the park before line ${i}`).toBeGreaterThan(seen[i - 1]!.cpuSecondsAtPark);
    }
    const loop = result.timings.reduce((sum, t) => sum + t.computeSeconds, 0);
    const waits = result.timings.reduce((sum, t) => sum + t.barrierWaitSeconds, 0);
    expect(waits, 'the jitter made the ranks wait').toBeGreaterThan(0.05);
    // The frozen replay runs after the last stats line: the totals at the end are larger. Each rank
    // adds its segment's ms rounded, at most 0.5 ms off per rank and segment.
    const slack = 0.0005 * 2 * (seen.length + 1);
    const last = seen[seen.length - 1]!;
    expect(last.loopSeconds).toBeLessThanOrEqual(loop + slack);
    expect(last.waitSeconds).toBeLessThanOrEqual(waits + slack);
    expect(last.loopSeconds, 'the blocks are most of the run').toBeGreaterThan(0.5 * loop);
    const share = blockWaitShare(seen[0]!, seen[1]!);
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1);
  });

  it('a block without loop time has no wait share, and a share never goes below 0', () => {
    expect(blockWaitShare({ loopSeconds: 2, waitSeconds: 1 }, { loopSeconds: 2, waitSeconds: 1 })).toBe(0);
    expect(blockWaitShare({ loopSeconds: 1, waitSeconds: 0.5 }, { loopSeconds: 3, waitSeconds: 1 })).toBe(0.25);
    expect(blockWaitShare({ loopSeconds: 1, waitSeconds: 0.5 }, { loopSeconds: 3, waitSeconds: 0.4 })).toBe(0);
  });
});
