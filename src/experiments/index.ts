/**
 * The paper's experiments, in the order `superspike experiment --list` shows them, and the
 * function that runs one: plan → parallel runs → results files → one line per claim.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { hiddenLayer } from './hidden-layer.js';
import { learningRate } from './learning-rate.js';
import { oxford } from './oxford.js';
import { pattern } from './pattern.js';
import { regulariser } from './regulariser.js';
import { chooseR0, r0SearchMarkdown } from './r0-search.js';
import { claimLine, writeResults } from './results.js';
import { runAll } from './runner.js';
import { singleNeuron } from './single-neuron.js';
import type { ClaimResult, ExperimentSize, Preset, RunResult } from './types.js';
import { xor } from './xor.js';

export const PRESETS: readonly Preset[] = [learningRate, singleNeuron, hiddenLayer, xor, pattern, regulariser, oxford];

export function findPreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) throw new UserError(`no experiment "${name}" (known: ${PRESETS.map((p) => p.name).join(', ')})`);
  return preset;
}

export interface ExperimentOptions {
  size: ExperimentSize;
  seeds?: number;
  /** A fixed r0 for every condition, or 'search' for the grid search at any size (r0-search.ts). */
  r0?: number | 'search';
  parallel: number;
  outDir: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Claim lines and file names (stdout in the CLI). */
  print?: (line: string) => void;
}

export interface ExperimentOutcome {
  results: RunResult[];
  claims: ClaimResult[];
  files: string[];
  wallSeconds: number;
}

export async function runPaperExperiment(preset: Preset, opts: ExperimentOptions): Promise<ExperimentOutcome> {
  if (opts.r0 !== undefined && preset.fixedR0 !== undefined) throw new UserError(`experiment ${preset.name}: --r0 does not apply: ${preset.fixedR0}`);
  let plan = preset.plan({
    size: opts.size, seeds: opts.seeds, r0: typeof opts.r0 === 'number' ? opts.r0 : undefined, searchR0: opts.r0 === 'search' ? true : undefined,
  });
  const log = opts.log ?? (() => {});
  const print = opts.print ?? (() => {});
  mkdirSync(opts.outDir, { recursive: true });
  const started = performance.now();
  const onRunDone = (r: RunResult, done: number, total: number, reused: boolean) => {
    const accuracy = r.accuracy === null ? '' : `, accuracy ${r.accuracy}`;
    log(`  ${done}/${total} ${r.spec.condition} seed ${r.spec.seed}: final cost ${r.finalCost}${accuracy} (${reused ? 'reused: completed run of the same config' : `${r.wallSeconds.toFixed(1)} s`})`);
  };
  const extraFiles: string[] = [];
  if (plan.r0Search !== undefined) {
    const search = plan.r0Search;
    const searchDir = path.join(opts.outDir, 'r0-search');
    log(`experiment ${preset.name} (${opts.size}): r0 grid search, ${search.runs.length} runs, ${opts.parallel} at a time, into ${searchDir}`);
    const choices = chooseR0(search, await runAll(search.runs, { outDir: searchDir, parallel: opts.parallel, onRunDone }));
    const seeds = new Set(search.runs.map((r) => r.seed)).size;
    const file = path.join(opts.outDir, 'r0-search.md');
    writeFileSync(file, r0SearchMarkdown(choices, seeds));
    extraFiles.push(file);
    for (const c of choices) print(`r0 ${c.condition}: ${c.r0}`);
    plan = search.finalise(new Map(choices.map((c) => [c.condition, c.r0])));
  }
  log(`experiment ${preset.name} (${opts.size}): ${plan.runs.length} runs, ${opts.parallel} at a time, into ${opts.outDir}`);
  const results = await runAll(plan.runs, { outDir: opts.outDir, parallel: opts.parallel, onRunDone });
  const wallSeconds = (performance.now() - started) / 1000;
  const claims = preset.judge(results, plan);
  const files = [...writeResults(opts.outDir, preset, plan, results, claims, wallSeconds), ...extraFiles];
  for (const c of claims) print(claimLine(c));
  print(`wrote ${files.join(', ')} (${results.length} runs, wall ${wallSeconds.toFixed(1)} s)`);
  return { results, claims, files, wallSeconds };
}
