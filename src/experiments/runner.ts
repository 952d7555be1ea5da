/**
 * Runs the independent runs of an experiment, `parallel` at a time, each in its own
 * `superspike run` child process with one worker (a run is fixed by its config and seed, and
 * the engine's outputs do not depend on the worker count, so neither do the results on
 * `parallel`). Each run gets `DIR/runs/<condition>/seed-<n>/` with its config.json. The first
 * failed run stops new launches; the error names the run and the end of its stderr.
 *
 * A sweep can take hours, so an interrupted one is continued by running the same command again:
 * a run folder that holds a completed run (run.json `completed`, not interrupted) of exactly the
 * same config.json is analysed again rather than recomputed — its outputs are what the run
 * would produce, since a run is fixed by its config.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { readRunInfo } from '../io/run-info.js';
import { PACKAGE_ROOT } from '../paths.js';
import { analyseRun } from './analysis.js';
import type { RunResult, RunSpec } from './types.js';

/** The built CLI the child processes run. */
export const CLI_PATH = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface RunnerOptions {
  outDir: string;
  parallel: number;
  /** Called after each run with its result, how many are done, and whether it was reused. */
  onRunDone?: (result: RunResult, done: number, total: number, reused: boolean) => void;
}

export function runDir(outDir: string, spec: RunSpec): string {
  return path.join(outDir, 'runs', spec.condition, `seed-${spec.seed}`);
}

/** Results in the order of `specs`, whatever order the runs finished in. */
export async function runAll(specs: readonly RunSpec[], opts: RunnerOptions): Promise<RunResult[]> {
  if (!existsSync(CLI_PATH)) throw new UserError(`${CLI_PATH} is missing: build first (npm run build)`);
  for (const spec of specs) {
    for (const key of ['input', 'target'] as const) {
      const file = spec.config[key];
      if (typeof file === 'string' && !existsSync(file)) throw new UserError(`experiment data file ${file} is missing (it ships in data/ssbm)`);
    }
  }
  const results: RunResult[] = new Array(specs.length);
  let next = 0;
  let done = 0;
  let failure: Error | null = null;
  const worker = async () => {
    while (failure === null && next < specs.length) {
      const index = next++;
      const spec = specs[index]!;
      try {
        const dir = runDir(opts.outDir, spec);
        const reused = isCompletedRunOf(spec, dir);
        results[index] = reused ? await analyseRun(spec, dir, readRunInfo(dir).wallSeconds) : await runOne(spec, dir);
        done++;
        opts.onRunDone?.(results[index]!, done, specs.length, reused);
      } catch (err) {
        failure ??= err as Error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, specs.length)) }, worker));
  if (failure !== null) throw failure;
  return results;
}

/** The folder holds a finished, uninterrupted run of exactly this spec's config. */
export function isCompletedRunOf(spec: RunSpec, dir: string): boolean {
  const configFile = path.join(dir, 'config.json');
  if (!existsSync(configFile) || !existsSync(path.join(dir, 'run.json'))) return false;
  if (readFileSync(configFile, 'utf8') !== configText(spec)) return false;
  try {
    const info = readRunInfo(dir);
    return info.completed === true && !info.interrupted;
  } catch {
    return false;
  }
}

function configText(spec: RunSpec): string {
  return `${JSON.stringify(spec.config, null, 2)}\n`;
}

async function runOne(spec: RunSpec, dir: string): Promise<RunResult> {
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, configText(spec));
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, 'run', configFile, '--workers', '1', '--out', dir, '-q'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: tail }));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const last = stderr.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? '(no message)';
    throw new UserError(`run ${spec.condition} seed ${spec.seed} failed (exit ${code}): ${last} — see ${configFile}`);
  }
  return analyseRun(spec, dir, wallSeconds);
}
