/**
 * A sweep over many hosts: started by `mpirun`/`srun`, every process of the job runs `superspike
 * experiment` with the same arguments, computes its share of the runs (run i belongs to process
 * i mod P: fixed by the plan alone, so a rerun gives every process the same runs again), waits
 * for the others at a barrier, and process 0 analyses every run folder and writes the results.
 * Each run is still a plain one-process `superspike run` (children do not join the MPI job), so
 * its outputs — and the results — are the bytes a local `--parallel` sweep gives. The run folders
 * must be on a file system every process sees (process 0 reads them all).
 */
import { joinMpiJob, type MpiSession } from '../engine/mpi-session.js';
import { namingSilence } from '../engine/block-end-watch.js';

export interface SweepJob {
  /** This process and the number of processes. */
  process: number;
  processes: number;
  /** Blocks until every process has finished its share. */
  barrier(): void;
  /** Ends every process of the job (after a failure or a stop here). */
  abort(code: number): never;
  finalize(): void;
}

/** Run `index` of a plan belongs to this process. */
export function ownsRun(index: number, process: number, processes: number): boolean {
  return index % processes === process;
}

/** Null without an MPI launcher (a plain local sweep). */
export function joinSweepJob(env: Record<string, string | undefined> = process.env): SweepJob | null {
  // The processes run no rank threads here; 1 satisfies the session's agreement check. The peer
  // watch stays on for the whole sweep (no rank thread ever calls MPI here), so the barrier after
  // a process's share waits as long as the others live — hours of runs — and names one that froze.
  const session: MpiSession | null = joinMpiJob(1, 'auto', env);
  if (session === null) return null;
  return {
    process: session.placement.process,
    processes: session.placement.processes,
    barrier: () => namingSilence(session.placement, 'while the others waited for its share of the runs', () => session.comm.barrier()),
    abort: (code) => session.abort(code),
    finalize: () => session.finalize(),
  };
}
