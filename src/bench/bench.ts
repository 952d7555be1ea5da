/**
 * `superspike bench`: measured speed of the engine on fixed synthetic tasks. Each case runs the
 * real protocol — two blocks of warm-up (the burn-in, then a first learning block) and one measured
 * block — and times the measured block from the ranks' park at its start to their park at its end
 * (RanksLoopSoFar), so start-up, initialisation, the JIT's first compilation of the learning step,
 * the trained state's save after the last block and the final replay are not counted.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { validateConfig } from '../config/load.js';
import { toTable, type ResolvedTask } from '../config/task.js';
import { planRun, runExperiment } from '../engine/coordinator.js';
import type { PresynapticMode, RanksLoopSoFar } from '../engine/options.js';
import { gatherJson, type ProcessRuntime } from '../engine/process-group.js';
import { poissonEvents } from '../tasks/poisson.js';
import { STEPS_PER_SECOND, secondsToSteps, type EligibilityMode } from '../model/constants.js';
import { crossCoreRoundTripNs } from './core-latency.js';
import { readCpuTicks, stealShare, type CpuTicks } from './host-steal.js';

export interface BenchCase {
  label: string;
  hidden: number[];
  feedback: 'symmetric' | 'random' | 'uniform';
  /** Ranks per process. */
  workers: number;
  /** Input and output neurons (default 200 each: the paper-like task). */
  nInput?: number;
  nOutput?: number;
  /** Processes (MPI); 1 unless the case ran under mpirun. */
  processes?: number;
  /** MPI forced over TCP loopback. */
  tcp?: boolean;
  /** How mpirun bound the case's processes (`bench --bind-to`); absent for one process. */
  bindTo?: 'none' | 'core';
}

export interface BenchResult extends BenchCase {
  network: string;
  /** Threads that stepped the ranks (per process), and why that many (engine/threads.ts). */
  threads: number;
  threadChoice: string;
  /** Copies of the presynaptic side per process: 1, or one per thread (engine/presynaptic-work.ts). */
  presynapticCopies: number;
  /**
   * Share of the rank threads' step loop spent waiting at barriers during the measured block (the
   * largest over the repeats and, under MPI, over the processes): the warm-up's waits (the JIT
   * compiling the step while both cores are needed) are not counted, as its wall time is not.
   */
  waitShare: number;
  /** CPU-bound processes bench ran beside the case (`--busy`). */
  busy: number;
  /** Auryn 6f88977, one rank, monitors off, on the machine superspike was developed on (docs/model.md §13); null where not measured. */
  aurynSecondsPerSimSecond: number | null;
  /** The machine's 1, 5 and 15 min load averages when the case ended (a shared machine's timings are noisy). */
  loadAverage: number[];
  synapses: number;
  simulatedSeconds: number;
  /** Median over the repeats, and the spread (this machine's neighbours make timings noisy). */
  wallSecondsPerSimSecond: number;
  wallMin: number;
  wallMax: number;
  /**
   * CPU seconds (user + system, every thread of this process) per simulated second over the same
   * block, median: on a machine that other jobs share it moves much less than the wall time.
   */
  cpuSecondsPerSimSecond: number;
  /**
   * Share of the machine's CPU time the hypervisor gave to other guests during the measured blocks
   * (/proc/stat's steal; the largest over the repeats): above a few per cent the wall times do not
   * compare with a quiet run's. Null where the system does not report it.
   */
  hostStealShare: number | null;
  /**
   * Nanoseconds of a cache line's round trip between two threads of this process, measured right
   * after the case (core-latency.ts): how far apart the cores are. On a VM it can change from
   * minute to minute, and with it the speed of threads that share data. Null on one core, beside
   * `--busy` processes, under MPI, and in the one-worker copies of `--copies`.
   */
  crossCoreRoundTripNs: number | null;
  repeats: number;
  synapseUpdatesPerSecond: number;
  speedupOver1: number | null;
  peakRssMiB: number;
  bytesPerSynapse: number;
  /** Peak RSS of each process while the network ran (sampled; one entry without MPI). */
  peakRssMiBPerProcess: number[];
  /**
   * Lifetime peak RSS of each process (ru_maxrss), which includes writing the final network state
   * (gathered at the root in global order). Exact when the case ran in a fresh process.
   */
  lifetimePeakRssMiBPerProcess: number[];
  /** Running peak minus the RSS before the run (the runtime, threads and MPI already started): what the network costs each process. */
  growthMiBPerProcess: number[];
  /** Bytes each process sent per interval exchange, and seconds in MPI per simulated second (MPI only). */
  bytesPerInterval: number;
  mpiSecondsPerSimSecond: number;
  /** `bench --copies`: the machine's own ceiling for this many workers; null where not measured. */
  copies: CopiesResult | null;
}

/**
 * `bench --copies`: the case's network run as `count` independent one-worker processes at once
 * (nothing shared between them), against one worker alone. What `count` jobs that never wait for
 * each other gain on this machine is the most `count` workers of one job can gain here: two cores
 * that slow each other down (shared caches, memory bandwidth, a host's sibling threads, clocks that
 * drop when both run) cap every parallel run, and this measures that cap beside the case.
 */
export interface CopiesResult {
  /** Processes run at once: the case's worker count. */
  count: number;
  /** Each copy's wall s per simulated s (the median of its own repeats). */
  wallSecondsPerSimSecond: number[];
  /**
   * Throughput of the copies over one worker alone: (one worker's wall s per simulated s) × Σ
   * 1 / (each copy's); null without a one-worker case of the network in the same bench run.
   */
  ceilingSpeedup: number | null;
  /** The case's speedup over one worker ÷ the ceiling (1: the workers lose nothing to each other). */
  shareOfCeiling: number | null;
}

/** The ceiling from the copies' wall times and one worker's alone (see CopiesResult). */
export function ceilingOf(copyWalls: readonly number[], oneWall: number | null, speedupOver1: number | null): CopiesResult {
  const ceiling = oneWall === null || copyWalls.length === 0 ? null : copyWalls.reduce((sum, t) => sum + oneWall / t, 0);
  return {
    count: copyWalls.length,
    wallSecondsPerSimSecond: [...copyWalls],
    ceilingSpeedup: ceiling,
    shareOfCeiling: ceiling === null || speedupOver1 === null ? null : speedupOver1 / ceiling,
  };
}

export interface BenchOptions {
  /** Measured simulated seconds per case (after the warm-up). Default 2. */
  seconds?: number;
  /** Warm-up simulated seconds. Default 0.4. */
  warmupSeconds?: number;
  /** Runs per case; the table reports the median. Default 3. */
  repeat?: number;
  kernels?: 'wasm' | 'reference';
  /** The eligibility pass (docs/model.md §7.7); absent: the config default (recursive). */
  eligibility?: EligibilityMode;
  cases?: BenchCase[];
  onResult?: (r: BenchResult) => void;
  /** Under mpirun: every case runs as this MPI job (see engine/mpi-session.ts). */
  processes?: ProcessRuntime | null;
  /** Threads per process for the ranks: a number, or `auto` (engine/threads.ts). Default auto. */
  threads?: number | 'auto';
  /** Where the presynaptic side is computed (engine/presynaptic-work.ts). Default auto. */
  presynaptic?: PresynapticMode;
  /** CPU-bound processes running beside the cases (started by the CLI; recorded in the results). */
  busy?: number;
  /**
   * Measure the cores' round trip after every case (core-latency.ts). Default true; false where
   * other processes of the same measurement may still be running (`--copies`), which it would slow.
   */
  roundTrip?: boolean;
}

/**
 * Auryn's wall seconds per simulated second with `--fast` (monitors off), one rank, measured by
 * this project on the 2-core machine superspike was developed on (issue 16; docs/model.md §13).
 */
export const AURYN_SECONDS_PER_SIM_SECOND: Readonly<Record<string, number>> = { '200-256-200': 2.6, '200-1024-200': 78 };

export const DEFAULT_CASES: BenchCase[] = [
  { label: 'small', hidden: [256], feedback: 'symmetric', workers: 1 },
  { label: 'small', hidden: [256], feedback: 'symmetric', workers: 2 },
  { label: 'medium', hidden: [1024], feedback: 'symmetric', workers: 1 },
  { label: 'medium', hidden: [1024], feedback: 'symmetric', workers: 2 },
  { label: 'medium, more ranks than cores', hidden: [1024], feedback: 'symmetric', workers: 4 },
  { label: 'large', hidden: [4096], feedback: 'symmetric', workers: 1 },
  { label: 'large', hidden: [4096], feedback: 'symmetric', workers: 2 },
  { label: 'deep', hidden: [1024, 1024], feedback: 'random', workers: 2 },
];

/** The paper-like synthetic task: Poisson inputs at 10 Hz, Poisson targets at 5 Hz (200 each by default), grid 1 s. */
export function benchTask(nInput = 200, nOutput = 200): ResolvedTask {
  const gridSteps = secondsToSteps(1);
  const input = poissonEvents({ neurons: nInput, rateHz: 10, durationSeconds: 1, seed: 11 });
  const target = poissonEvents({ neurons: nOutput, rateHz: 5, durationSeconds: 1, seed: 12 });
  const quiet = () => {};
  return {
    input: toTable(input.times, input.ids, gridSteps, 'bench input', quiet),
    target: toTable(target.times, target.ids, gridSteps, 'bench target', quiet),
    nInput,
    nOutput,
    gridSteps,
    description: `bench: ${nInput} Poisson inputs (10 Hz) → ${nOutput} Poisson targets (5 Hz)`,
  };
}

/**
 * Stats lines before the measured block: the burn-in's (no learning) and the first learning
 * block's. The first learning block is warm-up too: V8 compiles the learning step's code paths
 * while it runs, on background threads — on the idle core with one worker, on a core the ranks
 * need with two. Measured in the first learning block (200-1024-200, blocked, 2 workers, 3 Dec
 * 2026): bursts of 1 ms waits every interval over its first 2000 steps, 16 % of the block's loop.
 */
export const WARMUP_STATS_LINES = 2;

/** Simulated seconds of every block of a case (the burn-in's, the warm-up's, the measured one), rounded to 0.8 ms. */
export function benchBlockSeconds(options: Pick<BenchOptions, 'seconds' | 'warmupSeconds'>): number {
  return Math.round(Math.max(options.seconds ?? 2, options.warmupSeconds ?? 0.4) / 0.0008) * 0.0008;
}

/** A case's task and config: the burn-in, a warm-up learning block and the measured block, each `block` long. */
function benchRun(c: BenchCase, options: BenchOptions): { task: ResolvedTask; config: ReturnType<typeof validateConfig>; block: number } {
  const task = benchTask(c.nInput ?? 200, c.nOutput ?? 200);
  const block = benchBlockSeconds(options);
  const config = validateConfig({
    hidden: c.hidden, feedback: c.feedback, blocks: WARMUP_STATS_LINES, blockSeconds: block, eta: 1e-3, w0: 0.05, seed: 1, name: 'bench',
    ...(options.eligibility === undefined ? {} : { eligibility: options.eligibility }),
  }, 'bench');
  return { task, config, block };
}

/** BENCH_OUT: the folder every case runs in (replaced case after case). */
export const BENCH_OUT = 'output/bench-tmp';

/**
 * `bench --dry-run`: each case's config, task and the checks of its run (limits, threads, the
 * folder), as runBench would make them, without running anything; one line per case.
 */
export function planBench(options: BenchOptions = {}): string[] {
  return (options.cases ?? DEFAULT_CASES).map((c) => {
    const { task, config } = benchRun(c, options);
    const ranks = c.workers * (c.processes ?? 1);
    const plan = planRun(config, task, { workers: ranks, threads: options.threads ?? 'auto', recordSpikes: false, kernels: options.kernels ?? 'wasm', outDir: BENCH_OUT });
    const layout = (c.processes ?? 1) > 1 ? `${c.processes} processes × ${c.workers} ranks${c.tcp ? ' over TCP' : ''}` : `${c.workers} worker${c.workers === 1 ? '' : 's'}`;
    return `${plan.layers.join('-')} ${c.feedback}, ${layout}: ${plan.synapses.toLocaleString('en')} synapses, about ${(plan.memoryBytes / 2 ** 20).toFixed(1)} MiB` +
      `${(c.processes ?? 1) > 1 ? ' (all ranks counted in one process: an upper bound)' : ''}, ${plan.threads} thread${plan.threads === 1 ? '' : 's'} now (${plan.threadReason})`;
  });
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const c of options.cases ?? DEFAULT_CASES) {
    const { task, config, block } = benchRun(c, options);
    const sizes = [c.nInput ?? 200, ...c.hidden, c.nOutput ?? 200];
    let synapses = 0;
    for (let l = 1; l < sizes.length; l++) synapses += sizes[l - 1]! * sizes[l]!;
    const walls: number[] = [];
    const cpus: number[] = [];
    let peak = 0;
    let growth = 0;
    let bytesPerInterval = 0;
    let mpiSeconds = 0;
    let threads = 0;
    let threadChoice = '';
    let presynapticCopies = 1;
    let waitShare = 0;
    let steal: number | null = null;
    for (let rep = 0; rep < (options.repeat ?? 3); rep++) {
      globalThis.gc?.();
      const baseline = process.memoryUsage().rss;
      let runPeak = baseline;
      const statsTicks: Array<CpuTicks | null> = [];
      const statsLoop: RanksLoopSoFar[] = [];
      const result = await runExperiment(config, task, {
        processes: options.processes ?? null,
        workers: c.workers,
        threads: options.threads ?? 'auto',
        presynaptic: options.presynaptic ?? 'auto',
        recordSpikes: false,
        kernels: options.kernels ?? 'wasm',
        outDir: BENCH_OUT,
        progressIntervalMs: 100,
        // Memory while the network runs: sampled up to the end of the measured block, before the
        // final network state is gathered and encoded (ru_maxrss below includes that).
        onProgress: () => {
          if (statsLoop.length <= WARMUP_STATS_LINES) runPeak = Math.max(runPeak, process.memoryUsage().rss);
        },
        onStats: (_line, ranks) => {
          if (statsLoop.length <= WARMUP_STATS_LINES) runPeak = Math.max(runPeak, process.memoryUsage().rss);
          statsLoop.push(ranks);
          statsTicks.push(readCpuTicks());
        },
      });
      const [from, to] = [statsLoop[WARMUP_STATS_LINES - 1]!, statsLoop[WARMUP_STATS_LINES]!];
      // The block's time runs from park to park: the trained state saved after the measured
      // (last) block is the run's, not the block's (40–70 ms at 200-1024-200, 4 Dec 2026).
      walls.push((to.parkedAtMs - from.parkedAtMs) / 1000 / block);
      cpus.push((to.cpuSecondsAtPark - from.cpuSecondsAtPark) / block);
      const stolen = stealShare(statsTicks[WARMUP_STATS_LINES - 1] ?? null, statsTicks[WARMUP_STATS_LINES] ?? null);
      if (stolen !== null) steal = Math.max(steal ?? 0, stolen);
      peak = Math.max(peak, runPeak);
      growth = Math.max(growth, runPeak - baseline);
      bytesPerInterval = result.info.layout?.bytesPerIntervalPerProcess ?? 0;
      mpiSeconds = Math.max(mpiSeconds, (result.info.layout?.mpiSeconds ?? 0) / result.simulatedSeconds);
      threads = Math.max(threads, result.info.layout?.threadsPerProcess ?? c.workers);
      threadChoice = result.info.layout?.threadChoice ?? '';
      presynapticCopies = result.info.layout?.presynapticCopies ?? 1;
      waitShare = Math.max(waitShare, blockWaitShare(from, to));
    }
    // Lifetime peak of this process (ru_maxrss): exact when the case ran in a fresh process, as
    // `bench --layouts` arranges. Under MPI every process reports its own; the root gathers them.
    const mine = { peak, lifetime: Math.max(peak, process.resourceUsage().maxRSS * 1024), growth, waitShare };
    const perProcess = options.processes ? gatherJson(options.processes, mine) ?? [mine] : [mine];
    walls.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    const perSim = walls[walls.length >> 1]!;
    // How far apart the cores are now (core-latency.ts), while nothing else of the bench runs.
    const roundTrip = options.roundTrip !== false && (options.busy ?? 0) === 0 && !options.processes ? await crossCoreRoundTripNs() : null;
    const one = oneWorkerResult(results, sizes.join('-'), c.feedback);
    const r: BenchResult = {
      ...c,
      network: sizes.join('-'),
      threads,
      threadChoice,
      presynapticCopies,
      waitShare: Math.max(...perProcess.map((p) => p.waitShare)),
      busy: options.busy ?? 0,
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      aurynSecondsPerSimSecond: c.feedback === 'symmetric' ? AURYN_SECONDS_PER_SIM_SECOND[sizes.join('-')] ?? null : null,
      synapses,
      simulatedSeconds: block,
      wallSecondsPerSimSecond: perSim,
      wallMin: walls[0]!,
      wallMax: walls[walls.length - 1]!,
      cpuSecondsPerSimSecond: cpus[cpus.length >> 1]!,
      hostStealShare: steal,
      crossCoreRoundTripNs: roundTrip,
      repeats: walls.length,
      synapseUpdatesPerSecond: (synapses * STEPS_PER_SECOND) / perSim,
      processes: options.processes?.placement.processes ?? 1,
      speedupOver1: one ? one.wallSecondsPerSimSecond / perSim : c.workers === 1 ? 1 : null,
      peakRssMiB: peak / 2 ** 20,
      bytesPerSynapse: perProcess.reduce((sum, p) => sum + p.growth, 0) / synapses,
      peakRssMiBPerProcess: perProcess.map((p) => p.peak / 2 ** 20),
      lifetimePeakRssMiBPerProcess: perProcess.map((p) => p.lifetime / 2 ** 20),
      growthMiBPerProcess: perProcess.map((p) => p.growth / 2 ** 20),
      bytesPerInterval,
      mpiSecondsPerSimSecond: mpiSeconds,
      copies: null,
    };
    results.push(r);
    options.onResult?.(r);
  }
  return results;
}

/** The one-process, one-worker result of a network and feedback among `results`: what speedups and ceilings divide by. */
export function oneWorkerResult(results: readonly BenchResult[], network: string, feedback: BenchResult['feedback']): BenchResult | undefined {
  return results.find((r) => r.workers === 1 && (r.processes ?? 1) === 1 && r.network === network && r.feedback === feedback);
}

/** Barrier waits over step-loop time between two stats lines (0 when the ranks did not run). */
export function blockWaitShare(from: Pick<RanksLoopSoFar, 'loopSeconds' | 'waitSeconds'>, to: Pick<RanksLoopSoFar, 'loopSeconds' | 'waitSeconds'>): number {
  const loop = to.loopSeconds - from.loopSeconds;
  return loop > 0 ? Math.max(0, to.waitSeconds - from.waitSeconds) / loop : 0;
}

export function benchHeader(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `superspike bench — ${availableParallelism()} cores (${cpu}), Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

export function formatBenchTable(results: BenchResult[]): string {
  const layouts = results.some((r) => (r.processes ?? 1) > 1);
  const copies = results.some((r) => r.copies !== null);
  const rows = layouts
    ? [
      ['network', 'feedback', 'layout P×T', 'threads / process', 'transport', 'wall s / sim s (median)', 'min–max', 'wait share', 'host steal', 'core round trip ns', 'speedup vs 1×1', 'peak RSS MiB per process: running (with final save)', 'RSS growth MiB per process', 'bytes / interval / process', 'MPI s / sim s'],
      ...results.map((r) => [
        r.network, r.feedback, `${r.processes ?? 1}×${r.workers}`, String(r.threads), (r.processes ?? 1) === 1 ? 'threads' : `${r.tcp ? 'MPI, TCP loopback' : 'MPI, shared memory'}${r.bindTo === 'core' ? ', bound to cores' : ''}`,
        r.wallSecondsPerSimSecond.toFixed(3), `${r.wallMin.toFixed(3)}–${r.wallMax.toFixed(3)}`, percent(r.waitShare), stealCell(r), roundTripCell(r),
        r.speedupOver1 === null ? '-' : `${r.speedupOver1.toFixed(2)}×`,
        r.peakRssMiBPerProcess.map((m, p) => `${m.toFixed(0)} (${r.lifetimePeakRssMiBPerProcess[p]!.toFixed(0)})`).join(' / '),
        r.growthMiBPerProcess.map((m) => m.toFixed(0)).join(' / '), r.bytesPerInterval.toFixed(0), r.mpiSecondsPerSimSecond.toFixed(3),
      ]),
    ]
    : [
      ['network', 'feedback', 'workers', 'threads', 'wall s / sim s (median)', 'min–max', 'wait share', 'host steal', 'core round trip ns', 'Auryn s / sim s', 'synapse updates/s', 'speedup vs 1',
        ...(copies ? ['ceiling: copies at once', 'of ceiling'] : []), 'peak RSS MiB', 'RSS growth B/synapse'],
      ...results.map((r) => [
        r.network, r.feedback, String(r.workers), String(r.threads), r.wallSecondsPerSimSecond.toFixed(3), `${r.wallMin.toFixed(3)}–${r.wallMax.toFixed(3)}`,
        percent(r.waitShare), stealCell(r), roundTripCell(r), r.aurynSecondsPerSimSecond === null ? '-' : String(r.aurynSecondsPerSimSecond),
        r.synapseUpdatesPerSecond.toExponential(2), r.speedupOver1 === null ? '-' : `${r.speedupOver1.toFixed(2)}×`,
        ...(copies ? ceilingCells(r) : []), r.peakRssMiB.toFixed(0), r.bytesPerSynapse.toFixed(1),
      ]),
    ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** `bench --copies`: "2 → 1.86×" (copies run at once → their ceiling) and the case's share of it. */
function ceilingCells(r: BenchResult): [string, string] {
  const c = r.copies;
  if (c === null) return ['-', '-'];
  return [
    `${c.count} → ${c.ceilingSpeedup === null ? '-' : `${c.ceilingSpeedup.toFixed(2)}×`}`,
    c.shareOfCeiling === null ? '-' : percent(c.shareOfCeiling),
  ];
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** The cores' round trip after the case, whole nanoseconds. */
function roundTripCell(r: BenchResult): string {
  return r.crossCoreRoundTripNs === null ? '-' : r.crossCoreRoundTripNs.toFixed(0);
}

/** The host's steal during the case, one decimal (a 0.4 % steal still says the host is shared). */
function stealCell(r: BenchResult): string {
  return r.hostStealShare === null ? '-' : `${(r.hostStealShare * 100).toFixed(1)} %`;
}
