/**
 * The public SuperSpike code's Oxford runs (config/oxford.json: 200-256-200, η 1e-3, w0 0.05,
 * 20 s blocks, grid 1.89 s, SSBM `oxford` rasters) with symmetric and random feedback, beside
 * Auryn 6f88977's learning curves (auryn-reference.ts). Claim: superspike reproduces Auryn's
 * curve block by block (within 10 %), and symmetric feedback ends below random.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { PACKAGE_ROOT } from '../paths.js';
import { AURYN_OXFORD_MSE } from './auryn-reference.js';
import { fmt, runsOf, seedList } from './summary.js';
import type { ClaimResult, Plan, PlanOptions, Preset, RunResult } from './types.js';

const MODES = ['symmetric', 'random'] as const;
/** Largest relative deviation from Auryn's MSE, per compared block, for "matches". */
const TOLERANCE = 0.1;
/** The block length of Auryn's reference runs (config/oxford.json). */
const AURYN_BLOCK_SECONDS = 20;

export const oxford: Preset = {
  name: 'oxford',
  figure: 'public code, Oxford example',
  summary: 'The paper\'s Oxford task (200-256-200, SSBM oxford rasters) with symmetric and random feedback, next to Auryn 6f88977.',
  fixedR0: 'it reruns config/oxford.json at Auryn\'s r0 (1e-3) to compare with Auryn\'s curves',
  claims: [
    {
      id: 'oxford-symmetric-matches-auryn',
      text: 'symmetric feedback follows Auryn\'s learning curve block by block',
      source: 'public code (pub2018superspike), Oxford example',
      origin: 'public code',
      test: 'MSE within 10 % of that of Auryn 6f88977 at every compared block',
    },
    {
      id: 'oxford-random-matches-auryn',
      text: 'random feedback follows Auryn\'s learning curve block by block',
      source: 'public code (pub2018superspike), Oxford example',
      origin: 'public code',
      test: 'MSE within 10 % of that of Auryn 6f88977 at every compared block',
    },
    {
      id: 'oxford-symmetric-beats-random',
      text: 'symmetric feedback ends at a lower cost than random feedback',
      source: 'public code (pub2018superspike), Oxford example',
      origin: 'public code',
      test: 'final MSE symmetric < random',
    },
  ],
  plan({ size, seeds }: PlanOptions): Plan {
    const n = seeds ?? 1;
    const blocks = { full: 10, quick: 2, tiny: 1 }[size];
    const base = loadConfig(path.join(PACKAGE_ROOT, 'config', 'oxford.json')).config;
    const blockSeconds = size === 'tiny' ? 1 : base.blockSeconds;
    const conditions = MODES.map((m) => ({ id: m, label: `superspike ${m}`, panel: `Oxford, ${m} feedback`, hiddenNeurons: 256 }));
    const runs = MODES.flatMap((mode) => seedList(n).map((seed) => ({
      condition: mode,
      seed,
      config: { ...base, feedback: mode, blocks, blockSeconds, seed },
      analysis: {},
    })));
    return {
      conditions,
      runs,
      notes: [`${size}: config/oxford.json, ${blocks} blocks of ${blockSeconds} s, ${n} seed(s); Auryn: one run of 6f88977 (docs/model.md §13)`],
      references: MODES.map((m) => ({
        panel: `Oxford, ${m} feedback`,
        label: `Auryn ${m}`,
        points: Object.entries(AURYN_OXFORD_MSE[m]).map(([b, mse]) => ({ block: Number(b), mse })).filter((p) => p.block <= blocks),
      })),
    };
  },
  judge(results: RunResult[]): ClaimResult[] {
    const matches = (mode: (typeof MODES)[number]): ClaimResult => {
      const runs = runsOf(results, mode);
      const auryn = AURYN_OXFORD_MSE[mode];
      if (runs.some((r) => r.spec.config.blockSeconds !== AURYN_BLOCK_SECONDS)) {
        return { id: `oxford-${mode}-matches-auryn`, status: 'not tested', numbers: `Auryn's curve is for ${AURYN_BLOCK_SECONDS} s blocks; this size uses ${runs[0]?.spec.config.blockSeconds} s` };
      }
      const dev: Array<{ block: number; ours: number; auryn: number; rel: number }> = [];
      for (const r of runs) {
        for (const p of r.curve) {
          const ref = auryn[p.block];
          // The final stats line (block = blocks) is written after the last block, the moment
          // Auryn's line of that number is: both mean "after that many blocks of training".
          if (ref !== undefined) dev.push({ block: p.block, ours: p.mse, auryn: ref, rel: Math.abs(p.mse - ref) / ref });
        }
      }
      const worst = dev.reduce((a, d) => (d.rel > a.rel ? d : a), { block: -1, ours: 0, auryn: 0, rel: -1 });
      return {
        id: `oxford-${mode}-matches-auryn`,
        status: dev.length > 0 && worst.rel <= TOLERANCE ? 'holds' : 'fails',
        numbers: `${dev.length} blocks compared; largest deviation ${fmt(worst.rel * 100)} % at block ${worst.block} (ours ${fmt(worst.ours)}, Auryn ${fmt(worst.auryn)}; ≤ ${TOLERANCE * 100} % needed)`,
      };
    };
    const last = (mode: string) => {
      const runs = runsOf(results, mode);
      return runs.reduce((a, r) => a + r.finalCost, 0) / Math.max(1, runs.length);
    };
    const sym = last('symmetric');
    const rnd = last('random');
    return [
      matches('symmetric'),
      matches('random'),
      { id: 'oxford-symmetric-beats-random', status: sym < rnd ? 'holds' : 'fails', numbers: `final cost symmetric ${fmt(sym)}, random ${fmt(rnd)}` },
    ];
  },
};
