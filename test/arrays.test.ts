/**
 * Arrays in, arrays out (api/spike-data.ts, config/spike-source.ts): spike trains given to
 * `train()` as `{ times, ids }` run exactly as the same events in .ras files; `writeRas` writes
 * such arrays as a file; `readMonitor` gives recorded state back as arrays with its unit; bad
 * options and arrays are one-line errors naming the key.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMonitor, writeRas } from '../src/api/spike-data.js';
import { train } from '../src/api/train.js';
import { validateConfig } from '../src/config/load.js';
import { resolveTask } from '../src/config/task.js';
import { readMonitorFile, findMonitorFiles } from '../src/export/monitors.js';
import { readRas } from '../src/io/ras.js';
import { readRunInfo } from '../src/io/run-info.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { fileBytes, mergedSpikes, smallConfig, tempDir } from './helpers.js';

const POISSON = path.resolve('data/ssbm/precise_timing/poisson');
const quiet = { quiet: true } as const;

async function arraysOf(file: string): Promise<{ times: number[]; ids: number[] }> {
  const r = await readRas(file);
  return { times: Array.from(r.times), ids: Array.from(r.ids) };
}

describe('spike trains as arrays', () => {
  it('train() from { times, ids } writes the same spikes, stats and weights as from the .ras files writeRas wrote', async () => {
    const input = await arraysOf(path.join(POISSON, 'input.ras'));
    const target = await arraysOf(path.join(POISSON, 'target.ras'));
    const files = tempDir('arrays-files');
    writeRas(path.join(files, 'in.ras'), input);
    writeRas(path.join(files, 'target.ras'), { times: Float64Array.from(target.times), ids: Uint32Array.from(target.ids) });
    const common = { gridSeconds: 0.5, nInput: 100, nOutput: 1, hidden: [8], blocks: 2, blockSeconds: 0.5, seed: 3 };

    const fromFiles = tempDir('arrays-run-files');
    const fromArrays = tempDir('arrays-run-arrays');
    await train({ ...common, input: path.join(files, 'in.ras'), target: path.join(files, 'target.ras') }, { ...quiet, workers: 2, out: fromFiles });
    const run = await train({ ...common, input, target: { times: Float64Array.from(target.times), ids: Uint32Array.from(target.ids) } },
      { ...quiet, workers: 3, out: fromArrays });
    expect(run.info.taskDescription).toMatch(/^input \(\d+ spikes from arrays\) → target \(\d+ spikes from arrays\)$/);

    for (const g of ['multi_stim', 'multi_hidden', 'output', 'target']) {
      const a = await mergedSpikes(fromArrays, g);
      expect(a.length, `${g} spiked`).toBeGreaterThan(0);
      expect(a.equals(await mergedSpikes(fromFiles, g)), `${g} spikes`).toBe(true);
    }
    expect(fileBytes(path.join(fromArrays, 'superspike.stats')).toString()).toBe(fileBytes(path.join(fromFiles, 'superspike.stats')).toString());
    const wa = loadNetworkState(path.join(fromArrays, 'superspike.netstate')).connections;
    const wf = loadNetworkState(path.join(fromFiles, 'superspike.netstate')).connections;
    wa.forEach((c, i) => expect(Buffer.from(c.w.buffer).equals(Buffer.from(wf[i]!.w.buffer)), `connection ${i}`).toBe(true));
    // run.json keeps the arrays (plain JSON), so the run is described completely.
    expect((readRunInfo(fromArrays).config as { input: { times: number[] } }).input.times).toEqual(input.times);
  });

  it('trial stimuli as arrays give the same replay tables as the same stimuli in files', async () => {
    const dir = tempDir('arrays-trials');
    const stim = [
      { input: { times: [0.001, 0.004], ids: [0, 2] }, target: { times: [0.012], ids: [0] }, label: 0 },
      { input: { times: [0.002, 0.003], ids: [1, 3] }, target: { times: [0.015], ids: [1] }, label: 1 },
    ];
    const asFiles = stim.map((s, k) => {
      writeRas(path.join(dir, `in${k}.ras`), s.input);
      writeRas(path.join(dir, `t${k}.ras`), s.target);
      return { input: path.join(dir, `in${k}.ras`), target: path.join(dir, `t${k}.ras`), label: s.label };
    });
    const base = { hidden: [4], blockSeconds: 0.5, blocks: 1 };
    const a = await resolveTask(validateConfig({ ...base, trials: { stimuli: stim } }, 'arrays'), { onWarning: () => {} });
    const f = await resolveTask(validateConfig({ ...base, trials: { stimuli: asFiles } }, 'files'), { onWarning: () => {} });
    expect(a.input.steps.length).toBeGreaterThan(10);
    expect(Array.from(a.input.steps)).toEqual(Array.from(f.input.steps));
    expect(Array.from(a.input.ids)).toEqual(Array.from(f.input.ids));
    expect(Array.from(a.target.steps)).toEqual(Array.from(f.target.steps));
    expect(Array.from(a.target.ids)).toEqual(Array.from(f.target.ids));
  });

  it('bad arrays and options are one-line errors naming the key', async () => {
    const target = { times: [0.01], ids: [0] };
    const out = tempDir('arrays-bad');
    await expect(train({ input: { times: [0.1, -1], ids: [0, 1] }, target }, { ...quiet, out }))
      .rejects.toThrow(/^train\(\) config: input\.times\.1: -1 is not a time in seconds >= 0$/);
    await expect(train({ input: { times: [0.1], ids: [0, 1] }, target }, { ...quiet, out }))
      .rejects.toThrow(/^train\(\) config: input\.ids: has 2 entries but times has 1: give one id per time$/);
    await expect(train({ input: { times: [0.1], ids: [1.5] }, target }, { ...quiet, out }))
      .rejects.toThrow(/^train\(\) config: input\.ids\.0: 1\.5 is not a neuron id/);
    await expect(train({ input: [0.1, 0.2] as never, target }, { ...quiet, out })).rejects.toThrow(/^train\(\) config: input: /);
    await expect(train(undefined, { workers: '2' as never })).rejects.toThrow(/^train\(\): options\.workers: .*number/);
    await expect(train(undefined, { worker: 2 } as never)).rejects.toThrow(/^train\(\): unknown option "worker" \(known: workers, /);
    await expect(train(undefined, { extend: 2 })).rejects.toThrow(/^train\(\): options\.extend needs options\.resume/);
    expect(() => writeRas(path.join(out, 'x.ras'), { times: [0.1, Number.NaN], ids: [0, 1] })).toThrow(/^writeRas\(\): spikes\.times\.1: NaN is not a time/);
  });
});

describe('readMonitor', () => {
  it('gives a recorded monitor as time axis, column ids, one trace per column and the unit', async () => {
    const out = tempDir('arrays-monitor');
    await train(smallConfig({ blocks: 1 }), { ...quiet, workers: 3, out, record: ['membrane:output:0-2', 'rate:hidden'] });
    const m = readMonitor(out, 'membrane', 'output');
    expect(m.unit).toBe('V');
    expect(m.ids).toEqual(['0', '1', '2']);
    expect(m.values).toHaveLength(3);
    expect(m.t.length).toBeGreaterThan(10);
    for (const v of m.values) expect(v.length).toBe(m.t.length);
    // The same numbers as the merged file that `superspike export` reads.
    const series = readMonitorFile(findMonitorFiles(out, readRunInfo(out)).find((f) => f.kind === 'membrane')!);
    expect(m.values[1]![5]).toBe(series.values[5 * 3 + 1]);
    expect(readMonitor(out, 'rate', 'hidden').unit).toBe('Hz');
    expect(() => readMonitor(out, 'sigma', 'output')).toThrow(/has no sigma monitor of output \(recorded: rate:multi_hidden, membrane:output\)/);
  });
});
