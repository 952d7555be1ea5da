/** detectMpiLaunch: which launcher started this process, read from environment variables only. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { detectMpiLaunch } from '../src/mpi/launcher.js';

describe('detectMpiLaunch', () => {
  it('is null (one process, MPI never loaded) without a launcher, even inside a Slurm batch step', () => {
    expect(detectMpiLaunch({})).toEqual({ launcher: null, size: 1, rank: 0 });
    expect(detectMpiLaunch({ PATH: '/usr/bin', SLURM_JOB_ID: '7', SLURM_NTASKS: '4', SLURM_PROCID: '0' }))
      .toEqual({ launcher: null, size: 1, rank: 0 });
  });

  it('reads OpenMPI mpirun, even when mpirun runs inside a Slurm allocation', () => {
    expect(detectMpiLaunch({ OMPI_COMM_WORLD_SIZE: '3', OMPI_COMM_WORLD_RANK: '2' })).toEqual({ launcher: 'mpirun', size: 3, rank: 2 });
    expect(detectMpiLaunch({ OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_RANK: '1', SLURM_PROCID: '0', SLURM_NTASKS: '1', PMIX_RANK: '1' }))
      .toEqual({ launcher: 'mpirun', size: 2, rank: 1 });
  });

  it('reads MPICH hydra (PMI_RANK/PMI_SIZE), and srun with PMI2 when they match Slurm task numbers', () => {
    expect(detectMpiLaunch({ PMI_SIZE: '4', PMI_RANK: '3' })).toEqual({ launcher: 'mpich', size: 4, rank: 3 });
    expect(detectMpiLaunch({ PMI_SIZE: '4', PMI_RANK: '3', SLURM_PROCID: '3', SLURM_STEP_NUM_TASKS: '4', SLURM_STEP_ID: '0' }))
      .toEqual({ launcher: 'srun', size: 4, rank: 3 });
    // hydra inside an allocation starts one proxy per node with srun: Slurm's numbers are the proxies'.
    expect(detectMpiLaunch({ PMI_SIZE: '8', PMI_RANK: '5', SLURM_PROCID: '1', SLURM_STEP_NUM_TASKS: '2' }))
      .toEqual({ launcher: 'mpich', size: 8, rank: 5 });
  });

  it('reads srun --mpi=pmix (rank from PMIx, size from the Slurm step)', () => {
    expect(detectMpiLaunch({ PMIX_RANK: '1', SLURM_PROCID: '1', SLURM_STEP_NUM_TASKS: '2', SLURM_NTASKS: '8' }))
      .toEqual({ launcher: 'srun', size: 2, rank: 1 });
    expect(detectMpiLaunch({ PMIX_RANK: '0', SLURM_PROCID: '0', SLURM_NTASKS: '6' })).toEqual({ launcher: 'srun', size: 6, rank: 0 });
  });

  it('flags srun with several tasks but no PMI, where every task would run alone', () => {
    const launch = detectMpiLaunch({ SLURM_PROCID: '1', SLURM_STEP_NUM_TASKS: '4', SLURM_STEP_ID: '0' });
    expect(launch.launcher).toBeNull();
    expect(launch.problem).toMatch(/srun started 4 tasks without a PMI.*--mpi=pmix/);
  });

  it('rejects malformed numbers with a UserError naming the variable', () => {
    expect(() => detectMpiLaunch({ OMPI_COMM_WORLD_SIZE: 'two', OMPI_COMM_WORLD_RANK: '0' })).toThrow(UserError);
    expect(() => detectMpiLaunch({ OMPI_COMM_WORLD_SIZE: 'two', OMPI_COMM_WORLD_RANK: '0' })).toThrow(/OMPI_COMM_WORLD_SIZE="two"/);
    expect(() => detectMpiLaunch({ PMI_SIZE: '2', PMI_RANK: '2' })).toThrow(/PMI_RANK=2 is not below PMI_SIZE=2/);
    expect(() => detectMpiLaunch({ PMI_SIZE: '0', PMI_RANK: '0' })).toThrow(/PMI_SIZE="0" is not an integer >= 1/);
  });

});
