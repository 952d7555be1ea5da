/**
 * Joining an MPI job: when an MPI launcher (mpirun, srun, MPICH's mpiexec) started this process,
 * initialise MPI at MPI_THREAD_SERIALIZED (see process-group.ts for why that level), learn this
 * process's place and every host, and check that all processes agree on the ranks per process.
 * Without a launcher nothing here runs and MPI is never loaded.
 *
 * The peer watch (block-end-watch.ts) is on from right after MPI_Init: until the ranks first run,
 * only the processes' main threads call MPI — these gathers, the agreement on the run
 * (run-agreement.ts), the claim of the output folder — so a process frozen or lost there is named
 * and ends the job, as at a block end, instead of leaving the others in a collective for ever.
 * MPI_Init itself is where every process first meets, before any communicator exists to watch:
 * it runs under a deadline instead (deadline_watch.h), so a process that never arrives ends the job
 * with one line rather than leaving the others in MPI_Init for ever. After it each process goes
 * at its own pace, and a slow one (hashing large data for the agreement) keeps beating.
 * MPI_Finalize, which waits for every process once the watch is off, has a deadline too.
 */
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import { requireMpi, type MpiBinding } from '../mpi/binding.js';
import { provokeBlockEndFault, type BlockEndFault } from './block-end-fault.js';
import { AUTO_SILENCE_SECONDS, namingSilence, silenceError, silenceLimitOf } from './block-end-watch.js';
import { detectMpiLaunch, type MpiLaunch } from '../mpi/launcher.js';
import { boundByDefault, leaveBinding, shouldLeaveBinding, TEST_OTHERS_ENV } from './default-binding.js';
import { machineCores, othersRunning } from './threads.js';
import { allgatherStrings, jobOnThisHost, type Placement, type ProcessRuntime } from './process-group.js';

export interface MpiSession extends ProcessRuntime {
  launch: MpiLaunch;
  binding: MpiBinding;
  /** This process left mpirun's default binding on a busy host (default-binding.ts): what it said, else null. */
  bindingNote: string | null;
  /** Ends the whole job (every process) after a failure; the launcher reports the exit code. */
  abort(code: number): never;
  finalize(): void;
}

const LEVELS = ['single', 'funneled', 'serialized', 'multiple'];

/** How long MPI_Init waits for every process of the job under `--hang-timeout auto`. */
export const AUTO_JOIN_SECONDS = 60;
/**
 * The least MPI_Init waits whatever `--hang-timeout` says: a start is slower than a silence (every
 * process loads Node and the engine first, and a loaded machine or a network file system slows
 * that), and a process that starts slowly cannot be told apart from one that froze.
 */
export const MIN_JOIN_SECONDS = 10;

/** The deadline of MPI_Init for a run's `--hang-timeout` (deadline_watch.h). */
export function joinLimitOf(hangTimeoutSeconds: number | 'auto'): number {
  return hangTimeoutSeconds === 'auto' ? AUTO_JOIN_SECONDS : Math.max(MIN_JOIN_SECONDS, hangTimeoutSeconds);
}

/**
 * Null when no MPI launcher started this process (then the run is one process, as always).
 * `hangTimeoutSeconds`: the run's `--hang-timeout`, which sets the peer watch's silence limit and
 * the deadlines of MPI_Init and MPI_Finalize. `fault`: test only (`--block-end-fault P:join:stop`,
 * `P:finalize:stop`), provoked right before MPI_Init or MPI_Finalize.
 */
export function joinMpiJob(ranksPerProcess: number, hangTimeoutSeconds: number | 'auto' = 'auto',
  env: Record<string, string | undefined> = process.env, fault: BlockEndFault | null = null): MpiSession | null {
  const launch = detectMpiLaunch(env);
  if (launch.problem) throw new UserError(launch.problem);
  if (launch.launcher === null) return null;
  const binding = requireMpi(`started by ${launch.launcher} as process ${launch.rank} of ${launch.size}`);
  provokeBlockEndFault(fault, launch.rank, 'join');
  const seconds = joinLimitOf(hangTimeoutSeconds);
  const others = launch.size - 1;
  const info = binding.init('serialized', {
    seconds,
    message: `superspike: process ${launch.rank} on ${hostname()} waited ${seconds} s in MPI_Init for the other ` +
      `${others === 1 ? 'process' : `${others} processes`} of the job: one did not start, or stopped before joining ` +
      `(the limit: --hang-timeout, at least ${MIN_JOIN_SECONDS} s; ${AUTO_JOIN_SECONDS} s under auto)`,
  });
  if (LEVELS.indexOf(info.providedThreadLevel) < LEVELS.indexOf('serialized')) {
    throw new UserError(`the MPI library grants thread level ${info.providedThreadLevel}; superspike needs serialized (rank threads call MPI one at a time)`);
  }
  // Watched from here until the ranks first run (coordinator.ts prepareFolder).
  binding.watchPeers(silenceLimitOf(hangTimeoutSeconds));
  const joining = { processes: info.size, process: info.rank, ranksPerProcess, hosts: [] as string[], pids: [] as number[] };
  const { hosts, pids } = sayingSilence(binding, joining, () => {
    const names = allgatherStrings(binding, info.size, info.processorName);
    joining.hosts = names;
    const all = new Int32Array(info.size);
    binding.allgatherInt32(ranksPerProcess, all);
    const differing = Array.from(all).findIndex((t) => t !== ranksPerProcess);
    if (differing >= 0) {
      const message = `process ${differing} runs ${all[differing]} ranks but process ${info.rank} runs ${ranksPerProcess}: give every process the same --workers`;
      if (info.rank === 0) process.stderr.write(`superspike: ${message}\n`);
      binding.abort(1);
    }
    const ids = new Int32Array(info.size);
    binding.allgatherInt32(process.pid, ids);
    return { hosts: names, pids: Array.from(ids) };
  });
  const placement = { processes: info.size, process: info.rank, ranksPerProcess, hosts, pids };
  const bindingNote = leaveBusyBinding(launch, env, placement);
  return {
    launch,
    binding,
    bindingNote,
    comm: binding,
    placement,
    abort: (code) => binding.abort(code),
    finalize: () => {
      // A run ends with the block-end watch still on (block-end-watch.ts): a last watched barrier,
      // so that no process enters MPI_Finalize — which waits for every process, unwatched — while
      // another froze after the last gather of the run.
      if (binding.watchingPeers()) {
        namingSilence(placement, 'at the end of the run', () => binding.barrier());
        binding.unwatchPeers();
      }
      provokeBlockEndFault(fault, info.rank, 'finalize');
      // Every process passed that barrier, so they reach MPI_Finalize within moments of each
      // other; one that froze in between would hold the others there for ever (it waits for every
      // process, and the watch is off): a deadline of one silence limit.
      const limit = silenceLimitOf(hangTimeoutSeconds);
      binding.finalize({
        seconds: limit,
        message: `superspike: process ${info.rank} on ${hostname()} waited ${limit} s in MPI_Finalize for the other ` +
          `${others === 1 ? 'process' : `${others} processes`} of the job: one stopped after the run's last barrier ` +
          `(everything the run writes was written before it; the limit: --hang-timeout, ${AUTO_SILENCE_SECONDS} s under auto)`,
      });
    },
  };
}

/**
 * Before any rank thread starts: a process that mpirun bound by default, on a host whose cores
 * the job's processes and other tasks outnumber, widens its affinity (default-binding.ts).
 */
function leaveBusyBinding(launch: MpiLaunch, env: Record<string, string | undefined>, placement: Placement): string | null {
  const cores = machineCores();
  if (!boundByDefault(launch.launcher, env, cores)) return null;
  const job = jobOnThisHost(placement);
  const faked = env[TEST_OTHERS_ENV];
  const others = faked !== undefined ? Number(faked) : othersRunning(job.processes, job.pids);
  if (!shouldLeaveBinding(launch.launcher, env, cores, job.processes, others)) return null;
  // What was tried and why, whether or not the affinity widened.
  return `${leaveBinding()}: ${others} other task${others === 1 ? '' : 's'} running and ${job.processes} process${job.processes === 1 ? '' : 'es'} of the job ` +
    `on ${cores.host} cores, and a bound process cannot leave a core that other work shares (mpirun --bind-to core keeps the binding)`;
}

/**
 * Runs the joining gathers; a process silent there is named on one line and the job ends
 * (MPI_Abort), as the run's own failures do (run.ts) — the binding lets only the lowest process
 * still heard give up first, so the job says it once. Hosts are named once their gather is done.
 */
function sayingSilence<T>(binding: MpiBinding, placement: Placement, gathers: () => T): T {
  try {
    return gathers();
  } catch (err) {
    const silence = silenceError(placement, 'while the processes joined the job', err);
    if (silence === null) throw err;
    process.stderr.write(`superspike: ${silence.message}\n`);
    return binding.abort(1);
  }
}
