/**
 * `hiddenEtaScale` (docs/model.md §7.5): the learning rate of the connections into hidden layers as
 * a multiple of η. `auto`, the default, is η/10 under random feedback with two or more hidden
 * layers and η everywhere else; it multiplies each connection's own `etaScale`, the output's
 * connections keep η, and a run is byte-identical on 1 and 3 workers whatever the scale; `inspect`
 * shows the setting and each connection's scale.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config/schema.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { DEEP_RANDOM_HIDDEN_ETA_SCALE, hiddenEtaScaleOf } from '../src/model/constants.js';
import { networkShape } from '../src/network/chain.js';
import { buildTopology } from '../src/network/topology.js';
import { BUILT_CLI, expectBuilt, fileBytes, mergedSpikes, smallConfig, taskFor, tempDir } from './helpers.js';

describe('the auto rule', () => {
  it('is η/10 under random feedback with 2 or more hidden layers, and η otherwise', () => {
    expect(DEEP_RANDOM_HIDDEN_ETA_SCALE).toBe(0.1);
    expect(hiddenEtaScaleOf('auto', 'random', 2)).toBe(0.1);
    expect(hiddenEtaScaleOf('auto', 'random', 3)).toBe(0.1);
    expect(hiddenEtaScaleOf('auto', 'random', 1)).toBe(1);
    expect(hiddenEtaScaleOf('auto', 'symmetric', 3)).toBe(1);
    expect(hiddenEtaScaleOf('auto', 'uniform', 3)).toBe(1);
    expect(hiddenEtaScaleOf(0.5, 'symmetric', 1)).toBe(0.5);
    expect(hiddenEtaScaleOf(1, 'random', 3)).toBe(1);
  });

  it('scales every connection into a hidden layer, on top of its own etaScale, and never the output\'s', () => {
    const config = smallConfig({
      feedback: 'random', hidden: [12, 10],
      connections: [{ from: 'hidden2', to: 'hidden2', etaScale: 0.5 }, { from: 'input', to: 'output' }, { from: 'input', to: 'hidden1', etaScale: 2 }],
    });
    expect(config.hiddenEtaScale).toBe('auto');
    const scales = Object.fromEntries(buildTopology(networkShape(config, { nInput: 8, nOutput: 3 })).connections.map((c) => [c.name, c.etaScale]));
    expect(scales).toEqual({
      input_to_hidden1: 0.2, hidden1_to_hidden2: 0.1, hidden2_to_output: 1, hidden2_to_hidden2: 0.05, input_to_output: 1,
    });
    const symmetric = buildTopology(networkShape(smallConfig({ feedback: 'symmetric', hidden: [12, 10] }), { nInput: 8, nOutput: 3 }));
    expect(symmetric.connections.map((c) => c.etaScale)).toEqual([1, 1, 1]);
    const explicit = buildTopology(networkShape(smallConfig({ feedback: 'symmetric', hidden: [12], hiddenEtaScale: 0.25 }), { nInput: 8, nOutput: 3 }));
    expect(explicit.connections.map((c) => c.etaScale)).toEqual([0.25, 1]);
  });
});

async function outputs(overrides: Partial<ConfigInput>, workers: number): Promise<{ spikes: Buffer[]; stats: Buffer }> {
  const config = smallConfig({ feedback: 'random', hidden: [12, 10], ...overrides });
  const dir = tempDir(`hidden-eta-${workers}`);
  await runExperiment(config, await taskFor(config), { workers, outDir: dir });
  const spikes = await Promise.all(['multi_hidden', 'multi_hidden2', 'output'].map((g) => mergedSpikes(dir, g)));
  return { spikes, stats: fileBytes(path.join(dir, 'superspike.stats')) };
}

describe('in whole runs (random feedback, two hidden layers)', () => {
  it('auto is byte for byte 0.1, the same on 1 and 3 workers, and differs from η on every layer', async () => {
    const auto = await outputs({}, 1);
    const tenth = await outputs({ hiddenEtaScale: 0.1 }, 3);
    auto.spikes.forEach((b, i) => expect(b.equals(tenth.spikes[i]!), `group ${i} spikes`).toBe(true));
    expect(auto.stats.equals(tenth.stats), 'stats').toBe(true);
    const full = await outputs({ hiddenEtaScale: 1 }, 1);
    expect(full.stats.equals(auto.stats), 'stats with η on every layer').toBe(false);
  });
});

describe('inspect', () => {
  it('shows the setting, what auto gives, and the scale of each connection into a hidden layer', () => {
    expectBuilt(BUILT_CLI);
    const file = path.join(tempDir('hidden-eta-inspect'), 'deep.json');
    writeFileSync(file, JSON.stringify({ hidden: [6, 5], feedback: 'random', task: { text: 'A', scale: 1, inputNeurons: 8 } }));
    const shown = spawnSync(process.execPath, [BUILT_CLI, 'inspect', file], { encoding: 'utf8' });
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('hidden η scale auto (0.1)');
    expect(shown.stdout).toMatch(/η scale 0\.1, .* — input_to_hidden1/);
    expect(shown.stdout).toMatch(/η scale 0\.1, .* — hidden1_to_hidden2/);
    expect(shown.stdout).not.toMatch(/η scale [0-9.]+, .* — hidden2_to_output/);
  });
});
