/**
 * Was this process started by an MPI launcher, and as which process of how many? Read from the
 * environment the launchers set, before (and without) loading MPI, so that a plain
 * `superspike run` never loads the MPI binding. Pure: takes the environment as an argument.
 *
 *   OpenMPI mpirun/mpiexec     OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK   -> 'mpirun'
 *   Slurm srun with PMI2/PMIx  SLURM_PROCID + SLURM_STEP_NUM_TASKS|SLURM_NTASKS, plus
 *                              PMI_RANK/PMI_SIZE (pmi2) or PMIX_RANK (pmix)  -> 'srun'
 *   MPICH/Intel hydra mpiexec  PMI_RANK, PMI_SIZE                            -> 'mpich'
 *
 * The numbers are what the launcher announced; after init, MPI's own rank/size are authoritative
 * (the caller should check that they agree).
 */
import { UserError } from '../errors.js';

export type MpiLauncher = 'mpirun' | 'srun' | 'mpich';

export interface MpiLaunch {
  /** null: not started by an MPI launcher — run as one process, never load MPI. */
  launcher: MpiLauncher | null;
  /** Number of MPI processes (1 when launcher is null). */
  size: number;
  /** This process's index in [0, size) (0 when launcher is null). */
  rank: number;
  /** Set when the environment looks like a launch that MPI cannot join (e.g. srun without PMI). */
  problem?: string;
}

type Env = Record<string, string | undefined>;

function count(env: Env, name: string, min: number): number {
  const text = env[name]!;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new UserError(`environment: ${name}=${JSON.stringify(text)} is not an integer >= ${min}`);
  }
  return value;
}

function launch(launcher: MpiLauncher, env: Env, sizeVar: string, rankVar: string): MpiLaunch {
  const size = count(env, sizeVar, 1);
  const rank = count(env, rankVar, 0);
  if (rank >= size) throw new UserError(`environment: ${rankVar}=${rank} is not below ${sizeVar}=${size}`);
  return { launcher, size, rank };
}

const has = (env: Env, name: string): boolean => env[name] !== undefined && env[name] !== '';

export function detectMpiLaunch(env: Env = process.env): MpiLaunch {
  // OpenMPI first: mpirun inside a Slurm allocation also leaves SLURM_* in the environment.
  if (has(env, 'OMPI_COMM_WORLD_SIZE') && has(env, 'OMPI_COMM_WORLD_RANK')) {
    return launch('mpirun', env, 'OMPI_COMM_WORLD_SIZE', 'OMPI_COMM_WORLD_RANK');
  }
  const slurmSizeVar = has(env, 'SLURM_STEP_NUM_TASKS') ? 'SLURM_STEP_NUM_TASKS'
    : has(env, 'SLURM_NTASKS') ? 'SLURM_NTASKS' : null;
  const inSrunTask = has(env, 'SLURM_PROCID') && slurmSizeVar !== null;
  if (has(env, 'PMI_RANK') && has(env, 'PMI_SIZE')) {
    // srun --mpi=pmi2 sets PMI_RANK/PMI_SIZE equal to the task's SLURM_PROCID / step size; MPICH's
    // hydra (even inside an allocation, where it starts proxies with srun) numbers differently.
    const bySrun = inSrunTask && env.PMI_RANK === env.SLURM_PROCID && env.PMI_SIZE === env[slurmSizeVar!];
    return launch(bySrun ? 'srun' : 'mpich', env, 'PMI_SIZE', 'PMI_RANK');
  }
  if (has(env, 'PMIX_RANK') && inSrunTask) {
    // srun --mpi=pmix: PMIx publishes no size variable; the step size is Slurm's.
    return launch('srun', env, slurmSizeVar!, 'PMIX_RANK');
  }
  if (inSrunTask && has(env, 'SLURM_STEP_ID') && count(env, slurmSizeVar!, 1) > 1) {
    return {
      launcher: null, size: 1, rank: 0,
      problem: `srun started ${env[slurmSizeVar!]} tasks without a PMI (no PMI_RANK/PMIX_RANK): each would ` +
        'run alone; use `srun --mpi=pmix` (or pmi2) for an MPI job',
    };
  }
  return { launcher: null, size: 1, rank: 0 };
}
