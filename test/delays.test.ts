/**
 * Spike transmission delays longer than the 0.8 ms minimum (docs/model.md §5.1, §5.4): the
 * config's `delaySeconds` is checked with one-line errors; a delay of D steps is real (one input
 * spike moves the postsynaptic membrane first D + 1 steps after it was emitted, and the eligibility
 * sees it as late); runs with delays give byte-identical spikes, stats and state on 1–4 workers and
 * in several MPI processes, and a checkpoint resumes on another layout exactly (the rings' history
 * of the longest delay travels in the state); `inspect` shows every connection's delay.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { loadNetworkState, validateNetworkState } from '../src/engine/state-validate.js';
import { findMonitorRankFiles, mergeMonitorRankFiles, parseMergedMonitor } from '../src/io/monitor-files.js';
import { E_REST_VOLTS, STEPS_PER_SECOND } from '../src/model/constants.js';
import { computeLayout, ringSlotsOf } from '../src/network/layout.js';
import { buildTopology } from '../src/network/topology.js';
import { networkShape } from '../src/network/chain.js';
import { expectSameRun as expectSame, runOutputs, smallConfig, taskFor, tempDir } from './helpers.js';
import { CLI, expectSameAcrossMpiLayouts, mpiGate } from './mpi-helpers.js';

/** A recurrent hidden layer with 3 ms, input → hidden1 restated with 1.5 ms, a 2 ms skip, hidden2 recurrent at 10 ms. */
const DELAYED = [
  { from: 'hidden1', to: 'hidden1', delaySeconds: 3e-3 },
  { from: 'input', to: 'hidden1', delaySeconds: 1.5e-3 },
  { from: 'hidden2', to: 'hidden2', delaySeconds: 10e-3, weightScale: 2 },
  { from: 'input', to: 'output', delaySeconds: 2e-3, weightScale: 0.5 },
];

describe('the delaySeconds key', () => {
  const bad = (delaySeconds: number) => () =>
    validateConfig({ hidden: [4, 3], connections: [{ from: 'input', to: 'output' }, { from: 'hidden1', to: 'hidden1' }, { from: 'hidden2', to: 'hidden2', delaySeconds }] }, 'c.json');
  it('takes whole steps from 0.8 ms to 100 ms and names the entry and the key otherwise, in one line', () => {
    for (const ok of [0.8e-3, 0.9e-3, 3e-3, 1.5e-3, 0.1]) expect(bad(ok)).not.toThrow();
    expect(bad(3.05e-3)).toThrow('c.json: connections[2].delaySeconds (hidden2 → hidden2): 0.00305 is not a whole number of 0.1 ms steps (the simulation step)');
    expect(bad(0.5e-3)).toThrow('c.json: connections[2].delaySeconds (hidden2 → hidden2): 0.0005 is below the 0.8 ms minimum delay');
    expect(bad(0.1001)).toThrow('c.json: connections[2].delaySeconds (hidden2 → hidden2): 0.1001 is above the 100 ms maximum delay');
    expect(bad(-1)).toThrow(/delaySeconds.*must be > 0/);
  });

  it('rings keep 16 slots without longer delays, else the next power of two ≥ longest delay + one interval', () => {
    const topo = (connections: unknown[]) => {
      const c = validateConfig({ hidden: [4], nInput: 3, nOutput: 2, connections }, 'c.json');
      return buildTopology(networkShape(c, { nInput: 3, nOutput: 2 }));
    };
    expect(ringSlotsOf(topo([]))).toBe(16);
    expect(ringSlotsOf(topo([{ from: 'hidden', to: 'hidden', delaySeconds: 0.8e-3 }]))).toBe(16);
    expect(ringSlotsOf(topo([{ from: 'hidden', to: 'hidden', delaySeconds: 3e-3 }]))).toBe(64);
    const t = topo([{ from: 'hidden', to: 'hidden', delaySeconds: 5.6e-3 }]);
    expect(ringSlotsOf(t)).toBe(64);
    expect(t.groups.map((g) => g.historySteps)).toEqual([8, 56, 8, 8]);
    expect(t.connections.map((c) => c.spikeDelaySteps)).toEqual([8, 8, 56]);
    // At the minimum delay nothing extra is allocated: today's configs keep today's memory.
    const plain = computeLayout(topo([{ from: 'hidden', to: 'hidden' }]), 2);
    expect(plain.ringSlots).toBe(16);
    for (const r of plain.rankRegions) for (const c of r.connections) expect([c.merged, c.pre]).toEqual([0, 0]);
    const delayed = computeLayout(t, 2).rankRegions[0]!.connections;
    expect(delayed.map((c) => [c.merged !== 0, c.pre !== 0])).toEqual([[false, false], [false, false], [true, true]]);
  });

  it('inspect shows every connection\'s spike delay', () => {
    const file = path.join(tempDir('delay-inspect'), 'd.json');
    writeFileSync(file, JSON.stringify({ hidden: [6], blocks: 1, blockSeconds: 0.2, task: { text: 'A', scale: 1, inputNeurons: 8 },
      connections: [{ from: 'hidden', to: 'hidden', delaySeconds: 3e-3 }, { from: 'input', to: 'output', delaySeconds: 1.5e-3 }] }));
    const r = spawnSync(process.execPath, [CLI, 'inspect', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/multi_stim → multi_hidden: 48 synapses, .*spike delay 0\.8 ms, .*— input_to_hidden\n/);
    expect(r.stdout).toMatch(/multi_hidden → multi_hidden: 36 synapses, .*spike delay 3 ms, .*— hidden_to_hidden \(recurrent/);
    expect(r.stdout).toMatch(/multi_stim → output: 72 synapses, .*spike delay 1\.5 ms, .*— input_to_output \(added\)/);
  });

  it('a bad delay on the command line is one line naming the file and the place, exit 1', () => {
    /** `run` on a config of these connections: exit 1 and one line naming bad.json; that line. */
    const refused = (label: string, connections: object[]): string => {
      const file = path.join(tempDir(label), 'bad.json');
      writeFileSync(file, JSON.stringify({ hidden: [6], blocks: 1, blockSeconds: 0.2, task: { text: 'A', scale: 1, inputNeurons: 8 }, connections }));
      const r = spawnSync(process.execPath, [CLI, 'run', file, '-q', '--out', tempDir(`${label}-out`)], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('bad.json');
      return r.stderr;
    };
    expect(refused('delay-bad', [{ from: 'input', to: 'output' }, { from: 'hidden', to: 'hidden' }, { from: 'hidden', to: 'hidden', delaySeconds: 2.55e-3 }]))
      .toContain('connections[2]');
    expect(refused('delay-bad2', [{ from: 'input', to: 'output' }, { from: 'input', to: 'hidden' }, { from: 'hidden', to: 'hidden', delaySeconds: 2.55e-3 }]))
      .toContain('connections[2].delaySeconds (hidden → hidden): 0.00255 is not a whole number of 0.1 ms steps');
  });
});

describe('a delay of D steps is real', () => {
  /** One input spike at 10 ms into a 1-neuron hidden layer; the membrane of hidden neuron 0 step by step. */
  async function firstMove(delaySeconds: number | undefined, kind = 'membrane', what = 'membrane:hidden:0@all'): Promise<number> {
    const config = validateConfig({
      hidden: [1], nInput: 1, nOutput: 1, blocks: 0, blockSeconds: 0.08, w0: 0.5, seed: 1,
      input: { times: [0.01], ids: [0] }, target: { times: [0.03], ids: [0] },
      connections: delaySeconds === undefined ? [] : [{ from: 'input', to: 'hidden', delaySeconds }],
    }, 'delay config');
    const dir = tempDir('delay-real');
    await runExperiment(config, await taskFor(config), { workers: 1, outDir: dir, record: [what], recordEveryMs: 0.1 });
    const files = findMonitorRankFiles(dir, [kind]);
    const v = parseMergedMonitor(mergeMonitorRankFiles([...files.values()][0]!), 'v');
    const rest = kind === 'membrane' ? E_REST_VOLTS : 0;
    let step = -1;
    for (let k = 0; k < v.values.length; k++) {
      if (Math.fround(v.values[k]!) !== rest) {
        step = Math.round(v.times[k]! * STEPS_PER_SECOND);
        break;
      }
    }
    return step;
  }

  it('moves the membrane first at emission + D + 1 (the current arrives in phase B of step t + D)', async () => {
    expect(await firstMove(undefined)).toBe(100 + 8 + 1);
    expect(await firstMove(0.8e-3)).toBe(100 + 8 + 1);
    expect(await firstMove(3e-3)).toBe(100 + 30 + 1);
    expect(await firstMove(12.3e-3)).toBe(100 + 123 + 1);
  });

  it('the eligibility of that synapse sees the spike exactly as much later (its own pre trace)', async () => {
    const el = (d: number | undefined) => firstMove(d, 'eligibility', 'eligibility:input_to_hidden:0-0@all');
    const at8 = await el(undefined);
    expect(at8).toBeGreaterThan(108);
    expect(await el(3e-3)).toBe(at8 + 22);
    expect(await el(12.3e-3)).toBe(at8 + 115);
  });
});

describe('delays: the same bytes on every layout', () => {
  it('1, 2, 3 and 4 workers give byte-identical spikes, stats and state; delays change the run', async () => {
    const config = smallConfig({ blocks: 2, feedback: 'symmetric', connections: DELAYED });
    const task = await taskFor(config);
    const reference = tempDir('delay-1');
    await runExperiment(config, task, { workers: 1, outDir: reference });
    for (const workers of [2, 3, 4]) {
      const dir = tempDir(`delay-${workers}`);
      await runExperiment(config, task, { workers, outDir: dir });
      await expectSame(dir, reference, `${workers} workers`);
    }
    // The same wiring at the minimum delay is another run.
    const plain = smallConfig({ blocks: 2, feedback: 'symmetric', connections: DELAYED.map(({ delaySeconds: _d, ...rest }) => rest) });
    const other = tempDir('delay-plain');
    await runExperiment(plain, await taskFor(plain), { workers: 1, outDir: other });
    const [a, b] = [await runOutputs(reference), await runOutputs(other)];
    expect(a.spikes['multi_hidden']!.equals(b.spikes['multi_hidden']!)).toBe(false);
    // The state keeps each group's ring back to its longest outgoing delay, and the delayed connections' own pre traces.
    const state = loadNetworkState(path.join(reference, 'superspike.netstate'));
    const clock = state.clock;
    const oldest = (g: number) => state.groups[g]!.ring.steps[0]!;
    expect(oldest(2)).toBeGreaterThanOrEqual(clock - 100);
    expect(oldest(2)).toBeLessThan(clock - 8);
    // Chain input → hidden1 (restated, 1.5 ms), hidden1 → hidden2, hidden2 → output; then the added three.
    expect(state.connections.map((c) => c.pre !== undefined)).toEqual([true, false, false, true, true, true]);
  });

  it('blocked eligibility (§7.7) with delays: 1 and 3 workers give the same bytes', async () => {
    const config = smallConfig({ blocks: 1, eligibility: 'blocked', connections: DELAYED });
    const task = await taskFor(config);
    const one = tempDir('delay-blocked-1');
    const three = tempDir('delay-blocked-3');
    await runExperiment(config, task, { workers: 1, outDir: one });
    await runExperiment(config, task, { workers: 3, outDir: three });
    await expectSame(three, one, 'blocked, 3 workers');
  });

  it('a checkpoint on 3 workers resumes on 2 and equals the uninterrupted run; a cut ring history is refused', async () => {
    const config = smallConfig({ blocks: 3, feedback: 'random', connections: DELAYED });
    const task = await taskFor(config);
    const whole = tempDir('delay-resume-whole');
    await runExperiment(config, task, { workers: 1, outDir: whole });
    const split = tempDir('delay-resume-split');
    await runExperiment(config, task, { workers: 3, outDir: split, stopAfterBlock: 1 });
    const state = loadNetworkState(path.join(split, 'superspike.checkpoint.netstate'));
    await runExperiment(config, task, { workers: 2, outDir: split, resume: state });
    await expectSame(split, whole, 'resumed 3 → 2 workers');
    // A ring event older than the longest delay out of its group cannot come from a real run.
    const ring = state.groups[1]!.ring;
    const steps = Int32Array.from(ring.steps);
    steps[0] = state.clock - 31;
    expect(() => validateNetworkState({ ...state, groups: state.groups.map((g, i) => (i === 1 ? { ...g, ring: { ...ring, steps } } : g)) }, { file: 's.netstate' }))
      .toThrow(`s.netstate: groups[1].ring.steps[0]: ${state.clock - 31} is outside the last 30 steps ${state.clock - 30}..${state.clock - 1} before clock ${state.clock}`);
  });
});

const gate = mpiGate('delays.test.ts');

describe.skipIf(gate.skip)('delays in several processes (MPI)', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  it('gives the same bytes on 1×1, 2×2 and 3×1, and a 2×2 checkpoint resumes on 3×1', async () => {
    await expectSameAcrossMpiLayouts('delay', DELAYED);
  });
});
