/**
 * The learning check shared by the fast test (test/learning.test.ts, a few blocks, in `npm test`)
 * and the full-length one (test/slow/learning.slow.test.ts, `npm run test:slow`): the final MSE is
 * at most half the block-0 MSE, and the output raster of the frozen replay is closer to the target
 * than the output of the first test window.
 */
import path from 'node:path';
import { expect } from 'vitest';
import type { ExperimentConfig } from '../src/config/schema.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { readSpkAll } from '../src/io/spk.js';
import { taskFor, tempDir } from './helpers.js';

export async function expectLearns(config: ExperimentConfig, name: string): Promise<void> {
  const task = await taskFor(config);
  const dir = tempDir(name);
  const result = await runExperiment(config, task, { workers: 2, outDir: dir });
  const first = result.stats[0]!.mse;
  const last = result.stats[result.stats.length - 1]!.mse;
  expect(result.stats.map((s) => s.block)).toEqual(Array.from({ length: config.blocks + 1 }, (_, b) => b));
  expect(last).toBeLessThanOrEqual(0.5 * first);

  // Spike-count agreement with the target per (neuron, 10 ms bin) over one replay period.
  const period = result.info.periodSteps;
  const agreement = (fromStep: number) => {
    const bins = (file: string) => {
      const counts = new Map<string, number>();
      for (const r of [0, 1]) {
        const { steps, ids } = readSpkAll(path.join(dir, `${file}.${r}.spk`));
        steps.forEach((s, i) => {
          if (s >= fromStep && s < fromStep + period) {
            const key = `${ids[i]}:${Math.floor((s - fromStep) / 100)}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
        });
      }
      return counts;
    };
    const out = bins('output');
    const target = bins('target');
    let hits = 0;
    for (const key of target.keys()) if (out.has(key)) hits++;
    return { hits: hits / target.size, extra: [...out.keys()].filter((k) => !target.has(k)).length / Math.max(1, out.size) };
  };
  const before = agreement(result.info.testWindows[0]!.fromStep);
  const after = agreement(result.info.finalWindow!.fromStep);
  expect(after.hits).toBeGreaterThan(before.hits);
  expect(after.hits).toBeGreaterThan(0.5);
}
