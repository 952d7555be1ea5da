/** `superspike bench` — print the engine's measured speed (see src/bench/bench.ts). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  BENCH_OUT, DEFAULT_CASES, WARMUP_STATS_LINES, benchBlockSeconds, benchHeader, ceilingOf, formatBenchTable, oneWorkerResult, planBench, runBench, type BenchCase, type BenchResult,
} from '../../bench/bench.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MPI_ADDON_PATH } from '../../mpi/binding.js';
import { formatLayout, MPI_BINDINGS, runInNewProcess, runUnderMpirun, type JobResult, type Layout, type MpiBinding } from '../../engine/mpi-launch.js';
import { joinMpiJob } from '../../engine/mpi-session.js';
import { UserError } from '../../errors.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { parseCount, parseLayoutList, parsePositive, parsePositiveInt, parseSizeList, parseThreads, parseWorkerList } from '../options.js';
import { PRESYNAPTIC_MODES, type PresynapticMode } from '../../engine/options.js';

interface BenchCliOptions {
  seconds: number;
  warmup: number;
  json?: boolean;
  repeat: number;
  kernels: 'wasm' | 'reference';
  hidden?: number[];
  workers?: number[];
  feedback: 'symmetric' | 'random' | 'uniform';
  layouts?: Layout[];
  bindTo?: MpiBinding;
  network?: number[];
  threads: number | 'auto';
  presynaptic: PresynapticMode;
  busy: number;
  copies?: boolean;
  /** false: `--no-round-trip` (hidden; the copies of --copies pass it). */
  roundTrip?: boolean;
  eligibility?: 'recursive' | 'blocked';
  dryRun?: boolean;
}

/** What every run of a case simulates: two warm-up blocks, then the measured one (bench.ts). */
function warmupLine(opts: { seconds: number; warmup: number }): string {
  const block = benchBlockSeconds({ seconds: opts.seconds, warmupSeconds: opts.warmup });
  return `${block} simulated s measured per run after ${WARMUP_STATS_LINES} warm-up blocks as long (the burn-in, then a first learning block)`;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure wall time per simulated second, synapse updates/s, scaling and memory')
    .option('--seconds <s>', 'measured simulated seconds per case (one block)', parsePositive, 2)
    .option('--warmup <s>', 'the least simulated seconds of each of the two warm-up blocks (the burn-in, then a first learning block; each as long as the measured block)', parsePositive, 0.4)
    .option('--repeat <k>', 'runs per case; the table shows the median and the spread', parsePositiveInt, 3)
    .option('--json', 'print the results as JSON instead of a table')
    .addOption(new Option('--kernels <kind>', 'kernel implementation').choices(['wasm', 'reference']).default('wasm'))
    .option('--hidden <sizes>', 'run only this network (with --workers), e.g. 4096', parseSizeList)
    .option('--workers <list>', 'worker counts for --hidden, e.g. 1,2,4,8,16', parseWorkerList)
    .addOption(new Option('--feedback <mode>', 'feedback for --hidden').choices(['symmetric', 'random', 'uniform']).default('symmetric'))
    .option('--network <sizes>', 'the whole network, input-hidden…-output, e.g. 1000-8192-1000 (instead of --hidden)', parseNetwork)
    .addOption(new Option('--eligibility <mode>', 'eligibility pass (docs/model.md §7.7; default: the config default, recursive)').choices(['recursive', 'blocked']))
    .option('--layouts <list>', 'processes x ranks to compare, e.g. 1x2,2x1,2x1/tcp (processes > 1 run under mpirun)', parseLayoutList)
    .addOption(new Option('--bind-to <policy>', 'how mpirun binds the processes of --layouts: none (the default: the OS may move a process off a busy core) or core (what mpirun -np 2 does by default)').choices([...MPI_BINDINGS]))
    .option('--threads <n|auto>', 'threads per process that step the ranks (auto: the free cores, at most one per rank)', parseThreads, 'auto' as const)
    .addOption(new Option('--presynaptic <where>', 'where the presynaptic side is computed: per-process (its threads share it), per-thread, or auto (per thread up to 2 threads)').choices([...PRESYNAPTIC_MODES]).default('auto'))
    .option('--busy <n>', 'run n CPU-bound processes beside every case (a shared machine, side by side)', parseCount, 0)
    .option('--copies', 'also run every case of W > 1 workers as W independent one-worker processes at once: what W jobs that never wait for each other gain here, the ceiling for W workers on this machine')
    // Passed to the children that run beside other work of the same measurement (the copies of
    // --copies, layouts beside --busy): none may spin two threads while another still measures.
    .addOption(new Option('--no-round-trip', 'skip the cores\' round trip after each case').hideHelp())
    .option('--dry-run', 'check every case (network, limits, threads, mpirun for --layouts) and print them with the time they simulate, running nothing')
    .addHelpText(
      'after',
      `
Default cases: 200-256-200 and 200-1024-200 (symmetric) on 1 and 2 workers, 200-1024-200 on 4
workers (more ranks than 2 cores: with --threads auto they share the free cores' threads), 200-4096-200 on 1 and 2 workers, 200-1024-1024-200 (random
feedback) on 2 workers. Task: 200 Poisson inputs at 10 Hz, 200 Poisson targets at 5 Hz.

Examples:
  npm run bench
  superspike bench --seconds 1 --json > bench.json
  superspike bench --hidden 4096 --workers 1,2,4,8,16
  superspike bench --hidden 1024 --layouts 1x2,2x1,2x1/tcp        # MPI processes × threads
  superspike bench --network 1000-8192-1000 --layouts 1x1,2x1 --repeat 1   # memory per process
  superspike bench --hidden 1024 --workers 1,2 --busy 1                   # beside one CPU-bound process
  superspike bench --hidden 1024 --workers 2 --threads 2 --busy 1         # force a thread per rank anyway
  superspike bench --hidden 1024 --workers 1,2 --copies                   # 2 workers against 2 independent copies (the ceiling)
  superspike bench --hidden 1024 --layouts 1x2,2x2 --bind-to core         # as a plain mpirun -np 2 binds them
  superspike bench --hidden 1024 --layouts 1x2,2x2 --busy 1 --dry-run     # the cases, checked; nothing run`,
    )
    .action(async (opts: BenchCliOptions) => {
      const hidden = opts.network ? opts.network.slice(1, -1) : opts.hidden;
      const ends = opts.network ? { nInput: opts.network[0], nOutput: opts.network[opts.network.length - 1] } : {};
      const custom = (workers: number): BenchCase => ({ label: 'custom', hidden: hidden!, feedback: opts.feedback, workers, ...ends });
      let cases: BenchCase[] = DEFAULT_CASES;
      if (hidden !== undefined) cases = (opts.workers ?? [1, 2]).map(custom);
      const settings = {
        seconds: opts.seconds, warmupSeconds: opts.warmup, kernels: opts.kernels, repeat: opts.repeat, threads: opts.threads, presynaptic: opts.presynaptic, busy: opts.busy,
        roundTrip: opts.roundTrip !== false,
        ...(opts.eligibility === undefined ? {} : { eligibility: opts.eligibility }),
      };
      const progress = (r: BenchResult) => {
        if (!opts.json) process.stderr.write(`  ${r.network} ${r.feedback} ${r.processes ?? 1}×${r.workers}${r.tcp ? ' tcp' : ''}: ${r.wallSecondsPerSimSecond.toFixed(3)} s/s\n`);
      };

      if (opts.bindTo !== undefined && !(opts.layouts ?? []).some((l) => l.processes > 1)) {
        throw new UserError('bench --bind-to says how mpirun binds the processes of --layouts; give a layout of more than one process, e.g. --layouts 1x2,2x2');
      }
      if (opts.copies && opts.layouts) {
        throw new UserError('bench --copies measures the ceiling of the worker counts of one process; it does not combine with --layouts (compare a 1x2 layout with --workers 1,2 --copies)');
      }
      if (opts.dryRun) {
        process.stdout.write(dryRun(opts, hidden, cases, settings));
        return;
      }
      // Started by mpirun: this process is one of the job; the root prints the results.
      const mpi = joinMpiJob(cases[0]!.workers);
      if (mpi !== null) {
        const results = await runBench({ ...settings, cases, processes: mpi });
        mpi.finalize();
        if (mpi.placement.process === 0) process.stdout.write(`${JSON.stringify(results)}\n`);
        return;
      }
      if (!opts.json) {
        process.stdout.write(`${benchHeader()}\n${warmupLine(opts)}, ${opts.repeat} runs per case` +
          `${opts.busy > 0 ? `, beside ${opts.busy} CPU-bound process${opts.busy > 1 ? 'es' : ''}` : ''}\n\n`);
      }
      const busy = startBusy(opts.busy);
      let results: BenchResult[];
      try {
        results = await runCases(opts, hidden, cases, settings, progress);
        if (opts.copies) await addCopies(results, opts);
      } finally {
        for (const child of busy) child.kill();
      }
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatBenchTable(results)}\n${stealNote(results)}${placementNote(results)}`);
    });
}

/** `bench --dry-run`: the cases as they would run, each checked as its run checks itself; nothing runs. */
function dryRun(opts: BenchCliOptions, hidden: number[] | undefined, cases: BenchCase[], settings: Parameters<typeof runBench>[0]): string {
  let planned = cases;
  if (opts.layouts) {
    if (hidden === undefined) throw new UserError('--layouts needs one network: --hidden or --network');
    planned = opts.layouts.map((l) => ({ ...cases[0]!, workers: l.threads, processes: l.processes, tcp: l.tcp }));
    if (opts.layouts.some((l) => l.processes > 1)) {
      // What runUnderMpirun needs: the launcher, and the binding its processes load.
      const probe = spawnSync('mpirun', ['--version'], { stdio: 'ignore' });
      if (probe.error || probe.status !== 0) throw new UserError('bench --layouts: cannot start mpirun (install openmpi-bin): layouts of more than one process run under it');
      if (!existsSync(MPI_ADDON_PATH)) throw new UserError(`bench --layouts: the MPI binding ${MPI_ADDON_PATH} was not built (install libopenmpi-dev, then npm run build:mpi)`);
    }
  }
  const lines = planBench({ ...settings, cases: planned });
  const runs = planned.length * opts.repeat;
  return [
    'superspike bench --dry-run: every check passed; nothing was run',
    `  ${planned.length} case${planned.length === 1 ? '' : 's'} × ${opts.repeat} run${opts.repeat === 1 ? '' : 's'} (${runs} runs), each: ${warmupLine(opts)}` +
      `${opts.layouts ? `, each layout in a fresh process (processes > 1 under mpirun, --bind-to ${opts.bindTo ?? 'none'})` : ''}${opts.busy > 0 ? `, beside ${opts.busy} CPU-bound process${opts.busy > 1 ? 'es' : ''}` : ''}`,
    ...lines.map((l) => `  ${l}`),
    ...(opts.copies ? [`  then --copies: each case of W > 1 workers again as W one-worker processes at once (${opts.repeat} runs each), each in a temporary folder of its own`] : []),
    `  runs in ${BENCH_OUT} (replaced case after case); results on stdout${opts.json ? ' as JSON' : ' as a table'}`,
  ].join('\n') + '\n';
}

/** Steal above which a case's wall time is said not to compare with a quiet machine's. */
const NOTABLE_STEAL = 0.05;

/** One line when the hypervisor took a notable share of the CPUs during some case; else nothing. */
function stealNote(results: BenchResult[]): string {
  const worst = Math.max(...results.map((r) => r.hostStealShare ?? 0));
  if (worst < NOTABLE_STEAL) return '';
  return `note: the host took up to ${(worst * 100).toFixed(0)} % of this machine's CPU time during the measured blocks ` +
    `(column "host steal"): those wall times do not compare with a quiet machine's; measure again, side by side\n`;
}

/**
 * Largest over smallest cores' round trip between the cases above which they ran on differently
 * placed cores (core-latency.ts: 115–130 against 343–371 ns on this project's VM).
 */
const NOTABLE_ROUND_TRIP_RATIO = 1.5;

/** One line when the cores' round trip changed notably between the cases; else nothing. */
export function placementNote(results: readonly BenchResult[]): string {
  const trips = results.map((r) => r.crossCoreRoundTripNs).filter((ns): ns is number => ns !== null);
  if (trips.length < 2) return '';
  const [low, high] = [Math.min(...trips), Math.max(...trips)];
  if (high < NOTABLE_ROUND_TRIP_RATIO * low) return '';
  return `note: the cores' round trip went from ${low.toFixed(0)} to ${high.toFixed(0)} ns between the cases (column "core round trip ns"): ` +
    `the host moved this machine's CPUs, and threads that share data ran on differently placed cores; speedups across those cases do not compare, measure again\n`;
}

/** `n` CPU-bound processes (a loop), to measure beside them; killed by the caller. */
function startBusy(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

async function runCases(
  opts: BenchCliOptions, hidden: number[] | undefined, cases: BenchCase[],
  settings: Parameters<typeof runBench>[0], progress: (r: BenchResult) => void,
): Promise<BenchResult[]> {
  let results: BenchResult[];
  if (opts.layouts) {
    if (hidden === undefined) throw new UserError('--layouts needs one network: --hidden or --network');
    results = [];
    for (const layout of opts.layouts) {
      // Every case in a fresh process (or MPI job), so its peak memory is its own.
      const run = await benchInNewProcesses(layout, opts, hidden);
      for (const r of run) {
        r.tcp = layout.tcp;
        if (layout.processes > 1) r.bindTo = opts.bindTo ?? 'none';
        const one = oneWorkerResult(results, r.network, r.feedback);
        r.speedupOver1 = one ? one.wallSecondsPerSimSecond / r.wallSecondsPerSimSecond : r.speedupOver1;
        results.push(r);
        progress(r);
      }
    }
  } else {
    results = await runBench({ ...settings, cases, onResult: progress });
  }
  for (const r of results) r.busy = opts.busy;
  return results;
}

/** One bench case in a new process (P = 1) or as an MPI job: the same command, its (root's) JSON read back. */
async function benchInNewProcesses(layout: Layout, opts: BenchCliOptions, hidden: number[]): Promise<BenchResult[]> {
  const network = opts.network ? ['--network', opts.network.join('-')] : ['--hidden', hidden.join(',')];
  // Beside --busy processes (this process's) the child cannot tell: it measures no round trip.
  const args = [...caseArgs(opts, layout.threads, opts.feedback, network), ...(opts.busy > 0 ? ['--no-round-trip'] : [])];
  const job = layout.processes === 1 ? await runInNewProcess(layout, args) : await runUnderMpirun(layout, args, 3600, opts.bindTo ?? 'none');
  return jobResults(job, `bench ${formatLayout(layout)}`);
}

/**
 * `--copies`: every case of W > 1 workers again as W one-worker processes started at once, each in
 * a temporary folder of its own (each writes its run folder), their results set on the case.
 */
async function addCopies(results: BenchResult[], opts: BenchCliOptions): Promise<void> {
  for (const r of results) {
    if (r.workers < 2) continue;
    const one = oneWorkerResult(results, r.network, r.feedback);
    const args = [...caseArgs(opts, 1, r.feedback, ['--network', r.network]), '--no-round-trip'];
    const dirs = Array.from({ length: r.workers }, () => mkdtempSync(path.join(tmpdir(), 'superspike-bench-copy-')));
    try {
      const jobs = await Promise.all(dirs.map((dir) => runInNewProcess({ processes: 1, threads: 1, tcp: false }, args, 3600, dir)));
      const walls = jobs.map((job, k) => jobResults(job, `bench --copies: copy ${k + 1} of ${r.workers} of ${r.network}`)[0]!.wallSecondsPerSimSecond);
      r.copies = ceilingOf(walls, one?.wallSecondsPerSimSecond ?? null, r.speedupOver1);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
    if (!opts.json) {
      process.stderr.write(`  ${r.network} ${r.feedback}, ${r.workers} one-worker copies at once: ${r.copies.wallSecondsPerSimSecond.map((w) => w.toFixed(3)).join(' / ')} s/s\n`);
    }
  }
}

/** The bench command a new process runs for one case of `workers` ranks (`network`: its --hidden or --network). */
function caseArgs(opts: BenchCliOptions, workers: number, feedback: string, network: string[]): string[] {
  return [
    'bench', '--json', '--workers', String(workers), '--seconds', String(opts.seconds), '--warmup', String(opts.warmup),
    '--repeat', String(opts.repeat), '--kernels', opts.kernels, '--feedback', feedback, '--threads', String(opts.threads),
    '--presynaptic', opts.presynaptic,
    ...(opts.eligibility === undefined ? [] : ['--eligibility', opts.eligibility]),
    ...network,
  ];
}

/** The results a bench process printed as JSON; a failed one is one line naming `what`. */
function jobResults(job: JobResult, what: string): BenchResult[] {
  const start = job.stdout.indexOf('[');
  const json = start < 0 ? undefined : job.stdout.slice(start);
  if (job.code !== 0 || json === undefined) {
    throw new UserError(`${what} failed (exit ${job.code}): ${job.stderr.trim().split('\n').pop() ?? ''}`);
  }
  return JSON.parse(json) as BenchResult[];
}

function parseNetwork(value: string): number[] {
  const sizes = value.split('-').map(Number);
  if (sizes.length < 3 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`expected input-hidden…-output sizes like 1000-8192-1000, got "${value}"`);
  }
  return sizes;
}
