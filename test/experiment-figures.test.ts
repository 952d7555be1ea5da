/**
 * The experiment reports' figure panels (src/experiments/figures.ts), counted and checked
 * against the data they draw: one real tiny run with random feedback and a hidden layer gives
 * the run folder that Fig. 2, Fig. 4c and Fig. 6d read; results of other conditions are made up
 * here (their panels read only the results). The page with every figure renders in headless
 * Chromium without errors. FIGURES_TEST_KEEP=/some/dir keeps the page for a look.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../src/api/train.js';
import type { ConfigInput } from '../src/config/schema.js';
import { figureSection } from '../src/experiments/figures.js';
import { findPreset } from '../src/experiments/index.js';
import type { Plan, RunResult } from '../src/experiments/types.js';
import { readNetworkStateFile } from '../src/io/netstate.js';
import { readRunInfo } from '../src/io/run-info.js';
import { CHROMIUM } from './cdp-pipe.js';
import { madeUpResult } from './helpers.js';

let root = '';
let dir = '';
const TASK = { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 };
const BASE: ConfigInput = { hidden: [8], feedback: 'random', blocks: 2, blockSeconds: 0.3, w0: 0.6, eta: 5e-3, seed: 4, task: TASK };

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'superspike-figures-'));
  dir = path.join(root, 'run');
  await train(BASE, { out: dir, workers: 2, quiet: true });
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A result of condition `condition` with `config`, read from the real run folder unless told otherwise. */
function result(condition: string, seed: number, config: ConfigInput, r: Partial<RunResult> = {}): RunResult {
  return madeUpResult(condition, seed, {
    dir, initialCost: 10, finalCost: 5, accuracy: 0.5, hiddenRateHz: 3, hiddenIsiCv: 1, feedbackAllNegative: false, ...r,
  }, { ...BASE, ...config, seed });
}

function plan(conditions: Array<[string, string, number]>): Plan {
  return { conditions: conditions.map(([id, label, hiddenNeurons]) => ({ id, label, panel: 'p', hiddenNeurons })), runs: [], notes: [], references: [] };
}

const svgOf = (html: string, name: string) => html.match(new RegExp(`<svg[^>]*data-plot="${name}"[\\s\\S]*?</svg>`))?.[0] ?? '';
const circles = (svg: string) => [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

describe('experiment figure panels', () => {
  const pages: string[] = [];

  it('Fig. 2: one raster row per presentation, target times marked', () => {
    const info = readRunInfo(dir);
    const f = figureSection(findPreset('single-neuron'), plan([['single', '100 → 1', 0]]), [result('single', 1, {})]);
    expect(f.plots).toEqual(['fig2-raster']);
    const presentations = Math.ceil(info.clock / info.periodSteps);
    const svg = svgOf(f.html, 'fig2-raster');
    expect(svg).toContain(`over ${presentations} presentations`);
    expect(svg).toContain('>presentation<');
    expect(svg).toMatch(/stroke="#d1495b"/); // the target's times
    pages.push(f.html);
  });

  it('Fig. 4c: each random-feedback run at its number of negative feedback weights', () => {
    const state = readNetworkStateFile(path.join(dir, 'superspike.netstate'));
    const b = state.connections.flatMap((c) => (c.feedbackB ? Array.from(c.feedbackB) : []));
    expect(b.length).toBe(8 * 9);
    const negative = b.filter((x) => x < 0).length;
    const f = figureSection(findPreset('hidden-layer'), plan([['nh8-random', '100→8→1 random', 8], ['nh8-symmetric', '100→8→1 symmetric', 8]]), [
      result('nh8-random', 1, { feedback: 'random' }, { accuracy: 0.25 }),
      result('nh8-symmetric', 1, { feedback: 'symmetric' }, { accuracy: 1 }),
    ]);
    expect(f.plots).toEqual(['fig4c-accuracy-vs-negative-feedback']);
    const svg = svgOf(f.html, f.plots[0]!);
    expect(svg).toContain(`negative (of ${b.length} per run)`);
    // The one random run's dot: x at `negative` on an axis from −0.5 to total + 0.5, y at 0.25 of [0, 1.02].
    const [dot] = circles(svg);
    const ticks = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">(\d+)<\/text>/g)].map((m) => ({ px: Number(m[1]), v: Number(m[2]) }));
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    const [a, z] = [ticks[0]!, ticks[ticks.length - 1]!];
    expect(dot!.x).toBeCloseTo(a.px + ((negative - a.v) / (z.v - a.v)) * (z.px - a.px), 0);
    pages.push(f.html);
  });

  it('Fig. 5c: one panel per condition, a line per seed and the mean', () => {
    const curve = (k: number) => [-1, 0, 1, 2].map((block) => ({ block, accuracy: Math.min(1, 0.25 * (block + 1) + 0.1 * k) }));
    const f = figureSection(findPreset('xor'), plan([['nh4-symmetric', '4 hidden symmetric', 4], ['none', 'no hidden', 0]]), [
      ...[1, 2, 3].map((seed) => result('nh4-symmetric', seed, {}, { accuracyCurve: curve(seed) })),
      result('none', 1, {}, { accuracyCurve: curve(0) }),
    ]);
    expect(f.plots).toEqual(['fig5c-nh4-symmetric', 'fig5c-none']);
    const svg = svgOf(f.html, 'fig5c-nh4-symmetric');
    expect(svg.match(/stroke="#b8b8b8"/g)).toHaveLength(3);
    expect(svg).toContain('mean of 3 runs');
    expect(circles(svg)).toHaveLength(4); // the mean's points
    pages.push(f.html);
  });

  it('Figs. 6d and 7: hidden histograms of one run, cost and rate against width per condition', () => {
    const widths = [8, 16, 32];
    const conditions: Array<[string, string, number]> = widths.flatMap((w) => [[`nh${w}-sym`, `${w} hidden, symmetric`, w], [`nh${w}-rnd`, `${w} hidden, random + regulariser`, w]] as Array<[string, string, number]>);
    const results = conditions.flatMap(([id, label, w]) => [1, 2].map((seed) => result(id, seed, { hidden: [w], feedback: label.includes('random') ? 'random' : 'symmetric' }, { finalCost: w * seed, hiddenRateHz: 10 + seed })));
    const f = figureSection(findPreset('pattern'), plan(conditions), results);
    expect(f.plots).toEqual(['fig6d-rates', 'fig6d-isi', 'fig6d-cv', 'fig7-cost-vs-width', 'fig7-rate-vs-width']);
    expect(svgOf(f.html, 'fig6d-rates')).toContain('32 hidden, symmetric, seed 1');
    expect(svgOf(f.html, 'fig6d-rates')).toContain('n=8 '); // the real run's 8 hidden neurons
    const cost = svgOf(f.html, 'fig7-cost-vs-width');
    expect(circles(cost)).toHaveLength(2 * widths.length);
    expect(cost).toContain('>symmetric<');
    expect(cost).toContain('>random + regulariser<');
    pages.push(f.html);
  });

  it('Fig. 8: cost and rate against ρ, one line per exponent, ρ = 0 at the left', () => {
    const settings = [[0, 0], [1, 0], [100, 0], [1, 4], [100, 4]] as const;
    const results = settings.map(([rho, a]) => result(`rho${rho}-a${a}`, 1, { regulariser: { strength: rho, exponent: a } }, { finalCost: 10 + rho / 10 + a, hiddenRateHz: 5 / (1 + rho) }));
    const f = figureSection(findPreset('regulariser'), plan(settings.map(([rho, a]) => [`rho${rho}-a${a}`, `ρ = ${rho}, a = ${a}`, 8])), results);
    expect(f.plots).toEqual(['fig8-cost-vs-rho', 'fig8-rate-vs-rho']);
    const svg = svgOf(f.html, 'fig8-cost-vs-rho');
    expect(svg).toContain('>a = 0<');
    expect(svg).toContain('>a = 4<');
    expect(circles(svg)).toHaveLength(6); // ρ ∈ {0, 1, 100} for each of the two exponents
    expect(svg).toMatch(/text-anchor="middle">0<\/text>/);
    pages.push(f.html);
  });

  it('the page with every figure renders in headless Chromium', async () => {
    expect(pages).toHaveLength(5);
    const file = path.join(process.env.FIGURES_TEST_KEEP ?? root, 'figures.html');
    fs.writeFileSync(file, `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>figures</title></head><body>\n${pages.join('\n')}</body></html>\n`);
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run this test`);
    const dom = await new Promise<string>((resolve, reject) => {
      execFile(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${path.join(root, 'profile')}`, '--dump-dom', `file://${file}`], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, out) => (err ? reject(err) : resolve(out)));
    });
    expect(dom.match(/<svg\b/g)).toHaveLength(1 + 1 + 2 + 5 + 2);
  }, 90_000);
});
