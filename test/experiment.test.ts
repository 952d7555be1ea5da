/**
 * `superspike experiment`: the spike-matching arithmetic behind "learned", every preset in its
 * tiny form (files, one claim line per paper claim, and the sweeps' knobs reaching the runs), the
 * single-neuron quick run reproducing the paper's claim, results independent of --parallel, and
 * an interrupted sweep continuing from its completed runs. The runs are real `superspike run` child processes
 * of the built CLI (dist/): `npm test` builds first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isiCv, learnedAt, matchSpikes, presentationScores } from '../src/experiments/analysis.js';
import { PRESETS, findPreset } from '../src/experiments/index.js';
import { claimContext } from '../src/experiments/paper.js';
import { CSV_COLUMNS, RESULT_FILES } from '../src/experiments/results.js';
import { captureCli } from './cli-capture.js';

describe('spike matching', () => {
  it('matches each target spike to at most one output spike within the tolerance', () => {
    expect(matchSpikes([100, 200, 300], [95, 210, 400], 10)).toBe(2);
    expect(matchSpikes([100], [89, 111], 10)).toBe(0);
    expect(matchSpikes([100, 105], [102], 10)).toBe(1);
    expect(matchSpikes([], [1, 2], 10)).toBe(0);
  });

  it('scores presentations and finds the first run of perfect ones', () => {
    // Period 1000: targets at 100 and 500 of each presentation; outputs perfect from presentation 2 on.
    const target = [0, 1, 2, 3, 4].flatMap((p) => [p * 1000 + 100, p * 1000 + 500]);
    const output = [150, 1100, 1500, 1700, ...[2, 3, 4].flatMap((p) => [p * 1000 + 101, p * 1000 + 499])];
    const scores = presentationScores(target, output, 1000, 0, 5, 10);
    expect(scores.map((s) => s.score)).toEqual([0, 2 / 3, 1, 1, 1]);
    expect(scores.map((s) => s.perfect)).toEqual([false, false, true, true, true]);
    expect(learnedAt(scores, 3)).toBe(2);
    expect(learnedAt(scores, 4)).toBeNull();
  });

  it('gives ISI CV 0 for a regular train and about 1 for a Poisson one', () => {
    const regular = Array.from({ length: 50 }, (_, i) => i * 100);
    expect(isiCv(regular, regular.map(() => 0))).toBeCloseTo(0, 12);
    let t = 0;
    let x = 12345;
    const poisson: number[] = [];
    for (let i = 0; i < 4000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      t += -Math.log((x + 1) / 2 ** 32) * 100;
      poisson.push(t);
    }
    expect(isiCv(poisson, poisson.map(() => 3))).toBeGreaterThan(0.9);
    expect(isiCv(poisson, poisson.map(() => 3))).toBeLessThan(1.1);
  });
});

describe('superspike experiment', () => {
  const cli = captureCli('experiment');

  function claimLines(): string[] {
    return cli.stdout.split('\n').filter((l) => l.startsWith('claim '));
  }

  function expectFilesAndClaims(name: string, out: string, runs: number): string[] {
    for (const f of RESULT_FILES) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const csv = fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(runs + 1);
    for (const row of csv.slice(1)) expect(Number(row.split(',')[4])).toBeGreaterThan(0); // final cost
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg[^>]*data-plot="curves-0"/);
    expect(html).toMatch(/<path d="M[^"]+" fill="none" stroke="#1f5fa8"/); // a mean line was drawn
    const lines = claimLines();
    const ids = findPreset(name).claims.map((c) => c.id);
    expect(lines.map((l) => /^claim ([\w-]+):/.exec(l)?.[1])).toEqual(ids);
    for (const l of lines) expect(l).toMatch(/^claim [\w-]+: (holds|fails|not tested) \(.+\)$/);
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    for (const l of lines) expect(md).toContain(l);
    return lines;
  }

  it('--list shows every preset with its claims, the paper\'s words, test and number beside each', async () => {
    expect(await cli.run('experiment', '--list')).toBe(0);
    for (const p of PRESETS) {
      expect(cli.stdout).toContain(`${p.name} (${p.figure})`);
      for (const c of p.claims) {
        expect(cli.stdout).toContain(`claim ${c.id}: ${c.text}`);
        for (const line of claimContext(c, true)) expect(cli.stdout).toContain(`    ${line}\n`);
      }
    }
    expect(cli.stdout).toMatch(/^xor \(Fig\. 5\)$/m);
    expect(cli.stdout).toMatch(/^single-neuron \(Fig\. 2\)$/m);
  });

  it('an unknown preset is an error naming the known ones', async () => {
    expect(await cli.run('experiment', 'fig9', '--out', cli.dir)).toBe(1);
    expect(cli.stderr).toMatch(/no experiment "fig9" \(known: learning-rate, single-neuron, hidden-layer, xor, pattern, regulariser, oxford, sequence, depth\)/);
  });

  it('single-neuron --quick reproduces the paper: learned within 500 presentations', async () => {
    const out = path.join(cli.dir, 'single');
    expect(await cli.run('experiment', 'single-neuron', '--quick', '--parallel', '2', '--out', out)).toBe(0);
    const lines = expectFilesAndClaims('single-neuron', out, 3);
    expect(lines[0]).toMatch(/^claim single-neuron-learns: holds \(median learned at presentation \d+ /);
    expect(lines[1]).toMatch(/^claim single-neuron-cost-falls: holds /);
    expect(fs.existsSync(path.join(out, 'runs', 'single', 'seed-3', 'output.0.spk'))).toBe(true);
  });

  it('results do not depend on --parallel', async () => {
    const csv = async (parallel: string) => {
      const out = path.join(cli.dir, `p${parallel}`);
      expect(await cli.run('experiment', 'single-neuron', '--tiny', '--seeds', '2', '--parallel', parallel, '--out', out)).toBe(0);
      return fs.readFileSync(path.join(out, 'results.csv'), 'utf8');
    };
    const one = await csv('1');
    expect(one.trim().split('\n')).toHaveLength(3);
    expect(await csv('2')).toBe(one);
  });

  it('running an experiment again reuses its completed runs of the same config, and runs missing ones', async () => {
    const out = path.join(cli.dir, 'again');
    const args = ['experiment', 'single-neuron', '--tiny', '--seeds', '2', '--parallel', '1', '--out', out];
    expect(await cli.run(...args)).toBe(0);
    const first = fs.readFileSync(path.join(out, 'results.csv'), 'utf8');
    expect(cli.stderr).not.toMatch(/reused/);
    // Seed 2's folder is gone: it must run again, seed 1 is reused (test/sweep.test.ts: what is never overwritten).
    fs.rmSync(path.join(out, 'runs', 'single', 'seed-2'), { recursive: true });
    expect(await cli.run(...args)).toBe(0);
    expect(cli.stderr.match(/reused: completed run of the same config/g)).toHaveLength(1);
    expect(cli.stderr).toMatch(/single seed 1: .*reused/);
    expect(fs.readFileSync(path.join(out, 'results.csv'), 'utf8')).toBe(first);
  });

  it.each([
    ['hidden-layer', 4],
    ['pattern', 7],
    ['regulariser', 5],
    ['learning-rate', 6],
    ['oxford', 2],
    ['sequence', 4],
    ['depth', 5],
  ] as const)('%s --tiny writes its files and one line per claim', async (name, runs) => {
    const out = path.join(cli.dir, name);
    expect(await cli.run('experiment', name, '--tiny', '--parallel', '2', '--out', out)).toBe(0);
    expectFilesAndClaims(name, out, runs);
    knobsReachTheRuns[name]?.(csvRows(out));
  });

  it('--r0 sets every run\'s r0 and refuses what is neither a number nor "search"', async () => {
    const out = path.join(cli.dir, 'r0');
    expect(await cli.run('experiment', 'learning-rate', '--tiny', '--r0', 'fast', '--out', out)).toBe(2); // a usage error, like every bad option
    expect(cli.stderr).toMatch(/--r0.*expected a positive number or "search"/);
    expect(await cli.run('experiment', 'oxford', '--tiny', '--r0', '0.002', '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(/experiment oxford: --r0 does not apply: .*Auryn/);
    expect(await cli.run('experiment', 'single-neuron', '--tiny', '--r0', '0.002', '--parallel', '2', '--out', out)).toBe(0);
    expect(csvRows(out).size).toBeGreaterThan(0);
    for (const row of csvRows(out).values()) expect(row.eta).toBe('0.002');
    expect(fs.readFileSync(path.join(out, 'results.md'), 'utf8')).toContain('r0 = 0.002 for every condition (--r0');
  });

  it('xor --tiny scores every run by the trial readout and draws the accuracy curves', async () => {
    const out = path.join(cli.dir, 'xor');
    expect(await cli.run('experiment', 'xor', '--tiny', '--parallel', '2', '--out', out)).toBe(0);
    expectFilesAndClaims('xor', out, 5);
    const rows = fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
    expect(rows.map((r) => r[0])).toEqual(['nh4-symmetric', 'nh4-random', 'nh4-uniform', 'nh4-random-reg', 'none']);
    for (const r of rows) {
      const accuracy = Number(r[5]);
      expect(r[5]).not.toBe('');
      expect(accuracy).toBeGreaterThanOrEqual(0);
      expect(accuracy).toBeLessThanOrEqual(1);
    }
    const sign = expect.stringMatching(/^(true|false)$/);
    expect(rows.map((r) => r[9])).toEqual(['', sign, '', sign, '']); // feedback signs: random only
    // The paper's protocol reaches the runs: classification error, background in the gaps, ρ = 0 for plain random feedback.
    const config = (c: string) => JSON.parse(fs.readFileSync(path.join(out, 'runs', c, 'seed-1', 'config.json'), 'utf8'));
    expect(config('nh4-random').trials).toMatchObject({ outputError: 'classification', background: 'gaps' });
    expect(config('nh4-random').regulariser).toEqual({ strength: 0 });
    expect(config('nh4-random-reg').regulariser).toEqual({ strength: 1, exponent: 4, tauSeconds: 0.1 }); // the paper's, not today's default ρ
    expect(rows.map((r) => Number(r[11]))).toEqual([1e-3, 1e-3, 1e-3, 1e-3, 1e-3]); // eta: the tiny form's fixed r0
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/<svg[^>]*data-plot="accuracy-0"/);
    expect(fs.existsSync(path.join(out, 'runs', 'none', 'seed-1', 'output.0.spk'))).toBe(true);
  });

  type Row = Record<(typeof CSV_COLUMNS)[number], string>;
  function csvRows(out: string): Map<string, Row> {
    const [head, ...rows] = fs.readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
    const keys = head!.split(',') as Array<(typeof CSV_COLUMNS)[number]>;
    return new Map(rows.map((line) => {
      const cells = line.split(',');
      const row = Object.fromEntries(keys.map((k, i) => [k, cells[i]!])) as Row;
      return [row.condition, row];
    }));
  }

  /** The sweeps' knobs must reach the runs: conditions that differ only in a knob differ in outcome. */
  const knobsReachTheRuns: Partial<Record<string, (rows: Map<string, Row>) => void>> = {
    'hidden-layer': (rows) => {
      // Forced signs reach the network; random feedback runs without the regulariser.
      expect(rows.get('nh4-random-all-negative')!.feedback_all_negative).toBe('true');
      expect(Math.sqrt(Number(rows.get('nh4-random')!.final_cost))).toBeCloseTo(Number(rows.get('nh4-random')!.final_rms), 4);
    },
    regulariser: (rows) => {
      // ρ = 100 with a = 0 is a strong weight decay: the hidden layer fires far less than without a regulariser.
      expect(Number(rows.get('rho100-a0')!.hidden_rate_hz)).toBeLessThan(0.5 * Number(rows.get('rho0')!.hidden_rate_hz));
      expect(rows.get('rho1-a4')!.final_cost).not.toBe(rows.get('rho0')!.final_cost);
    },
    'learning-rate': (rows) => {
      expect(rows.get('fixed-r0.01')!.final_cost).not.toBe(rows.get('rmaxprop-r0.01')!.final_cost);
      expect(rows.get('rmsprop-r0.01')!.final_cost).not.toBe(rows.get('rmaxprop-r0.01')!.final_cost);
    },
    sequence: (rows) => {
      // The recurrent connection of config/sequence.json reaches the run: its costs differ.
      expect(rows.get('rec-32-symmetric')!.final_cost).not.toBe(rows.get('ff-32-symmetric')!.final_cost);
    },
    depth: (rows) => {
      expect(rows.get('L2-symmetric')!.final_cost).not.toBe(rows.get('L1-symmetric')!.final_cost);
      expect(rows.get('L2-random')!.final_cost).not.toBe(rows.get('L2-symmetric')!.final_cost);
    },
    pattern: (rows) => {
      expect(rows.get('nh8-random-noreg')!.final_cost).not.toBe(rows.get('nh8-random')!.final_cost);
    },
  };
});
