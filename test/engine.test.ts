/**
 * The engine's contract (docs/model.md §10): for a given config and seed, merged spikes of every group,
 * the stats file and the saved network state are byte-identical for every worker count; a run
 * stopped and resumed with another worker count equals an uninterrupted one.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { readStatsFile } from '../src/io/stats.js';
import { fileBytes, mergedSpikes, smallConfig, taskFor, tempDir } from './helpers.js';

const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

async function outputsOf(dir: string, name = 'superspike') {
  const spikes: Record<string, Buffer> = {};
  for (const g of GROUPS) spikes[g] = await mergedSpikes(dir, g);
  return { spikes, stats: fileBytes(path.join(dir, `${name}.stats`)), state: fileBytes(path.join(dir, `${name}.netstate`)) };
}

type Outputs = Awaited<ReturnType<typeof outputsOf>>;

/** Merged spikes of every group, the stats file and the state: byte for byte. */
function expectSameOutputs(actual: Outputs, expected: Outputs, label: string): void {
  for (const g of GROUPS) expect(actual.spikes[g]!.equals(expected.spikes[g]!), `${g} spikes, ${label}`).toBe(true);
  expect(actual.stats.equals(expected.stats), `stats, ${label}`).toBe(true);
  expect(actual.state.equals(expected.state), `state, ${label}`).toBe(true);
}

describe.each(['symmetric', 'random', 'uniform'] as const)('rank-count invariance, %s feedback', (feedback) => {
  it('gives byte-identical spikes, stats and state on 1, 2, 3, 4 and 7 workers', async () => {
    const config = smallConfig({ feedback });
    const task = await taskFor(config);
    const reference = tempDir(`inv-${feedback}-1`);
    const first = await runExperiment(config, task, { workers: 1, outDir: reference });
    const base = await outputsOf(reference);
    // The comparison means something only if every layer spiked and the weights moved.
    for (const g of GROUPS) expect(base.spikes[g]!.length, `${g} spikes`).toBeGreaterThan(0);
    const state = loadNetworkState(path.join(reference, 'superspike.netstate'));
    expect(first.stats.length).toBe(config.blocks + 1);
    const initial = await runExperiment({ ...config, blocks: 0 }, task, { workers: 1, outDir: tempDir('inv-w0'), recordSpikes: false });
    const w0 = loadNetworkState(initial.stateFile!).connections.map((c) => c.w);
    state.connections.forEach((c, i) => expect(Buffer.from(c.w.buffer).equals(Buffer.from(w0[i]!.buffer)), `connection ${i} learned`).toBe(false));

    for (const workers of [2, 3, 4, 7]) {
      const dir = tempDir(`inv-${feedback}-${workers}`);
      await runExperiment(config, task, { workers, outDir: dir });
      const other = await outputsOf(dir);
      expectSameOutputs(other, base, `${workers} workers`);
    }
  });
});

describe('resume', () => {
  it('2 blocks + checkpoint + resume with another worker count equals 4 uninterrupted blocks', async () => {
    const config = smallConfig({ blocks: 4, feedback: 'symmetric' });
    const task = await taskFor(config);
    const whole = tempDir('resume-whole');
    await runExperiment(config, task, { workers: 2, outDir: whole });

    const split = tempDir('resume-split');
    const firstHalf = await runExperiment(config, task, { workers: 3, outDir: split, stopAfterBlock: 2 });
    expect(firstHalf.interrupted).toBe(true);
    expect(readStatsFile(path.join(split, 'superspike.stats')).map((s) => s.block)).toEqual([0, 1]);
    const checkpoint = path.join(split, 'superspike.checkpoint.netstate');
    expect(existsSync(checkpoint)).toBe(true);
    const resumed = await runExperiment(config, task, { workers: 1, outDir: split, resume: loadNetworkState(checkpoint) });
    expect(resumed.interrupted).toBe(false);

    const a = await outputsOf(whole);
    const b = await outputsOf(split);
    expect(b.stats.toString()).toBe(a.stats.toString()); // shows the differing lines on failure
    expectSameOutputs(b, a, 'resumed vs uninterrupted');
  });
});

describe('kernels', () => {
  it('the WASM SIMD kernels and the TypeScript reference give byte-identical runs', async () => {
    const config = smallConfig({ feedback: 'random', blocks: 3 });
    const task = await taskFor(config);
    const wasm = tempDir('kern-wasm');
    const reference = tempDir('kern-ref');
    await runExperiment(config, task, { workers: 2, outDir: wasm, kernels: 'wasm' });
    await runExperiment(config, task, { workers: 3, outDir: reference, kernels: 'reference' });
    const a = await outputsOf(wasm);
    const b = await outputsOf(reference);
    expectSameOutputs(b, a, 'reference vs wasm');
  });
});

describe('more ranks than neurons', () => {
  it('16 workers, where most ranks own no hidden or output neuron, equal 1 worker', async () => {
    const config = smallConfig({ hidden: [5, 3], w0: 1.0, task: { text: 'AB', scale: 1, inputNeurons: 12, inputRateHz: 30, taskSeed: 5 } });
    const task = await taskFor(config);
    const one = tempDir('many-1');
    const many = tempDir('many-16');
    await runExperiment(config, task, { workers: 1, outDir: one });
    await runExperiment(config, task, { workers: 16, outDir: many });
    const a = await outputsOf(one);
    const b = await outputsOf(many);
    for (const g of GROUPS) expect(a.spikes[g]!.length, `${g} spikes`).toBeGreaterThan(0);
    expectSameOutputs(b, a, '16 workers');
  });
});

describe('shared eligibility passes', () => {
  it('ranks that compute chunks of other ranks\' passes change no byte', async () => {
    const config = smallConfig({ feedback: 'random', blocks: 2 });
    const task = await taskFor(config);
    const one = tempDir('share-1');
    await runExperiment(config, task, { workers: 1, outDir: one });
    const base = await outputsOf(one);
    for (const workers of [2, 3]) {
      const dir = tempDir(`share-${workers}`);
      // Tiny chunks and random delays: ranks waiting at the barrier take chunks of the others.
      const result = await runExperiment(config, task, { workers, outDir: dir, chunkSynapses: 8, testHooks: { jitterMicros: 200 } });
      for (const t of result.timings) expect(t.chunksHelped, `chunks taken by rank ${t.rank}`).toBeGreaterThan(50);
      const other = await outputsOf(dir);
      expectSameOutputs(other, base, `${workers} workers, shared passes`);
    }
  });
});
