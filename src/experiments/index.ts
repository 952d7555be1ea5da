/**
 * The paper's experiments, in the order `superspike experiment --list` shows them, and the
 * function that runs one: plan → parallel runs (this process's share of them under MPI) →
 * results files → one line per claim.
 */
import { UserError } from '../errors.js';
import { depth } from './depth.js';
import { ensureOutDir } from '../io/out-lock.js';
import { formatG6 } from '../io/stats.js';
import { ownsRun, type SweepJob } from './distribute.js';
import { hiddenLayer } from './hidden-layer.js';
import { learningRate } from './learning-rate.js';
import { oxford } from './oxford.js';
import { pattern } from './pattern.js';
import { regulariser } from './regulariser.js';
import { sequence } from './sequence.js';
import { claimLine, writeResults } from './results.js';
import { collectRuns, runShare } from './runner.js';
import { singleNeuron } from './single-neuron.js';
import type { SweepStop } from './sweep-stop.js';
import type { ClaimResult, ExperimentSize, Preset, RunResult } from './types.js';
import { xor } from './xor.js';

export const PRESETS: readonly Preset[] = [learningRate, singleNeuron, hiddenLayer, xor, pattern, regulariser, oxford, sequence, depth];

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
  /** Recompute runs whose folders hold a different or damaged run (default: refuse them). */
  force?: boolean;
  /** Stops the sweep on SIGINT/SIGTERM (runner.ts); default: never. */
  stop?: SweepStop;
  /** The MPI job this process belongs to (distribute.ts), or none: a local sweep. */
  job?: SweepJob | null;
  /** Compute only run `onlyRun` of the plan and write no results (a Slurm array task). */
  onlyRun?: number;
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

/**
 * Plan, runs, results. Under MPI (`job`) every process runs its share and returns null but
 * process 0, which analyses every run after the barrier; with `onlyRun`, null after that run.
 */
export async function runPaperExperiment(preset: Preset, opts: ExperimentOptions): Promise<ExperimentOutcome | null> {
  const plan = preset.plan({ size: opts.size, seeds: opts.seeds });
  const log = opts.log ?? (() => {});
  const print = opts.print ?? (() => {});
  const job = opts.job ?? null;
  if (opts.onlyRun !== undefined && opts.onlyRun >= plan.runs.length) {
    throw new UserError(`--only-run ${opts.onlyRun}: ${preset.name} (${opts.size}) has runs 0..${plan.runs.length - 1}`);
  }
  const mine = (i: number) => (opts.onlyRun !== undefined ? i === opts.onlyRun : job === null || ownsRun(i, job.process, job.processes));
  ensureOutDir(opts.outDir);
  const where = job === null ? '' : ` (process ${job.process} of ${job.processes}: runs i with i mod ${job.processes} = ${job.process})`;
  log(`experiment ${preset.name} (${opts.size}): ${plan.runs.length} runs, ${opts.parallel} at a time, into ${opts.outDir}${where}`);
  const started = performance.now();
  const own = await runShare(plan.runs, {
    outDir: opts.outDir,
    parallel: opts.parallel,
    force: opts.force,
    stop: opts.stop,
    mine,
    onRunDone: (r, done, total, origin) => {
      // Six significant digits, as the stats file (0.991667, not 0.9916666666666668).
      const accuracy = r.accuracy === null ? '' : `, accuracy ${formatG6(r.accuracy)}`;
      const cost = typeof r.finalCost === 'number' ? formatG6(r.finalCost) : String(r.finalCost);
      const how = origin === 'reused' ? 'reused: completed run of the same config' : `${origin === 'resumed' ? 'resumed from its checkpoint, ' : ''}${r.wallSeconds.toFixed(1)} s`;
      log(`  ${done}/${total} ${r.spec.condition} seed ${r.spec.seed}: final cost ${cost}${accuracy} (${how})`);
    },
  });
  if (opts.onlyRun !== undefined) return null;
  if (job !== null) {
    job.barrier();
    if (job.process !== 0) return null;
  }
  // Runs of other processes: complete on the shared file system once the barrier is passed.
  const others = plan.runs.filter((_, i) => own[i] === undefined);
  const collected = await collectRuns(others, opts.outDir);
  const results = plan.runs.map((_, i) => own[i] ?? collected.shift()!);
  const wallSeconds = (performance.now() - started) / 1000;
  const claims = preset.judge(results, plan);
  const files = writeResults(opts.outDir, preset, plan, results, claims, wallSeconds);
  for (const c of claims) print(claimLine(c));
  print(`wrote ${files.join(', ')} (${results.length} runs, wall ${wallSeconds.toFixed(1)} s)`);
  return { results, claims, files, wallSeconds };
}
