/**
 * Paper Fig. 5: spiking XOR (src/tasks/xor.ts; docs/model.md §4.1). 100 inputs (a timing
 * reference and two "bits", each input with one fixed spike time inside 10 ms), the four
 * patterns in random order with random gaps over a 4 Hz background, 100→4→2 with symmetric,
 * random and uniform feedback, and 100→2 without a hidden layer. The window-of-opportunity
 * readout (readout.ts) scores every trial; the final accuracy is measured on the frozen replay of
 * the whole trial sequence after training. Paper: no hidden layer cannot solve it; random
 * feedback reaches perfect accuracy; uniform feedback is worse on average.
 *
 * The claims are judged on the paper's 4 hidden units. The same modes with 16 hidden units run
 * beside them: in this model 4 units learn XOR in only some seeds, 16 in nearly all, and the
 * claim lines give both so a reader can tell capacity from the learning rule.
 */
import type { ConfigInput } from '../config/schema.js';
import { cross } from './ssbm.js';
import { fmt, mean, runsOf, seedList, valuesOf } from './summary.js';
import type { ClaimResult, Condition, Plan, PlanOptions, Preset, RunResult } from './types.js';

/** The paper's width first (the claims are judged on it), then a wider layer for comparison. */
const WIDTHS = [4, 16] as const;
const HIDDEN = WIDTHS[0];
const MODES = ['symmetric', 'random', 'uniform'] as const;
const NONE = 'none';
const id = (mode: string, nh: number = HIDDEN) => `nh${nh}-${mode}`;

/**
 * A network without hidden layer can at best answer 3 of the 4 patterns right (the XOR argument
 * in tasks/xor.ts); it "cannot solve" the task when its mean final accuracy stays at or below
 * this while some hidden-layer condition is clearly better (by MARGIN).
 */
const LINEAR_BOUND = 0.75;
const MARGIN = 0.1;
/**
 * Perfect: at least this fraction of the frozen replay's trials (about 4 per second) right. The
 * 4 Hz background makes a rare stray spike possible in any network, so one wrong trial in a
 * hundred still counts; the claim line also says how many seeds got every trial right.
 */
const PERFECT = 0.99;

/**
 * Tuned by quick runs (η, w0, lengths): w0 0.05 keeps the outputs quiet in the background but lets
 * a pattern's 34–100 coincident spikes move them; longer blocks keep more of the training at η₀
 * (η drops tenfold from block 20 on).
 */
const SIZES = {
  full: { seeds: 20, blockSeconds: 25, blocks: 40 },
  quick: { seeds: 2, blockSeconds: 15, blocks: 25 },
  tiny: { seeds: 1, blockSeconds: 2, blocks: 2 },
};
const ETA = 1e-3;
const W0 = 0.05;

export const xor: Preset = {
  name: 'xor',
  figure: 'Fig. 5',
  summary: 'Spiking XOR: 100 inputs (a timing reference and two "bits"), 4 patterns in random order over a 4 Hz background, 100→4→2 and 100→2, window-of-opportunity readout.',
  claims: [
    { id: 'xor-no-hidden-fails', text: 'without a hidden layer the network cannot solve XOR' },
    { id: 'xor-random-perfect', text: 'random feedback reaches perfect accuracy' },
    { id: 'xor-uniform-worse', text: 'uniform feedback is worse on average' },
  ],
  plan({ size, seeds }: PlanOptions): Plan {
    const s = SIZES[size];
    const n = seeds ?? s.seeds;
    const widths = size === 'tiny' ? [HIDDEN] : WIDTHS;
    const conditions: Condition[] = [
      ...widths.flatMap((nh) => MODES.map((mode) => ({ id: id(mode, nh), label: `100→${nh}→2 ${mode}`, panel: `XOR, ${nh} hidden`, hiddenNeurons: nh }))),
      { id: NONE, label: '100→2 (no hidden layer)', panel: `XOR, ${HIDDEN} hidden`, hiddenNeurons: 0 },
    ];
    const variants: Array<{ condition: string; config: Partial<ConfigInput> }> = [
      ...widths.flatMap((nh) => MODES.map((mode) => ({ condition: id(mode, nh), config: { hidden: [nh], feedback: mode } }))),
      { condition: NONE, config: { hidden: [] } },
    ];
    const runs = cross(variants, seedList(n)).map(({ condition: v, seed }) => ({
      condition: v.condition,
      seed,
      config: {
        name: 'xor', trials: { stimuli: 'xor' }, ...v.config, eta: ETA, w0: W0, blockSeconds: s.blockSeconds, blocks: s.blocks, seed,
      } satisfies ConfigInput,
      analysis: { trials: true, feedbackSigns: v.condition.endsWith('-random') },
    }));
    const trainSeconds = s.blockSeconds * (s.blocks + 1);
    return {
      conditions,
      runs,
      notes: [
        `${size}: ${n} seeds per condition; burn-in ${s.blockSeconds} s, then ${s.blocks} blocks of ${s.blockSeconds} s (η ${ETA}, /10 from block 20), w0 ${W0}; about ${Math.round(trainSeconds / 0.225)} trials (25 ms windows, gaps 100–300 ms, 4 Hz background)`,
        'accuracy = fraction of trials in which the correct output fired strictly more spikes inside the 25 ms window than the other (ties, both silent included, are wrong), on the frozen replay of the whole trial sequence after training',
      ],
      references: [],
    };
  },
  judge(results: RunResult[]): ClaimResult[] {
    const acc = (c: string) => valuesOf(results, c, (r) => r.accuracy);
    const list = (xs: number[]) => xs.map((x) => fmt(x)).join(',');
    const none = acc(NONE);
    const noneMean = mean(none);
    const modesAt = (nh: number) => Object.fromEntries(MODES.map((m) => [m, acc(id(m, nh))])) as Record<(typeof MODES)[number], number[]>;
    const byMode = modesAt(HIDDEN);
    const best = MODES.map((m) => ({ mode: m, mean: mean(byMode[m]) })).reduce((a, b) => (b.mean > a.mean ? b : a));
    const perfectOf = (xs: number[]) => xs.filter((a) => a >= PERFECT).length;
    // The wider layers, where they ran: context for each claim line, not part of the verdict.
    const wider = WIDTHS.slice(1).filter((nh) => runsOf(results, id('random', nh)).length > 0).map((nh) => ({ nh, byMode: modesAt(nh) }));
    const widerLine = (f: (w: { nh: number; byMode: Record<(typeof MODES)[number], number[]> }) => string) =>
      wider.map((w) => `; with ${w.nh} hidden: ${f(w)}`).join('');
    const meansLine = (m: Record<(typeof MODES)[number], number[]>) => MODES.map((k) => `${k} ${fmt(mean(m[k]))}`).join(', ');
    const random = byMode.random;
    return [
      {
        id: 'xor-no-hidden-fails',
        status: none.length > 0 && noneMean <= LINEAR_BOUND && best.mean > noneMean + MARGIN ? 'holds' : 'fails',
        numbers: `mean final accuracy without hidden layer ${fmt(noneMean)} (≤ ${LINEAR_BOUND} needed; ${list(none)}), best ${HIDDEN}-hidden condition ${best.mode} ${fmt(best.mean)} (> ${fmt(noneMean + MARGIN)} needed)${widerLine((w) => meansLine(w.byMode))}`,
      },
      {
        id: 'xor-random-perfect',
        status: perfectOf(random) > 0 ? 'holds' : 'fails',
        numbers: `random feedback, ${HIDDEN} hidden: ${perfectOf(random)}/${random.length} seeds reach final accuracy ≥ ${PERFECT} (${random.filter((a) => a === 1).length} exactly 1); accuracies ${list(random)}${widerLine((w) => `${perfectOf(w.byMode.random)}/${w.byMode.random.length} seeds ≥ ${PERFECT}, accuracies ${list(w.byMode.random)}`)}`,
      },
      {
        id: 'xor-uniform-worse',
        status: mean(byMode.uniform) < mean(byMode.random) && mean(byMode.uniform) < mean(byMode.symmetric) ? 'holds' : 'fails',
        numbers: `mean final accuracy, ${HIDDEN} hidden: ${meansLine(byMode)}${widerLine((w) => meansLine(w.byMode))}`,
      },
    ];
  },
};
