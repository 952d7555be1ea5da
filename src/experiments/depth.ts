/**
 * Cost against depth (issue 17): config/default.json with 1, 2 and 3 hidden layers (256, 256-128,
 * 256-128-64) under symmetric, random and uniform feedback, and config/oxford.json with 2 hidden
 * layers (256-128) under symmetric and random feedback, each at its config's own η, w0, hidden η
 * scale (config/default.json: `auto`, η/10 into hidden layers under random feedback with two or
 * more of them; config/oxford.json: 1) and — for Oxford in the full form — length (no hand-tuning). Claim per depth and feedback: the network
 * learns, i.e. its final MSE is at most half its block-0 MSE and at most half the cost of a
 * silent output (one extra run per task with all weights 0: a network that starts too active
 * also halves its cost by falling silent).
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { FeedbackMode } from '../network/topology.js';
import { PACKAGE_ROOT } from '../paths.js';
import { fmt, runsOf, seedList } from './summary.js';
import type { ClaimResult, Condition, Plan, PlanOptions, Preset, RunResult, RunSpec } from './types.js';

/** "Learns": final MSE ≤ this fraction of the block-0 MSE. */
const LEARNED_RATIO = 0.5;
const DEPTHS = [[256], [256, 128], [256, 128, 64]] as const;
const TINY_DEPTHS = [[12], [12, 8]] as const;

/**
 * The quick form runs 24 blocks, past the η drop at block 20: with two or more hidden layers under
 * random feedback (η/10 into the hidden layers, `hiddenEtaScale: "auto"`) most of the learning
 * comes late, and 8 blocks (the quick form until 5 Dec 2026) judged the early pace, not whether
 * the network learns (docs/model.md §14.1, eighth round).
 */
const SIZES = {
  full: { modes: ['symmetric', 'random', 'uniform'], blocks: 30, seeds: 3 },
  quick: { modes: ['symmetric', 'random'], blocks: 24, seeds: 1 },
  tiny: { modes: ['symmetric', 'random'], blocks: 1, seeds: 1 },
} as const;
/**
 * The Oxford task with two hidden layers, in the full form only: it runs config/oxford.json's own
 * 50 blocks of 20 s, because under random feedback it learns only after the η drop at block 20
 * (docs/model.md §14.1) — a shorter form would test something else — and that is about half an
 * hour per run here.
 */
const OXFORD_HIDDEN = [256, 128] as const;
const OXFORD_MODES = ['symmetric', 'random'] as const;
/**
 * Three hidden layers at constant width, in the full form only: the funnel of DEPTHS narrows to
 * 64 units before the output, which confounds depth with width; under random feedback the wider
 * network ends lower (docs/model.md §14.1, fifth and eighth rounds).
 */
const WIDE_HIDDEN = [256, 256, 256] as const;
const WIDE_MODES = ['symmetric', 'random'] as const;
const wideId = (mode: string) => `L${WIDE_HIDDEN.length}w-${mode}`;

const id = (hidden: readonly number[], mode: string) => `L${hidden.length}-${mode}`;
const oxfordId = (mode: string) => `oxford-L${OXFORD_HIDDEN.length}-${mode}`;
const SILENT = 'silent';
const OXFORD_SILENT = 'oxford-silent';

export const depth: Preset = {
  name: 'depth',
  figure: 'issue 17, depth that learns by default',
  summary: 'config/default.json with 1, 2 and 3 hidden layers under each feedback mode, and config/oxford.json with 2 (full form): final cost against depth, at each config\'s own η and w0.',
  claims: [
    { id: 'depth-learns', text: `every depth learns under symmetric and random feedback (final MSE ≤ ${LEARNED_RATIO}× block-0 MSE and ≤ ${LEARNED_RATIO}× a silent output's, every seed)`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
    { id: 'depth-learns-constant-width', text: `config/default.json with ${WIDE_HIDDEN.length} hidden layers of constant width (${WIDE_HIDDEN.join('-')}) learns under symmetric and random feedback (final MSE ≤ ${LEARNED_RATIO}× block-0 MSE and ≤ ${LEARNED_RATIO}× a silent output's, every seed)`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
    { id: 'depth-oxford-learns', text: `config/oxford.json with ${OXFORD_HIDDEN.length} hidden layers (${OXFORD_HIDDEN.join('-')}) learns under symmetric and random feedback (final MSE ≤ ${LEARNED_RATIO}× block-0 MSE and ≤ ${LEARNED_RATIO}× a silent output's, every seed)`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
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
    // One condition and a run per seed (each feedback mode of each network is one condition).
    const add = (cid: string, label: string, panel: string, hidden: readonly number[], config: (seed: number) => RunSpec['config']) => {
      conditions.push({ id: cid, label, panel, hiddenNeurons: hidden.reduce((a, b) => a + b, 0) });
      for (const seed of seedList(n)) runs.push({ condition: cid, seed, config: config(seed), analysis: {} });
    };
    const onDefault = (hidden: readonly number[], mode: FeedbackMode) => (seed: number) =>
      ({ ...base, task, hidden: [...hidden], feedback: mode, blocks: s.blocks, blockSeconds, seed });
    for (const hidden of depths) {
      for (const mode of s.modes) add(id(hidden, mode), `${hidden.join('-')}, ${mode}`, `${mode} feedback`, hidden, onDefault(hidden, mode));
    }
    // The constant width and the Oxford task: the full form only (above).
    const full = size === 'full';
    if (full) {
      for (const mode of WIDE_MODES) add(wideId(mode), `${WIDE_HIDDEN.join('-')}, ${mode}`, `${mode} feedback`, WIDE_HIDDEN, onDefault(WIDE_HIDDEN, mode));
    }
    // The cost of an output that never fires (all weights 0, burn-in only): falling silent also
    // halves a too-active network's cost, so "learns" must beat silence as well.
    conditions.push({ id: SILENT, label: 'silent output (w0 = 0, no training)', panel: 'silent output', hiddenNeurons: 0 });
    runs.push({ condition: SILENT, seed: 1, config: { ...base, task, hidden: [...depths[0]!], w0: 0, blocks: 0, blockSeconds }, analysis: {} });
    const notes = [`${size}: config/default.json (η ${base.eta}, w0 ${base.w0}, σ' floor ${base.surrogateFloorVolts ?? 'none'}, feedbackGate ${base.feedbackGate}, hidden η scale ${base.hiddenEtaScale}), hidden ${depths.map((h) => h.join('-')).join(' | ')}, ` +
      `${s.modes.join(', ')} feedback${full ? `, and ${WIDE_HIDDEN.join('-')} under ${WIDE_MODES.join(' and ')}` : ''}, ${n} seed(s), burn-in ${blockSeconds} s then ${s.blocks} blocks of ${blockSeconds} s`];
    const oxford = loadConfig(path.join(PACKAGE_ROOT, 'config', 'oxford.json')).config;
    if (full) {
      for (const mode of OXFORD_MODES) {
        add(oxfordId(mode), `Oxford ${OXFORD_HIDDEN.join('-')}, ${mode}`, `Oxford, ${OXFORD_HIDDEN.length} hidden layers`, OXFORD_HIDDEN,
          (seed) => ({ ...oxford, hidden: [...OXFORD_HIDDEN], feedback: mode, seed }));
      }
      conditions.push({ id: OXFORD_SILENT, label: 'Oxford, silent output (w0 = 0, no training)', panel: 'silent output', hiddenNeurons: 0 });
      runs.push({ condition: OXFORD_SILENT, seed: 1, config: { ...oxford, hidden: [...OXFORD_HIDDEN], w0: 0, blocks: 0 }, analysis: {} });
      notes.push(`${size}: config/oxford.json as it is (η ${oxford.eta}, w0 ${oxford.w0}, σ' floor ${oxford.surrogateFloorVolts ?? 'none'}, ρ ${oxford.regulariser.strength}, hidden η scale ${oxford.hiddenEtaScale}), hidden ${OXFORD_HIDDEN.join('-')}, ` +
        `${OXFORD_MODES.join(', ')} feedback, ${n} seed(s), burn-in ${oxford.blockSeconds} s then ${oxford.blocks} blocks of ${oxford.blockSeconds} s`);
    } else {
      notes.push(`${size}: the Oxford task with ${OXFORD_HIDDEN.length} hidden layers runs in the full form only (config/oxford.json's own ${oxford.blocks} blocks of ${oxford.blockSeconds} s)`);
    }
    return { conditions, runs, references: [], notes };
  },
  judge(results: RunResult[], plan: Plan): ClaimResult[] {
    // Each task against its own silent output.
    const silentOf = (cid: string) => runsOf(results, cid.startsWith('oxford') ? OXFORD_SILENT : SILENT)[0]?.finalCost ?? Number.NaN;
    const learned = (r: RunResult) => r.finalCost <= LEARNED_RATIO * r.initialCost && r.finalCost <= LEARNED_RATIO * silentOf(r.spec.condition);
    const verdict = (claim: string, conditions: Condition[], untested: string): ClaimResult => {
      if (conditions.length === 0) return { id: claim, status: 'not tested', numbers: untested };
      const silent = silentOf(conditions[0]!.id);
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
    const trained = plan.conditions.filter((c) => c.id !== SILENT && c.id !== OXFORD_SILENT);
    const isOxford = (c: Condition) => c.id.startsWith('oxford');
    const isWide = (c: Condition) => WIDE_MODES.some((m) => c.id === wideId(m));
    return [
      verdict('depth-learns', trained.filter((c) => !isOxford(c) && !isWide(c) && !c.id.endsWith('uniform')), 'no runs of these feedback modes at this size'),
      verdict('depth-learns-constant-width', trained.filter(isWide), 'the constant width runs in the full form only'),
      verdict('depth-oxford-learns', trained.filter(isOxford), 'the Oxford task runs in the full form only (config/oxford.json\'s own length)'),
      verdict('depth-uniform-learns', trained.filter((c) => !isOxford(c) && c.id.endsWith('uniform')), 'no runs of uniform feedback at this size'),
    ];
  },
};
