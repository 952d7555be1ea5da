/**
 * The paper's protocol options for trial tasks and random feedback (docs/model.md §4.1, §7.3,
 * §9): the classification error of a window of opportunity on synthetic spikes, its window
 * markers, background only in the gaps, forced feedback signs, their config errors, and
 * byte-identical outputs of a run that uses all of them on 1 and 3 workers.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { resolveTask } from '../src/config/task.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { readNetworkStateFile } from '../src/io/netstate.js';
import { DT_SECONDS } from '../src/model/constants.js';
import { classificationError } from '../src/model/error-signal.js';
import { counterNormal } from '../src/model/rng.js';
import { FEEDBACK_STREAM_OFFSET, forcedNegatives } from '../src/engine/initialise.js';
import { trialList, trialSequence, windowMarkers } from '../src/tasks/trials.js';
import { XOR_WINDOW_SECONDS, xorStimuli } from '../src/tasks/xor.js';
import { fileBytes, mergedSpikes, tempDir } from './helpers.js';

/**
 * Drives classificationError step by step for `outputs` neurons on one rank: `own[n]` and
 * `markers[n]` are the ids spiking / marked at step n; returns the error of every step.
 */
function errorsOf(outputs: number, steps: number, own: Record<number, number[]>, markers: Record<number, number[]>): number[][] {
  const ERR = 0;
  const STATE = outputs;
  const OWN = 2 * outputs;
  const MARK = OWN + outputs;
  const f32 = new Float32Array(MARK + outputs);
  const u32 = new Uint32Array(f32.buffer);
  const errors: number[][] = [];
  for (let n = 0; n < steps; n++) {
    const o = own[n] ?? [];
    const m = markers[n] ?? [];
    o.forEach((id, i) => (u32[OWN + i] = id));
    m.forEach((id, i) => (u32[MARK + i] = id));
    classificationError(f32, u32, ERR, STATE, outputs, OWN, o.length, MARK, m.length, (id) => id);
    errors.push(Array.from(f32.subarray(ERR, ERR + outputs)));
  }
  return errors;
}

describe('classification error', () => {
  it('is +1 at the end of a window whose labelled output stayed silent, else zero', () => {
    const e = errorsOf(2, 8, {}, { 2: [1], 5: [1] });
    expect(e[5]).toEqual([0, 1]);
    expect(e.filter((_, n) => n !== 5).flat().every((x) => x === 0)).toBe(true);
  });

  it('is zero for the labelled output firing inside its window, first and last step included', () => {
    for (const spikeAt of [2, 3, 5]) {
      const e = errorsOf(2, 8, { [spikeAt]: [1] }, { 2: [1], 5: [1] });
      expect(e.flat().every((x) => x === 0), `spike at ${spikeAt}`).toBe(true);
    }
    // Several spikes of the correct output in its window are all correct.
    expect(errorsOf(2, 8, { 3: [1], 4: [1] }, { 2: [1], 5: [1] }).flat().every((x) => x === 0)).toBe(true);
  });

  it('gives −1 at once for every spike outside a window of its own output', () => {
    // Output 0 fires in output 1's window (wrong answer), output 1 fires before and after it.
    const e = errorsOf(2, 9, { 1: [1], 3: [0], 6: [1], 8: [0, 1] }, { 2: [1], 5: [1] });
    expect(e[1]).toEqual([0, -1]);
    expect(e[3]).toEqual([-1, 0]);
    expect(e[5]).toEqual([0, 1]); // output 1 was silent inside: +1 at the window's last step
    expect(e[6]).toEqual([0, -1]);
    expect(e[8]).toEqual([-1, -1]);
  });

  it('marks each trial by its first and last window step on the labelled output', () => {
    const trials = trialList({ labels: [0, 1, 1, 0], windowSeconds: XOR_WINDOW_SECONDS, gapSeconds: [0, 0.01], durationSeconds: 2, seed: 4 });
    const w = Math.round(XOR_WINDOW_SECONDS / DT_SECONDS);
    const m = windowMarkers(trials, XOR_WINDOW_SECONDS);
    expect(m.steps.length).toBe(2 * trials.length);
    trials.forEach((t, i) => {
      expect([m.steps[2 * i], m.steps[2 * i + 1]]).toEqual([t.onsetStep, t.onsetStep + w - 1]);
      expect([m.ids[2 * i], m.ids[2 * i + 1]]).toEqual([t.label, t.label]);
    });
    expect(() => windowMarkers(trials, DT_SECONDS)).toThrow(/shorter than 2 steps/);
  });
});

describe('background in the gaps only', () => {
  it('drops exactly the background inside the windows and keeps the stimuli', () => {
    const opts = { stimuli: xorStimuli(7), nInput: 100, backgroundRateHz: 40, windowSeconds: XOR_WINDOW_SECONDS, gapSeconds: [0.05, 0.1] as const, durationSeconds: 10, seed: 3 };
    const always = trialSequence(opts);
    const gaps = trialSequence({ ...opts, backgroundInGapsOnly: true });
    const w = Math.round(XOR_WINDOW_SECONDS / DT_SECONDS);
    const inWindow = (s: number) => always.trials.some((t) => s >= t.onsetStep && s < t.onsetStep + w);
    const key = (steps: Int32Array, ids: Uint32Array) => Array.from(steps, (s, i) => `${s}:${ids[i]}`);
    const kept = new Set(key(gaps.input.steps, gaps.input.ids));
    // Outside the windows both sequences agree event for event; inside, only stimulus spikes remain.
    const outside = key(always.input.steps, always.input.ids).filter((k) => !inWindow(Number(k.split(':')[0])));
    expect(outside.length).toBeGreaterThan(1000);
    expect(outside.every((k) => kept.has(k))).toBe(true);
    const stimulusEvents = always.trials.reduce((n, t) => n + xorStimuli(7)[t.stimulus]!.inputIds.length, 0);
    expect(Array.from(gaps.input.steps).filter(inWindow).length).toBe(stimulusEvents);
    expect(Array.from(always.input.steps).filter(inWindow).length).toBeGreaterThan(stimulusEvents);
    expect(gaps.target).toEqual(always.target);
  });
});

describe('forced feedback signs', () => {
  const base = { trials: { stimuli: 'xor' as const, gapSeconds: [0.02, 0.05] as [number, number] }, hidden: [4], feedback: 'random' as const, blockSeconds: 0.1, blocks: 0, seed: 9 };
  const feedbackOf = async (extra: object) => {
    const config = validateConfig({ ...base, ...extra }, 'test');
    const dir = tempDir('signs');
    await runExperiment(config, await resolveTask(config, { onWarning: () => {} }), { workers: 1, outDir: dir });
    return readNetworkStateFile(path.join(dir, 'superspike.netstate')).connections[0]!.feedbackB!;
  };

  it('keeps the drawn magnitudes and makes the first round(f·n) hidden neurons negative', async () => {
    expect([1, 0.75, 0.5, 0].map((f) => forcedNegatives(f, 4))).toEqual([4, 3, 2, 0]);
    expect(forcedNegatives(null, 4)).toBeNull();
    // One run with 3 of 4 negative: every B is ±|the drawn value| (connection 0, output k, hidden j).
    const forced = await feedbackOf({ feedbackNegativeFraction: 0.75 });
    expect(forced.length).toBe(2 * 4);
    for (let k = 0; k < 2; k++) {
      for (let j = 0; j < 4; j++) {
        const drawn = Math.fround(counterNormal(base.seed, FEEDBACK_STREAM_OFFSET, k, j));
        expect(forced[k * 4 + j], `output ${k}, hidden ${j}`).toBe(j < 3 ? -Math.abs(drawn) : Math.abs(drawn));
      }
    }
  });

  it('is refused without random feedback and outside [0, 1]', () => {
    expect(() => validateConfig({ ...base, feedback: 'symmetric', feedbackNegativeFraction: 1 }, 'c.json'))
      .toThrow(/^c\.json: feedbackNegativeFraction needs feedback "random"/);
    expect(() => validateConfig({ ...base, feedbackNegativeFraction: 1.5 }, 'c.json')).toThrow(/feedbackNegativeFraction/);
    expect(() => validateConfig({ ...base, trials: { outputError: 'nearest' } }, 'c.json')).toThrow(/trials\.outputError/);
  });
});

describe('centred feedback weights (feedbackCentred)', () => {
  const base = { trials: { stimuli: 'xor' as const, gapSeconds: [0.02, 0.05] as [number, number] }, hidden: [5], feedback: 'random' as const, blockSeconds: 0.1, blocks: 0, seed: 9 };
  const feedbackOf = async (extra: object, workers: number) => {
    const config = validateConfig({ ...base, ...extra }, 'test');
    const dir = tempDir(`centred-w${workers}`);
    await runExperiment(config, await resolveTask(config, { onWarning: () => {} }), { workers, outDir: dir });
    return readNetworkStateFile(path.join(dir, 'superspike.netstate')).connections[0]!.feedbackB!;
  };

  it('subtracts each hidden neuron\'s mean over the outputs from the drawn weights, the same on 1 and 3 workers', async () => {
    const centred = await feedbackOf({ feedbackCentred: true }, 1);
    expect(centred.length).toBe(2 * 5);
    for (let j = 0; j < 5; j++) {
      const drawn = [0, 1].map((k) => Math.fround(counterNormal(base.seed, FEEDBACK_STREAM_OFFSET, k, j)));
      const mean = (drawn[0]! + drawn[1]!) / 2;
      for (let k = 0; k < 2; k++) expect(centred[k * 5 + j], `output ${k}, hidden ${j}`).toBe(Math.fround(drawn[k]! - mean));
      expect(Math.abs(centred[j]! + centred[5 + j]!)).toBeLessThan(1e-6);
    }
    expect(Buffer.from((await feedbackOf({ feedbackCentred: true }, 3)).buffer).equals(Buffer.from(centred.buffer))).toBe(true);
    // false (the default) keeps B as drawn.
    const drawn = await feedbackOf({ feedbackCentred: false }, 1);
    expect(drawn[0]).toBe(Math.fround(counterNormal(base.seed, FEEDBACK_STREAM_OFFSET, 0, 0)));
  });

  it('is refused without random feedback, with forced signs and with one output', async () => {
    expect(() => validateConfig({ ...base, feedback: 'symmetric', feedbackCentred: true }, 'c.json'))
      .toThrow(/^c\.json: feedbackCentred needs feedback "random"/);
    expect(() => validateConfig({ ...base, feedbackCentred: true, feedbackNegativeFraction: 1 }, 'c.json'))
      .toThrow(/^c\.json: feedbackCentred cannot be combined with feedbackNegativeFraction/);
    expect(() => validateConfig({ ...base, feedbackCentred: 'yes' }, 'c.json')).toThrow(/feedbackCentred/);
    const poisson = path.resolve('data/ssbm/precise_timing/poisson');
    const one = validateConfig({ input: path.join(poisson, 'input.ras'), target: path.join(poisson, 'target.ras'), gridSeconds: 0.5, hidden: [4], feedback: 'random', feedbackCentred: true }, 'c.json');
    await expect(resolveTask(one, { onWarning: () => {} })).rejects.toThrow(/^feedbackCentred needs at least 2 outputs/);
  });
});

describe('a classification run is byte-identical on any worker count', () => {
  it('gives the same spikes, stats and state on 1 and 3 workers', async () => {
    const config = validateConfig({
      trials: { stimuli: 'xor', gapSeconds: [0.02, 0.05], outputError: 'classification', background: 'gaps' },
      hidden: [6], feedback: 'random', feedbackNegativeFraction: 0.5, regulariser: { strength: 0 },
      blockSeconds: 0.4, blocks: 2, w0: 0.3, eta: 5e-3, seed: 2,
    }, 'test');
    const task = await resolveTask(config, { onWarning: () => {} });
    const outputs = async (workers: number) => {
      const dir = tempDir(`classification-w${workers}`);
      await runExperiment(config, task, { workers, outDir: dir });
      const spikes = await Promise.all(['multi_stim', 'multi_hidden', 'output', 'target'].map((g) => mergedSpikes(dir, g)));
      return { spikes, stats: fileBytes(path.join(dir, 'superspike.stats')), state: fileBytes(path.join(dir, 'superspike.netstate')) };
    };
    const one = await outputs(1);
    const three = await outputs(3);
    expect(one.spikes[2]!.length).toBeGreaterThan(0); // the outputs did spike, so errors were given
    one.spikes.forEach((s, g) => expect(three.spikes[g]!.equals(s), `group ${g}`).toBe(true));
    expect(three.stats.equals(one.stats)).toBe(true);
    expect(three.state.equals(one.state)).toBe(true);
  });
});
