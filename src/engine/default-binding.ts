/**
 * Leaving mpirun's default binding on a busy machine. Open MPI binds each of up to two processes
 * to a core of its own unless told otherwise — right on a dedicated node, wrong where other work
 * runs: a process bound to a core that a busy neighbour shares cannot move off it, and every other
 * process of the job waits for it at each 0.8 ms interval. Beside one CPU-bound process on 2 cores,
 * 2 processes × 2 ranks of 200-1024-200 took 1.83–1.88× the time of one process bound, 1.18–1.19×
 * unbound (docs/mpi.md, "Processes bound to cores").
 *
 * So a process that Open MPI's mpirun bound by its default policy (no `--bind-to`, which mpirun
 * exports as `OMPI_MCA_hwloc_base_binding_policy`), on a host where the job's processes and the
 * tasks already running outnumber the cores, widens its affinity to every online CPU before its
 * rank threads start (`taskset -a -p`, util-linux: every thread of the process). An explicit
 * `--bind-to core` is kept, and so is the default on a quiet host, where binding is a little
 * faster; Slurm's and MPICH's bindings are never touched.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { MpiLauncher } from '../mpi/launcher.js';
import { machineCores, oversubscribed, type Cores } from './threads.js';

/**
 * Test only: the number of other running tasks the decision assumes, instead of reading /proc
 * (mpirun passes the environment to the processes it starts).
 */
export const TEST_OTHERS_ENV = 'SUPERSPIKE_TEST_OTHERS_RUNNING';

/**
 * Whether Open MPI's mpirun bound this process by its default policy (not by an explicit
 * `--bind-to`). `launcher`: as detected before MPI_Init (mpi/launcher.ts); Slurm's and MPICH's
 * bindings are their users' and stay.
 */
export function boundByDefault(launcher: MpiLauncher | null, env: Record<string, string | undefined>, cores: Cores): boolean {
  return launcher === 'mpirun' && cores.own < cores.host && env.OMPI_MCA_hwloc_base_binding_policy === undefined;
}

/** Leave the default binding: bound by default, and the job's processes here and the others outnumber the cores. */
export function shouldLeaveBinding(launcher: MpiLauncher | null, env: Record<string, string | undefined>, cores: Cores, processesHere: number, others: number): boolean {
  return boundByDefault(launcher, env, cores) && oversubscribed(1, processesHere, others, { host: cores.host, own: cores.host });
}

/**
 * Widens every thread's affinity to the online CPUs. Returns what happened in words for the
 * run's note and never throws: a machine without taskset, or whose affinity did not widen, keeps
 * the binding and says so.
 */
export function leaveBinding(pid = process.pid): string {
  const before = machineCores();
  let online: string;
  try {
    online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  } catch {
    online = `0-${before.host - 1}`;
  }
  const r = spawnSync('taskset', ['-a', '-p', '-c', online, String(pid)], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return `could not leave mpirun's default binding (taskset ${r.error ? 'not found: install util-linux' : `exit ${r.status}: ${r.stderr.trim()}`}); mpirun --bind-to none does it`;
  }
  const own = availableParallelism();
  if (own <= before.own) return `could not leave mpirun's default binding (taskset left ${own} of ${before.host} cores); mpirun --bind-to none does it`;
  return `left mpirun's default binding (${before.own} of ${before.host} cores) for all ${own}`;
}
