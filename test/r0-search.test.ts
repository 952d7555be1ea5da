/**
 * The grid search of r0 (src/experiments/r0-search.ts): where a plan's r0 comes from (--r0, the
 * fixed r0 of the small forms, the search), the choice per condition on synthetic results, and
 * one tiny experiment that searches for real — search runs on their own seeds, r0-search.md,
 * and the main runs with the chosen r0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPreset, planFor, runPaperExperiment } from '../src/experiments/index.js';
import { R0_GRID, SEARCH_SEED_BASE, chooseR0, planWithR0, searchCondition } from '../src/experiments/r0-search.js';
import { poissonTask } from '../src/experiments/ssbm.js';
import type { Plan, PlanOptions, Preset, RunResult, RunSpec } from '../src/experiments/types.js';
import { madeUpResult, tempDir } from './helpers.js';

/** A plan of two conditions, one learning run each (SSBM poisson, output layer only, a few seconds). */
function build(r0Of: (c: string) => number): Plan {
  const conditions = ['a', 'b'].map((id) => ({ id, label: id, panel: 'p', hiddenNeurons: 0 }));
  const runs: RunSpec[] = conditions.map((c) => ({
    condition: c.id, seed: 1, analysis: { timing: true },
    config: { ...poissonTask(), name: 'r0', hidden: [], eta: r0Of(c.id), w0: c.id === 'a' ? 0.05 : 0.2, blockSeconds: 0.5, blocks: 1, seed: 1 },
  }));
  return { conditions, runs, notes: [], references: [] };
}

const result = (condition: string, accuracy: number | null, finalCost: number): RunResult =>
  madeUpResult(condition, SEARCH_SEED_BASE, { initialCost: 1, finalCost, accuracy, wallSeconds: 0 });

describe('r0 of a plan', () => {
  it('is --r0 when given, the fixed r0 in the small forms, and a search in the full form', () => {
    const etas = (p: Plan) => p.runs.map((r) => r.config.eta);
    expect(etas(planWithR0({ size: 'full', r0: 0.02 }, 1e-3, 3, ['a', 'b'], build))).toEqual([0.02, 0.02]);
    const quick = planWithR0({ size: 'quick' }, 1e-3, 3, ['a', 'b'], build);
    expect(quick.r0Search).toBeUndefined();
    expect(etas(quick)).toEqual([1e-3, 1e-3]);
    const full = planWithR0({ size: 'full' }, 1e-3, 2, ['a'], build);
    const search = full.r0Search!;
    // Condition a only, every grid value, on seeds apart from the plan's.
    expect(search.runs.map((r) => [r.condition, r.seed, r.config.eta, r.config.seed])).toEqual(
      R0_GRID.flatMap((r0) => [SEARCH_SEED_BASE, SEARCH_SEED_BASE + 1].map((s) => [searchCondition('a', r0), s, r0, s])),
    );
    const final = search.finalise(new Map([['a', 5e-3]]));
    expect(etas(final)).toEqual([5e-3, 1e-3]);
    expect(final.notes.at(-1)).toMatch(/grid search .* a 0\.005; not searched: b 0\.001 \(r0-search\.md\)$/);
    // A condition that takes a searched one's choice says so with the value it got (xor's 16-unit runs).
    const borrowing = planWithR0({ size: 'full' }, 1e-3, 2, ['a'], (r0Of) => build((c) => r0Of(c === 'b' ? 'a' : c)));
    expect(borrowing.r0Search!.finalise(new Map([['a', 5e-3]])).notes.at(-1)).toMatch(/a 0\.005; not searched: b 0\.005 /);
    expect(planWithR0({ size: 'tiny', searchR0: true }, 1e-3, 1, ['a'], build).r0Search).toBeDefined();
  });

  it('chooses the best mean accuracy, then the lowest cost, then the larger r0', () => {
    const search = planWithR0({ size: 'full' }, 1e-3, 1, ['a', 'b'], build).r0Search!;
    const results = [
      ...R0_GRID.map((r0) => result(searchCondition('a', r0), r0 === 1e-3 ? 0.9 : 0.5, 1)),
      ...R0_GRID.map((r0) => result(searchCondition('b', r0), 0.5, r0 === 0.5e-3 ? 0.1 : 1)),
    ];
    const choices = chooseR0(search, results);
    expect(choices.map((c) => [c.condition, c.r0])).toEqual([['a', 1e-3], ['b', 0.5e-3]]);
    expect(chooseR0(search, R0_GRID.flatMap((r0) => [result(searchCondition('a', r0), null, 1), result(searchCondition('b', r0), null, 1)])).map((c) => c.r0))
      .toEqual([R0_GRID[0], R0_GRID[0]]);
  });

  it('runs the search first and the plan with the chosen r0 after it', async () => {
    const preset: Preset = {
      name: 'r0-test', figure: 'none', summary: 'test', claims: [],
      plan: (opts: PlanOptions) => planWithR0(opts, 1e-3, 1, ['a'], build),
      judge: () => [],
    };
    const out = tempDir('r0-search');
    const printed: string[] = [];
    const outcome = await runPaperExperiment(preset, { size: 'tiny', r0: 'search', parallel: 2, outDir: out, print: (l) => printed.push(l) });
    if (outcome === null) throw new Error('the preset ran nothing (null outcome)');
    const chosen = Number(/^r0 a: (.+)$/.exec(printed.find((l) => l.startsWith('r0 a:'))!)![1]);
    expect(R0_GRID).toContain(chosen);
    expect(outcome.results.map((r) => [r.spec.condition, r.spec.config.eta])).toEqual([['a', chosen], ['b', 1e-3]]);
    for (const r0 of R0_GRID) expect(fs.existsSync(path.join(out, 'r0-search', 'runs', 'a', `r0-${r0}`, `seed-${SEARCH_SEED_BASE}`, 'r0.stats'))).toBe(true);
    const md = fs.readFileSync(path.join(out, 'r0-search.md'), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('| a |'))).toHaveLength(R0_GRID.length);
    expect(md.split('\n').filter((l) => l.endsWith('✓ |'))).toEqual([expect.stringContaining(`| a | ${chosen} |`)]);
    expect(outcome.files).toContain(path.join(out, 'r0-search.md'));
  });

  it('keeps the r0 a figure gives: Fig. 8 (regulariser) runs every form at its caption\'s 10⁻³, with no search, and refuses --r0', () => {
    const preset = findPreset('regulariser');
    for (const size of ['full', 'quick', 'tiny'] as const) {
      const plan = planFor(preset, { size });
      expect(plan.r0Search, size).toBeUndefined();
      expect(new Set(plan.runs.map((r) => r.config.eta)), size).toEqual(new Set([1e-3]));
    }
    expect(() => planFor(preset, { size: 'full', r0: 'search' })).toThrow(/--r0 does not apply: Fig\. 8's caption gives its r0: "using random feedback \(r0 = 10−3\)"/);
    expect(() => planFor(preset, { size: 'quick', r0: 5e-3 })).toThrow(/--r0 does not apply/);
  });
});
