/**
 * `experiment NAME --dry-run`: every check the sweep makes before it starts a run — the plan
 * (preset, size, seeds, r0), each run's config validated and its task built as `run` would, the
 * data files, the output folder, and each run folder as the runner would judge it (reused,
 * resumed, run, or refused without --force; locked by a live run) — and the plan in words:
 * runs, conditions, simulated seconds, runs at a time, files. Reads only.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { validateConfig } from '../config/load.js';
import { resolveTask } from '../config/task.js';
import { scheduleFor } from '../engine/setup.js';
import { UserError } from '../errors.js';
import { checkOutFolder, checkOutLockFree } from '../io/out-lock.js';
import { DT_SECONDS } from '../model/constants.js';
import { CLI_PATH } from '../paths.js';
import { planFor, type ExperimentOptions } from './index.js';
import { runDir, runKeys } from './runner.js';
import { folderState } from './sweep-folder.js';
import type { Preset, RunSpec } from './types.js';

export type ExperimentDryRunOptions = Pick<ExperimentOptions, 'size' | 'seeds' | 'r0' | 'parallel' | 'outDir' | 'force' | 'onlyRun'> & {
  /** Processes of the MPI job that would share the runs (1: a local sweep). */
  processes?: number;
};

/** Lines describing the sweep; throws the UserError the sweep would throw. */
export async function planExperiment(preset: Preset, opts: ExperimentDryRunOptions): Promise<string[]> {
  const plan = planFor(preset, opts);
  if (opts.onlyRun !== undefined && plan.r0Search !== undefined) {
    throw new UserError(`--only-run: ${preset.name} (${opts.size}) grid-searches r0 first, so its runs are not fixed yet: give --r0 X`);
  }
  if (opts.onlyRun !== undefined && opts.onlyRun >= plan.runs.length) {
    throw new UserError(`--only-run ${opts.onlyRun}: ${preset.name} (${opts.size}) has runs 0..${plan.runs.length - 1}`);
  }
  if (!existsSync(CLI_PATH)) throw new UserError(`${CLI_PATH} is missing: build first (npm run build)`);
  checkOutFolder(opts.outDir);
  const mine = (i: number) => opts.onlyRun === undefined || i === opts.onlyRun;
  const lines = [`superspike experiment ${preset.name} --dry-run: every check passed; nothing was written`];
  lines.push(`  ${preset.name} (${preset.figure}), ${opts.size}: conditions ${plan.conditions.map((c) => c.id).join(', ')}`);
  const processes = opts.processes ?? 1;
  const share = processes > 1 ? `, shared by ${processes} MPI processes (run i on process i mod ${processes})` : '';
  const phase = async (runs: readonly RunSpec[], outDir: string, what: string) => {
    const counts = { run: 0, resume: 0, reuse: 0 };
    let simulated = 0;
    const keys = runKeys(runs);
    for (const [i, spec] of runs.entries()) {
      if (!mine(i)) continue;
      for (const key of ['input', 'target'] as const) {
        const file = spec.config[key];
        if (typeof file === 'string' && !existsSync(file)) throw new UserError(`experiment data file ${file} is missing (it ships in data/ssbm)`);
      }
      // The run's config as `run` reads it, and its task and schedule as `run` builds them.
      const config = validateConfig(spec.config, `run ${spec.condition} seed ${spec.seed}`);
      const task = await resolveTask(config, { onWarning: () => {} });
      simulated += scheduleFor(config, task).endStep * DT_SECONDS;
      const dir = runDir(outDir, spec);
      if (existsSync(dir)) checkOutLockFree(dir);
      const state = folderState(dir, spec, keys[i]!);
      if (state.kind === 'other' && !opts.force) {
        throw new UserError(`${dir} holds a finished or foreign run that this sweep would overwrite (${state.why}): run with --force to recompute it, or choose another --out`);
      }
      if (state.kind === 'done') counts.reuse++;
      else if (state.kind === 'resume') counts.resume++;
      else counts.run++;
    }
    const n = counts.run + counts.resume + counts.reuse;
    lines.push(`  ${what}: ${n} run${n === 1 ? '' : 's'} into ${outDir} — ${counts.run} to run, ${counts.resume} to resume from checkpoints, ${counts.reuse} complete (reused); ` +
      `${Number(simulated.toFixed(3))} simulated s in all, ${opts.parallel} at a time, one worker each${share}`);
  };
  if (plan.r0Search !== undefined) {
    await phase(plan.r0Search.runs, path.join(opts.outDir, 'r0-search'), `r0 grid search over ${plan.r0Search.grid.join(', ')}`);
    lines.push(`  then the runs of every condition at its chosen r0 (written to r0-search.md)`);
  } else {
    await phase(plan.runs, opts.outDir, opts.onlyRun === undefined ? 'runs' : `run ${opts.onlyRun} only (no results)`);
  }
  if (opts.onlyRun === undefined) lines.push(`  files: ${['results.csv', 'results.md', 'report.html', ...(plan.r0Search ? ['r0-search.md'] : [])].map((f) => path.join(opts.outDir, f)).join(', ')}`);
  return lines;
}
