/**
 * Trial-based tasks (docs/model.md §4.1): the trial sequence (determinism, gaps, background
 * rate, events where the trial list says), the XOR stimuli, the `trials` config key and its
 * errors, the replay period the engine gets, the window-of-opportunity readout on synthetic
 * spikes, and byte-identical outputs of a trials run on 1 and 3 workers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../src/config/load.js';
import { resolveTask } from '../src/config/task.js';
import { trialListFor, trialSequenceSteps } from '../src/config/trials.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { scheduleFor } from '../src/engine/setup.js';
import { accuracyByBlock, accuracyOf, isCorrect, scoreTrials } from '../src/experiments/readout.js';
import { loadRun, trialReadout } from '../src/index.js';
import { readStatsFile } from '../src/io/stats.js';
import { DT_SECONDS } from '../src/model/constants.js';
import { trialList, trialSequence, type Stimulus } from '../src/tasks/trials.js';
import { XOR_GROUPS, XOR_TARGET_SECONDS, XOR_WINDOW_SECONDS, xorSpikeTimes, xorStimuli } from '../src/tasks/xor.js';
import { fileBytes, mergedSpikes, tempDir } from './helpers.js';

const WINDOW_STEPS = Math.round(XOR_WINDOW_SECONDS / DT_SECONDS);
const sequenceOptions = (seed: number, durationSeconds = 60) => ({
  stimuli: xorStimuli(7), nInput: 100, backgroundRateHz: 4, windowSeconds: XOR_WINDOW_SECONDS,
  gapSeconds: [0.1, 0.3] as const, durationSeconds, seed,
});

describe('trial sequence', () => {
  it('is a pure function of its seed', () => {
    const a = trialSequence(sequenceOptions(3));
    const b = trialSequence(sequenceOptions(3));
    const c = trialSequence(sequenceOptions(4));
    expect(Buffer.from(a.input.steps.buffer).equals(Buffer.from(b.input.steps.buffer))).toBe(true);
    expect(a.trials).toEqual(b.trials);
    expect(c.trials.map((t) => t.stimulus)).not.toEqual(a.trials.map((t) => t.stimulus));
  });

  it('places windows one gap apart, gaps uniform within [min, max], all inside the duration', () => {
    const trials = trialList({ labels: [0, 1, 1, 0], windowSeconds: 0.025, gapSeconds: [0.1, 0.3], durationSeconds: 200, seed: 9 });
    const gaps = [trials[0]!.onsetStep, ...trials.slice(1).map((t, k) => t.onsetStep - trials[k]!.onsetStep - WINDOW_STEPS)];
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3000);
    const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(Math.abs(meanGap - 2000)).toBeLessThan(5 * (2000 / Math.sqrt(3)) / Math.sqrt(gaps.length)); // uniform: sd = range/√12
    expect(trials.at(-1)!.onsetStep + WINDOW_STEPS).toBeLessThanOrEqual(200 / DT_SECONDS);
    expect(trials.length).toBeGreaterThan(850); // 200 s / 0.225 s ≈ 889
    for (const t of trials) expect(t.onsetSeconds).toBeCloseTo(t.onsetStep * DT_SECONDS, 12);
    // Uniform over the four stimuli: each about a quarter.
    for (let k = 0; k < 4; k++) {
      const share = trials.filter((t) => t.stimulus === k).length / trials.length;
      expect(Math.abs(share - 0.25)).toBeLessThan(0.06);
    }
  });

  it('has Poisson background at the given rate outside the windows', () => {
    const seq = trialSequence(sequenceOptions(5, 100));
    const inWindow = (step: number) => seq.trials.some((t) => step >= t.onsetStep && step < t.onsetStep + WINDOW_STEPS);
    let outside = 0;
    for (const s of seq.input.steps) if (!inWindow(s)) outside++;
    const seconds = 100 - seq.trials.length * XOR_WINDOW_SECONDS;
    const expected = 100 * 4 * seconds;
    expect(Math.abs(outside - expected)).toBeLessThan(5 * Math.sqrt(expected));
  });

  it('puts every stimulus and target event where the trial list says, sorted and unique', () => {
    const stimuli = xorStimuli(7);
    const seq = trialSequence(sequenceOptions(6, 30));
    const input = new Set(Array.from(seq.input.steps, (s, i) => `${s}:${seq.input.ids[i]}`));
    for (const t of seq.trials) {
      const st = stimuli[t.stimulus]!;
      st.inputIds.forEach((id, i) => expect(input.has(`${t.onsetStep + Math.round(st.inputTimes[i]! / DT_SECONDS)}:${id}`)).toBe(true));
    }
    // Targets: exactly the label's spikes at 15 and 20 ms of each trial, nothing else.
    const expected = seq.trials.flatMap((t) => XOR_TARGET_SECONDS.map((s) => `${t.onsetStep + Math.round(s / DT_SECONDS)}:${t.label}`));
    expect(Array.from(seq.target.steps, (s, i) => `${s}:${seq.target.ids[i]}`)).toEqual(expected);
    for (const e of [seq.input, seq.target]) {
      for (let i = 1; i < e.steps.length; i++) {
        expect(e.steps[i]! > e.steps[i - 1]! || (e.steps[i] === e.steps[i - 1] && e.ids[i]! > e.ids[i - 1]!)).toBe(true);
      }
    }
  });

  it('refuses a stimulus event outside the window and an id beyond the inputs', () => {
    const bad: Stimulus = { inputTimes: Float64Array.of(0.03), inputIds: Uint32Array.of(0), targetTimes: new Float64Array(0), targetIds: new Uint32Array(0), label: 0 };
    expect(() => trialSequence({ ...sequenceOptions(1, 5), stimuli: [bad] })).toThrow(/outside the trial window/);
    const far = { ...bad, inputTimes: Float64Array.of(0.001), inputIds: Uint32Array.of(100) };
    expect(() => trialSequence({ ...sequenceOptions(1, 5), stimuli: [far] })).toThrow(/not below 100 input neurons/);
  });
});

describe('XOR stimuli', () => {
  it('are the four patterns of a reference group and two bit groups, with fixed times inside 10 ms', () => {
    const stimuli = xorStimuli(7);
    const times = xorSpikeTimes(7);
    expect(stimuli.map((s) => s.label)).toEqual([0, 1, 1, 0]);
    const range = (g: { first: number; size: number }) => Array.from({ length: g.size }, (_, i) => g.first + i);
    const ref = range(XOR_GROUPS.reference);
    const a = range(XOR_GROUPS.bitA);
    const b = range(XOR_GROUPS.bitB);
    expect(ref.length + a.length + b.length).toBe(100);
    expect(Array.from(stimuli[0]!.inputIds)).toEqual(ref);
    expect(Array.from(stimuli[1]!.inputIds)).toEqual([...ref, ...b]);
    expect(Array.from(stimuli[2]!.inputIds)).toEqual([...ref, ...a]);
    expect(Array.from(stimuli[3]!.inputIds)).toEqual([...ref, ...a, ...b]);
    for (const s of stimuli) {
      s.inputIds.forEach((id, i) => expect(s.inputTimes[i]).toBe(times[id]));
      expect(Array.from(s.targetIds)).toEqual([s.label, s.label]);
      expect(Array.from(s.targetTimes)).toEqual([...XOR_TARGET_SECONDS]);
    }
    expect(Math.min(...times)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...times)).toBeLessThan(0.01);
    expect(new Set(times).size).toBeGreaterThan(50); // spread over the window, not one instant
    expect(Array.from(xorSpikeTimes(8))).not.toEqual(Array.from(times));
  });
});

describe('the trials config key', () => {
  const base = { trials: { stimuli: 'xor' }, hidden: [4], blockSeconds: 2, blocks: 3 } as const;

  it('writes its defaults and gives the engine one never-looping period over burn-in and training', async () => {
    const config = validateConfig(base, 'test');
    expect(config.trials).toEqual({ stimuli: 'xor', windowSeconds: 0.025, gapSeconds: [0.1, 0.3], backgroundRateHz: 4, background: 'throughout', outputError: 'target', taskSeed: 7 });
    const task = await resolveTask(config, { onWarning: () => {} });
    expect(task.nInput).toBe(100);
    expect(task.nOutput).toBe(2);
    const period = trialSequenceSteps(config);
    expect(period).toBe(4 * 20000);
    expect(task.input.periodSteps).toBe(period);
    expect(task.target.periodSteps).toBe(period);
    expect(task.input.steps.at(-1)!).toBeLessThan(period);
    const schedule = scheduleFor(config, task);
    expect(schedule.trainingEnd).toBe(period); // training ends where the sequence does…
    expect(schedule.endStep).toBe(2 * period); // …and the frozen replay presents it once more
    // The readout's trial list is the one the events were made from.
    const list = trialListFor(config);
    const targets = Array.from(task.target.steps);
    expect(targets).toEqual(list.flatMap((t) => XOR_TARGET_SECONDS.map((s) => t.onsetStep + Math.round(s / DT_SECONDS))));
  });

  it.each([
    [{ ...base, task: {} }, /"trials" cannot be combined with "task"/],
    [{ ...base, input: '/x.ras', target: '/y.ras' }, /"trials" cannot be combined with "input", "target"/],
    [{ ...base, gridSeconds: 0.5 }, /gridSeconds must be null with "trials"/],
    [{ ...base, trials: { gapSeconds: [0.3, 0.1] } }, /trials\.gapSeconds: the gap range \[min, max\] needs min <= max/],
    [{ ...base, trials: { gaps: 1 } }, /unknown key "gaps" in trials \(known: stimuli, windowSeconds, gapSeconds, backgroundRateHz, background, outputError, taskSeed\)/],
    [{ ...base, trials: { stimuli: 'and' } }, /trials\.stimuli/],
  ])('refuses a bad config in one line (%#)', (raw, message) => {
    let error: unknown;
    try {
      validateConfig(raw, 'cfg.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^cfg\.json: /);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads user stimuli relative to the config file and checks labels and windows', async () => {
    const dir = tempDir('trials-user');
    mkdirSync(path.join(dir, 'stim'));
    writeFileSync(path.join(dir, 'stim', 'a.ras'), '0.001 0\n0.002 1\n');
    writeFileSync(path.join(dir, 'stim', 'b.ras'), '0.004 2\n');
    writeFileSync(path.join(dir, 'stim', 't.ras'), '0.01 0\n');
    writeFileSync(path.join(dir, 'stim', 'silent.ras'), '');
    const write = (stimuli: unknown, extra: object = {}) => {
      const file = path.join(dir, 'cfg.json');
      writeFileSync(file, JSON.stringify({ trials: { stimuli, windowSeconds: 0.02, backgroundRateHz: 0 }, hidden: [], blockSeconds: 1, blocks: 1, ...extra }));
      return file;
    };
    const good = [{ input: 'stim/a.ras', target: 'stim/t.ras', label: 0 }, { input: 'stim/b.ras', target: 'stim/silent.ras', label: 1 }];
    const { config } = loadConfig(write(good));
    expect((config.trials!.stimuli as Array<{ input: string }>)[0]!.input).toBe(path.join(dir, 'stim', 'a.ras'));
    const task = await resolveTask(config, { onWarning: () => {} });
    expect([task.nInput, task.nOutput]).toEqual([3, 2]);
    const list = trialListFor(config);
    expect(task.input.steps.length).toBe(list.reduce((n, t) => n + (t.stimulus === 0 ? 2 : 1), 0)); // no background at 0 Hz
    await expect(resolveTask(loadConfig(write(good, { nOutput: 1 })).config)).rejects.toThrow(/trials\.stimuli\.1\.label: 1 is not an output neuron \(nOutput 1\)/);
    const late = [{ input: 'stim/a.ras', target: 'stim/t.ras', label: 0 }];
    await expect(resolveTask(loadConfig(write(late, { trials: { stimuli: late, windowSeconds: 0.005 } })).config)).rejects.toThrow(/trials: stimulus 0 target: event at 0\.01 s lies outside the trial window/);
  });
});

describe('window-of-opportunity readout', () => {
  it('is correct only when the labelled output fires strictly more spikes', () => {
    expect(isCorrect([0, 2], 1)).toBe(true);
    expect(isCorrect([1, 2], 1)).toBe(true);
    expect(isCorrect([2, 2], 1)).toBe(false);
    expect(isCorrect([0, 0], 0)).toBe(false);
    expect(isCorrect([3, 0], 1)).toBe(false);
  });

  it('counts spikes inside each window only and scores blocks by the trials inside them', () => {
    const trials = [
      { onsetStep: 100, label: 1 }, // right: output 1 twice, output 0 once just before the window
      { onsetStep: 1000, label: 0 }, // wrong: silent
      { onsetStep: 2100, label: 0 }, // right; its window lies in block 0
      { onsetStep: 2990, label: 1 }, // right, but its window crosses into block 1: in no block
    ];
    const steps = [99, 110, 349, 2150, 3000, 3100, 3239];
    const ids = [0, 1, 1, 0, 1, 1, 0];
    const scores = scoreTrials(trials, 0, 250, 2, steps, ids);
    expect(scores.map((s) => s.counts)).toEqual([[0, 2], [0, 0], [1, 0], [1, 2]]);
    expect(scores.map((s) => s.correct)).toEqual([true, false, true, true]);
    expect(accuracyOf(scores)).toBe(0.75);
    const blocks = accuracyByBlock(scores, 250, { burnInSteps: 2000, blockSteps: 1000, blocks: 2 });
    expect(blocks).toEqual([{ block: -1, accuracy: 0.5, trials: 2 }, { block: 0, accuracy: 1, trials: 1 }]);
    // The same trials shifted by an offset (the frozen replay) read the same spikes shifted.
    const shifted = scoreTrials(trials, 5000, 250, 2, steps.map((s) => s + 5000), ids);
    expect(shifted.map((s) => s.correct)).toEqual([true, false, true, true]);
  });
});

describe('trials runs are byte-identical on any worker count', () => {
  it('gives the same spikes, stats and state on 1 and 3 workers', async () => {
    const config = validateConfig({ trials: { stimuli: 'xor', gapSeconds: [0.02, 0.05] }, hidden: [6], blockSeconds: 0.4, blocks: 2, w0: 0.3, eta: 5e-3, seed: 2 }, 'test');
    const task = await resolveTask(config, { onWarning: () => {} });
    const outputs = async (workers: number) => {
      const dir = tempDir(`trials-w${workers}`);
      await runExperiment(config, task, { workers, outDir: dir });
      const spikes = await Promise.all(['multi_stim', 'multi_hidden', 'output', 'target'].map((g) => mergedSpikes(dir, g)));
      return { dir, spikes, stats: fileBytes(path.join(dir, 'superspike.stats')), state: fileBytes(path.join(dir, 'superspike.netstate')) };
    };
    const one = await outputs(1);
    const three = await outputs(3);
    expect(one.spikes[2]!.length).toBeGreaterThan(0); // the outputs did spike
    expect(readStatsFile(path.join(one.dir, 'superspike.stats'))).toHaveLength(3);
    one.spikes.forEach((s, g) => expect(three.spikes[g]!.equals(s), `group ${g}`).toBe(true));
    expect(three.stats.equals(one.stats)).toBe(true);
    expect(three.state.equals(one.state)).toBe(true);

    // The library's readout reads the run folder back: every trial of the frozen replay scored,
    // one accuracy per block, the same on both layouts.
    const readout = await trialReadout(one.dir, loadRun(one.dir).info);
    const trials = trialListFor(config);
    expect(readout.finalTrials).toBe(trials.length);
    expect(readout.finalAccuracy).not.toBeNull();
    expect(readout.finalAccuracy!).toBeGreaterThanOrEqual(0);
    expect(readout.finalAccuracy!).toBeLessThanOrEqual(1);
    expect(await trialReadout(three.dir, loadRun(three.dir).info)).toEqual(readout);
    const plain = tempDir('trials-plain');
    const plainConfig = validateConfig({ task: { text: 'I', scale: 1 }, hidden: [], blockSeconds: 0.2, blocks: 0 }, 'test');
    await runExperiment(plainConfig, await resolveTask(plainConfig), { workers: 1, outDir: plain });
    await expect(trialReadout(plain, loadRun(plain).info)).rejects.toThrow(/not a trial-based run/);
  });
});
