/**
 * Runs you can continue and reuse (engine/continuation.ts), through the library's `train()`:
 * extending a finished run by N blocks equals a fresh run of blocks + N, on any worker counts;
 * `initFrom` takes a saved network's weights into a new task (same bytes on any worker count);
 * η 0 evaluates without changing a weight; a completed resume leaves no checkpoint behind and
 * run.json records one segment per process with its own wall time.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { train } from '../src/api/train.js';
import { resumedConfig } from '../src/engine/continuation.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import type { NetworkState } from '../src/io/netstate.js';
import { readRunInfo } from '../src/io/run-info.js';
import { buildReport } from '../src/report/report.js';
import { fileBytes, mergedSpikes, smallConfig, tempDir } from './helpers.js';

const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

async function outputsOf(dir: string) {
  const spikes: Record<string, Buffer> = {};
  for (const g of GROUPS) spikes[g] = await mergedSpikes(dir, g);
  return { spikes, stats: fileBytes(path.join(dir, 'superspike.stats')), state: fileBytes(path.join(dir, 'superspike.netstate')) };
}

function expectSame(a: Awaited<ReturnType<typeof outputsOf>>, b: Awaited<ReturnType<typeof outputsOf>>, label: string): void {
  for (const g of GROUPS) expect(a.spikes[g]!.equals(b.spikes[g]!), `${g} spikes, ${label}`).toBe(true);
  expect(a.stats.toString(), `stats, ${label}`).toBe(b.stats.toString());
  expect(a.state.equals(b.state), `state, ${label}`).toBe(true);
}

const quiet = { quiet: true } as const;

describe('extend a finished run', () => {
  it('3 blocks, then --extend 2 from the trained state, equals a fresh run of 5 blocks (other worker counts)', async () => {
    const config = smallConfig({ blocks: 5, feedback: 'random' });
    const whole = tempDir('extend-whole');
    await train(config, { ...quiet, workers: 1, out: whole });

    const split = tempDir('extend-split');
    const first = await train({ ...config, blocks: 3 }, { ...quiet, workers: 2, out: split });
    expect(first.interrupted).toBe(false);
    const trained = path.join(split, 'superspike.trained.netstate');
    expect(loadNetworkState(trained).statsLines).toBe(3);

    // The final state lies in the frozen replay: extending it is refused, naming the trained state.
    await expect(train(undefined, { ...quiet, resume: path.join(split, 'superspike.netstate'), extend: 2, out: split }))
      .rejects.toThrow(/superspike\.netstate was saved in the frozen replay .*: extend from the state saved when training ended, .*superspike\.trained\.netstate$/);

    const extended = await train(undefined, { ...quiet, workers: 3, out: split, resume: trained, extend: 2 });
    expect(extended.config.blocks).toBe(5);
    expectSame(await outputsOf(split), await outputsOf(whole), 'extended vs fresh');

    // Two segments, each with its own wall time; the total is their sum.
    const info = readRunInfo(split);
    expect(info.segments?.map((s) => [s.fromStep, s.toStep, s.ranks])).toEqual([
      [0, first.info.endStep, 2],
      [first.info.burnInSteps + 3 * first.info.blockSteps, info.endStep, 3],
    ]);
    expect(info.wallSeconds).toBeCloseTo(info.segments!.reduce((s, seg) => s + seg.wallSeconds, 0), 9);
    expect(info.provenance?.node).toBe(process.version);

    // The report says who made the run and shows each segment with its own speed.
    const { html } = await buildReport(split);
    expect(html).toContain(`Node ${process.version}`);
    expect(html).toMatch(/<dt>segment 1<\/dt><dd>0–[\d.]+ s simulated in [\d.]+ s \([\d.]+ simulated s per wall s\), 2 ranks/);
    expect(html).toMatch(/<dt>segment 2<\/dt><dd>[\d.]+–[\d.]+ s simulated in [\d.]+ s \([\d.]+ simulated s per wall s\), 3 ranks/);
  });
});

describe('resume', () => {
  it('a completed resume removes its checkpoint and records the resumed segment from the checkpoint clock', async () => {
    const config = smallConfig({ blocks: 3 });
    const dir = tempDir('resume-segments');
    const stopped = await train(config, { ...quiet, workers: 2, out: dir, stopAfterBlock: 1 });
    expect(stopped.interrupted).toBe(true);
    const checkpoint = path.join(dir, 'superspike.checkpoint.netstate');
    const clock = loadNetworkState(checkpoint).clock;
    const resumed = await train(undefined, { ...quiet, workers: 1, out: dir, resume: checkpoint });
    expect(resumed.interrupted).toBe(false);
    expect(existsSync(checkpoint)).toBe(false);
    const segments = readRunInfo(dir).segments!;
    expect(segments.map((s) => [s.fromStep, s.toStep, s.interrupted])).toEqual([[0, clock, true], [clock, resumed.info.endStep, false]]);
  });
});

describe('init-from and evaluation', () => {
  it('starts a new task from saved weights, the same bytes on 1 and 3 workers; η 0 changes no weight', async () => {
    const source = tempDir('init-source');
    await train(smallConfig({ blocks: 2 }), { ...quiet, workers: 2, out: source });
    const saved = path.join(source, 'superspike.netstate');
    const savedW = loadNetworkState(saved).connections.map((c) => Buffer.from(c.w.buffer));

    // Another target picture of the same size ("BA" instead of "AB"), another seed.
    const reuse = smallConfig({ blocks: 2, seed: 9, task: { text: 'BA', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 } });
    const one = tempDir('init-1');
    const three = tempDir('init-3');
    await train(reuse, { ...quiet, workers: 1, out: one, initFrom: saved });
    await train(reuse, { ...quiet, workers: 3, out: three, initFrom: saved });
    expectSame(await outputsOf(three), await outputsOf(one), 'init-from on 3 vs 1 workers');

    const evaluated = tempDir('init-eval');
    const run = await train({ ...reuse, eta: 0 }, { ...quiet, workers: 2, out: evaluated, initFrom: saved });
    expect(run.mse).toHaveLength(3);
    loadNetworkState(path.join(evaluated, 'superspike.netstate')).connections
      .forEach((c, i) => expect(Buffer.from(c.w.buffer).equals(savedW[i]!), `connection ${i} unchanged`).toBe(true));
    // Learning from the same start does change them.
    loadNetworkState(path.join(one, 'superspike.netstate')).connections
      .forEach((c, i) => expect(Buffer.from(c.w.buffer).equals(savedW[i]!), `connection ${i} learned`).toBe(false));

    await expect(train(smallConfig({ hidden: [14] }), { ...quiet, out: tempDir('init-bad'), initFrom: saved }))
      .rejects.toThrow(/holds a 24-14-9-\d+ network but this run builds 24-14-\d+: --init-from needs the same layer sizes/);
  });
});

describe('states saved before issue 17 (no surrogateFloorVolts, no feedbackGate; older ones no regulariser)', () => {
  it('resume with what they ran with: Auryn\'s −80 mV floor and ungated errors; newer states keep their own', () => {
    const config = smallConfig({ feedback: 'symmetric' }) as unknown as Record<string, unknown>;
    const { surrogateFloorVolts: _floor, feedbackGate: _gate, ...old } = config;
    const state = { config: old } as unknown as NetworkState;
    const resumed = resumedConfig(state, 'old.netstate');
    expect(resumed.surrogateFloorVolts).toBe(-0.08);
    expect(resumed.feedbackGate).toBe('none');
    expect(smallConfig().surrogateFloorVolts).toBeNull();
    expect(smallConfig().feedbackGate).toBe('surrogate');
    const current = resumedConfig({ config } as unknown as NetworkState, 'new.netstate');
    expect(current.surrogateFloorVolts).toBeNull();
    expect(current.feedbackGate).toBe('surrogate');
  });

  it('a state saved before the key regulariser resumes with the paper\'s ρ = 1; newer states keep their own ρ', () => {
    const config = smallConfig({ feedback: 'random' }) as unknown as Record<string, unknown>;
    const { regulariser: _reg, ...old } = config;
    expect(resumedConfig({ config: old } as unknown as NetworkState, 'old.netstate').regulariser).toEqual({ strength: 1, exponent: 4, tauSeconds: 0.1 });
    expect(smallConfig().regulariser.strength).toBe(1000);
    expect(resumedConfig({ config } as unknown as NetworkState, 'new.netstate').regulariser.strength).toBe(1000);
    const paper = smallConfig({ feedback: 'random', regulariser: { strength: 1 } }) as unknown as Record<string, unknown>;
    expect(resumedConfig({ config: paper } as unknown as NetworkState, 'paper.netstate').regulariser.strength).toBe(1);
  });

  it('a state saved before the key hiddenEtaScale resumes with η on every layer; newer states keep their own', () => {
    const config = smallConfig({ feedback: 'random', hidden: [12, 10] }) as unknown as Record<string, unknown>;
    const { hiddenEtaScale: _scale, ...old } = config;
    expect(resumedConfig({ config: old } as unknown as NetworkState, 'old.netstate').hiddenEtaScale).toBe(1);
    expect(resumedConfig({ config } as unknown as NetworkState, 'new.netstate').hiddenEtaScale).toBe('auto');
    const half = smallConfig({ feedback: 'random', hiddenEtaScale: 0.5 }) as unknown as Record<string, unknown>;
    expect(resumedConfig({ config: half } as unknown as NetworkState, 'half.netstate').hiddenEtaScale).toBe(0.5);
  });
});
