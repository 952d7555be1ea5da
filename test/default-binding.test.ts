/**
 * When a process leaves mpirun's default binding (engine/default-binding.ts): Open MPI's default
 * only (an explicit --bind-to is kept, other launchers too), and only where the job's processes on
 * the host and the other running tasks outnumber its cores. The mechanism itself runs under mpirun
 * in mpi-engine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { boundByDefault, shouldLeaveBinding } from '../src/engine/default-binding.js';

const OPEN_MPI = { OMPI_COMM_WORLD_RANK: '0' };
const EXPLICIT = { ...OPEN_MPI, OMPI_MCA_hwloc_base_binding_policy: 'core' };
const bound = { host: 2, own: 1 };
const free = { host: 2, own: 2 };

describe("mpirun's default binding", () => {
  it('is Open MPI binding a process to fewer cores than the machine has, without an explicit --bind-to', () => {
    expect(boundByDefault('mpirun', OPEN_MPI, bound)).toBe(true);
    expect(boundByDefault('mpirun', OPEN_MPI, free)).toBe(false);
    expect(boundByDefault('mpirun', EXPLICIT, bound)).toBe(false);
    // Slurm's --cpu-bind and MPICH's binding are their users' (Open MPI may set OMPI_* under srun too).
    expect(boundByDefault('srun', OPEN_MPI, bound)).toBe(false);
    expect(boundByDefault('mpich', {}, bound)).toBe(false);
    expect(boundByDefault(null, {}, bound)).toBe(false);
  });

  it('is left only where the job and the other tasks outnumber the cores', () => {
    expect(shouldLeaveBinding('mpirun', OPEN_MPI, bound, 2, 1)).toBe(true);
    expect(shouldLeaveBinding('mpirun', OPEN_MPI, bound, 2, 0)).toBe(false);
    expect(shouldLeaveBinding('mpirun', OPEN_MPI, { host: 16, own: 1 }, 2, 1)).toBe(false);
    expect(shouldLeaveBinding('mpirun', OPEN_MPI, { host: 16, own: 1 }, 2, 15)).toBe(true);
    expect(shouldLeaveBinding('mpirun', EXPLICIT, bound, 2, 1)).toBe(false);
    expect(shouldLeaveBinding('srun', OPEN_MPI, bound, 2, 1)).toBe(false);
    expect(shouldLeaveBinding('mpirun', OPEN_MPI, free, 2, 5)).toBe(false);
  });
});
