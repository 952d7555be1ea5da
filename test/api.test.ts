/**
 * The library API in-process: train() from a config object and from a file, its result against
 * the files written, loadRun(), decodeSpikes() windows, and one-line errors for bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSpikes, loadRun, train, UserError, type ProgressEvent } from '../src/index.js';
import { mergedSpikes, tempDir } from './helpers.js';

const TINY = {
  hidden: [10], blocks: 2, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed: 4,
  task: { text: 'AB', scale: 1, inputNeurons: 16, inputRateHz: 20, taskSeed: 5 },
};

describe('library API', () => {
  it('train() resolves to the MSE per stats line, the folder, timings and files; loadRun and decodeSpikes read them back', async () => {
    const out = tempDir('api');
    const events: ProgressEvent[] = [];
    const r = await train(TINY, { workers: 2, out, quiet: true, onProgress: (e) => events.push(e) });
    expect(r.outDir).toBe(path.resolve(out));
    expect(r.mse).toHaveLength(TINY.blocks + 1);
    expect(r.stats.map((s) => s.mse)).toEqual(r.mse);
    expect(r.wallSeconds).toBeGreaterThan(0);
    expect(r.simulatedSeconds).toBeCloseTo(r.info.endStep / r.info.stepsPerSecond, 9);
    expect(r.interrupted).toBe(false);
    for (const f of r.files) expect(fs.existsSync(f), f).toBe(true);
    expect(r.files.some((f) => f.endsWith('output.1.spk'))).toBe(true);
    expect(events.length).toBeGreaterThan(0);

    const run = loadRun(out);
    expect(run.mse.map((m, k) => Math.abs(m - r.mse[k]!) / r.mse[k]!).every((e) => e < 5e-6)).toBe(true);
    expect(run.groups.map((g) => g.spkName)).toEqual(['multi_stim', 'multi_hidden', 'output', 'target']);
    expect(run.groups.every((g) => g.spikeFiles.length === 2)).toBe(true);
    expect(run.stateFile).toBe(path.join(path.resolve(out), 'superspike.netstate'));

    // Whole group: the same records as the merged rank files.
    const all = await decodeSpikes(path.join(out, 'output'));
    const bytes = await mergedSpikes(out, 'output');
    expect(all.steps.length).toBe(bytes.length / 8);
    expect(all.steps.length).toBeGreaterThan(10);
    for (let i = 0; i < all.steps.length; i++) {
      expect(all.steps[i]).toBe(bytes.readUInt32LE(i * 8));
      expect(all.ids[i]).toBe(bytes.readUInt32LE(i * 8 + 4));
      expect(all.times[i]).toBe(all.steps[i]! / 10000);
    }
    // A window in seconds, half-open like `decode --from --to`.
    const mid = all.times[Math.floor(all.times.length / 2)]!;
    const w = await decodeSpikes(run.groups[2]!.spikeFiles, { from: 0.3, to: mid });
    expect([...w.steps]).toEqual([...all.steps].filter((s) => s >= 3000 && s < Math.round(mid * 10000)));
    expect(w.times.length).toBeGreaterThan(0);
  });

  it('train() takes a config file and rejects bad configs with one-line UserErrors', async () => {
    const dir = tempDir('api-file');
    const file = path.join(dir, 'tiny.json');
    fs.writeFileSync(file, JSON.stringify({ ...TINY, blocks: 1 }));
    const r = await train(file, { workers: 1, out: path.join(dir, 'out'), quiet: true });
    expect(r.mse).toHaveLength(2);
    expect(r.config.hidden).toEqual([10]);

    await expect(train({ ...TINY, hiden: [3] } as never, { quiet: true, out: dir })).rejects.toThrow(/unknown key "hiden"/);
    await expect(train(path.join(dir, 'missing.json'), { quiet: true })).rejects.toBeInstanceOf(UserError);
    await expect(train(42 as never)).rejects.toThrow(/^train\(\): config must be a file path/);
    await expect(decodeSpikes(path.join(dir, 'nothing'))).rejects.toThrow(/no such spike file/);
  });

  it('a callback that throws stops the run with a checkpoint and rejects train() with its message, never crashing the process', async () => {
    const out = tempDir('api-throw');
    await expect(train({ ...TINY, blocks: 4 }, {
      workers: 1, out, quiet: true,
      onStats: (line) => { if (line.block === 1) throw new Error('user code failed'); },
    })).rejects.toThrow(/^train\(\): options\.onStats threw: user code failed \(the run stopped with a checkpoint in /);
    expect(fs.existsSync(path.join(out, 'superspike.checkpoint.netstate'))).toBe(true);
    await expect(train(TINY, { signal: 'stop' as never })).rejects.toThrow(/signal/);
  });
});
