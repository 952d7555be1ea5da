/**
 * The full-length learning check of the built-in default task (config/default.json, 30 blocks):
 * `npm run test:slow`, by hand or in a nightly job, not in `npm test` (it trains ~190 simulated
 * seconds, minutes on a loaded 2-core machine).
 */
import path from 'node:path';
import { describe, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { expectLearns } from '../learning-check.js';

describe('default config, full length', () => {
  it('learns: final MSE ≤ 0.5 × block-0 MSE, replay closer to the target', async () => {
    const { config } = loadConfig(path.join(PACKAGE_ROOT, 'config', 'default.json'));
    await expectLearns(config, 'learning-full');
  });
});
