/**
 * Wiring beyond the chain (docs/model.md §5.4): recurrent connections of hidden layers onto
 * themselves, a backward connection between hidden layers and a skip connection input → output.
 * The config form is checked with one-line errors; runs give byte-identical merged spikes, stats
 * and state on 1, 2, 3, 7 and 16 workers under every feedback mode, and in several MPI processes
 * (1×1, 2×2, 3×1); a checkpoint resumes across layouts; self-synapses stay zero while the added
 * connections learn; monitors, inspect and the .npz export name the connections.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { initialWeights } from '../src/engine/initialise.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { validateConfig } from '../src/config/load.js';
import { exportNpz } from '../src/export/npz.js';
import { SMALL_GROUPS, expectSameRun as expectSame, fileBytes, runOutputs, smallConfig, taskFor, tempDir } from './helpers.js';
import { CLI, expectSameAcrossMpiLayouts, mpiGate } from './mpi-helpers.js';

/** Both hidden layers recurrent, hidden 2 → hidden 1 backwards, input → output skip. */
const WIRING = [
  { from: 'hidden1', to: 'hidden1' },
  { from: 'hidden2', to: 'hidden2', weightScale: 2 },
  { from: 'hidden2', to: 'hidden1' },
  { from: 'input', to: 'output', weightScale: 0.5 },
];

describe('the connections config', () => {
  const bad = (connections: unknown[], extra: Record<string, unknown> = {}) => () =>
    validateConfig({ hidden: [4, 3], connections, ...extra }, 'c.json');
  it('names the entry and the problem in one line', () => {
    expect(bad([{ from: 'hidden1', to: 'hidden1', delaySeconds: 0.5e-3 }])).toThrow(
      'c.json: connections[0].delaySeconds (hidden1 → hidden1): 0.0005 is below the 0.8 ms minimum delay');
    expect(bad([{ from: 'hidden', to: 'hidden' }])).toThrow('no group "hidden" (groups: input, hidden1, hidden2, output)');
    expect(bad([{ from: 'output', to: 'hidden1' }])).toThrow('the output layer sends no spikes');
    expect(bad([{ from: 'hidden1', to: 'input' }])).toThrow('nothing connects into it');
    expect(bad([{ from: 'input', to: 'output' }, { from: 'input', to: 'output' }])).toThrow('connects the same groups as connections[0]');
    expect(bad([{ from: 'input', to: 'hidden1', plastic: false }, { from: 'hidden1', to: 'hidden1', plastic: true }]))
      .toThrow('hidden1_to_hidden1 cannot learn while input_to_hidden1 is static');
    expect(bad([{ from: 'input', to: 'hidden1', weight: 1 }])).toThrow('unknown key "weight" in connections.0 (known: from, to, weightScale, plastic, etaScale, delaySeconds)');
    expect(bad([{ from: 'hidden1', to: 'hidden1', delaySeconds: 0.8e-3 }])).not.toThrow();
  });

  it('a config without connections means the chain exactly: the same network state bytes', async () => {
    // Restating the chain with its defaults changes nothing; the golden test guards the plain chain.
    const plain = smallConfig({ blocks: 1 });
    const restated = smallConfig({ blocks: 1, connections: [{ from: 'input', to: 'hidden1', weightScale: 1 }] });
    const a = tempDir('wiring-plain');
    const b = tempDir('wiring-restated');
    await runExperiment(plain, await taskFor(plain), { workers: 2, outDir: a });
    await runExperiment(restated, await taskFor(restated), { workers: 2, outDir: b });
    expect(fileBytes(path.join(a, 'superspike.stats')).equals(fileBytes(path.join(b, 'superspike.stats')))).toBe(true);
    expect(loadNetworkState(path.join(a, 'superspike.netstate')).connections.map((c) => Buffer.from(c.w.buffer).toString('hex')))
      .toEqual(loadNetworkState(path.join(b, 'superspike.netstate')).connections.map((c) => Buffer.from(c.w.buffer).toString('hex')));
  });
});

describe.each(['symmetric', 'random', 'uniform'] as const)('recurrent and skip wiring, %s feedback', (feedback) => {
  const workerCounts = feedback === 'symmetric' ? [2, 3, 7, 16] : [16];
  it(`gives byte-identical spikes, stats and state on 1, ${workerCounts.join(', ')} workers; self-synapses stay 0`, async () => {
    const config = smallConfig({ feedback, blocks: 2, connections: WIRING });
    const task = await taskFor(config);
    const reference = tempDir(`rec-${feedback}-1`);
    await runExperiment(config, task, { workers: 1, outDir: reference });
    const base = await runOutputs(reference);
    for (const g of SMALL_GROUPS) expect(base.spikes[g]!.length, `${g} spikes`).toBeGreaterThan(0);
    const initial = await runExperiment({ ...config, blocks: 0 }, task, { workers: 1, outDir: tempDir('rec-w0'), recordSpikes: false });
    const before = loadNetworkState(initial.stateFile!).connections;
    const after = loadNetworkState(path.join(reference, 'superspike.netstate')).connections;
    expect(after).toHaveLength(7);
    after.forEach((c, i) => expect(Buffer.from(c.w.buffer).equals(Buffer.from(before[i]!.w.buffer)), `connection ${i} learned`).toBe(false));
    // Chain 0–2, then 3: hidden1 → hidden1 (14 neurons) and 4: hidden2 → hidden2 (9): zero diagonals.
    for (const [c, n] of [[3, 14], [4, 9]] as const) {
      for (const w of [before[c]!.w, after[c]!.w]) {
        expect(w.length).toBe(n * n);
        for (let j = 0; j < n; j++) expect(w[j * n + j], `w[${j}→${j}] of connection ${c}`).toBe(0);
      }
    }
    // The report redraws initial weights from run.json's fan-in rule: the engine's, bit for bit.
    const fanIn = 24 + 14 + 9; // hidden1 hears the input, itself and hidden2
    expect(initialWeights(config.seed, config.w0, 3, 14, 14, { weightScale: 1, fanIn }, true)).toEqual(before[3]!.w);
    expect(initialWeights(config.seed, config.w0, 0, 24, 14, { weightScale: 1, fanIn })).toEqual(before[0]!.w);
    for (const workers of workerCounts) {
      const dir = tempDir(`rec-${feedback}-${workers}`);
      await runExperiment(config, task, { workers, outDir: dir });
      await expectSame(dir, reference, `${workers} workers`);
    }
  });
});

describe('recurrent wiring: resume, monitors, export, inspect', () => {
  it('a checkpoint on 3 workers resumes on 2 and equals the uninterrupted run', async () => {
    const config = smallConfig({ blocks: 3, feedback: 'random', connections: WIRING });
    const task = await taskFor(config);
    const whole = tempDir('rec-resume-whole');
    await runExperiment(config, task, { workers: 1, outDir: whole });
    const split = tempDir('rec-resume-split');
    await runExperiment(config, task, { workers: 3, outDir: split, stopAfterBlock: 1 });
    await runExperiment(config, task, { workers: 2, outDir: split, resume: loadNetworkState(path.join(split, 'superspike.checkpoint.netstate')) });
    await expectSame(split, whole, 'resumed 3 → 2 workers');
  });

  it('records weights of a connection by name and exports weights_<pre>_to_<post> for every connection', async () => {
    const config = smallConfig({ blocks: 1, connections: WIRING });
    const dir = tempDir('rec-record');
    await runExperiment(config, await taskFor(config), { workers: 2, outDir: dir, record: ['weights:hidden1_to_hidden1:0-1,1-0', 'eligibility:input_to_output'] });
    expect(existsSync(path.join(dir, 'hidden1_to_hidden1.weights.0'))).toBe(true);
    const out = path.join(dir, 'run.npz');
    const { arrays } = await exportNpz(dir, out, { spikes: false });
    const names = arrays.map((a) => a.name);
    for (const name of ['weights_multi_hidden_to_multi_hidden', 'weights_multi_hidden2_to_multi_hidden2', 'weights_multi_hidden2_to_multi_hidden',
      'weights_multi_stim_to_output', 'weights_hidden1_to_hidden1', 'eligibility_input_to_output']) {
      expect(names, name).toContain(name);
    }
    expect(arrays.find((a) => a.name === 'weights_multi_hidden_to_multi_hidden')!.shape).toEqual([14, 14]);
    expect(arrays.find((a) => a.name === 'weights_hidden1_to_hidden1')!.shape[1]).toBe(2);
  });

  it('inspect and run --recurrent name the recurrent connection', () => {
    const file = path.join(tempDir('rec-inspect'), 'rec.json');
    writeFileSync(file, JSON.stringify({ hidden: [6], blocks: 1, blockSeconds: 0.2, task: { text: 'A', scale: 1, inputNeurons: 8 } }));
    const inspect = spawnSync(process.execPath, [CLI, 'inspect', file, '--workers', '2'], { encoding: 'utf8' });
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(inspect.stdout).not.toContain('hidden_to_hidden');
    const withFile = path.join(tempDir('rec-inspect2'), 'rec.json');
    writeFileSync(withFile, JSON.stringify({ hidden: [6], blocks: 1, blockSeconds: 0.2, task: { text: 'A', scale: 1, inputNeurons: 8 }, connections: [{ from: 'hidden', to: 'hidden' }] }));
    const shown = spawnSync(process.execPath, [CLI, 'inspect', withFile, '--workers', '2'], { encoding: 'utf8' });
    expect(shown.stdout).toMatch(/multi_hidden → multi_hidden: 36 synapses, plastic, .* — hidden_to_hidden \(recurrent, self-synapses held at 0\)/);
    const sequence = spawnSync(process.execPath, [CLI, 'inspect', path.resolve('config/sequence.json'), '--workers', '2'], { encoding: 'utf8' });
    expect(sequence.status, sequence.stderr).toBe(0);
    expect(sequence.stdout).toMatch(/multi_hidden → multi_hidden: 65,536 synapses, plastic, .*weight scale 0\.4.* — hidden_to_hidden \(recurrent/);
    const out = tempDir('rec-flag');
    const run = spawnSync(process.execPath, [CLI, 'run', file, '--recurrent', '--skip', '--workers', '2', '-q', '--out', out], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(loadNetworkState(path.join(out, 'superspike.netstate')).config).toMatchObject({
      connections: [{ from: 'hidden', to: 'hidden' }, { from: 'input', to: 'output' }],
    });
    const twice = spawnSync(process.execPath, [CLI, 'run', withFile, '--recurrent', '-q', '--out', tempDir('rec-twice')], { encoding: 'utf8' });
    expect(twice.status).toBe(1);
    expect(twice.stderr.trim().split('\n')).toHaveLength(1);
    expect(twice.stderr).toContain('connections[1] (hidden → hidden): connects the same groups as connections[0]');
  });
});

const gate = mpiGate('recurrent.test.ts');

describe.skipIf(gate.skip)('recurrent wiring in several processes (MPI)', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  it('gives the same bytes on 1×1, 2×2 and 3×1, and a 2×2 checkpoint resumes on 3×1', async () => {
    await expectSameAcrossMpiLayouts('rec', WIRING);
  });
});
