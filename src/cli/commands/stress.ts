/** `superspike stress` — prove the synchronisation scheme: same bytes under jitter and any R. */
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { resolveTask } from '../../config/task.js';
import { runStress, type StressRun } from '../../engine/stress.js';
import { UserError } from '../../errors.js';
import { formatLayout, type Layout } from '../../engine/mpi-launch.js';
import { parseLayoutList, parseNonNegative, parsePositiveInt, parseCount, parseWorkerList } from '../options.js';

interface StressCliOptions {
  workers: number[];
  layouts?: Layout[];
  jitterUs: number;
  repeat: number;
  out: string;
  blocks?: number;
  hangTimeout: number;
  rankOrderMerge?: boolean;
}

export function formatStressRun(run: StressRun): string {
  const waits = run.timings
    .map((t) => `r${t.rank} ${t.waitMinMs.toFixed(3)}/${t.waitMedianMs.toFixed(3)}/${t.waitMaxMs.toFixed(1)}`)
    .join('  ');
  const verdict = run.error ? `FAILED: ${run.error}` : run.mismatches.length ? `MISMATCH: ${run.mismatches.join(', ')}` : 'identical';
  const where = run.layout.processes === 1 ? `workers ${String(run.layout.threads).padStart(2)}` : `layout ${formatLayout(run.layout)} (mpirun)`;
  return `${where}  repeat ${run.repeat}  wall ${run.wallSeconds.toFixed(2)} s  ${verdict}\n` +
    (waits ? `    barrier wait ms min/median/max per rank: ${waits}\n` : '');
}

export function register(program: Command): void {
  program
    .command('stress')
    .description('run one config under several worker counts with random delays before exchanges; fail unless every output is byte-identical')
    .argument('[config]', 'experiment config (JSON); default: the built-in task')
    .option('--workers <list>', 'worker counts to compare', parseWorkerList, [1, 2, 3, 8])
    .option('--layouts <list>', 'processes x threads to compare, e.g. 1x2,2x1,2x2 (processes > 1 run under mpirun; /tcp forces TCP)', parseLayoutList)
    .option('--jitter-us <us>', 'random sleep of up to this many µs before every exchange', parseNonNegative, 500)
    .option('--repeat <k>', 'repeat every worker count k times', parsePositiveInt, 1)
    .option('--blocks <n>', 'override the config\'s number of blocks (keep stress runs short)', parseCount)
    .option('-o, --out <dir>', 'folder for the runs\' outputs', 'output/stress')
    .option('--hang-timeout <s>', 'declare a rank hung after this long without progress', parseNonNegative, 30)
    .addOption(new Option('--rank-order-merge', 'test only: deliberately break the spike order').hideHelp())
    .addHelpText(
      'after',
      `
Layouts with more than one process run under mpirun (OpenMPI; root and oversubscription
allowed). Compares the merged spikes of every group, the stats file and the network state of every run
with the first run's; exits 1 on any mismatch, failure or hang.

Examples:
  superspike stress --blocks 2
  superspike stress config/default.json --workers 1,2,3,8 --jitter-us 500 --repeat 3 --blocks 1
  superspike stress --layouts 1x2,2x1,2x2,3x1/tcp --blocks 1          # MPI processes × threads`,
    )
    .action(async (configFile: string | undefined, opts: StressCliOptions) => {
      const { config } = loadConfig(configFile, { blocks: opts.blocks });
      const task = await resolveTask(config);
      const layouts = opts.layouts ?? opts.workers.map((threads) => ({ processes: 1, threads, tcp: false }));
      process.stdout.write(`stress: ${task.description}; layouts ${layouts.map(formatLayout).join(',')}, jitter ≤ ${opts.jitterUs} µs, ${opts.repeat} repeat(s)\n`);
      const report = await runStress(config, task, {
        layouts,
        jitterMicros: opts.jitterUs,
        repeat: opts.repeat,
        outDir: opts.out,
        hangTimeoutSeconds: opts.hangTimeout,
        rankOrderMerge: opts.rankOrderMerge,
        onRun: (run) => process.stdout.write(formatStressRun(run)),
      });
      if (!report.ok) throw new UserError(`stress: outputs differ between runs (or a run failed); see above`);
      process.stdout.write(`stress: all ${report.runs.length} runs byte-identical\n`);
    });
}
