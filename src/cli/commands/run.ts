/**
 * `superspike run` — train a network: parse flags into a config, then hand over to the engine.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { ConfigInput } from '../../config/schema.js';
import { resolveTask, type ResolvedTask } from '../../config/task.js';
import { planRun, runExperiment, type RunOptions, type RunPlan } from '../../engine/coordinator.js';
import { DEFAULT_RUN_OPTIONS, PRESYNAPTIC_MODES, type PresynapticMode } from '../../engine/options.js';
import { networkShape } from '../../network/chain.js';
import { endpointName, type ConnectionSpec } from '../../network/graph.js';
import { localRanksOf, withProcess } from '../../engine/process-group.js';
import { checkWorkers, formatBytes, LIMITS } from '../../config/limits.js';
import { defaultRanks } from '../../engine/threads.js';
import { createSignalHandling, NOT_STARTED_EXIT_CODE } from '../signals.js';
import { joinMpiJob } from '../../engine/mpi-session.js';
import { parseBlockEndFault, type BlockEndFault } from '../../engine/block-end-fault.js';
import { RunDisagreementError } from '../../engine/run-agreement.js';
import { loadNetworkState } from '../../engine/state-validate.js';
import { checkInitFrom, resumedConfig } from '../../engine/continuation.js';
import { UserError } from '../../errors.js';
import { DEFAULT_CONFIG_PATH } from '../../paths.js';
import { writeReport } from '../../report/report.js';
import { DEFAULT_WATCH_PORT, serveRunFolder } from '../../report/watch.js';
import { createProgressReporter } from '../../report/progress.js';
import {
  coresPerLocalProcess, deprecatedMsOption, integerBetween, parseCount, parseNonNegative, parsePositive, parsePositiveInt, parseSeed,
  parseNonNegativeOrAuto, parseSizeList, parseThreads, parseVoltsOrNone, secondsFlag,
} from '../options.js';
import {
  DEFAULT_ELIGIBILITY_MODE, DEFAULT_LEARNING_RATE, DEFAULT_FEEDBACK_GATE, DEFAULT_REGULARISER, DEFAULT_SURROGATE_FLOOR_VOLTS, ELIGIBILITY_MODES, FEEDBACK_GATES, MAX_REGULARISER_EXPONENT,
} from '../../model/constants.js';

interface RunCliOptions {
  workers?: number;
  threads: number | 'auto';
  presynaptic: PresynapticMode;
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
  feedbackDelaySeconds?: number;
  /** Deprecated `--feedback-delay-ms`, already converted to seconds. */
  feedbackDelayMs?: number;
  regulariserStrength?: number;
  regulariserExponent?: number;
  regulariserTauSeconds?: number;
  regulariserTauMs?: number;
  learningRateScheme?: 'fixed' | 'rmsprop' | 'rmaxprop';
  eligibility?: 'recursive' | 'blocked';
  tauRmsSeconds?: number;
  rmsEpsilon?: number;
  /** `none`: no floor (null in the config). */
  surrogateFloorVolts?: number | 'none';
  feedbackGate?: 'surrogate' | 'none';
  feedbackCentred?: boolean;
  partial?: boolean;
  learnHidden?: boolean;
  hiddenEtaScale?: number | 'auto';
  recurrent?: boolean;
  skip?: boolean;
  name?: string;
  strict?: boolean;
  kernels: 'wasm' | 'reference';
  resume?: string;
  extend?: number;
  initFrom?: string;
  stopAfterBlock?: number;
  checkpointEvery?: number;
  force?: boolean;
  quiet?: boolean;
  dryRun?: boolean;
  report?: boolean;
  /** true: the default port. */
  serve?: number | true;
  /** Undefined: the engine's default (RunOptions.hangTimeoutSeconds). */
  hangTimeout?: number;
  maxMemoryGib?: number;
  injectFault?: { rank: number; step: number; kind: 'throw' | 'hang' };
  rankOrderMerge?: boolean;
  jitterUs?: number;
  jitterSeed?: number;
  slowRank?: { rank: number; micros: number };
  mpiInlineWords?: number;
  blockEndFault?: BlockEndFault;
  testWaitBeforeStart?: boolean;
  record: string[];
  recordEverySeconds?: number;
  recordRateBinSeconds?: number;
  aurynVersion?: string;
  recordEveryMs?: number;
  recordRateBinMs?: number;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('train a spiking network with SuperSpike on worker-thread ranks')
    .argument('[config]', 'experiment config (JSON); default: config/default.json (the built-in task, as `npm start`)')
    .option('-w, --workers <n>', `ranks (data partitions; the result does not depend on them); default: the cores other work leaves free (at most ${availableParallelism()} here), fewer for a small network`, parsePositiveInt)
    .option('--threads <n|auto>', 'threads that step the ranks; auto: one per rank while cores are free, fewer on a busy machine', parseThreads, 'auto' as const)
    .addOption(new Option('--presynaptic <where>', 'where the presynaptic side (traces, psp) is computed: per-process (its threads share it), per-thread, or auto (per thread up to 2 threads); the result does not depend on it').choices([...PRESYNAPTIC_MODES]).default('auto'))
    .option('-o, --out <dir>', 'output folder', 'output')
    .option('--seed <n>', 'network seed (initial weights, feedback matrices)', parseSeed)
    .option('--blocks <n>', 'training blocks after the burn-in', parseCount)
    .option('--block-seconds <s>', 'block length in seconds (also the burn-in)', parsePositive)
    .addOption(new Option('--feedback <mode>', 'how errors reach hidden layers').choices(['symmetric', 'random', 'uniform']))
    .option('--hidden <sizes>', 'hidden layer sizes, e.g. 256 or 256,128 or none', parseSizeList)
    .option('--input <file>', 'input raster (.ras)')
    .option('--target <file>', 'target raster (.ras)')
    .option('--grid <s>', 'loop grid in seconds shared by input and target', parsePositive)
    .option('--eta <x>', 'learning rate η₀ (/10 from block 20); 0 evaluates without learning', parseNonNegative)
    .option('--w0 <x>', 'initial weight scale', parseNonNegative)
    .option('--n-input <n>', 'input neurons (default: largest id in the input + 1)', parsePositiveInt)
    .option('--n-output <n>', 'output neurons (default: largest id in the target + 1)', parsePositiveInt)
    .option('--feedback-delay-seconds <s>', 'extra eligibility delay per hidden layer', parseNonNegative)
    .addOption(deprecatedMsOption('--feedback-delay-ms', '--feedback-delay-seconds', parseNonNegative))
    .option('--regulariser-strength <rho>', `random-feedback regulariser strength, 0 = off (default ${DEFAULT_REGULARISER.strength})`, parseNonNegative)
    .option('--regulariser-exponent <a>', `regulariser exponent a of hom^a (default ${DEFAULT_REGULARISER.exponent})`, integerBetween(0, MAX_REGULARISER_EXPONENT))
    .option('--regulariser-tau-seconds <s>', `time constant of the regulariser's rate trace (default ${DEFAULT_REGULARISER.tauSeconds})`, parsePositive)
    .addOption(deprecatedMsOption('--regulariser-tau-ms', '--regulariser-tau-seconds', parsePositive))
    .addOption(new Option('--learning-rate-scheme <scheme>', `weight-update scheme (default ${DEFAULT_LEARNING_RATE.scheme})`).choices(['fixed', 'rmsprop', 'rmaxprop']))
    .option('--tau-rms-seconds <s>', `memory of the rmsprop/rmaxprop normaliser (default ${DEFAULT_LEARNING_RATE.tauRmsSeconds})`, parsePositive)
    .option('--rms-epsilon <x>', `guard ε of the rmsprop/rmaxprop normaliser (default ${DEFAULT_LEARNING_RATE.epsilon})`, parseNonNegative)
    .addOption(new Option('--eligibility <mode>', `eligibility pass: recursive (the reference) or blocked (faster, rounded differently; docs/model.md §7.7) (default ${DEFAULT_ELIGIBILITY_MODE})`).choices([...ELIGIBILITY_MODES]))
    .option('--surrogate-floor-volts <v|none>', `σ' = 0 below this membrane potential, none = no floor (default ${DEFAULT_SURROGATE_FLOOR_VOLTS ?? 'none'})`, parseVoltsOrNone)
    .addOption(new Option('--feedback-gate <gate>', `symmetric feedback between hidden layers: surrogate passes a layer's errors down times min(1, σ'/σ'(rest)), none ungated (default ${DEFAULT_FEEDBACK_GATE})`).choices([...FEEDBACK_GATES]))
    .option('--feedback-centred', 'random feedback: centre each hidden neuron\'s feedback weights over the outputs, so an error shared by all outputs reaches no hidden neuron (default: as drawn; docs/model.md §5.3)')
    .option('--no-partial', 'use σ\' ≡ 1 instead of the surrogate derivative')
    .option('--no-learn-hidden', 'train only the output layer')
    .option('--hidden-eta-scale <x|auto>', 'learning rate of the connections into hidden layers as a multiple of η; auto: η/10 under random feedback with 2 or more hidden layers, else η (default auto; docs/model.md §7.5)', parseNonNegativeOrAuto)
    .option('--recurrent', 'add a recurrent connection of every hidden layer onto itself (config: "connections")')
    .option('--skip', 'add a skip connection input → output (config: "connections")')
    .option('--name <name>', 'base name of the stats and state files')
    .option('--strict', 'out-of-range ids in .ras files are errors')
    .addOption(new Option('--kernels <kind>', 'kernel implementation').choices(['wasm', 'reference']).default('wasm'))
    .option('--resume <state>', 'continue a saved run (.netstate); works with any --workers')
    .option('--extend <n>', 'with --resume of <name>.trained.netstate: train n more blocks, then replay (= a fresh run of blocks + n)', parsePositiveInt)
    .option('--init-from <state>', 'start a fresh run (own task, seed, schedule) with the weights of a saved network of the same layer sizes')
    .option('--stop-after-block <n>', 'checkpoint and stop when block n is about to start', parseCount)
    .option('--force', 'a fresh run may delete the checkpoint of an interrupted run in --out')
    .option('--checkpoint-every <k>', 'write <name>.checkpoint.netstate before every k-th block and keep going', parsePositiveInt)
    .option('--record <monitor>', 'record state: KIND:GROUP[:IDS][@WINDOW] or auryn (repeatable; see docs/monitors.md)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--record-every-seconds <s>', `sampling interval of recorded state (default ${DEFAULT_RUN_OPTIONS.recordEveryMs / 1000})`, parsePositive)
    .option('--record-rate-bin-seconds <s>', `bin of recorded population rates (default ${DEFAULT_RUN_OPTIONS.recordRateBinMs / 1000})`, parsePositive)
    .addOption(deprecatedMsOption('--record-every-ms', '--record-every-seconds', parsePositive))
    .addOption(deprecatedMsOption('--record-rate-bin-ms', '--record-rate-bin-seconds', parsePositive))
    .option('--auryn-version <x.y.z>', `Auryn version whose tag the .spk headers carry, so that version's aube reads them without a warning (default ${DEFAULT_RUN_OPTIONS.aurynVersion}; the paper's code used 0.8.1)`)
    .option('-q, --quiet', 'no progress output')
    .option('--dry-run', 'make every check the run makes (config, data, flags, limits, output folder), print the plan and exit 0, touching nothing')
    .option('--report', 'write report.html into the output folder at the end')
    .option('--serve [port]', `serve a live page of the run on 127.0.0.1 while it goes, as superspike watch (default port ${DEFAULT_WATCH_PORT}, 0 = any free)`, integerBetween(0, 65535, 'expected a port, 0 to 65535'))
    .option('--hang-timeout <s>', 'declare a rank hung after this long without progress (default: automatic, from the measured progress)', parsePositive)
    .option('--max-memory-gib <n>', `refuse networks estimated above this much memory (default ${LIMITS.defaultMaxMemoryGiB}, or the config's maxMemoryGiB)`, parsePositive)
    .addOption(new Option('--inject-fault <rank:step:kind>', 'test only: make a rank throw or hang').argParser(parseFault).hideHelp())
    .addOption(new Option('--rank-order-merge', 'test only: merge spikes in rank order').hideHelp())
    .addOption(new Option('--jitter-us <us>', 'test only: random sleeps before exchanges').argParser(parseNonNegative).hideHelp())
    .addOption(new Option('--jitter-seed <n>', 'test only: seed of the sleeps').argParser(parseSeed).hideHelp())
    .addOption(new Option('--slow-rank <rank:us>', 'test only: one rank sleeps this long before every exchange').argParser(parseSlowRank).hideHelp())
    .addOption(new Option('--mpi-inline-words <n>', 'test only: words of the MPI exchange\'s inline block').argParser(integerBetween(2, 1 << 20, 'expected 2 to 1048576 words')).hideHelp())
    .addOption(new Option('--block-end-fault <process:block:stop|stall:ms>', 'test only: freeze or stall a process at a block end (block: a number, start for the start of the job, join for right before MPI_Init, finalize for right before MPI_Finalize)').argParser(parseBlockEndFaultFlag).hideHelp())
    .addOption(new Option('--test-wait-before-start', 'test only: wait for a signal (at most 60 s) after reading the config').hideHelp())
    .addHelpText(
      'after',
      `
Outputs in the output folder: <group>.<rank>.spk per rank (multi_stim, multi_hidden, …, output,
target), <name>.stats, <name>.netstate and run.json; with --record, <group>.<kind>.<rank>
monitor files, or for --record auryn Auryn's own (multi0.0.mem, …; docs/monitors.md). Ctrl-C (or SIGTERM) stops at the next
0.8 ms interval, writes <name>.checkpoint.netstate and exits 130 (143); continue with --resume,
into the same output folder. One run at a time per folder (a lock file .superspike.lock).
When training ends, before the frozen replay, the run saves <name>.trained.netstate: --resume it
with --extend N to train N more blocks (the same bytes as a fresh run of blocks + N: the η
schedule goes on). --init-from STATE trains a new task starting from a saved network's weights;
--eta 0 replays a task through a network without changing it (evaluation).
Durations are in seconds, as the config keys (…Seconds); the old -ms flags still work (deprecated).
--dry-run makes every check the run would make before it starts — config and data, flags, limits
(ranks, memory, monitor disk), the output folder (writable, not locked by a live run, no
interrupted run's checkpoint lost, a resume only into its own run) and, under mpirun/srun, that
all processes agree — then prints the plan (network, blocks, simulated seconds, ranks and
threads, memory, output files) and exits 0 without writing anything: check a job before queueing it.

--workers ranks are stepped by --threads threads; auto (the default) takes the cores that other
work leaves free, at most one per rank, and says so in run.json; the result is the same bytes
for any --workers and --threads (docs/model.md §10.1). A run whose threads wait more than half
the time at barriers says so once, with the --threads that would be faster; under mpirun, a job
whose processes mostly wait for each other says so once, with the layout that would be faster.

Under mpirun or srun, every process runs --workers ranks (see docs/mpi.md):
  mpirun -np 2 superspike run config/default.json --workers 2 --out out/m

Without a config file and without --input/--target, run trains config/default.json: the
built-in SUPERSPIKE task that \`npm start\` runs (flags still override it). Every config starts
from the same defaults (those of the built-in task; \`superspike inspect\` shows what a config
builds); --input and --target replace the built-in task.

Examples:
  superspike run                                   # built-in task (config/default.json), all cores
  superspike run config/default.json --workers 2
  superspike run config/default.json --workers 4 --threads 2     # 4 ranks on 2 threads
  superspike run config/oxford.json --blocks 10 --out output/oxford   # data/ssbm rasters
  superspike run config/oxford.json --input my-input.ras --target my-target.ras --grid 2
  superspike run config/default.json --recurrent --blocks 5       # hidden layer onto itself
  superspike run --record membrane:output:0-3 --record rate:hidden --record auryn
  superspike run config/oxford.json --out output/oxford --dry-run   # check, print the plan, touch nothing
  superspike run config/default.json --stop-after-block 2 --out output/a
  superspike run --resume output/a/superspike.checkpoint.netstate --out output/a --workers 3
  superspike run --resume output/a/superspike.trained.netstate --extend 10 --out output/a
  superspike run --init-from output/a/superspike.netstate --input new.ras --target new.ras --out output/b
  superspike run --init-from output/a/superspike.netstate --eta 0 --blocks 0 --out output/eval`,
    )
    .action(async (configFile: string | undefined, opts: RunCliOptions, command: Command) => {
      checkWorkers(opts.workers ?? availableParallelism(), null); // threads of this process, before anything is read
      // Signals from the first moment: a stop while the config and data are read ends the run
      // before it touches anything (exit NOT_STARTED_EXIT_CODE), not with Node's default death.
      const stop = new AbortController();
      const signals = createSignalHandling(stop);
      let config;
      let task: ResolvedTask;
      let resume;
      let initFrom;
      const feedbackDelaySeconds = secondsFlag(opts, 'feedbackDelaySeconds', 'feedbackDelayMs', '--feedback-delay');
      const regulariserTauSeconds = secondsFlag(opts, 'regulariserTauSeconds', 'regulariserTauMs', '--regulariser-tau');
      const recordEverySeconds = secondsFlag(opts, 'recordEverySeconds', 'recordEveryMs', '--record-every');
      const recordRateBinSeconds = secondsFlag(opts, 'recordRateBinSeconds', 'recordRateBinMs', '--record-rate-bin');
      if (opts.extend !== undefined && opts.resume === undefined) {
        throw new UserError('--extend needs --resume <name>.trained.netstate: the state saved when training ended');
      }
      if (opts.initFrom !== undefined && opts.resume !== undefined) {
        throw new UserError('--init-from starts a new run and --resume continues one: give one of them');
      }
      if (opts.resume !== undefined) {
        const semantic = ['seed', 'blocks', 'blockSeconds', 'feedback', 'hidden', 'input', 'target', 'grid', 'eta', 'w0', 'nInput', 'nOutput', 'feedbackDelaySeconds', 'feedbackDelayMs',
          'regulariserStrength', 'regulariserExponent', 'regulariserTauSeconds', 'regulariserTauMs', 'learningRateScheme', 'tauRmsSeconds', 'rmsEpsilon',
          'surrogateFloorVolts', 'feedbackGate', 'feedbackCentred', 'hiddenEtaScale', 'eligibility', 'name', 'strict', 'recurrent', 'skip'] as const;
        const given = semantic.filter((k) => opts[k] !== undefined);
        if (configFile !== undefined || given.length > 0) {
          const hint = given.includes('blocks') ? ' (to train more blocks, resume <name>.trained.netstate with --extend N)' : '';
          throw new UserError(`--resume continues the saved experiment as it was: drop ${configFile !== undefined ? 'the config file' : `--${given.map(kebab).join(', --')}`}${hint}`);
        }
        resume = loadNetworkState(opts.resume);
        config = resumedConfig(resume, opts.resume, opts.extend);
        task = resume.task;
      } else {
        const overrides: Partial<ConfigInput> = {
          seed: opts.seed, blocks: opts.blocks, blockSeconds: opts.blockSeconds, feedback: opts.feedback, hidden: opts.hidden,
          input: opts.input, target: opts.target, gridSeconds: opts.grid, eta: opts.eta, w0: opts.w0, nInput: opts.nInput,
          nOutput: opts.nOutput, name: opts.name, strict: opts.strict,
          feedbackDelaySeconds,
          regulariser: definedOnly({ strength: opts.regulariserStrength, exponent: opts.regulariserExponent, tauSeconds: regulariserTauSeconds }),
          learningRate: definedOnly({ scheme: opts.learningRateScheme, tauRmsSeconds: opts.tauRmsSeconds, epsilon: opts.rmsEpsilon }),
          eligibility: opts.eligibility,
          surrogateFloorVolts: opts.surrogateFloorVolts === 'none' ? null : opts.surrogateFloorVolts,
          feedbackGate: opts.feedbackGate,
          feedbackCentred: opts.feedbackCentred,
          partial: opts.partial === false ? false : undefined,
          learnHidden: opts.learnHidden === false ? false : undefined,
          hiddenEtaScale: opts.hiddenEtaScale,
        };
        // A bare `run` trains what `npm start` trains: config/default.json, the schema's defaults.
        const file = configFile ?? (opts.input === undefined && opts.target === undefined ? DEFAULT_CONFIG_PATH : undefined);
        config = loadConfig(file, overrides, (hiddenLayers) => wiringFlags(opts, hiddenLayers)).config;
        task = await resolveTask(config);
        if (opts.initFrom !== undefined) {
          initFrom = loadNetworkState(opts.initFrom);
          checkInitFrom(initFrom, opts.initFrom, networkShape(config, task));
        }
      }
      // Under an MPI launcher this process is one of several; each runs --workers ranks.
      const mpi = joinMpiJob(opts.workers ?? coresPerLocalProcess(), opts.hangTimeout ?? 'auto', process.env, opts.blockEndFault ?? null);
      const isRoot = mpi === null || mpi.placement.process === 0;
      if (mpi?.bindingNote && isRoot) process.stderr.write(`superspike: note: process 0 ${mpi.bindingNote}\n`);
      const shape = networkShape(config, task);
      const workers = mpi === null ? opts.workers ?? defaultRanks(shape) : mpi.placement.processes * mpi.placement.ranksPerProcess;
      // The worker limit's warning; the engine itself refuses what is over the limits
      // (config/limits.ts) before anything is allocated or --out is touched.
      const localRanks = mpi === null ? undefined : localRanksOf(mpi.placement, workers);
      const warning = checkWorkers(workers, shape, localRanks?.length ?? workers);
      if (warning && isRoot) process.stderr.write(`superspike: warning: ${warning}\n`);
      if (opts.testWaitBeforeStart) {
        process.stderr.write('superspike: test: waiting for a signal before the run starts\n');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 60_000);
          stop.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
        });
      }
      if (stop.signal.aborted) {
        // Stopped before anything was touched: under MPI the launcher stops the others too.
        process.exitCode = NOT_STARTED_EXIT_CODE;
        mpi?.finalize();
        signals.dispose();
        return;
      }
      signals.begin(path.resolve(opts.out, `${config.name}.checkpoint.netstate`), mpi === null ? undefined : (code) => mpi.abort(code));
      const reporter = createProgressReporter({ quiet: (opts.quiet ?? false) || !isRoot, stream: process.stderr });
      const options: RunOptions = {
        workers: mpi === null ? workers : mpi.placement.ranksPerProcess,
        threads: opts.threads,
        presynaptic: opts.presynaptic,
        processes: mpi,
        outDir: opts.out,
        kernels: opts.kernels,
        resume,
        initFrom,
        stopAfterBlock: opts.stopAfterBlock,
        checkpointEveryBlocks: opts.checkpointEvery,
        force: opts.force,
        hangTimeoutSeconds: opts.hangTimeout,
        maxMemoryGiB: opts.maxMemoryGib,
        stopSignal: stop.signal,
        resumeFile: opts.resume,
        // The command line as parsed (main() may run in-process, as in tests); commander keeps it, untyped.
        argv: (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? process.argv,
        record: opts.record,
        aurynVersion: opts.aurynVersion,
        recordEveryMs: recordEverySeconds === undefined ? undefined : recordEverySeconds * 1000,
        recordRateBinMs: recordRateBinSeconds === undefined ? undefined : recordRateBinSeconds * 1000,
        testHooks: { fault: opts.injectFault ?? null, rankOrderMerge: opts.rankOrderMerge ?? false, jitterMicros: opts.jitterUs, jitterSeed: opts.jitterSeed, slowRank: opts.slowRank ?? null, mpiInlineWords: opts.mpiInlineWords, blockEndFault: opts.blockEndFault ?? null },
        onProgress: reporter.progress,
        onStats: reporter.stats,
        onNotice: (message) => process.stderr.write(`superspike: note: ${message}\n`),
      };
      if (!opts.dryRun) reporter.start({ config, task, workers, resumedFrom: opts.resume });
      // The live page (report/watch.ts): served by process 0 from the folder it writes.
      const server = opts.serve !== undefined && isRoot && !opts.dryRun
        ? await serveRunFolder(opts.out, { port: opts.serve === true ? undefined : opts.serve })
        : null;
      if (server) process.stderr.write(`superspike: live page of this run at ${server.url}\n`);
      try {
        if (opts.dryRun) {
          // Every check of the run, nothing allocated or written (engine/coordinator.ts planRun).
          const plan = planRun(config, task, options);
          mpi?.finalize();
          if (isRoot) process.stdout.write(formatPlan(plan, config, task, opts, options.maxMemoryGiB ?? config.maxMemoryGiB ?? LIMITS.defaultMaxMemoryGiB));
          return;
        }
        const result = await runExperiment(config, task, options);
        // Open pages get the final report before the server stops with the run.
        await server?.close({ graceMs: 1500 });
        reporter.stop();
        mpi?.finalize();
        if (!isRoot) {
          if (result.interrupted) process.exitCode = stop.signal.aborted ? signals.exitCode() : 0;
          return;
        }
        if (opts.report) {
          const file = await writeReport(result.outDir);
          result.files.push(file);
        }
        reporter.summary(result);
        if (result.interrupted) process.exitCode = stop.signal.aborted ? signals.exitCode() : 0;
      } catch (err) {
        reporter.stop();
        if (mpi !== null) {
          // Processes that disagree all know it: process 0 says it and ends the job; the others
          // wait for that abort rather than racing it with a message of their own.
          if (err instanceof RunDisagreementError) {
            if (err.process === 0) process.stderr.write(`superspike: ${err.message}\n`);
            else mpi.binding.barrier();
            mpi.abort(err.exitCode);
          }
          // One failing process ends the whole job: say why here, then let the launcher stop the others.
          process.stderr.write(`superspike: ${withProcess((err as Error).message, mpi.placement)}\n`);
          mpi.abort(err instanceof UserError ? err.exitCode : 1);
        }
        throw err;
      } finally {
        await server?.close();
        signals.dispose();
      }
    });
}

/** `run --dry-run`'s output: what the run would do, after every check passed. */
function formatPlan(plan: RunPlan, config: { feedback: string; eta: number; seed: number; name: string }, task: ResolvedTask, opts: RunCliOptions, limitGiB: number): string {
  const sec = (x: number) => `${Number(x.toFixed(4))} s`;
  const lines = [
    'superspike run --dry-run: every check passed; nothing was written',
    `  task: ${task.description}`,
    `  network: ${plan.layers.join('-')}, ${plan.connections.length} connection${plan.connections.length === 1 ? '' : 's'}, ${plan.synapses.toLocaleString('en')} synapses; ` +
      `feedback ${config.feedback}, η ${config.eta}, seed ${config.seed}`,
    `  schedule: burn-in ${sec(plan.burnInSeconds)}, ${plan.blocks} blocks of ${sec(plan.blockSeconds)}, frozen replay to ${sec(plan.endSeconds)}: ` +
      `${sec(plan.endSeconds - plan.startSeconds)} simulated${plan.startSeconds > 0 ? ` (resumed at ${sec(plan.startSeconds)})` : ''}`,
    `  ranks: ${plan.ranks}${plan.processes > 1 ? ` = ${plan.processes} processes × ${plan.ranksPerProcess}` : ''}; ` +
      `${plan.threads} thread${plan.threads === 1 ? '' : 's'}${plan.processes > 1 ? ' per process' : ''} (${plan.threadReason})` +
      `${plan.threads > 1 ? `; presynaptic side ${plan.presynapticCopies === 1 ? 'shared by the threads' : 'per thread'}` : ''}`,
    `  memory: about ${formatBytes(plan.memoryBytes)}${plan.processes > 1 ? ' in process 0' : ''} (limit ${limitGiB} GiB)`,
    `  output folder: ${plan.outDir} (the run ${plan.folder})`,
    `  files: ${plan.files.join(', ')}${opts.report ? ', report.html' : ''}`,
  ];
  if (opts.serve !== undefined) {
    lines.push(`  live page: ${opts.serve === 0 ? 'on a free port of 127.0.0.1' : `http://127.0.0.1:${opts.serve === true ? DEFAULT_WATCH_PORT : opts.serve}/`} while it runs (--serve)`);
  }
  return `${lines.join('\n')}\n`;
}

/** The object without its undefined fields, or undefined when none is left (no flag given). */
function definedOnly<T extends object>(fields: T): Partial<T> | undefined {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
  return Object.keys(defined).length === 0 ? undefined : defined;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function parseFault(value: string): { rank: number; step: number; kind: 'throw' | 'hang' } {
  const m = /^(\d+):(\d+):(throw|hang)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected rank:step:throw|hang');
  return { rank: Number(m[1]), step: Number(m[2]), kind: m[3] as 'throw' | 'hang' };
}

function parseSlowRank(value: string): { rank: number; micros: number } {
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected rank:microseconds');
  return { rank: Number(m[1]), micros: Number(m[2]) };
}

function parseBlockEndFaultFlag(value: string): BlockEndFault {
  const fault = parseBlockEndFault(value);
  if (fault === null) throw new InvalidArgumentError('expected process:block:stop or process:block:stall:ms (block: a number, start, join or finalize)');
  return fault;
}

/** The connections --recurrent and --skip add to the config's own (docs/model.md §5.4). */
function wiringFlags(opts: RunCliOptions, hiddenLayers: number): ConnectionSpec[] {
  const added: ConnectionSpec[] = [];
  if (opts.recurrent) {
    if (hiddenLayers === 0) throw new UserError('--recurrent needs a hidden layer (see --hidden)');
    for (let k = 1; k <= hiddenLayers; k++) added.push({ from: endpointName(k, hiddenLayers), to: endpointName(k, hiddenLayers) });
  }
  if (opts.skip) added.push({ from: 'input', to: 'output' });
  return added;
}
