/**
 * The paper's experiments, in the order `superspike experiment --list` shows them, and the
 * function that runs one: plan → parallel runs → results files → one line per claim.
 */
import { mkdirSync } from 'node:fs';
import { UserError } from '../errors.js';
import { formatG6 } from '../io/stats.js';
import { hiddenLayer } from './hidden-layer.js';
import { learningRate } from './learning-rate.js';
import { oxford } from './oxford.js';
import { pattern } from './pattern.js';
import { regulariser } from './regulariser.js';
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
  const plan = preset.plan({ size: opts.size, seeds: opts.seeds });
  const log = opts.log ?? (() => {});
  const print = opts.print ?? (() => {});
  mkdirSync(opts.outDir, { recursive: true });
  log(`experiment ${preset.name} (${opts.size}): ${plan.runs.length} runs, ${opts.parallel} at a time, into ${opts.outDir}`);
  const started = performance.now();
  const results = await runAll(plan.runs, {
    outDir: opts.outDir,
    parallel: opts.parallel,
    onRunDone: (r, done, total, reused) => {
      // Six significant digits, as the stats file (0.991667, not 0.9916666666666668).
      const accuracy = r.accuracy === null ? '' : `, accuracy ${formatG6(r.accuracy)}`;
      const cost = typeof r.finalCost === 'number' ? formatG6(r.finalCost) : String(r.finalCost);
      log(`  ${done}/${total} ${r.spec.condition} seed ${r.spec.seed}: final cost ${cost}${accuracy} (${reused ? 'reused: completed run of the same config' : `${r.wallSeconds.toFixed(1)} s`})`);
    },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const claims = preset.judge(results, plan);
  const files = writeResults(opts.outDir, preset, plan, results, claims, wallSeconds);
  for (const c of claims) print(claimLine(c));
  print(`wrote ${files.join(', ')} (${results.length} runs, wall ${wallSeconds.toFixed(1)} s)`);
  return { results, claims, files, wallSeconds };
}
