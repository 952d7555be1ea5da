/**
 * Joining an MPI job: when an MPI launcher (mpirun, srun, MPICH's mpiexec) started this process,
 * initialise MPI at MPI_THREAD_SERIALIZED (see process-group.ts for why that level), learn this
 * process's place and every host, and check that all processes agree on the ranks per process.
 * Without a launcher nothing here runs and MPI is never loaded.
 */
import { UserError } from '../errors.js';
import { requireMpi, type MpiBinding } from '../mpi/binding.js';
import { silenceError } from './block-end-watch.js';
import { detectMpiLaunch, type MpiLaunch } from '../mpi/launcher.js';
import { allgatherStrings, type ProcessRuntime } from './process-group.js';

export interface MpiSession extends ProcessRuntime {
  launch: MpiLaunch;
  binding: MpiBinding;
  /** Ends the whole job (every process) after a failure; the launcher reports the exit code. */
  abort(code: number): never;
  finalize(): void;
}

const LEVELS = ['single', 'funneled', 'serialized', 'multiple'];

/** Null when no MPI launcher started this process (then the run is one process, as always). */
export function joinMpiJob(ranksPerProcess: number, env: Record<string, string | undefined> = process.env): MpiSession | null {
  const launch = detectMpiLaunch(env);
  if (launch.problem) throw new UserError(launch.problem);
  if (launch.launcher === null) return null;
  const binding = requireMpi(`started by ${launch.launcher} as process ${launch.rank} of ${launch.size}`);
  const info = binding.init('serialized');
  if (LEVELS.indexOf(info.providedThreadLevel) < LEVELS.indexOf('serialized')) {
    throw new UserError(`the MPI library grants thread level ${info.providedThreadLevel}; superspike needs serialized (rank threads call MPI one at a time)`);
  }
  const all = new Int32Array(info.size);
  binding.allgatherInt32(ranksPerProcess, all);
  const differing = Array.from(all).findIndex((t) => t !== ranksPerProcess);
  if (differing >= 0) {
    const message = `process ${differing} runs ${all[differing]} ranks but process ${info.rank} runs ${ranksPerProcess}: give every process the same --workers`;
    if (info.rank === 0) process.stderr.write(`superspike: ${message}\n`);
    binding.abort(1);
  }
  const hosts = allgatherStrings(binding, info.size, info.processorName);
  const pids = new Int32Array(info.size);
  binding.allgatherInt32(process.pid, pids);
  const placement = { processes: info.size, process: info.rank, ranksPerProcess, hosts, pids: Array.from(pids) };
  return {
    launch,
    binding,
    comm: binding,
    placement,
    abort: (code) => binding.abort(code),
    finalize: () => {
      // A run ends with the block-end watch still on (block-end-watch.ts): a last watched barrier,
      // so that no process enters MPI_Finalize — which waits for every process, unwatched — while
      // another froze after the last gather of the run.
      if (binding.watchingPeers()) {
        try {
          binding.barrier();
        } catch (err) {
          throw silenceError(placement, 'at the end of the run', err) ?? err;
        }
        binding.unwatchPeers();
      }
      binding.finalize();
    },
  };
}
