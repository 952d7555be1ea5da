/**
 * `--record auryn` as a drop-in for the files Auryn's SuperSpike example writes (docs/monitors.md):
 * the line formatters reproduce, byte for byte, lines as Auryn's monitors write them
 * (test/fixtures/auryn, with its inputs), C's %f/%e/%g included; a run's files have Auryn's
 * names, no header lines, only those line forms, the spike mark at every spike step of a recorded
 * neuron, rates in Hz of each rank's neurons stamped at the bin end, and the sampled weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { aurynRateLine, aurynStateLine, aurynWeightLine } from '../src/io/auryn-monitor-files.js';
import { formatE, formatF, formatG } from '../src/io/c-format.js';
import { readRunInfo } from '../src/io/run-info.js';
import { readSpkAll } from '../src/io/spk.js';
import { smallConfig, taskFor, tempDir } from './helpers.js';

interface FixtureLine {
  monitor: string;
  step: number;
  value?: number;
  count?: number;
  neurons?: number;
  weights?: number[];
  line: string;
}

const FIXTURE = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'auryn', 'lines.json'), 'utf8')) as FixtureLine[];

/** The line forms of docs/monitors.md ("auryn" set). */
const STATE = /^\d+\.\d{6} -?\d+\.\d{6}$/;
const G = '-?(?:\\d+(?:\\.\\d+)?(?:e[+-]\\d{2})?|nan|inf)';
const RATE = new RegExp(`^${G} ${G}$`);
const WEIGHTS = /^\d+\.\d{6} (?:-?\d\.\d{6}e[+-]\d{2} )*$/;

describe('Auryn line formats', () => {
  it("formats numbers as C's %f, %e and %g (half to even on the exact value)", () => {
    const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'auryn', 'formats.json'), 'utf8')) as Array<[number, string, string, string]>;
    expect(cases.length).toBeGreaterThan(200);
    for (const [x, f, e, g] of cases) expect([formatF(x), formatE(x), formatG(x)], String(x)).toEqual([f, e, g]);
  });

  it('reproduces lines as Auryn writes them, byte for byte', () => {
    expect(FIXTURE.length).toBeGreaterThan(10);
    for (const f of FIXTURE) {
      const ours = f.monitor === 'PopulationRateMonitor' ? aurynRateLine(f.step, f.count!, f.neurons!, 0.1)
        : f.monitor === 'WeightMonitor' ? aurynWeightLine(f.step, f.weights!)
          : aurynStateLine(f.step, f.value!);
      expect(ours, JSON.stringify(f)).toBe(f.line);
      const form = f.monitor === 'PopulationRateMonitor' ? RATE : f.monitor === 'WeightMonitor' ? WEIGHTS : STATE;
      expect(f.line.slice(0, -1), `the documented form accepts ${f.line}`).toMatch(form);
    }
  });
});

describe('--record auryn files', () => {
  const config = smallConfig({ hidden: [10], blocks: 2, blockSeconds: 0.3, record: ['auryn'] });
  const dirs: Record<number, string> = {};
  beforeAll(async () => {
    const task = await taskFor(config);
    for (const workers of [1, 2]) {
      dirs[workers] = tempDir(`auryn-w${workers}`);
      await runExperiment(config, task, { workers, outDir: dirs[workers] });
    }
  }, 120_000);

  const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);

  it("writes the example's file names, one per rank, in its line forms only", () => {
    for (const workers of [1, 2]) {
      const names = fs.readdirSync(dirs[workers]!).filter((n) => /\.(mem|err|par|syn|prate)$/.test(n)).sort();
      const expected = [];
      for (let r = 0; r < workers; r++) {
        expected.push(`hidden.${r}.prate`, `con.${r}.syn`, `hidden_con0.${r}.syn`);
        for (const i of [0, 1]) expected.push(...['err', 'par', 'syn', 'mem'].map((e) => `multi${i}.${r}.${e}`));
        for (let i = 0; i < 8; i++) expected.push(...['err', 'par', 'mem'].map((e) => `multi_hidden${i}.${r}.${e}`));
      }
      expect(names).toEqual(expected.sort());
      for (const name of names) {
        const form = name.endsWith('.prate') ? RATE : /^(con|hidden_con0)\./.test(name) ? WEIGHTS : STATE;
        expect(lines(path.join(dirs[workers]!, name)).filter((l) => !form.test(l)).slice(0, 3), name).toEqual([]); // no # lines
      }
      // A neuron's samples are in its owner's file (neuron i on rank i mod R); the others stay empty, as Auryn's do.
      if (workers === 2) {
        expect(lines(path.join(dirs[2]!, 'multi_hidden3.1.mem')).length).toBeGreaterThan(0);
        expect(lines(path.join(dirs[2]!, 'multi_hidden3.0.mem'))).toEqual([]);
        expect(lines(path.join(dirs[2]!, 'multi_hidden3.1.mem'))).toEqual(lines(path.join(dirs[1]!, 'multi_hidden3.0.mem')));
      }
    }
  });

  it('samples every 0.1 ms of the first second of the run and of each block, 0.020000 at a spike step', () => {
    const dir = dirs[1]!;
    const mem = lines(path.join(dir, 'multi0.0.mem')).map((l) => l.split(' '));
    // Burn-in 0.3 s, then 2 blocks of 0.3 s: test windows of min(1 s, block) cover [0, 0.9 s).
    expect(mem.map((l) => l[0])).toEqual(Array.from({ length: 9000 }, (_, n) => (n / 1e4).toFixed(6)));
    const { steps, ids } = readSpkAll(path.join(dir, 'output.0.spk'));
    const spikeSteps = new Set([...steps].filter((_, k) => ids[k] === 0));
    expect([...spikeSteps].filter((n) => n < 9000).length).toBeGreaterThan(0);
    const marked = mem.flatMap(([, v], n) => (v === '0.020000' ? [n] : []));
    expect(marked).toEqual([...spikeSteps].filter((n) => n < 9000).sort((a, b) => a - b));
  });

  it('rates are Hz of each rank\'s neurons at the bin end, from t = 0', () => {
    const dir = dirs[2]!;
    for (const rank of [0, 1]) {
      const rows = lines(path.join(dir, `hidden.${rank}.prate`)).map((l) => l.split(' ').map(Number));
      const { steps } = readSpkAll(path.join(dir, `multi_hidden.${rank}.spk`));
      expect(rows.length).toBeGreaterThan(5);
      rows.forEach(([t, hz], k) => {
        const end = Math.round(t! * 1e4);
        expect(end).toBe(k * 1000);
        // The row at 0 counts step 0 only (clock % bin == 0 at 0); then (end − 0.1 s, end].
        const count = [...steps].filter((n) => (k === 0 ? n === 0 : n > end - 1000 && n <= end)).length;
        expect(hz, `rank ${rank} at ${t} s`).toBeCloseTo((10 * count) / 5, 3); // 5 of 10 hidden neurons per rank
      });
      expect(rows.some(([, hz]) => hz! > 0)).toBe(true);
    }
  });

  it('weights: 20 equally spaced synapses of each connection every 0.1 s; the last line is the saved state', () => {
    const dir = dirs[1]!;
    const state = loadNetworkState(path.join(dir, 'superspike.netstate'));
    const nOut = readRunInfo(dir).groups.find((g) => g.role === 'output')!.size;
    for (const [file, c, nPost] of [['con.0.syn', 1, nOut], ['hidden_con0.0.syn', 0, 10]] as const) {
      const rows = lines(path.join(dir, file));
      expect(rows.map((l) => l.split(' ')[0])).toEqual(Array.from({ length: rows.length }, (_, k) => (k / 10).toFixed(6)));
      const nz = state.connections[c]!.w.length;
      const picked = Array.from({ length: 20 }, (_, i) => Math.floor((i * nz) / 20)); // pre-major data indices
      const last = rows[rows.length - 1]!.split(' ').slice(1, -1);
      expect(last).toEqual(picked.map((k) => formatE(state.connections[c]!.w[Math.floor(k / nPost) * nPost + (k % nPost)]!)));
    }
  });

  it('a resume with another worker count is refused in one line (the files have no header to check)', async () => {
    const task = await taskFor(config);
    const dir = tempDir('auryn-resume');
    await runExperiment(config, task, { workers: 2, outDir: dir, stopAfterBlock: 1 });
    const resume = loadNetworkState(path.join(dir, 'superspike.checkpoint.netstate'));
    const before = fs.readFileSync(path.join(dir, 'multi0.0.mem'));
    await expect(runExperiment(config, task, { workers: 1, outDir: dir, resume })).rejects.toThrow(/auryn files were written by 2 ranks, this run has 1: resume with the same --workers$/);
    expect(fs.readFileSync(path.join(dir, 'multi0.0.mem')).equals(before)).toBe(true);
  }, 60_000);
});
