/**
 * The synchronisation stress test: the same experiment under several worker counts, with random
 * sleeps before every exchange, must give byte-identical outputs every time. Reports barrier
 * waits per rank, and every output that differs from the first run's.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import { mergeSpkFiles, spkRankFiles } from '../io/spk.js';
import { runExperiment, type RunOptions } from './coordinator.js';
import { formatLayout, runUnderMpirun, type Layout } from './mpi-launch.js';
import { networkShape } from '../network/chain.js';
import { buildTopology } from '../network/topology.js';
import { readRunInfo } from '../io/run-info.js';
import type { RankTiming } from './wait-log.js';

export interface StressOptions {
  /** Layouts to compare: processes × threads (processes > 1 run under mpirun). */
  layouts: Layout[];
  jitterMicros: number;
  repeat: number;
  outDir: string;
  hangTimeoutSeconds?: number;
  kernels?: 'wasm' | 'reference';
  /** Test-only: deliberately broken ordering for runs with more than one worker. */
  rankOrderMerge?: boolean;
  onRun?: (run: StressRun) => void;
}

export interface StressRun {
  layout: Layout;
  repeat: number;
  wallSeconds: number;
  digests: Record<string, string>;
  timings: RankTiming[];
  /** Outputs that differ from the first run's; empty when identical. */
  mismatches: string[];
  error?: string;
}

export interface StressReport {
  runs: StressRun[];
  ok: boolean;
}

/** SHA-256 of every rank-invariant output: merged spikes per group, the stats file, the state. */
export async function outputDigests(dir: string, spkNames: string[], name: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const g of spkNames) {
    const ranks = spkRankFiles(path.join(dir, g));
    const hash = createHash('sha256');
    const record = Buffer.alloc(8);
    for await (const chunk of mergeSpkFiles(ranks)) {
      for (let i = 0; i < chunk.length; i++) {
        record.writeUInt32LE(chunk.steps[i]!, 0);
        record.writeUInt32LE(chunk.ids[i]!, 4);
        hash.update(record);
      }
    }
    digests[`${g} spikes`] = hash.digest('hex');
  }
  for (const file of [`${name}.stats`, `${name}.netstate`]) {
    const p = path.join(dir, file);
    digests[file] = existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'missing';
  }
  return digests;
}

export async function runStress(config: ExperimentConfig, task: ResolvedTask, options: StressOptions): Promise<StressReport> {
  const runs: StressRun[] = [];
  let reference: Record<string, string> | null = null;
  const spkNames = buildTopology(networkShape(config, task)).groups.map((g) => g.spkName);
  for (let repeat = 0; repeat < options.repeat; repeat++) {
    for (const layout of options.layouts) {
      const dir = path.join(options.outDir, `${formatLayout(layout).replace('/', '-')}-r${repeat}`);
      const jitterSeed = repeat * 1000 + layout.processes * 100 + layout.threads;
      let run: StressRun;
      try {
        const { wallSeconds, timings } = layout.processes === 1
          ? await runInProcess(config, task, options, layout.threads, dir, jitterSeed)
          : await runInProcesses(config, options, layout, dir, jitterSeed);
        const digests = await outputDigests(dir, spkNames, config.name);
        reference ??= digests;
        const mismatches = Object.keys(reference).filter((k) => reference![k] !== digests[k]);
        run = { layout, repeat, wallSeconds, digests, timings, mismatches };
      } catch (err) {
        run = { layout, repeat, wallSeconds: NaN, digests: {}, timings: [], mismatches: ['run failed'], error: (err as Error).message };
      }
      runs.push(run);
      options.onRun?.(run);
    }
  }
  return { runs, ok: runs.every((r) => r.mismatches.length === 0) };
}

async function runInProcess(
  config: ExperimentConfig, task: ResolvedTask, options: StressOptions, workers: number, dir: string, jitterSeed: number,
): Promise<{ wallSeconds: number; timings: RankTiming[] }> {
  const runOptions: RunOptions = {
    workers,
    outDir: dir,
    kernels: options.kernels,
    hangTimeoutSeconds: options.hangTimeoutSeconds ?? 30,
    testHooks: { jitterMicros: options.jitterMicros, jitterSeed, rankOrderMerge: (options.rankOrderMerge ?? false) && workers > 1 },
  };
  const result = await runExperiment(config, task, runOptions);
  return { wallSeconds: result.wallSeconds, timings: result.timings };
}

/** The same run as an MPI job: the validated config goes to a file every process reads. */
async function runInProcesses(
  config: ExperimentConfig, options: StressOptions, layout: Layout, dir: string, jitterSeed: number,
): Promise<{ wallSeconds: number; timings: RankTiming[] }> {
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'stress-config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const job = await runUnderMpirun(layout, [
    'run', configFile, '--workers', String(layout.threads), '--out', dir, '-q',
    '--kernels', options.kernels ?? 'wasm', '--hang-timeout', String(options.hangTimeoutSeconds ?? 30),
    '--jitter-us', String(options.jitterMicros), '--jitter-seed', String(jitterSeed),
    ...(options.rankOrderMerge ? ['--rank-order-merge'] : []),
  ]);
  if (job.code !== 0) throw new Error(`mpirun ${formatLayout(layout)} exited ${job.code}: ${lastLine(job.stderr)}`);
  const info = readRunInfo(dir);
  return { wallSeconds: job.wallSeconds, timings: info.rankTimings };
}

function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('superspike:')).pop() ?? text.trim().split('\n').pop() ?? '';
}
