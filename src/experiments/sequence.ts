/**
 * The sequence benchmark (SSBM `seqgen`, issue 17): a 4-spike cue, then 100 output neurons firing
 * one after another, 10 ms apart, over 1 s. A feed-forward network's memory of the cue is a few
 * synaptic and membrane time constants (~10–50 ms), so it can at best reproduce the sequence's
 * start; config/sequence.json adds a recurrent hidden layer. Compares feed-forward against
 * recurrent hidden layers over widths, symmetric and random feedback and seeds; the verdicts say
 * what was measured, whatever it is.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { PACKAGE_ROOT } from '../paths.js';
import { fmt, mean, meanFinalCost, runsOf, seedList, valuesOf } from './summary.js';
import type { ClaimResult, Condition, Plan, PlanOptions, Preset, RunResult, RunSpec } from './types.js';

const MODES = ['symmetric', 'random'] as const;
/** Recall is scored from this long after the cue: beyond any feed-forward memory of it. */
const RECALL_AFTER_SECONDS = 0.1;
/** "Reproduces the sequence": a late-recall score at least this (analysis.ts, lateRecall). */
const RECALL_NEEDED = 0.5;
/** "Recurrent helps": final cost at most this fraction of the feed-forward cost. */
const COST_RATIO = 0.5;

const SIZES = {
  full: { widths: [128, 256], blocks: 20, blockSeconds: 15, seeds: 3 },
  quick: { widths: [128], blocks: 4, blockSeconds: 6, seeds: 1 },
  tiny: { widths: [32], blocks: 1, blockSeconds: 1.5, seeds: 1 },
} as const;

const id = (wiring: 'ff' | 'rec', width: number, mode: string) => `${wiring}-${width}-${mode}`;

export const sequence: Preset = {
  name: 'sequence',
  figure: 'issue 17, SSBM seqgen',
  summary: 'A 4-spike cue, then 100 outputs firing in sequence over 1 s: feed-forward against recurrent hidden layers (config/sequence.json).',
  claims: [
    { id: 'sequence-recurrent-halves-cost', text: `a recurrent hidden layer reaches a final cost ≤ ${COST_RATIO}× the feed-forward cost (every width and feedback)`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
    { id: 'sequence-recurrent-recalls-late', text: `with a recurrent hidden layer the output reproduces the sequence beyond ${RECALL_AFTER_SECONDS * 1000} ms after the cue (late-recall score ≥ ${RECALL_NEEDED})`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
    { id: 'sequence-feedforward-forgets', text: `a feed-forward network does not reproduce the sequence beyond ${RECALL_AFTER_SECONDS * 1000} ms after the cue (late-recall score < ${RECALL_NEEDED})`, source: 'issue 17', origin: 'this project', test: 'as the claim states' },
  ],
  plan({ size, seeds }: PlanOptions): Plan {
    const s = SIZES[size];
    const n = seeds ?? s.seeds;
    const base = loadConfig(path.join(PACKAGE_ROOT, 'config', 'sequence.json')).config;
    // The feed-forward network keeps the recurrent config's input scaling: only the recurrence goes.
    const feedForward = (base.connections ?? []).filter((c) => c.from !== c.to);
    const conditions: Condition[] = [];
    const runs: RunSpec[] = [];
    for (const width of s.widths) {
      for (const mode of MODES) {
        for (const wiring of ['ff', 'rec'] as const) {
          const cid = id(wiring, width, mode);
          conditions.push({ id: cid, label: `${wiring === 'ff' ? 'feed-forward' : 'recurrent'} ${width}, ${mode}`, panel: `${width} hidden, ${mode} feedback`, hiddenNeurons: width });
          for (const seed of seedList(n)) {
            runs.push({
              condition: cid, seed,
              config: {
                ...base, hidden: [width], feedback: mode, blocks: s.blocks, blockSeconds: s.blockSeconds, seed,
                connections: wiring === 'ff' ? feedForward : base.connections,
              },
              analysis: { recallAfterSeconds: RECALL_AFTER_SECONDS },
            });
          }
        }
      }
    }
    return {
      conditions, runs, references: [],
      notes: [`${size}: config/sequence.json (4 → N → 100, recurrent weight scale ${base.connections?.find((c) => c.from === c.to)?.weightScale ?? 1}), ` +
        `widths ${s.widths.join(', ')}, symmetric and random feedback, ${n} seed(s), burn-in ${s.blockSeconds} s then ${s.blocks} blocks of ${s.blockSeconds} s; ` +
        `recall scored over the last block from ${RECALL_AFTER_SECONDS * 1000} ms after the cue (±5 ms, same neuron)`],
    };
  },
  judge(results: RunResult[], plan: Plan): ClaimResult[] {
    const pairs = plan.conditions.filter((c) => c.id.startsWith('rec-')).map((c) => ({ rec: c.id, ff: c.id.replace(/^rec-/, 'ff-') }));
    const recall = (cid: string) => mean(valuesOf(results, cid, (r) => r.lateRecall ?? null));
    const ratios = pairs.map((p) => ({ ...p, ratio: meanFinalCost(results, p.rec) / meanFinalCost(results, p.ff) }));
    const ratioText = ratios.map((r) => `${r.rec}: ${fmt(meanFinalCost(results, r.rec))} vs ${fmt(meanFinalCost(results, r.ff))} (×${fmt(r.ratio)})`).join('; ');
    const recRecall = pairs.map((p) => ({ id: p.rec, value: recall(p.rec) }));
    const ffRecall = pairs.map((p) => ({ id: p.ff, value: recall(p.ff) }));
    const recallText = (xs: Array<{ id: string; value: number }>) => xs.map((x) => `${x.id} ${fmt(x.value)}`).join(', ');
    const seeds = Math.max(...plan.conditions.map((c) => runsOf(results, c.id).length));
    return [
      {
        id: 'sequence-recurrent-halves-cost',
        status: ratios.length > 0 && ratios.every((r) => r.ratio <= COST_RATIO) ? 'holds' : 'fails',
        numbers: `final cost, mean of ${seeds} seed(s): ${ratioText}`,
      },
      {
        id: 'sequence-recurrent-recalls-late',
        status: recRecall.length > 0 && recRecall.every((x) => x.value >= RECALL_NEEDED) ? 'holds' : 'fails',
        numbers: `late-recall score (last block): ${recallText(recRecall)}`,
      },
      {
        id: 'sequence-feedforward-forgets',
        status: ffRecall.length > 0 && ffRecall.every((x) => x.value < RECALL_NEEDED) ? 'holds' : 'fails',
        numbers: `late-recall score (last block): ${recallText(ffRecall)}`,
      },
    ];
  },
};
