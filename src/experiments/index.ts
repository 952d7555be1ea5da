/**
 * The paper's experiments, in the order `superspike experiment --list` shows them, and the
 * function that runs one: plan → parallel runs (this process's share of them under MPI) →
 * results files → one line per claim.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { depth } from './depth.js';
import { ensureOutDir } from '../io/out-lock.js';
import { formatG6 } from '../io/stats.js';
import { ownsRun, type SweepJob } from './distribute.js';
import { hiddenLayer } from './hidden-layer.js';
import { learningRate } from './learning-rate.js';
import { oxford } from './oxford.js';
import { claimContext } from './paper.js';
import { pattern } from './pattern.js';
import { chooseR0, r0SearchMarkdown } from './r0-search.js';
import { regulariser } from './regulariser.js';
import { sequence } from './sequence.js';
import { claimLine, writeResults } from './results.js';
import { collectRuns, runShare } from './runner.js';
import { singleNeuron } from './single-neuron.js';
import type { SweepStop } from './sweep-stop.js';
import type { ClaimResult, ExperimentSize, Plan, Preset, RunResult, RunSpec } from './types.js';
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
  /** A fixed r0 for every condition, or 'search' for the grid search at any size (r0-search.ts). */
  r0?: number | 'search';
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

/** The plan for these options: the preset's, with --r0 turned into its plan options. */
export function planFor(preset: Preset, opts: Pick<ExperimentOptions, 'size' | 'seeds' | 'r0'>): Plan {
  if (opts.r0 !== undefined && preset.fixedR0 !== undefined) throw new UserError(`experiment ${preset.name}: --r0 does not apply: ${preset.fixedR0}`);
  return preset.plan({
    size: opts.size, seeds: opts.seeds, r0: typeof opts.r0 === 'number' ? opts.r0 : undefined, searchR0: opts.r0 === 'search' ? true : undefined,
  });
}

/**
 * Plan, runs, results. A plan that grid-searches r0 (r0-search.ts) runs its search first, into
 * DIR/r0-search, and continues with each condition's chosen r0. Under MPI (`job`) every process
 * runs its share of each phase; after each phase's barrier every process reads the others' runs
 * (so all choose the same r0), and process 0 analyses; the others return null. With `onlyRun`,
 * null after that run.
 */
export async function runPaperExperiment(preset: Preset, opts: ExperimentOptions): Promise<ExperimentOutcome | null> {
  let plan = planFor(preset, opts);
  const log = opts.log ?? (() => {});
  const print = opts.print ?? (() => {});
  const job = opts.job ?? null;
  if (opts.onlyRun !== undefined && plan.r0Search !== undefined) {
    throw new UserError(`--only-run: ${preset.name} (${opts.size}) grid-searches r0 first, so its runs are not fixed yet: give --r0 X`);
  }
  if (opts.onlyRun !== undefined && opts.onlyRun >= plan.runs.length) {
    throw new UserError(`--only-run ${opts.onlyRun}: ${preset.name} (${opts.size}) has runs 0..${plan.runs.length - 1}`);
  }
  const mine = (i: number) => (opts.onlyRun !== undefined ? i === opts.onlyRun : job === null || ownsRun(i, job.process, job.processes));
  ensureOutDir(opts.outDir);
  const where = job === null ? '' : ` (process ${job.process} of ${job.processes}: runs i with i mod ${job.processes} = ${job.process})`;
  const started = performance.now();
  /**
   * Every run of `runs` in `outDir`: this process's share computed, the others' read after the
   * barrier — by every process when all need the results (`everyone`), else by process 0 only.
   */
  const runPhase = async (runs: readonly RunSpec[], outDir: string, everyone: boolean): Promise<RunResult[] | null> => {
    const own = await runShare(runs, {
      outDir,
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
    job?.barrier();
    if (!everyone && job !== null && job.process !== 0) return null;
    // Runs of other processes: complete on the shared file system once the barrier is passed.
    const collected = await collectRuns(runs.filter((_, i) => own[i] === undefined), outDir);
    return runs.map((_, i) => own[i] ?? collected.shift()!);
  };
  const extraFiles: string[] = [];
  if (plan.r0Search !== undefined) {
    const search = plan.r0Search;
    const searchDir = path.join(opts.outDir, 'r0-search');
    log(`experiment ${preset.name} (${opts.size}): r0 grid search, ${search.runs.length} runs, ${opts.parallel} at a time, into ${searchDir}${where}`);
    const choices = chooseR0(search, (await runPhase(search.runs, searchDir, true))!);
    if (job === null || job.process === 0) {
      const file = path.join(opts.outDir, 'r0-search.md');
      writeFileSync(file, r0SearchMarkdown(choices, new Set(search.runs.map((r) => r.seed)).size));
      extraFiles.push(file);
      for (const c of choices) print(`r0 ${c.condition}: ${c.r0}`);
    }
    plan = search.finalise(new Map(choices.map((c) => [c.condition, c.r0])));
  }
  log(`experiment ${preset.name} (${opts.size}): ${plan.runs.length} runs, ${opts.parallel} at a time, into ${opts.outDir}${where}`);
  const results = await runPhase(plan.runs, opts.outDir, false);
  if (results === null) return null;
  const wallSeconds = (performance.now() - started) / 1000;
  const claims = preset.judge(results, plan);
  const files = [...writeResults(opts.outDir, preset, plan, results, claims, wallSeconds), ...extraFiles];
  for (const c of claims) {
    print(claimLine(c));
    const paper = preset.claims.find((p) => p.id === c.id);
    if (paper) for (const line of claimContext(paper)) print(`  ${line}`);
  }
  print(`wrote ${files.join(', ')} (${results.length} runs, wall ${wallSeconds.toFixed(1)} s)`);
  return { results, claims, files, wallSeconds };
}
