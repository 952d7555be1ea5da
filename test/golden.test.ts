/**
 * Golden outputs: a small fixed run (the SSBM `poisson` benchmark, 100-8-1, symmetric feedback,
 * 3 blocks of 2 s, seed 3, loop grid 0.5 s) must hash exactly as it did before the engine was
 * restructured (hashes recorded on main at b8ab388). Any change of a single output byte — a
 * reordered sum, a moved flush, a different merge — fails here, on 1 and on 3 workers.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { validateConfig } from '../src/config/load.js';
import { fileBytes, mergedSpikes, taskFor, tempDir } from './helpers.js';

const POISSON = path.resolve('data/ssbm/precise_timing/poisson');

const GOLDEN: Record<string, string> = {
  multi_stim: '2b270106f55c559aa7969cdf8568a14e6e0cbd9c801490b7f9ce6bbf27de363f',
  multi_hidden: '5427c7a39f8c1e1bd0017a55d0f6d0689bcb1f592ca7b169a65f5e433ce143b6',
  output: '7023bec32866fa2bbcc88e7e559ecb7521ad5931df51bc8bb6b309e8bf04c1b3',
  target: '45d64384e338d06a9546964261be73242772a8e1d7003d4781847394e07dff24',
  stats: '499fa6c69899d4714d092fe2e6ff9b1f33340019dfa19131b2210b2548aa59a7',
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('golden run (SSBM poisson, 100-8-1)', () => {
  it.each([1, 3])('hashes as recorded on %i worker(s)', async (workers) => {
    const config = validateConfig({
      input: path.join(POISSON, 'input.ras'),
      target: path.join(POISSON, 'target.ras'),
      gridSeconds: 0.5,
      nInput: 100,
      nOutput: 1,
      hidden: [8],
      feedback: 'symmetric',
      eta: 1e-3, // the schema defaults of η and w0 when these hashes were recorded (now those of the built-in task)
      w0: 0.05,
      blocks: 3,
      blockSeconds: 2,
      seed: 3,
    }, 'golden config');
    const dir = tempDir(`golden-${workers}`);
    await runExperiment(config, await taskFor(config), { workers, outDir: dir });
    const actual: Record<string, string> = {};
    for (const g of ['multi_stim', 'multi_hidden', 'output', 'target']) actual[g] = sha256(await mergedSpikes(dir, g));
    actual.stats = sha256(fileBytes(path.join(dir, 'superspike.stats')));
    expect(actual).toEqual(GOLDEN);
  });
});
