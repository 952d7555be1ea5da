/**
 * The synchronisation stress test: the same experiment under several worker counts, with random
 * sleeps before every exchange, must give byte-identical outputs every time. Reports barrier
 * waits per rank, and every output that differs from the first run's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import { mergeSpkFiles, spkRankFiles } from '../io/spk.js';
import { runExperiment, type RunOptions } from './coordinator.js';
import type { RankTiming } from './wait-log.js';

export interface StressOptions {
  workers: number[];
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
  workers: number;
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
  for (let repeat = 0; repeat < options.repeat; repeat++) {
    for (const workers of options.workers) {
      const dir = path.join(options.outDir, `w${workers}-r${repeat}`);
      const runOptions: RunOptions = {
        workers,
        outDir: dir,
        kernels: options.kernels,
        hangTimeoutSeconds: options.hangTimeoutSeconds ?? 30,
        testHooks: {
          jitterMicros: options.jitterMicros,
          jitterSeed: repeat * 1000 + workers,
          rankOrderMerge: (options.rankOrderMerge ?? false) && workers > 1,
        },
      };
      let run: StressRun;
      try {
        const result = await runExperiment(config, task, runOptions);
        const digests = await outputDigests(dir, result.info.groups.map((g) => g.spkName), config.name);
        reference ??= digests;
        const mismatches = Object.keys(reference).filter((k) => reference![k] !== digests[k]);
        run = { workers, repeat, wallSeconds: result.wallSeconds, digests, timings: result.timings, mismatches };
      } catch (err) {
        run = { workers, repeat, wallSeconds: NaN, digests: {}, timings: [], mismatches: ['run failed'], error: (err as Error).message };
      }
      runs.push(run);
      options.onRun?.(run);
    }
  }
  return { runs, ok: runs.every((r) => r.mismatches.length === 0) };
}
