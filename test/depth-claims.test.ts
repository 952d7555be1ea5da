/**
 * The depth preset's verdicts (src/experiments/depth.ts) on made-up results: each task is judged
 * against its own silent output — a run learns when its final MSE is at most half its block-0 MSE
 * and at most half that silent cost — and the constant-width and Oxford claims are untested where
 * their runs are not in the plan (the quick and tiny forms).
 */
import { describe, expect, it } from 'vitest';
import { findPreset } from '../src/experiments/index.js';
import type { ClaimResult, RunResult } from '../src/experiments/types.js';
import { madeUpResult } from './helpers.js';

const preset = findPreset('depth');

const result = (condition: string, seed: number, initialCost: number, finalCost: number): RunResult => madeUpResult(condition, seed, { initialCost, finalCost });

/** The full plan's conditions, each seed at `final(condition, seed)` from block 0 `initial(condition)`. */
function judged(final: (condition: string, seed: number) => number, initial: (c: string) => number = (c) => (c.startsWith('oxford') ? 214 : 600)): ClaimResult[] {
  const plan = preset.plan({ size: 'full' });
  const results = plan.runs.map((r) => r.condition.endsWith('silent')
    ? result(r.condition, r.seed, 0, r.condition.startsWith('oxford') ? 214 : 242)
    : result(r.condition, r.seed, initial(r.condition), final(r.condition, r.seed)));
  return preset.judge(results, plan);
}

const claim = (results: ClaimResult[], id: string) => results.find((r) => r.id === id)!;

describe('the depth verdicts', () => {
  it('plans the Oxford task with two hidden layers in the full form only, at config/oxford.json\'s own length', () => {
    const full = preset.plan({ size: 'full' });
    const oxford = full.runs.filter((r) => r.condition.startsWith('oxford-L2'));
    expect(oxford.map((r) => `${r.condition}/${r.seed}`)).toEqual([
      'oxford-L2-symmetric/1', 'oxford-L2-symmetric/2', 'oxford-L2-symmetric/3', 'oxford-L2-random/1', 'oxford-L2-random/2', 'oxford-L2-random/3',
    ]);
    for (const r of oxford) expect([r.config.hidden, r.config.blocks, r.config.blockSeconds, r.config.eta]).toEqual([[256, 128], 50, 20, 1e-3]);
    const wide = full.runs.filter((r) => r.condition.startsWith('L3w'));
    expect(wide.map((r) => `${r.condition}/${r.seed}`)).toEqual(['L3w-symmetric/1', 'L3w-symmetric/2', 'L3w-symmetric/3', 'L3w-random/1', 'L3w-random/2', 'L3w-random/3']);
    for (const r of wide) expect([r.config.hidden, r.config.blocks]).toEqual([[256, 256, 256], 30]);
    for (const size of ['quick', 'tiny'] as const) {
      expect(preset.plan({ size }).runs.some((r) => r.condition.startsWith('oxford') || r.condition.startsWith('L3w'))).toBe(false);
    }
  });

  it('judges each task against its own silent output', () => {
    // Oxford's runs end at 100 (≤ 107 = half its silent 214), the default task's at 110 (≤ 121 = half of 242).
    const both = judged((c) => (c.startsWith('oxford') ? 100 : 110));
    expect(claim(both, 'depth-learns').status).toBe('holds');
    expect(claim(both, 'depth-oxford-learns').status).toBe('holds');
    expect(claim(both, 'depth-oxford-learns').numbers).toMatch(/^oxford-L2-symmetric: 214→100, 214→100, 214→100; oxford-L2-random: .* \(silent output: 214;/);
    // 115 halves Oxford's block 0 of 240 but not its silent cost: not learned, on one seed of one mode.
    const oneSeed = judged((c, seed) => (c === 'oxford-L2-random' && seed === 2 ? 115 : c.startsWith('oxford') ? 100 : 110), (c) => (c.startsWith('oxford') ? 240 : 600));
    expect(claim(oneSeed, 'depth-oxford-learns').status).toBe('fails');
    expect(claim(oneSeed, 'depth-oxford-learns').numbers).toContain('240→115 ✗');
    expect(claim(oneSeed, 'depth-learns').status).toBe('holds');
    // The default task's 121.5 is above half its silent 242 even though it is a fifth of block 0;
    // the funnel's claim and the constant width's are judged apart.
    const funnel = judged((c) => (c === 'L3-random' ? 121.5 : 100));
    expect(claim(funnel, 'depth-learns').status).toBe('fails');
    expect(claim(funnel, 'depth-learns-constant-width').status).toBe('holds');
    const wide = judged((c) => (c === 'L3w-random' ? 121.5 : 100));
    expect(claim(wide, 'depth-learns').status).toBe('holds');
    expect(claim(wide, 'depth-learns-constant-width').status).toBe('fails');
    expect(claim(wide, 'depth-learns-constant-width').numbers).toMatch(/^L3w-symmetric: .*; L3w-random: 600→122 ✗, 600→122 ✗, 600→122 ✗ /);
  });

  it('leaves the constant-width and Oxford claims untested in the quick form', () => {
    const plan = preset.plan({ size: 'quick' });
    const results = plan.runs.map((r) => result(r.condition, r.seed, 600, r.condition === 'silent' ? 242 : 100));
    for (const id of ['depth-oxford-learns', 'depth-learns-constant-width']) {
      const r = claim(preset.judge(results, plan), id);
      expect(r.status, id).toBe('not tested');
      expect(r.numbers).toMatch(/full form only/);
    }
    expect(claim(preset.judge(results, plan), 'depth-learns').status).toBe('holds');
  });
});
