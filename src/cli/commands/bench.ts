/** `superspike bench` — print the engine's measured speed (see src/bench/bench.ts). */
import { Option, type Command } from 'commander';
import { DEFAULT_CASES, benchHeader, formatBenchTable, runBench, type BenchCase } from '../../bench/bench.js';
import { parseCountList, parsePositive, parsePositiveInt, parseSizeList } from '../options.js';

interface BenchCliOptions {
  seconds: number;
  warmup: number;
  json?: boolean;
  repeat: number;
  kernels: 'wasm' | 'reference';
  hidden?: number[];
  workers?: number[];
  feedback: 'symmetric' | 'random' | 'uniform';
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure wall time per simulated second, synapse updates/s, scaling and memory')
    .option('--seconds <s>', 'measured simulated seconds per case', parsePositive, 2)
    .option('--warmup <s>', 'warm-up simulated seconds per case (the burn-in)', parsePositive, 0.4)
    .option('--repeat <k>', 'runs per case; the table shows the median and the spread', parsePositiveInt, 3)
    .option('--json', 'print the results as JSON instead of a table')
    .addOption(new Option('--kernels <kind>', 'kernel implementation').choices(['wasm', 'reference']).default('wasm'))
    .option('--hidden <sizes>', 'run only this network (with --workers), e.g. 4096', parseSizeList)
    .option('--workers <list>', 'worker counts for --hidden, e.g. 1,2,4,8,16', parseCountList)
    .addOption(new Option('--feedback <mode>', 'feedback for --hidden').choices(['symmetric', 'random', 'uniform']).default('symmetric'))
    .addHelpText(
      'after',
      `
Default cases: 200-256-200 and 200-1024-200 (symmetric) on 1 and 2 workers, 200-1024-200 on 4
workers (oversubscribed on 2 cores), 200-4096-200 on 1 and 2 workers, 200-1024-1024-200 (random
feedback) on 2 workers. Task: 200 Poisson inputs at 10 Hz, 200 Poisson targets at 5 Hz.

Examples:
  npm run bench
  superspike bench --seconds 1 --json > bench.json
  superspike bench --hidden 4096 --workers 1,2,4,8,16`,
    )
    .action(async (opts: BenchCliOptions) => {
      let cases: BenchCase[] = DEFAULT_CASES;
      if (opts.hidden !== undefined) {
        cases = (opts.workers ?? [1, 2]).map((workers) => ({ label: 'custom', hidden: opts.hidden!, feedback: opts.feedback, workers }));
      }
      if (!opts.json) {
        process.stdout.write(`${benchHeader()}\n${opts.seconds} simulated s per run after ${opts.warmup} s warm-up, ${opts.repeat} runs per case\n\n`);
      }
      const results = await runBench({
        seconds: opts.seconds, warmupSeconds: opts.warmup, kernels: opts.kernels, cases, repeat: opts.repeat,
        onResult: (r) => {
          if (!opts.json) process.stderr.write(`  ${r.network} ${r.feedback} ×${r.workers}: ${r.wallSecondsPerSimSecond.toFixed(3)} s/s\n`);
        },
      });
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatBenchTable(results)}\n`);
    });
}
