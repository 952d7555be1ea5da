/**
 * `superspike run` — train a network: parse flags into a config, then hand over to the engine.
 */
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig, validateConfig } from '../../config/load.js';
import type { ConfigInput } from '../../config/schema.js';
import { resolveTask, type ResolvedTask } from '../../config/task.js';
import { networkShape, runExperiment, type RunOptions } from '../../engine/coordinator.js';
import { checkNetworkMemory, checkWorkers, LIMITS } from '../../config/limits.js';
import { loadNetworkState } from '../../io/netstate.js';
import { acquireOutLock } from '../../io/out-lock.js';
import { checkResumeFolder, newRunId, removeStaleOutputs, writeRunStartMarker } from '../../io/run-identity.js';
import { UserError } from '../../errors.js';
import { writeReport } from '../../report/report.js';
import { createProgressReporter } from '../progress.js';
import {
  parseCount, parseNonNegative, parsePositive, parsePositiveInt, parseSeed, parseSizeList,
} from '../options.js';

interface RunCliOptions {
  workers?: number;
  out: string;
  seed?: number;
  blocks?: number;
  blockSeconds?: number;
  feedback?: 'symmetric' | 'random' | 'uniform';
  hidden?: number[];
  input?: string;
  target?: string;
  grid?: number;
  eta?: number;
  w0?: number;
  nInput?: number;
  nOutput?: number;
  feedbackDelayMs?: number;
  partial?: boolean;
  learnHidden?: boolean;
  name?: string;
  strict?: boolean;
  kernels: 'wasm' | 'reference';
  resume?: string;
  stopAfterBlock?: number;
  checkpointEvery?: number;
  quiet?: boolean;
  report?: boolean;
  /** Undefined: the engine's default (RunOptions.hangTimeoutSeconds). */
  hangTimeout?: number;
  maxMemoryGib?: number;
  injectFault?: { rank: number; step: number; kind: 'throw' | 'hang' };
  rankOrderMerge?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('train a spiking network with SuperSpike on worker-thread ranks')
    .argument('[config]', 'experiment config (JSON); default: the built-in task')
    .option('-w, --workers <n>', `ranks (worker threads); default: the core count (${availableParallelism()} here)`, parsePositiveInt)
    .option('-o, --out <dir>', 'output folder', 'output')
    .option('--seed <n>', 'network seed (initial weights, feedback matrices)', parseSeed)
    .option('--blocks <n>', 'training blocks after the burn-in', parseCount)
    .option('--block-seconds <s>', 'block length in seconds (also the burn-in)', parsePositive)
    .addOption(new Option('--feedback <mode>', 'how errors reach hidden layers').choices(['symmetric', 'random', 'uniform']))
    .option('--hidden <sizes>', 'hidden layer sizes, e.g. 256 or 256,128 or none', parseSizeList)
    .option('--input <file>', 'input raster (.ras)')
    .option('--target <file>', 'target raster (.ras)')
    .option('--grid <s>', 'loop grid in seconds shared by input and target', parsePositive)
    .option('--eta <x>', 'learning rate', parsePositive)
    .option('--w0 <x>', 'initial weight scale', parseNonNegative)
    .option('--n-input <n>', 'input neurons (default: largest id in the input + 1)', parsePositiveInt)
    .option('--n-output <n>', 'output neurons (default: largest id in the target + 1)', parsePositiveInt)
    .option('--feedback-delay-ms <ms>', 'extra eligibility delay per hidden layer', parseNonNegative)
    .option('--no-partial', 'use σ\' ≡ 1 instead of the surrogate derivative')
    .option('--no-learn-hidden', 'train only the output layer')
    .option('--name <name>', 'base name of the stats and state files')
    .option('--strict', 'out-of-range ids in .ras files are errors')
    .addOption(new Option('--kernels <kind>', 'kernel implementation').choices(['wasm', 'reference']).default('wasm'))
    .option('--resume <state>', 'continue a saved run (.netstate); works with any --workers')
    .option('--stop-after-block <n>', 'checkpoint and stop when block n is about to start', parseCount)
    .option('--checkpoint-every <k>', 'write <name>.checkpoint.netstate before every k-th block and keep going', parsePositiveInt)
    .option('-q, --quiet', 'no progress output')
    .option('--report', 'write report.html into the output folder at the end')
    .option('--hang-timeout <s>', "declare a rank hung after this long without progress (default: the engine's)", parsePositive)
    .option('--max-memory-gib <n>', `refuse networks estimated above this much memory (default ${LIMITS.defaultMaxMemoryGiB}, or the config's maxMemoryGiB)`, parsePositive)
    .addOption(new Option('--inject-fault <rank:step:kind>', 'test only: make a rank throw or hang').argParser(parseFault).hideHelp())
    .addOption(new Option('--rank-order-merge', 'test only: merge spikes in rank order').hideHelp())
    .addHelpText(
      'after',
      `
Outputs in the output folder: <group>.<rank>.spk per rank (multi_stim, multi_hidden, …, output,
target), <name>.stats, <name>.netstate and run.json. Ctrl-C (or SIGTERM) stops at the next
0.8 ms interval, writes <name>.checkpoint.netstate and exits 130 (143); continue with --resume,
into the same output folder. One run at a time per folder (a lock file .superspike.lock).

Examples:
  superspike run                                   # built-in task, all cores
  superspike run config/default.json --workers 2
  superspike run config/oxford.json --input ../shared/data/oxford/oxford-input.ras \\
      --target ../shared/data/oxford/oxford-target.ras --blocks 10 --out output/oxford
  superspike run config/default.json --stop-after-block 2 --out output/a
  superspike run --resume output/a/superspike.checkpoint.netstate --out output/a --workers 3`,
    )
    .action(async (configFile: string | undefined, opts: RunCliOptions) => {
      const workers = opts.workers ?? availableParallelism();
      checkWorkers(workers, null);
      let config;
      let task: ResolvedTask;
      let resume;
      if (opts.resume !== undefined) {
        const semantic = ['seed', 'blocks', 'blockSeconds', 'feedback', 'hidden', 'input', 'target', 'grid', 'eta', 'w0', 'nInput', 'nOutput', 'feedbackDelayMs', 'name', 'strict'] as const;
        const given = semantic.filter((k) => opts[k] !== undefined);
        if (configFile !== undefined || given.length > 0) {
          throw new UserError(`--resume continues the saved experiment as it was: drop ${configFile !== undefined ? 'the config file' : `--${given.map(kebab).join(', --')}`}`);
        }
        resume = loadNetworkState(opts.resume);
        config = validateConfig(resume.config, opts.resume);
        task = resume.task;
      } else {
        const overrides: Partial<ConfigInput> = {
          seed: opts.seed, blocks: opts.blocks, blockSeconds: opts.blockSeconds, feedback: opts.feedback, hidden: opts.hidden,
          input: opts.input, target: opts.target, gridSeconds: opts.grid, eta: opts.eta, w0: opts.w0, nInput: opts.nInput,
          nOutput: opts.nOutput, name: opts.name, strict: opts.strict,
          feedbackDelaySeconds: opts.feedbackDelayMs === undefined ? undefined : opts.feedbackDelayMs / 1000,
          partial: opts.partial === false ? false : undefined,
          learnHidden: opts.learnHidden === false ? false : undefined,
        };
        config = loadConfig(configFile, overrides).config;
        task = await resolveTask(config);
      }
      // Limits before anything is allocated or --out is touched (config/limits.ts).
      const shape = networkShape(config, task);
      const warning = checkWorkers(workers, shape);
      if (warning) process.stderr.write(`superspike: warning: ${warning}\n`);
      const replayEvents = task.input.steps.length + task.target.steps.length;
      checkNetworkMemory(shape, workers, replayEvents, opts.maxMemoryGib ?? config.maxMemoryGiB);
      // Only now is --out touched: locked against a concurrent run, checked to belong to the
      // resumed run, and marked as holding an incomplete run until run.json is rewritten last.
      const outDir = path.resolve(opts.out);
      const lock = acquireOutLock(outDir);
      let runId: string;
      try {
        if (resume) checkResumeFolder(outDir, resume.runId, opts.resume!, path.join(outDir, `${config.name}.stats`), resume.statsLines);
        runId = resume?.runId ?? newRunId();
        writeRunStartMarker(outDir, runId);
        if (!resume) removeStaleOutputs(outDir, config.name);
      } catch (err) {
        lock.release();
        throw err;
      }
      const checkpointFile = path.join(outDir, `${config.name}.checkpoint.netstate`);
      const stop = new AbortController();
      const signals = createSignalHandling(stop, checkpointFile);
      const reporter = createProgressReporter({ quiet: opts.quiet ?? false, stream: process.stderr });
      // `runId` is read by a coordinator that knows it (RunOptions.runId); until then the state
      // and run.json take it from the start marker (io/netstate.ts, io/run-info.ts).
      const options: RunOptions & { runId: string } = {
        runId,
        workers: opts.workers,
        outDir: opts.out,
        kernels: opts.kernels,
        resume,
        stopAfterBlock: opts.stopAfterBlock,
        checkpointEveryBlocks: opts.checkpointEvery,
        hangTimeoutSeconds: opts.hangTimeout,
        stopSignal: stop.signal,
        fault: opts.injectFault ?? null,
        rankOrderMerge: opts.rankOrderMerge ?? false,
        onProgress: reporter.progress,
        onStats: reporter.stats,
      };
      reporter.start({ config, task, workers: opts.workers ?? availableParallelism(), resumedFrom: opts.resume });
      try {
        const result = await runExperiment(config, task, options);
        reporter.stop();
        if (opts.report) {
          const file = await writeReport(result.outDir);
          result.files.push(file);
        }
        reporter.summary(result);
        if (result.interrupted) process.exitCode = stop.signal.aborted ? signals.exitCode() : 0;
      } catch (err) {
        reporter.stop();
        throw err;
      } finally {
        signals.dispose();
        lock.release();
      }
    });
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * SIGINT (Ctrl-C) and SIGTERM (what batch schedulers send before killing a job) both stop the
 * run at the next interval with a checkpoint; the exit code is 128 + the signal number (130,
 * 143). A second signal aborts at once and says truthfully whether a checkpoint of this stop
 * (or an older one) is on disk, judged by the checkpoint file's modification time.
 */
function createSignalHandling(stop: AbortController, checkpointFile: string) {
  let first: StopSignal | null = null;
  let firstAt = 0;
  const handler = (signal: StopSignal) => {
    if (first === null) {
      first = signal;
      firstAt = Date.now();
      const how = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      process.stderr.write(`\nsuperspike: ${signal}: stopping at the next interval and writing a checkpoint (${how} again to abort)\n`);
      stop.abort();
      return;
    }
    process.stderr.write(`superspike: aborted by a second ${signal}; ${checkpointTruth(checkpointFile, firstAt)}\n`);
    process.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    exitCode: () => SIGNAL_EXIT_CODES[first ?? 'SIGINT'],
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** What is on disk after an abort: this stop's checkpoint, an older one, or none. */
export function checkpointTruth(file: string, stopRequestedAt: number): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return 'no checkpoint was written';
  }
  // Coarse file-system clocks: a second of slack counts a just-written file as this stop's.
  if (st.mtimeMs >= stopRequestedAt - 1000) return `the checkpoint of this stop was written: continue with --resume ${file}`;
  return `this stop's checkpoint was not written; ${file} is an earlier checkpoint (saved ${st.mtime.toISOString()}) that --resume can continue`;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function parseFault(value: string): { rank: number; step: number; kind: 'throw' | 'hang' } {
  const m = /^(\d+):(\d+):(throw|hang)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected rank:step:throw|hang');
  return { rank: Number(m[1]), step: Number(m[2]), kind: m[3] as 'throw' | 'hang' };
}
