/**
 * The paper's choice of the base learning rate r0 (§3.3.6): a grid search over
 * (10, 5, 1, 0.5, 0.1)·10⁻³, one r0 per condition. A preset builds its plan from a function
 * "condition → r0"; `planWithR0` decides where that r0 comes from — the user's `--r0`, the
 * preset's fixed default (quick and tiny forms, so they stay fast), or a grid search (full form,
 * or `--r0 search`): search runs on their own seeds (so the chosen r0 is not judged on the seeds
 * it was picked with), then the plan's runs with each condition's best r0.
 */
import { fmt, mean, valuesOf } from './summary.js';
import type { Plan, PlanOptions, RunResult, RunSpec } from './types.js';

/** The paper's grid of r0 values. */
export const R0_GRID = [10e-3, 5e-3, 1e-3, 0.5e-3, 0.1e-3] as const;
/** Search runs use seeds from here on, apart from the plan's seeds 1..n. */
export const SEARCH_SEED_BASE = 1001;

export interface R0Search {
  grid: readonly number[];
  /** One run per (condition, r0, search seed); condition ids `<condition>/r0-<r0>`. */
  runs: RunSpec[];
  /** The plan's runs with the chosen r0 of each condition. */
  finalise(chosen: ReadonlyMap<string, number>): Plan;
}

export interface R0Choice {
  condition: string;
  r0: number;
  /** Per grid value: mean accuracy (null where runs have none) and mean final cost of the search runs. */
  scores: Array<{ r0: number; accuracy: number | null; cost: number }>;
}

/** Condition id of the search runs of one (condition, r0). */
export function searchCondition(condition: string, r0: number): string {
  return `${condition}/r0-${r0}`;
}

/**
 * The plan for `opts`: `build` maps each condition to its r0 and returns the plan. `searched`
 * lists the conditions that get their own r0 (the others — e.g. a network that cannot learn —
 * keep `fallback`). The plan's notes say where r0 came from.
 */
export function planWithR0(
  opts: PlanOptions, fallback: number, searchSeeds: number, searched: readonly string[],
  build: (r0Of: (condition: string) => number) => Plan,
): Plan {
  if (opts.r0 !== undefined) {
    const plan = build(() => opts.r0!);
    return { ...plan, notes: [...plan.notes, `r0 = ${opts.r0} for every condition (--r0; no grid search)`] };
  }
  const search = opts.searchR0 ?? opts.size === 'full';
  if (!search) {
    const plan = build(() => fallback);
    return { ...plan, notes: [...plan.notes, `r0 = ${fallback} for every condition (the ${opts.size} form's fixed r0; the full form grid-searches it, or give --r0 search)`] };
  }
  const template = build(() => fallback);
  const seeds = Array.from({ length: searchSeeds }, (_, i) => SEARCH_SEED_BASE + i);
  const runs = searched.flatMap((condition) => {
    const first = template.runs.find((r) => r.condition === condition);
    if (first === undefined) return [];
    return R0_GRID.flatMap((r0) => seeds.map((seed) => ({
      ...first, condition: searchCondition(condition, r0), seed, config: { ...first.config, eta: r0, seed },
    })));
  });
  return {
    ...template,
    r0Search: {
      grid: R0_GRID,
      runs,
      finalise: (chosen) => {
        const plan = build((c) => chosen.get(c) ?? fallback);
        const list = [...chosen].map(([c, r0]) => `${c} ${r0}`).join(', ');
        // The conditions not searched say the r0 their runs got (a preset may give them a searched
        // condition's choice, as xor's 16-unit ones take the 4-unit one's, or the fallback).
        const others = new Map<string, number | undefined>();
        for (const run of plan.runs) if (!chosen.has(run.condition) && !others.has(run.condition)) others.set(run.condition, run.config.eta);
        const rest = others.size === 0 ? '' : `; not searched: ${[...others].map(([c, r0]) => `${c} ${r0 ?? fallback}`).join(', ')}`;
        return {
          ...plan,
          notes: [...plan.notes, `r0 by grid search over {${R0_GRID.join(', ')}} with ${searchSeeds} search seed(s) (${SEARCH_SEED_BASE}…) per value: ${list}${rest} (r0-search.md)`],
        };
      },
    },
  };
}

/**
 * Each searched condition's best r0: the highest mean accuracy where the runs have one, ties
 * (and runs without accuracy) broken by the lower mean final cost; a further tie keeps the
 * grid's earlier (larger) r0.
 */
export function chooseR0(search: R0Search, results: readonly RunResult[]): R0Choice[] {
  const conditions = [...new Set(search.runs.map((r) => r.condition.slice(0, r.condition.lastIndexOf('/r0-'))))];
  return conditions.map((condition) => {
    const scores = search.grid.map((r0) => {
      const id = searchCondition(condition, r0);
      const acc = valuesOf(results, id, (r) => r.accuracy);
      return { r0, accuracy: acc.length ? mean(acc) : null, cost: mean(valuesOf(results, id, (r) => r.finalCost)) };
    });
    const key = (s: (typeof scores)[number]) => [s.accuracy ?? -Infinity, Number.isFinite(s.cost) ? -s.cost : -Infinity];
    const best = scores.reduce((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      return kb[0]! > ka[0]! || (kb[0] === ka[0] && kb[1]! > ka[1]!) ? b : a;
    });
    return { condition, r0: best.r0, scores };
  });
}

/** r0-search.md: every grid value's scores per condition and the choice. */
export function r0SearchMarkdown(choices: readonly R0Choice[], searchSeeds: number): string {
  const out = ['# r0 grid search', '', `Mean over ${searchSeeds} search seed(s) per value; chosen: highest mean accuracy, then lowest mean final cost.`, ''];
  out.push('| condition | r0 | mean accuracy | mean final cost (MSE) | RMS | chosen |', '|---|---|---|---|---|---|');
  for (const c of choices) {
    for (const s of c.scores) {
      out.push(`| ${c.condition} | ${s.r0} | ${s.accuracy === null ? '' : fmt(s.accuracy)} | ${fmt(s.cost)} | ${fmt(Math.sqrt(s.cost))} | ${s.r0 === c.r0 ? '✓' : ''} |`);
    }
  }
  return `${out.join('\n')}\n`;
}
