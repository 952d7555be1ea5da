/**
 * Paper Fig. 1: how sensitive learning is to the base learning rate r0 (`eta`) under a fixed
 * rate, RMSprop and RMaxProp (docs/model.md §7.5), on the `pattern` task (SSBM `auryn`) with a
 * symmetric hidden layer. Paper: a fixed rate works only in a narrow range of r0; the
 * per-parameter schemes are far less sensitive.
 */
import type { ConfigInput } from '../config/schema.js';
import { aurynTask, cross } from './ssbm.js';
import { fmt, meanFinalCost, seedList } from './summary.js';
import type { ClaimResult, Condition, Plan, PlanOptions, Preset, RunResult } from './types.js';

const SCHEMES = [
  { key: 'fixed', label: 'fixed rate' },
  { key: 'rmsprop', label: 'RMSprop' },
  { key: 'rmaxprop', label: 'RMaxProp' },
] as const;
type Scheme = (typeof SCHEMES)[number]['key'];

/** A run "works" when its final cost is within this factor of the best run of the sweep. */
const WORKS_FACTOR = 2;
/** "Narrow": a fixed rate works for at most this many of the r0 values. */
const NARROW_COUNT = 2;

const SIZES = {
  full: { hidden: 32, rates: [10e-3, 5e-3, 1e-3, 0.5e-3, 0.1e-3], blockSeconds: 35, blocks: 28, seeds: 1 },
  quick: { hidden: 16, rates: [10e-3, 1e-3, 0.1e-3], blockSeconds: 14, blocks: 6, seeds: 1 },
  tiny: { hidden: 8, rates: [10e-3, 1e-3], blockSeconds: 3.5, blocks: 1, seeds: 1 },
};

const id = (scheme: Scheme, r0: number) => `${scheme}-r${r0}`;

export const learningRate: Preset = {
  name: 'learning-rate',
  figure: 'Fig. 1',
  summary: 'A fixed learning rate vs RMSprop vs RMaxProp over r0 ∈ {10, 5, 1, 0.5, 0.1}×10⁻³ (pattern task, symmetric feedback).',
  claims: [
    { id: 'learning-rate-fixed-narrow', text: 'a fixed rate works only in a narrow range of r0' },
    { id: 'learning-rate-per-parameter-robust', text: 'the per-parameter schemes are far less sensitive to r0' },
  ],
  plan({ size, seeds }: PlanOptions): Plan {
    const s = SIZES[size];
    const n = seeds ?? s.seeds;
    const conditions: Condition[] = SCHEMES.flatMap((scheme) =>
      s.rates.map((r0) => ({ id: id(scheme.key, r0), label: `${scheme.label}, r0 = ${r0}`, panel: scheme.label, hiddenNeurons: s.hidden })),
    );
    const common: ConfigInput = {
      ...aurynTask(), name: 'learning-rate', hidden: [s.hidden], feedback: 'symmetric', w0: 0.05,
      blockSeconds: s.blockSeconds, blocks: s.blocks,
    };
    const settings = SCHEMES.flatMap((scheme) => s.rates.map((r0) => ({ scheme: scheme.key, r0 })));
    const runs = cross(settings, seedList(n)).map(({ condition: { scheme, r0 }, seed }) => ({
      condition: id(scheme, r0),
      seed,
      config: { ...common, eta: r0, learningRate: { scheme }, seed },
      analysis: {},
    }));
    return {
      conditions,
      runs,
      notes: [
        `${size}: 100 → ${s.hidden} → 100 symmetric, r0 ∈ {${s.rates.join(', ')}} × {fixed, RMSprop, RMaxProp}, ${n} seed(s), burn-in ${s.blockSeconds} s, then ${s.blocks} blocks of ${s.blockSeconds} s (${s.blocks * s.blockSeconds} s; r0 /10 from block 20), τ_rms 30 s, ε 1e-12`,
        `a run works when its final cost is within ${WORKS_FACTOR}× of the best run of the sweep`,
      ],
      references: [],
    };
  },
  judge(results: RunResult[], plan: Plan): ClaimResult[] {
    const rates = [...new Set(plan.runs.map((r) => Number(r.config.eta)))];
    const cost = (scheme: Scheme, r0: number) => meanFinalCost(results, id(scheme, r0));
    const all = SCHEMES.flatMap((s) => rates.map((r0) => cost(s.key, r0))).filter(Number.isFinite);
    const bestCost = Math.min(...all);
    const per = SCHEMES.map((s) => {
      const costs = rates.map((r0) => cost(s.key, r0));
      const works = rates.filter((_, i) => costs[i]! <= WORKS_FACTOR * bestCost);
      return { scheme: s.key, label: s.label, costs, works, worst: Math.max(...costs) };
    });
    const fixed = per.find((p) => p.scheme === 'fixed')!;
    const adaptive = per.filter((p) => p.scheme !== 'fixed');
    const costsLine = per.map((p) => `${p.label} ${p.costs.map(fmt).join('/')}`).join('; ');
    if (rates.length < 2) {
      const numbers = `one r0 only; final cost ${costsLine}`;
      return [
        { id: 'learning-rate-fixed-narrow', status: 'not tested', numbers },
        { id: 'learning-rate-per-parameter-robust', status: 'not tested', numbers },
      ];
    }
    return [
      {
        id: 'learning-rate-fixed-narrow',
        status: fixed.works.length <= NARROW_COUNT && adaptive.every((p) => p.works.length > fixed.works.length) ? 'holds' : 'fails',
        numbers: `r0 that work (≤ ${WORKS_FACTOR}× best cost ${fmt(bestCost)}): ${per.map((p) => `${p.label} ${p.works.length}/${rates.length}`).join(', ')}; final cost at r0 = ${rates.join('/')}: ${costsLine}`,
      },
      {
        id: 'learning-rate-per-parameter-robust',
        status: adaptive.every((p) => p.worst < fixed.worst) ? 'holds' : 'fails',
        numbers: `worst final cost over r0: ${per.map((p) => `${p.label} ${fmt(p.worst)}`).join(', ')}`,
      },
    ];
  },
};
