/**
 * Runs the independent runs of an experiment, `parallel` at a time, each in its own
 * `superspike run` child process with one worker (a run is fixed by its config and seed, and
 * the engine's outputs do not depend on the worker count, so neither do the results on
 * `parallel`, nor on how the runs are shared among MPI processes). Each run gets
 * `DIR/runs/<condition>/seed-<n>/` (sweep-folder.ts). The first failed run stops new launches;
 * the error names the run and the end of its stderr.
 *
 * Finished runs are never destroyed. For each run the folder's lock is taken before anything is
 * written there and lent to the child; with it held the folder is judged by the run's content key
 * (run-key.ts: the config with data digests, so another checkout reuses the same runs): a complete
 * run of the key is reused, a stopped one continued from its checkpoint, a different or damaged
 * one refused unless `force`.
 *
 * A stop (SIGINT/SIGTERM to `experiment`, sweep-stop.ts) launches nothing more and forwards the
 * signal once to every running child, whose `run` checkpoints and exits; runShare then throws a
 * UserError whose exit code is the signal's (130/143). Children run in their own process group, so
 * a terminal's Ctrl-C reaches them only through this forwarding (twice would abort them).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { acquireOutLock, LENT_LOCK_ENV, type OutLock } from '../io/out-lock.js';
import { detectMpiLaunch } from '../mpi/launcher.js';
import { CLI_PATH } from '../paths.js';
import { analyseRun } from './analysis.js';
import { runKey } from './run-key.js';
import { SweepStop } from './sweep-stop.js';
import { clearRunFolder, folderState, writeRunDefinition } from './sweep-folder.js';
import type { RunResult, RunSpec } from './types.js';

/** How a run was obtained: computed now, continued from its checkpoint, or reused as it was. */
export type RunOrigin = 'ran' | 'resumed' | 'reused';

export interface RunnerOptions {
  outDir: string;
  parallel: number;
  /** Recompute runs whose folders hold a different or damaged run (default: refuse them). */
  force?: boolean;
  /** The runs (indices into specs) this process computes; default all. The others must be complete already. */
  mine?: (index: number) => boolean;
  /** Stops the sweep (signals); default: never. */
  stop?: SweepStop;
  /** Called after each run with its result, how many are done, and how it was obtained. */
  onRunDone?: (result: RunResult, done: number, total: number, origin: RunOrigin) => void;
}

export function runDir(outDir: string, spec: RunSpec): string {
  return path.join(outDir, 'runs', spec.condition, `seed-${spec.seed}`);
}

/** The content key of every spec, digesting each data file once. */
export function runKeys(specs: readonly RunSpec[]): string[] {
  const digests = new Map<string, string>();
  return specs.map((s) => runKey(s.config, digests));
}

/** Computes this process's runs; results of those runs, in the order of `specs` (others undefined). */
export async function runShare(specs: readonly RunSpec[], opts: RunnerOptions): Promise<Array<RunResult | undefined>> {
  if (!existsSync(CLI_PATH)) throw new UserError(`${CLI_PATH} is missing: build first (npm run build)`);
  for (const spec of specs) {
    for (const key of ['input', 'target'] as const) {
      const file = spec.config[key];
      if (typeof file === 'string' && !existsSync(file)) throw new UserError(`experiment data file ${file} is missing (it ships in data/ssbm)`);
    }
  }
  const keys = runKeys(specs);
  const mine = specs.map((_, i) => i).filter((i) => opts.mine?.(i) ?? true);
  const results: Array<RunResult | undefined> = new Array(specs.length);
  const stop = opts.stop ?? new SweepStop();
  let next = 0;
  let done = 0;
  let failure: Error | null = null;
  const worker = async () => {
    while (failure === null && !stop.stopped && next < mine.length) {
      const index = mine[next++]!;
      const spec = specs[index]!;
      try {
        const { result, origin } = await obtainRun(spec, keys[index]!, opts, stop);
        if (result === null) continue; // stopped: checkpointed
        results[index] = result;
        done++;
        opts.onRunDone?.(result, done, mine.length, origin);
      } catch (err) {
        failure ??= err as Error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, mine.length)) }, worker));
  if (failure !== null) throw failure;
  if (stop.stopped) throw stop.error(mine.length - done);
  return results;
}

/**
 * Analyses runs that other processes computed (MPI share, Slurm array): each must be a complete
 * run of its key; anything else is a UserError naming the folder.
 */
export async function collectRuns(specs: readonly RunSpec[], outDir: string): Promise<RunResult[]> {
  const keys = runKeys(specs);
  const results: RunResult[] = [];
  for (const [i, spec] of specs.entries()) {
    const dir = runDir(outDir, spec);
    const state = folderState(dir, spec, keys[i]!);
    if (state.kind !== 'done') {
      const why = state.kind === 'other' ? state.why : state.kind === 'empty' ? 'it holds no run' : 'its run has not completed';
      throw new UserError(`run ${spec.condition} seed ${spec.seed} is not complete in ${dir}: ${why}`);
    }
    results.push(await analyseRun(spec, dir, state.info.wallSeconds));
  }
  return results;
}

/** One run with its folder locked: reused, continued or computed; null when stopped meanwhile. */
async function obtainRun(spec: RunSpec, key: string, opts: RunnerOptions, stop: SweepStop): Promise<{ result: RunResult | null; origin: RunOrigin }> {
  const dir = runDir(opts.outDir, spec);
  const lock = acquireOutLock(dir);
  try {
    const state = folderState(dir, spec, key);
    if (state.kind === 'done') return { result: await analyseRun(spec, dir, state.info.wallSeconds), origin: 'reused' };
    if (state.kind === 'other') {
      if (!opts.force) {
        throw new UserError(`${dir} holds a finished or foreign run that this sweep would overwrite (${state.why}): run with --force to recompute it, or choose another --out`);
      }
      clearRunFolder(dir);
    }
    const configFile = writeRunDefinition(dir, spec, key);
    const resume = state.kind === 'resume' ? state.checkpoint : null;
    const args = resume === null ? ['run', configFile] : ['run', '--resume', resume];
    const started = performance.now();
    const { code, stderr } = await runChild([...args, '--workers', '1', '--out', dir, '-q'], lock, stop);
    const wallSeconds = (performance.now() - started) / 1000;
    // Stopped: whatever the run left (a checkpoint, or nothing yet) is judged by the next sweep.
    if (code !== 0 && stop.stopped) return { result: null, origin: 'ran' };
    if (code !== 0) {
      const last = stderr.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? '(no message)';
      throw new UserError(`run ${spec.condition} seed ${spec.seed} failed (exit ${code}): ${last} — see ${configFile}`);
    }
    return { result: await analyseRun(spec, dir, wallSeconds), origin: resume === null ? 'ran' : 'resumed' };
  } finally {
    lock.release();
  }
}

/**
 * The environment of a child run: this process's, without what would make the child think an MPI
 * launcher started it (under `mpirun experiment` each process runs its share as plain runs).
 */
export function childEnv(lock: OutLock, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^(OMPI_|PMIX_|PMI_|PRTE_|OPAL_|HYDRA_)/.test(k) || k === 'SLURM_PROCID' || k === 'SLURM_STEP_ID') continue;
    out[k] = v;
  }
  if (detectMpiLaunch(out).launcher !== null) throw new Error('childEnv: the child environment still looks like an MPI launch');
  out[LENT_LOCK_ENV] = lock.info.token;
  return out;
}

function runChild(args: string[], lock: OutLock, stop: SweepStop): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: childEnv(lock),
      detached: true,
    });
    const forget = stop.track(child);
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
    });
    child.on('error', (err) => {
      forget();
      reject(err);
    });
    child.on('close', (c, signal) => {
      forget();
      // Killed by a signal before its handlers were in place: the shell's convention, 128 + signal.
      resolve({ code: c ?? (signal ? 128 + constants.signals[signal] : null), stderr: tail });
    });
  });
}
