/**
 * `superspike experiment NAME` — reproduce one of the paper's experiments: its runs go to
 * separate `superspike run` processes, the results to results.csv / results.md / report.html,
 * and one line per paper claim says whether it holds here. `--list` shows the presets.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UserError } from '../../errors.js';
import { PRESETS, findPreset, runPaperExperiment } from '../../experiments/index.js';
import { parsePositiveInt } from '../options.js';

interface ExperimentCliOptions {
  list?: boolean;
  quick?: boolean;
  tiny?: boolean;
  seeds?: number;
  r0?: number | 'search';
  parallel?: number;
  out?: string;
}

export function register(program: Command): void {
  program
    .command('experiment')
    .description('reproduce an experiment of the paper (Zenke & Ganguli 2018) and check its claims')
    .argument('[name]', 'preset name (see --list)')
    .option('--list', 'list the presets, their figures and claims')
    .option('--quick', 'a smaller version that runs in about two minutes on 2 cores and still tests each claim\'s direction')
    .addOption(new Option('--tiny', 'test only: the smallest version that exercises every file').hideHelp())
    .option('--seeds <n>', 'seeds per condition (1..n); default: the preset\'s', parsePositiveInt)
    .option('--r0 <value>', 'base learning rate r0 for every condition (skips the grid search), or "search" to grid-search r0 over (10, 5, 1, 0.5, 0.1)e-3 at any size; default: the full form searches, --quick uses the preset\'s r0', parseR0)
    .option('--parallel <n>', `runs at the same time, one process each; default: the core count (${availableParallelism()} here)`, parsePositiveInt)
    .option('-o, --out <dir>', 'output folder (default: output/experiment-<name>)')
    .addHelpText(
      'after',
      `
Writes DIR/results.csv (one row per run), DIR/results.md, DIR/report.html (learning curves per
condition: mean and min–max over seeds) and DIR/runs/<condition>/seed-<n>/ (each a normal run
folder). Prints "claim <id>: holds|fails|not tested (numbers)" per paper claim and exits 0
whatever the verdicts; 1 when a run fails or the model lacks a knob the experiment needs.
Results do not depend on --parallel: each run is fixed by its config and seed.

Examples:
  superspike experiment --list
  superspike experiment single-neuron --quick --out output/single
  superspike experiment hidden-layer --seeds 20 --parallel 2 --out output/hidden`,
    )
    .action(async (name: string | undefined, opts: ExperimentCliOptions) => {
      if (opts.list) {
        for (const p of PRESETS) {
          process.stdout.write(`${p.name} (${p.figure})\n  ${p.summary}\n`);
          for (const c of p.claims) process.stdout.write(`  claim ${c.id}: ${c.text} (${c.source}${c.paperNumber ? `; paper: ${c.paperNumber}` : ''})\n    test: ${c.test}\n`);
        }
        return;
      }
      if (name === undefined) throw new UserError('experiment: give a preset name, or --list to see them');
      if (opts.quick && opts.tiny) throw new UserError('experiment: --quick and --tiny exclude each other');
      const preset = findPreset(name);
      await runPaperExperiment(preset, {
        size: opts.tiny ? 'tiny' : opts.quick ? 'quick' : 'full',
        seeds: opts.seeds,
        r0: opts.r0,
        parallel: opts.parallel ?? availableParallelism(),
        outDir: path.resolve(opts.out ?? path.join('output', `experiment-${name}`)),
        log: (line) => process.stderr.write(`${line}\n`),
        print: (line) => process.stdout.write(`${line}\n`),
      });
    });
}

/** `--r0`: a positive number, or "search". */
function parseR0(value: string): number | 'search' {
  if (value === 'search') return value;
  const r0 = Number(value);
  if (!(Number.isFinite(r0) && r0 > 0) || value.trim() === '') throw new InvalidArgumentError('expected a positive number or "search"');
  return r0;
}
