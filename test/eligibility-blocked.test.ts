/**
 * The blocked eligibility pass (`eligibility: "blocked"`, docs/model.md §7.7) keeps the engine's
 * contract: merged spikes, stats and state are byte-identical on 1, 2 and 3 workers (with shared
 * passes), with the TypeScript reference kernels, on 2 MPI processes, and a checkpoint resumed on
 * another worker count equals the uninterrupted run. It computes the same model as the recursive
 * reference: not the same bytes, but the same learning up to rounding.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { readStatsFile } from '../src/io/stats.js';
import { fileBytes, mergedSpikes, smallConfig, taskFor, tempDir } from './helpers.js';
import { CLI, mpiGate, mpirun } from './mpi-helpers.js';

const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

async function outputsOf(dir: string) {
  const spikes: Record<string, Buffer> = {};
  for (const g of GROUPS) spikes[g] = await mergedSpikes(dir, g);
  return { spikes, stats: fileBytes(path.join(dir, 'superspike.stats')), state: fileBytes(path.join(dir, 'superspike.netstate')) };
}

type Outputs = Awaited<ReturnType<typeof outputsOf>>;

function expectSameOutputs(actual: Outputs, expected: Outputs, label: string): void {
  for (const g of GROUPS) expect(actual.spikes[g]!.equals(expected.spikes[g]!), `${g} spikes, ${label}`).toBe(true);
  expect(actual.stats.toString(), `stats, ${label}`).toBe(expected.stats.toString());
  expect(actual.state.equals(expected.state), `state, ${label}`).toBe(true);
}

describe.each(['symmetric', 'random'] as const)('blocked eligibility, %s feedback', (feedback) => {
  it('gives byte-identical outputs on 1, 2 and 3 workers (shared passes too) and with the reference kernels', async () => {
    // 5 blocks of 0.2 s plus the burn-in: 12000 steps, three weight updates, blocks of 1000 steps
    // cut by the segment ends (stats) at every 2000.
    const config = smallConfig({ feedback, blocks: 5, eligibility: 'blocked' });
    const task = await taskFor(config);
    const one = tempDir(`blk-${feedback}-1`);
    await runExperiment(config, task, { workers: 1, outDir: one });
    const base = await outputsOf(one);
    for (const g of GROUPS) expect(base.spikes[g]!.length, `${g} spikes`).toBeGreaterThan(0);

    // The mode is in effect: the recursive run of the same config learns the same way but rounds
    // differently, so its state differs while its cost curve stays close.
    const recursiveDir = tempDir(`blk-${feedback}-rec`);
    await runExperiment({ ...config, eligibility: 'recursive' }, task, { workers: 1, outDir: recursiveDir });
    expect(fileBytes(path.join(recursiveDir, 'superspike.netstate')).equals(base.state)).toBe(false);
    const mse = (dir: string) => readStatsFile(path.join(dir, 'superspike.stats')).map((s) => s.mse);
    const [blocked, recursive] = [mse(one), mse(recursiveDir)];
    expect(blocked.length).toBe(config.blocks + 1);
    blocked.forEach((m, b) => expect(Math.abs(m - recursive[b]!), `MSE of block ${b - 1}`).toBeLessThanOrEqual(0.02 * recursive[b]! + 1e-9));
    // and the weights moved
    const initial = await runExperiment({ ...config, blocks: 0 }, task, { workers: 1, outDir: tempDir('blk-w0'), recordSpikes: false });
    const w0 = loadNetworkState(initial.stateFile!).connections.map((c) => c.w);
    loadNetworkState(path.join(one, 'superspike.netstate')).connections.forEach((c, i) =>
      expect(Buffer.from(c.w.buffer).equals(Buffer.from(w0[i]!.buffer)), `connection ${i} learned`).toBe(false));

    for (const workers of [2, 3]) {
      const dir = tempDir(`blk-${feedback}-${workers}`);
      await runExperiment(config, task, { workers, outDir: dir });
      expectSameOutputs(await outputsOf(dir), base, `${workers} workers`);
    }
    const shared = tempDir(`blk-${feedback}-shared`);
    const result = await runExperiment(config, task, { workers: 3, outDir: shared, chunkSynapses: 8, testHooks: { jitterMicros: 200 } });
    expect(result.timings.some((t) => t.chunksHelped > 0), 'some rank took chunks of another').toBe(true);
    expectSameOutputs(await outputsOf(shared), base, '3 workers, shared passes');
    const reference = tempDir(`blk-${feedback}-ref`);
    await runExperiment(config, task, { workers: 2, outDir: reference, kernels: 'reference' });
    expectSameOutputs(await outputsOf(reference), base, 'reference kernels');
  });
});

describe('blocked eligibility: wiring beyond the chain', () => {
  it('recurrent, backward and skip connections give the same bytes on 1 and 3 workers', async () => {
    const config = smallConfig({
      blocks: 2, feedback: 'random', eligibility: 'blocked',
      connections: [{ from: 'hidden1', to: 'hidden1' }, { from: 'hidden2', to: 'hidden1' }, { from: 'input', to: 'output', weightScale: 0.5 }],
    });
    const task = await taskFor(config);
    const one = tempDir('blk-wiring-1');
    await runExperiment(config, task, { workers: 1, outDir: one });
    const three = tempDir('blk-wiring-3');
    await runExperiment(config, task, { workers: 3, outDir: three });
    expectSameOutputs(await outputsOf(three), await outputsOf(one), '3 workers, recurrent wiring');
  });
});

describe('blocked eligibility: resume', () => {
  it('2 blocks + checkpoint + resume on another worker count equals 4 uninterrupted blocks', async () => {
    const config = smallConfig({ blocks: 4, feedback: 'random', eligibility: 'blocked' });
    const task = await taskFor(config);
    const whole = tempDir('blk-resume-whole');
    await runExperiment(config, task, { workers: 2, outDir: whole });
    const split = tempDir('blk-resume-split');
    const first = await runExperiment(config, task, { workers: 3, outDir: split, stopAfterBlock: 2 });
    expect(first.interrupted).toBe(true);
    const checkpoint = loadNetworkState(path.join(split, 'superspike.checkpoint.netstate'));
    expect(checkpoint.config.eligibility).toBe('blocked');
    // the checkpoint holds the synaptic traces in the recursive mode's form (el, elFlt, elSum)
    expect(checkpoint.connections.some((c) => c.elFlt!.some((v) => v !== 0))).toBe(true);
    await runExperiment(config, task, { workers: 1, outDir: split, resume: checkpoint });
    expectSameOutputs(await outputsOf(split), await outputsOf(whole), 'resumed vs uninterrupted');
  });
});

describe('blocked eligibility: the config key', () => {
  it('is absent unless given (recursive), and anything but recursive or blocked is an error naming it', () => {
    expect(smallConfig().eligibility).toBeUndefined();
    expect(smallConfig({ eligibility: 'blocked' }).eligibility).toBe('blocked');
    expect(() => smallConfig({ eligibility: 'fast' as 'blocked' })).toThrow(/eligibility/);
  });
});

describe('blocked eligibility: monitors', () => {
  it('refuses eligibility monitors, whose samples would cut blocks and change the rounding', async () => {
    const config = smallConfig({ blocks: 1, eligibility: 'blocked' });
    const task = await taskFor(config);
    await expect(runExperiment(config, task, { workers: 1, outDir: tempDir('blk-mon'), record: ['eligibility:output'] }))
      .rejects.toThrow(/eligibility monitors need "eligibility": "recursive"/);
  });
});

const gate = mpiGate('eligibility-blocked.test.ts');

describe.skipIf(gate.skip)('blocked eligibility on MPI processes', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  it('2 processes × 1 thread give the bytes of 1 process × 1 thread', async () => {
    const dir = tempDir('blk-mpi');
    const file = path.join(dir, 'blocked.json');
    writeFileSync(file, JSON.stringify({
      hidden: [14, 9], blocks: 4, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed: 3, feedback: 'symmetric', eligibility: 'blocked',
      task: { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
    }));
    const one = path.join(dir, '1x1');
    const threads = spawnSync(process.execPath, [CLI, 'run', file, '--workers', '1', '--out', one, '-q'], { encoding: 'utf8' });
    expect(threads.status, threads.stderr).toBe(0);
    const two = path.join(dir, '2x1');
    const job = await mpirun(2, [CLI, 'run', file, '--workers', '1', '--out', two, '-q']);
    expect(job.code, job.stderr).toBe(0);
    expectSameOutputs(await outputsOf(two), await outputsOf(one), '2×1');
  });
});
