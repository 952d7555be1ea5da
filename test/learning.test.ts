/**
 * The built-in default task (config/default.json) visibly learns within a few blocks: the final
 * MSE is at most half the block-0 MSE (it falls from about 470 to about 170 by block 2), and the
 * frozen replay's output is closer to the target than the first test window's. The whole 30-block
 * run is `npm run test:slow` (test/slow/learning.slow.test.ts): too long for a loaded machine.
 */
import path from 'node:path';
import { describe, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { expectLearns } from './learning-check.js';

describe('default config', () => {
  it('learns within 4 blocks: final MSE ≤ 0.5 × block-0 MSE, replay closer to the target', async () => {
    const { config } = loadConfig(path.join(PACKAGE_ROOT, 'config', 'default.json'));
    await expectLearns({ ...config, blocks: 4 }, 'learning-fast');
  });
});
