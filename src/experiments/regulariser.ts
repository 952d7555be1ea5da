/**
 * Paper Fig. 8: the `pattern` task (SSBM `auryn`) with random feedback, sweeping the strength ρ
 * and the exponent a of the hidden layer's rate regulariser −ρ·w·hom^a (docs/model.md §7.2), with
 * random feedback without any regulariser (ρ = 0) as the baseline. Paper (Fig. 8's caption): a = 0
 * — a plain weight decay whenever there is an error — performs consistently worse than a
 * rate-dependent term (a > 0); with a = 0, ρ > 100 typically leaves the network quiescent (said of
 * a = 0 only; the other exponents' rates at strong ρ are context in the claim line). r0: the
 * caption's own, 10⁻³ ("using random feedback (r0 = 10−3)"), for every condition — no grid search.
 */
import { QUOTE_EXPONENT, QUOTE_OPTIMAL_RANGE, QUOTE_QUIESCENT } from './paper.js';
import type { ConfigInput } from '../config/schema.js';
import { aurynTask, cross } from './ssbm.js';
import { fmt, mean, meanFinalCost, meanHiddenRate, seedList } from './summary.js';
import type { ClaimResult, Condition, Plan, PlanOptions, Preset, RunResult } from './types.js';

const EXPONENTS = [0, 1, 2, 4] as const;
/** "Quiescent": mean hidden firing rate in the last block below this. */
const QUIESCENT_HZ = 1;
/** Strengths from which the paper sees the network fall silent. */
const STRONG_RHO = 100;
/**
 * Costs only rank the exponents once networks learn: a sweep in which no run below STRONG_RHO
 * ends under this fraction of its initial cost (short runs of the slow random-feedback pattern
 * task) leaves the exponent claim untested rather than judged on noise.
 */
const LEARNED_FRACTION = 0.9;

const SIZES = {
  full: { hidden: 128, strengths: [0.1, 1, 10, 100, 1000], exponents: [...EXPONENTS], blockSeconds: 35, blocks: 28, seeds: 1 },
  quick: { hidden: 16, strengths: [1, 1000], exponents: [0, 4], blockSeconds: 14, blocks: 24, seeds: 1 },
  tiny: { hidden: 8, strengths: [1, 100], exponents: [0, 4], blockSeconds: 3.5, blocks: 1, seeds: 1 },
};

/** Fig. 8's r0, given in its caption: every form runs at it. */
const R0 = 1e-3;
const BASELINE = 'rho0';
const id = (rho: number, a: number) => `rho${rho}-a${a}`;

/** The regulariser setting a condition id names (the baseline: none, ρ = 0). */
function settingOf(condition: string): { strength: number; exponent: number } {
  if (condition === BASELINE) return { strength: 0, exponent: 4 };
  const m = /^rho([\d.]+)-a(\d)$/.exec(condition)!;
  return { strength: Number(m[1]), exponent: Number(m[2]) };
}

export const regulariser: Preset = {
  name: 'regulariser',
  figure: 'Fig. 8',
  summary: 'The pattern task with random feedback, sweeping the regulariser strength ρ (up to ≥ 100) and exponent a ∈ {0, 1, 2, 4}, at Fig. 8\'s r0 = 10⁻³.',
  fixedR0: 'Fig. 8\'s caption gives its r0: "using random feedback (r0 = 10−3)"',
  claims: [
    {
      id: 'regulariser-exponent',
      text: 'exponent a = 0 is worse than a > 0',
      source: 'Fig. 8a',
      quote: QUOTE_EXPONENT,
      test: 'mean final cost at a = 0 above that of every a > 0 (over ρ < 100), once some run learns',
    },
    {
      id: 'regulariser-optimal-range',
      text: 'with a > 0, an intermediate ρ gives the lowest final cost',
      source: 'Fig. 8a',
      quote: QUOTE_OPTIMAL_RANGE,
      test: 'for every a > 0, the ρ with the lowest mean final cost is neither the smallest nor the largest of the sweep (at least 3 strengths)',
    },
    {
      id: 'regulariser-quiescent',
      text: 'with a = 0, a strong regulariser (ρ > 100) leaves the network quiescent',
      source: 'Fig. 8',
      quote: QUOTE_QUIESCENT,
      test: 'mean hidden rate < 1 Hz at every ρ ≥ 100 with a = 0 (ρ = 100 included: stricter than the paper\'s ρ > 100)',
      paperNumber: 'ρ > 100 (a = 0)',
    },
  ],
  plan(opts: PlanOptions): Plan {
    const { size, seeds } = opts;
    const s = SIZES[size];
    const n = seeds ?? s.seeds;
    const exponents = s.exponents;
    const conditions: Condition[] = [
      { id: BASELINE, label: 'random, no regulariser (ρ = 0)', panel: 'baseline', hiddenNeurons: s.hidden },
      ...exponents.flatMap((a) => s.strengths.map((rho) => ({ id: id(rho, a), label: `ρ = ${rho}, a = ${a}`, panel: `exponent a = ${a}`, hiddenNeurons: s.hidden }))),
    ];
    const common: ConfigInput = {
      ...aurynTask(), name: 'regulariser', hidden: [s.hidden], feedback: 'random', w0: 0.05,
      blockSeconds: s.blockSeconds, blocks: s.blocks,
    };
    const runs = cross(conditions.map((c) => c.id), seedList(n)).map(({ condition, seed }) => ({
      condition,
      seed,
      config: { ...common, eta: R0, regulariser: settingOf(condition), seed },
      analysis: {},
    }));
    return {
      conditions,
      runs,
      notes: [
        `${size}: 100 → ${s.hidden} → 100 random feedback, ρ ∈ {0, ${s.strengths.join(', ')}} × a ∈ {${exponents.join(', ')}}, ${n} seed(s), burn-in ${s.blockSeconds} s, then ${s.blocks} blocks of ${s.blockSeconds} s (${s.blocks * s.blockSeconds} s; η = r0, /10 from block 20), rate trace τ 100 ms`,
        `quiescent = mean hidden rate in the last block below ${QUIESCENT_HZ} Hz, judged at a = 0 (where Fig. 8's caption states it)`,
        `r0 = ${R0} for every condition (Fig. 8's caption; no grid search)`,
      ],
      references: [],
    };
  },
  judge(results: RunResult[], plan: Plan): ClaimResult[] {
    const settings = plan.conditions.filter((c) => c.id !== BASELINE).map((c) => {
      const { strength, exponent } = settingOf(c.id);
      return { id: c.id, rho: strength, a: exponent };
    });
    const exponents = [...new Set(settings.map((s) => s.a))].sort((x, y) => x - y);
    // Mean over the strengths below the quiescent range, where the networks learn.
    const learning = settings.filter((s) => s.rho < STRONG_RHO);
    const meanCost = (a: number) => mean(learning.filter((s) => s.a === a).map((s) => meanFinalCost(results, s.id)));
    const perExponent = exponents.map((a) => ({ a, cost: meanCost(a) })).filter((e) => Number.isFinite(e.cost));
    const zero = perExponent.find((b) => b.a === 0);
    const positive = perExponent.filter((b) => b.a > 0);
    const learnedRuns = results.filter((r) => learning.some((s) => s.id === r.spec.condition) && r.finalCost < LEARNED_FRACTION * r.initialCost);
    const strong = settings.filter((s) => s.rho >= STRONG_RHO);
    const strongRates = strong.map((s) => ({ ...s, rate: meanHiddenRate(results, s.id) }));
    const strongAtZero = strongRates.filter((s) => s.a === 0);
    const strongOthers = strongRates.filter((s) => s.a !== 0);
    const weakest = Math.min(...settings.map((s) => s.rho));
    const weakRates = settings.filter((s) => s.rho === weakest).map((s) => meanHiddenRate(results, s.id));
    const baselineRate = meanHiddenRate(results, BASELINE);
    const strengthsLine = [...new Set(learning.map((s) => s.rho))].join(', ');
    const exponentClaim: ClaimResult = zero === undefined || positive.length === 0
      ? { id: 'regulariser-exponent', status: 'not tested', numbers: `this size sweeps no exponent pair (0 and > 0) at ρ < ${STRONG_RHO}` }
      : learnedRuns.length === 0
        ? {
            id: 'regulariser-exponent',
            status: 'not tested',
            numbers: `no run at ρ < ${STRONG_RHO} got below ${LEARNED_FRACTION} × its initial cost, so costs cannot rank the exponents; mean final cost over ρ ∈ {${strengthsLine}}: ${perExponent.map((b) => `a=${b.a} ${fmt(b.cost)}`).join(', ')}`,
          }
        : {
            id: 'regulariser-exponent',
            status: positive.every((p) => zero.cost > p.cost) ? 'holds' : 'fails',
            numbers: `mean final cost over ρ ∈ {${strengthsLine}}: ${perExponent.map((b) => `a=${b.a} ${fmt(b.cost)}`).join(', ')}; no regulariser ${fmt(meanFinalCost(results, BASELINE))}`,
          };
    const rates = (list: typeof strongRates) => list.map((s) => `ρ=${s.rho} a=${s.a} ${fmt(s.rate)} Hz`).join(', ');
    const quiescentClaim: ClaimResult = strongAtZero.length === 0
      ? { id: 'regulariser-quiescent', status: 'not tested', numbers: `this size sweeps no ρ ≥ ${STRONG_RHO} at a = 0` }
      : {
          id: 'regulariser-quiescent',
          status: strongAtZero.every((s) => s.rate < QUIESCENT_HZ) ? 'holds' : 'fails',
          numbers: `hidden rate at a = 0, ρ ≥ ${STRONG_RHO}: ${rates(strongAtZero)} (< ${QUIESCENT_HZ} Hz needed); context, a > 0: ${rates(strongOthers) || 'not run'}; at ρ=${weakest}: ${weakRates.map(fmt).join(', ')} Hz; no regulariser ${fmt(baselineRate)} Hz`,
        };
    return [exponentClaim, optimalRangeClaim(settings, results), quiescentClaim];
  },
};

/**
 * Fig. 8a's optimal range: for each a > 0, the strength with the lowest mean final cost lies inside
 * the sweep — a lower and a higher ρ both cost more. Needs three strengths at least.
 */
function optimalRangeClaim(settings: ReadonlyArray<{ rho: number; a: number }>, results: RunResult[]): ClaimResult {
  const strengths = [...new Set(settings.map((s) => s.rho))].sort((x, y) => x - y);
  const exponents = [...new Set(settings.map((s) => s.a))].filter((a) => a > 0).sort((x, y) => x - y);
  if (strengths.length < 3 || exponents.length === 0) {
    return { id: 'regulariser-optimal-range', status: 'not tested', numbers: `this size sweeps ${strengths.length} strength(s) and ${exponents.length} exponent(s) > 0; 3 strengths and one exponent > 0 are needed` };
  }
  const rows = exponents.map((a) => {
    const costs = strengths.map((rho) => ({ rho, cost: meanFinalCost(results, id(rho, a)) }));
    const best = costs.reduce((b, c) => (c.cost < b.cost ? c : b));
    return { a, costs, best, inside: best.rho !== strengths[0] && best.rho !== strengths.at(-1) };
  });
  return {
    id: 'regulariser-optimal-range',
    status: rows.every((r) => r.inside) ? 'holds' : 'fails',
    numbers: rows.map((r) => `a=${r.a}: ${r.costs.map((c) => `ρ=${c.rho} ${fmt(c.cost)}`).join(', ')} → lowest at ρ=${r.best.rho}${r.inside ? '' : ' ✗'}`).join('; '),
  };
}
