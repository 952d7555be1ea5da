/**
 * `superspike experiment NAME` — reproduce one of the paper's experiments: its runs go to
 * separate `superspike run` processes (shared among the processes of an MPI job, or emitted as a
 * Slurm job array), the results to results.csv / results.md / report.html, and one line per paper
 * claim says whether it holds here. `--list` shows the presets.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UserError } from '../../errors.js';
import { joinSweepJob } from '../../experiments/distribute.js';
import { PRESETS, findPreset, planFor, runPaperExperiment } from '../../experiments/index.js';
import { claimContext } from '../../experiments/paper.js';
import { planExperiment } from '../../experiments/dry-run.js';
import { emitSlurm, SLURM_ANALYSE_FILE, SLURM_ARRAY_FILE } from '../../experiments/slurm.js';
import { SweepStop } from '../../experiments/sweep-stop.js';
import { detectMpiLaunch } from '../../mpi/launcher.js';
import { coresPerLocalProcess, integerBetween, parseCount, parsePositiveInt } from '../options.js';
import { LIMITS } from '../../config/limits.js';

interface ExperimentCliOptions {
  list?: boolean;
  quick?: boolean;
  tiny?: boolean;
  seeds?: number;
  r0?: number | 'search';
  parallel?: number;
  out?: string;
  force?: boolean;
  emit?: 'slurm';
  onlyRun?: number;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command('experiment')
    .description('reproduce an experiment of the paper (Zenke & Ganguli 2018) and check its claims')
    .argument('[name]', 'preset name (see --list)')
    .option('--list', 'list the presets, their figures and claims')
    .option('--quick', 'a smaller version that runs in about two minutes on 2 cores and still tests each claim\'s direction')
    .addOption(new Option('--tiny', 'test only: the smallest version that exercises every file').hideHelp())
    .option('--seeds <n>', `seeds per condition (1..n, at most ${LIMITS.maxSeeds}); default: the preset's`, integerBetween(1, LIMITS.maxSeeds, `expected a whole number of seeds from 1 to ${LIMITS.maxSeeds}`))
    .option('--r0 <value>', 'base learning rate r0 for every condition (skips the grid search), or "search" to grid-search r0 over (10, 5, 1, 0.5, 0.1)e-3 at any size; default: the full form searches, --quick uses the preset\'s r0', parseR0)
    .option('--parallel <n>', `runs at the same time, one process each; default: the core count (${availableParallelism()} here)`, parsePositiveInt)
    .option('-o, --out <dir>', 'output folder (default: output/experiment-<name>)')
    .option('--force', 'recompute runs whose folders hold a different or damaged run (default: refuse to overwrite them)')
    .addOption(new Option('--emit <kind>', 'write the run folders and a job-array script instead of running').choices(['slurm']))
    .option('--only-run <i>', 'compute only run i of the plan and write no results (what --emit slurm\'s array tasks run)', parseCount)
    .option('--dry-run', 'check the plan, every run\'s config and data, and the run folders as the sweep would, print the plan (runs, simulated seconds, files) and exit 0, touching nothing')
    .addHelpText(
      'after',
      `
Writes DIR/results.csv (one row per run), DIR/results.md, DIR/report.html (learning curves per
condition: mean and min–max over seeds) and DIR/runs/<condition>/seed-<n>/ (each a normal run
folder). Prints "claim <id>: holds|fails|not tested (numbers)" per paper claim and exits 0
whatever the verdicts; 1 when a run fails or the model lacks a knob the experiment needs.
Results do not depend on --parallel: each run is fixed by its config and seed.

Running it again continues: complete runs of the same config and data are reused (from any
checkout), runs stopped by a signal continue from their checkpoints, and a folder holding a
different or damaged run is refused unless --force. SIGINT/SIGTERM stop the sweep: the running
runs write checkpoints and it exits 130/143.

Under mpirun/srun every process runs its share (run i on process i mod P) and process 0 writes
the results, the same bytes as a local sweep; the folder must be on a shared file system.
--emit slurm writes DIR/slurm-array.sh (one array task per run) and DIR/slurm-analyse.sh.

Examples:
  superspike experiment --list
  superspike experiment single-neuron --quick --out output/single
  superspike experiment hidden-layer --seeds 20 --parallel 2 --out output/hidden
  mpirun -np 4 superspike experiment xor --parallel 1 --out output/xor
  superspike experiment pattern --out output/pattern --dry-run     # the plan, checked; nothing run
  superspike experiment xor --emit slurm --r0 0.005 --out output/xor`,
    )
    .action(async (name: string | undefined, opts: ExperimentCliOptions) => {
      if (opts.list) {
        for (const p of PRESETS) {
          process.stdout.write(`${p.name} (${p.figure})\n  ${p.summary}\n`);
          for (const c of p.claims) {
            process.stdout.write(`  claim ${c.id}: ${c.text}\n`);
            for (const line of claimContext(c, true)) process.stdout.write(`    ${line}\n`);
          }
        }
        return;
      }
      if (name === undefined) throw new UserError('experiment: give a preset name, or --list to see them');
      if (opts.quick && opts.tiny) throw new UserError('experiment: --quick and --tiny exclude each other');
      if (opts.emit !== undefined && opts.onlyRun !== undefined) throw new UserError('experiment: --emit and --only-run exclude each other');
      if ((opts.emit !== undefined || opts.onlyRun !== undefined) && detectMpiLaunch().launcher !== null) {
        throw new UserError(`experiment: ${opts.emit !== undefined ? '--emit' : '--only-run'} is for a plain start, not under an MPI launcher (which shares the runs by itself)`);
      }
      const preset = findPreset(name);
      const size = opts.tiny ? 'tiny' : opts.quick ? 'quick' : 'full';
      const outDir = path.resolve(opts.out ?? path.join('output', `experiment-${name}`));
      if (opts.dryRun) {
        const job = opts.emit === undefined && opts.onlyRun === undefined ? joinSweepJob() : null;
        try {
          if (opts.emit === 'slurm' && planFor(preset, { size, seeds: opts.seeds, r0: opts.r0 }).r0Search !== undefined) {
            throw new UserError(`experiment --emit slurm: ${name} (${size}) grid-searches r0 first, so its runs are not fixed yet: give --r0 X (e.g. the r0 a search chose)`);
          }
          const lines = await planExperiment(preset, {
            size, seeds: opts.seeds, r0: opts.r0, outDir, force: opts.force, onlyRun: opts.onlyRun, processes: job?.processes,
            parallel: opts.parallel ?? (job === null ? availableParallelism() : coresPerLocalProcess()),
          });
          if (opts.emit === 'slurm') {
            lines.push(`  --emit slurm: would write the run folders, ${path.join(outDir, SLURM_ARRAY_FILE)} (one array task per run) and ${path.join(outDir, SLURM_ANALYSE_FILE)}`);
          }
          job?.finalize();
          if (job === null || job.process === 0) process.stdout.write(`${lines.join('\n')}\n`);
        } catch (err) {
          if (job !== null && job.processes > 1) {
            process.stderr.write(`superspike: ${(err as Error).message} [process ${job.process} of ${job.processes}]\n`);
            job.abort(err instanceof UserError ? err.exitCode : 1);
          }
          throw err;
        }
        return;
      }
      if (opts.emit === 'slurm') {
        const plan = planFor(preset, { size, seeds: opts.seeds, r0: opts.r0 });
        if (plan.r0Search !== undefined) {
          throw new UserError(`experiment --emit slurm: ${name} (${size}) grid-searches r0 first, so its runs are not fixed yet: give --r0 X (e.g. the r0 a search chose)`);
        }
        const args = [
          name, ...(size === 'full' ? [] : [`--${size}`]), ...(opts.seeds ? ['--seeds', String(opts.seeds)] : []),
          ...(opts.r0 !== undefined ? ['--r0', String(opts.r0)] : []), '--out', outDir,
        ];
        const { files, complete } = emitSlurm(plan.runs, outDir, args, opts.force ?? false);
        process.stdout.write(`wrote ${plan.runs.length} run folders under ${path.join(outDir, 'runs')} (${complete} already complete) and ${files.join(', ')}\n`);
        process.stdout.write(`submit: jobid=$(sbatch --parsable ${files[0]}) && sbatch --dependency=afterok:$jobid ${files[1]}\n`);
        return;
      }
      const job = opts.onlyRun === undefined ? joinSweepJob() : null;
      const stop = new SweepStop();
      const removeHandlers = stop.install();
      try {
        await runPaperExperiment(preset, {
          size,
          seeds: opts.seeds,
          r0: opts.r0,
          parallel: opts.parallel ?? (job === null ? availableParallelism() : coresPerLocalProcess()),
          outDir,
          force: opts.force,
          stop,
          job,
          onlyRun: opts.onlyRun,
          log: (line) => process.stderr.write(`${line}\n`),
          print: (line) => process.stdout.write(`${line}\n`),
        });
        job?.finalize();
      } catch (err) {
        if (job !== null && job.processes > 1) {
          // One process failing or stopped ends the job: say why here, then let the launcher stop the others.
          process.stderr.write(`superspike: ${(err as Error).message} [process ${job.process} of ${job.processes}]\n`);
          job.abort(err instanceof UserError ? err.exitCode : 1);
        }
        throw err;
      } finally {
        removeHandlers();
      }
    });
}

/** `--r0`: a positive number, or "search". */
function parseR0(value: string): number | 'search' {
  if (value === 'search') return value;
  const r0 = Number(value);
  if (!(Number.isFinite(r0) && r0 > 0) || value.trim() === '') throw new InvalidArgumentError('expected a positive number or "search"');
  return r0;
}
