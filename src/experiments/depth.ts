/**
 * Cost against depth (issue 17): config/default.json with 1, 2 and 3 hidden layers (256, 256-128,
 * 256-128-64) under symmetric, random and uniform feedback, at the config's own η and w0 (no
 * hand-tuning). Claim per depth and feedback: the network learns, i.e. its final MSE is at most
 * half its block-0 MSE and at most half the cost of a silent output (one extra run with all
 * weights 0: a network that starts too active also halves its cost by falling silent).
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { PACKAGE_ROOT } from '../paths.js';
import { fmt, runsOf, seedList } from './summary.js';
import type { ClaimResult, Condition, Plan, PlanOptions, Preset, RunResult, RunSpec } from './types.js';

/** "Learns": final MSE ≤ this fraction of the block-0 MSE. */
const LEARNED_RATIO = 0.5;
const DEPTHS = [[256], [256, 128], [256, 128, 64]] as const;
const TINY_DEPTHS = [[12], [12, 8]] as const;

const SIZES = {
  full: { modes: ['symmetric', 'random', 'uniform'], blocks: 30, seeds: 3 },
  quick: { modes: ['symmetric', 'random'], blocks: 8, seeds: 1 },
  tiny: { modes: ['symmetric', 'random'], blocks: 1, seeds: 1 },
} as const;

const id = (hidden: readonly number[], mode: string) => `L${hidden.length}-${mode}`;
const SILENT = 'silent';

export const depth: Preset = {
  name: 'depth',
  figure: 'issue 17, depth that learns by default',
  summary: 'config/default.json with 1, 2 and 3 hidden layers under each feedback mode: final cost against depth, at the config\'s own η and w0.',
  claims: [
    { id: 'depth-learns', text: `every depth learns under symmetric and random feedback (final MSE ≤ ${LEARNED_RATIO}× block-0 MSE and ≤ ${LEARNED_RATIO}× a silent output's, every seed)`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
    { id: 'depth-uniform-learns', text: `every depth learns under uniform feedback (final MSE ≤ ${LEARNED_RATIO}× block-0 MSE and ≤ ${LEARNED_RATIO}× a silent output's, every seed)`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
  ],
  plan({ size, seeds }: PlanOptions): Plan {
    const s = SIZES[size];
    const n = seeds ?? s.seeds;
    const base = loadConfig(path.join(PACKAGE_ROOT, 'config', 'default.json')).config;
    const depths = size === 'tiny' ? TINY_DEPTHS : DEPTHS;
    const blockSeconds = size === 'tiny' ? 1.22 : base.blockSeconds;
    const task = size === 'tiny' ? { ...base.task!, text: 'SU', scale: 1, inputNeurons: 20 } : base.task;
    const conditions: Condition[] = [];
    const runs: RunSpec[] = [];
    for (const hidden of depths) {
      for (const mode of s.modes) {
        const cid = id(hidden, mode);
        conditions.push({ id: cid, label: `${hidden.join('-')}, ${mode}`, panel: `${mode} feedback`, hiddenNeurons: hidden.reduce((a, b) => a + b, 0) });
        for (const seed of seedList(n)) {
          runs.push({ condition: cid, seed, config: { ...base, task, hidden: [...hidden], feedback: mode, blocks: s.blocks, blockSeconds, seed }, analysis: {} });
        }
      }
    }
    // The cost of an output that never fires (all weights 0, burn-in only): falling silent also
    // halves a too-active network's cost, so "learns" must beat silence as well.
    conditions.push({ id: SILENT, label: 'silent output (w0 = 0, no training)', panel: 'silent output', hiddenNeurons: 0 });
    runs.push({ condition: SILENT, seed: 1, config: { ...base, task, hidden: [...depths[0]!], w0: 0, blocks: 0, blockSeconds }, analysis: {} });
    return {
      conditions, runs, references: [],
      notes: [`${size}: config/default.json (η ${base.eta}, w0 ${base.w0}, σ' floor ${base.surrogateFloorVolts ?? 'none'}, feedbackGate ${base.feedbackGate}), hidden ${depths.map((h) => h.join('-')).join(' | ')}, ` +
        `${s.modes.join(', ')} feedback, ${n} seed(s), burn-in ${blockSeconds} s then ${s.blocks} blocks of ${blockSeconds} s`],
    };
  },
  judge(results: RunResult[], plan: Plan): ClaimResult[] {
    const silent = runsOf(results, SILENT)[0]?.finalCost ?? Number.NaN;
    const learned = (r: RunResult) => r.finalCost <= LEARNED_RATIO * r.initialCost && r.finalCost <= LEARNED_RATIO * silent;
    const verdict = (claim: string, conditions: Condition[]): ClaimResult => {
      if (conditions.length === 0) return { id: claim, status: 'not tested', numbers: 'no runs of this feedback mode at this size' };
      const rows = conditions.map((c) => {
        const runs = runsOf(results, c.id);
        return { c, runs, ok: runs.length > 0 && runs.every(learned) };
      });
      const line = (r: (typeof rows)[number]) =>
        `${r.c.id}: ${r.runs.map((x) => `${fmt(x.initialCost)}→${fmt(x.finalCost)}${learned(x) ? '' : ' ✗'}`).join(', ')}`;
      return {
        id: claim,
        status: rows.every((r) => r.ok) ? 'holds' : 'fails',
        numbers: `${rows.map(line).join('; ')} (silent output: ${fmt(silent)}; ✗ = not ≤ ${LEARNED_RATIO}× both)`,
      };
    };
    const trained = plan.conditions.filter((c) => c.id !== SILENT);
    return [
      verdict('depth-learns', trained.filter((c) => !c.id.endsWith('uniform'))),
      verdict('depth-uniform-learns', trained.filter((c) => c.id.endsWith('uniform'))),
    ];
  },
};
