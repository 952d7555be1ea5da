/**
 * Test only (`--block-end-fault`): provokes, at a chosen block end of a chosen process — or at the
 * start of the job, right before the processes agree on the run, or right before MPI_Init (`join`)
 * or MPI_Finalize (`finalize`, for those calls' deadlines, deadline_watch.h) — what the peer watch
 * (block-end-watch.ts) must tell apart — a process that freezes there (`stop`:
 * it sends itself SIGSTOP, every thread stopped as by `kill -STOP` or a lost host) and a live one
 * that is merely slow there (`stall`: its main thread blocks for `ms`, as in a synchronous write of
 * a large state to a slow disk). Deterministic, unlike a signal timed from outside: it lands after
 * the ranks parked and the watch is on, before the block end's first gather.
 */
export interface BlockEndFault {
  process: number;
  /** The block whose stats line is due at that block end (0: the first park), the job's start, MPI_Init or MPI_Finalize. */
  block: number | 'start' | 'join' | 'finalize';
  kind: 'stop' | 'stall';
  /** For `stall`: how long the main thread blocks. */
  ms: number;
}

/** Parses `process:block:stop` or `process:block:stall:ms` (block: a number, `start`, `join` or `finalize`); null when malformed. */
export function parseBlockEndFault(value: string): BlockEndFault | null {
  const m = /^(\d+):(\d+|start|join|finalize):(?:(stop)|stall:(\d+))$/.exec(value);
  if (!m) return null;
  return {
    process: Number(m[1]), block: m[2] === 'start' || m[2] === 'join' || m[2] === 'finalize' ? m[2] : Number(m[2]), kind: m[3] ? 'stop' : 'stall', ms: m[4] ? Number(m[4]) : 0,
  };
}

/** Does what `fault` says when this is its process and block end (or the job's start). */
export function provokeBlockEndFault(fault: BlockEndFault | null | undefined, process: number, block: BlockEndFault['block']): void {
  if (!fault || fault.process !== process || fault.block !== block) return;
  if (fault.kind === 'stop') {
    globalThis.process.kill(globalThis.process.pid, 'SIGSTOP');
    return;
  }
  // Blocks the main thread as a synchronous write does: no timer, no callback runs meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, fault.ms);
}
