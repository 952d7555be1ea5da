/**
 * The Fig. 8 preset's verdicts (src/experiments/regulariser.ts) on made-up results: the judge
 * reads only the conditions' final costs and hidden rates, so each claim can be made to hold, to
 * fail, and to go untested by the sweep's own shape — the optimal range of ρ for a > 0 above all,
 * which needs three strengths.
 */
import { describe, expect, it } from 'vitest';
import { findPreset } from '../src/experiments/index.js';
import type { ClaimResult, Plan, RunResult } from '../src/experiments/types.js';
import { madeUpResult } from './helpers.js';

const preset = findPreset('regulariser');

/** A plan of these (ρ, a) settings plus the ρ = 0 baseline, and one result per condition. */
function judged(settings: Array<[number, number]>, cost: (rho: number, a: number) => number, rate = (rho: number) => 5 / (1 + rho)): ClaimResult[] {
  const conditions = [{ id: 'rho0', rho: 0, a: 0 }, ...settings.map(([rho, a]) => ({ id: `rho${rho}-a${a}`, rho, a }))];
  const plan: Plan = { conditions: conditions.map(({ id }) => ({ id, label: id, panel: 'p', hiddenNeurons: 8 })), runs: [], notes: [], references: [] };
  const results: RunResult[] = conditions.map(({ id, rho, a }) => madeUpResult(id, 1, { initialCost: 100, finalCost: cost(rho, a), hiddenRateHz: rate(rho) }));
  return preset.judge(results, plan);
}

const claim = (results: ClaimResult[], id: string) => results.find((r) => r.id === id)!;
const sweep = (strengths: number[], exponents: number[]) => exponents.flatMap((a) => strengths.map((rho): [number, number] => [rho, a]));

describe('the Fig. 8 verdicts', () => {
  it('an optimal range of ρ for a > 0: holds when every exponent\'s lowest cost is inside the sweep, fails when one is at an end', () => {
    const settings = sweep([0.1, 1, 10, 100, 1000], [0, 1, 4]);
    // Lowest at ρ = 10 for every a > 0 (a parabola in log ρ).
    const inside = claim(judged(settings, (rho, a) => 20 + (Math.log10(rho) - 1) ** 2 - a), 'regulariser-optimal-range');
    expect(inside.status).toBe('holds');
    expect(inside.numbers).toMatch(/^a=1: ρ=0\.1 \S+, ρ=1 \S+, ρ=10 \S+, ρ=100 \S+, ρ=1000 \S+ → lowest at ρ=10; a=4: .* → lowest at ρ=10$/);
    // a = 4 falls all the way to the largest ρ: no optimal range there.
    const atEnd = claim(judged(settings, (rho, a) => (a === 4 ? 30 - Math.log10(rho) : 20 + (Math.log10(rho) - 1) ** 2)), 'regulariser-optimal-range');
    expect(atEnd.status).toBe('fails');
    expect(atEnd.numbers).toContain('a=4: ');
    expect(atEnd.numbers).toMatch(/a=4: .* → lowest at ρ=1000 ✗$/);
  });

  it('is not tested by a sweep of two strengths (the quick and tiny forms)', () => {
    const r = claim(judged(sweep([1, 1000], [0, 4]), () => 10), 'regulariser-optimal-range');
    expect(r.status).toBe('not tested');
    expect(r.numbers).toMatch(/sweeps 2 strength\(s\)/);
  });

  it('judges quiescence at a = 0 only, from ρ = 100 on', () => {
    const settings = sweep([1, 100, 1000], [0, 4]);
    expect(claim(judged(settings, () => 10, (rho) => (rho >= 100 ? 0.5 : 20)), 'regulariser-quiescent').status).toBe('holds');
    expect(claim(judged(settings, () => 10, (rho) => (rho >= 1000 ? 0.5 : 20)), 'regulariser-quiescent').status).toBe('fails');
  });
});
