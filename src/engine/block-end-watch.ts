/**
 * The block-end watch: while every rank is parked (a block end, a checkpoint, the final save, the
 * start of the run) the processes' main threads meet in MPI collectives — the park decision, the
 * statistics and state gathers, the timings, the barriers — which the rank watchdog
 * (rank-pool.ts) does not see. A process frozen there (SIGSTOP, a lost host) would leave the
 * others inside MPI for ever. So the coordinator turns the binding's peer watch on for exactly
 * that time (open, after the ranks parked; close, before they run again) and turns a silence it
 * reports into one line naming the absent process(es) and host(s); the CLI then ends the job
 * through MPI_Abort.
 *
 * Liveness, not elapsed time, decides (native/mpi/peer_watch.h): each process's own heartbeat
 * thread tells the others it is alive every quarter of the silence limit, whatever its main thread
 * is doing. So a live process that is merely slow at the block end — process 0 writing a large
 * state to a slow disk, summing the statistics of a big network — is waited for as long as it
 * takes, while one whose every thread stopped is named one silence limit after its last beat.
 * Deadline only from elapsed time was rejected: any value short enough to end a hang promptly is
 * one that a big state on a slow disk can exceed. The one stretch judged by elapsed time: a
 * process not heard at all since the watch began is still on its way (its ranks flushing their
 * files after the block's last exchange, watched by its own rank watchdog, which names a hang there
 * itself); the others give it two silence limits before they name it.
 *
 * close() ends the block end with a barrier, so no process runs ahead into the next block's
 * exchange while another is still at the block end: there only the rank watchdog would look, and
 * it judges by elapsed time. Off, the per-interval collectives are exactly as before.
 */
import type { Placement, ProcessRuntime } from './process-group.js';
import { isPeerSilence } from '../mpi/binding.js';
import { RunFailedError } from './rank-errors.js';

/**
 * The silence limit under `--hang-timeout auto`: a heartbeat thread that sleeps between beats is
 * scheduled within seconds even on oversubscribed cores, so a silence this long means the
 * process stopped — and it does not grow with the network, as the rank watchdog's automatic
 * timeout does (how long a block end's work takes no longer matters).
 */
export const AUTO_SILENCE_SECONDS = 20;

/** The silence limit: `--hang-timeout` when given, else AUTO_SILENCE_SECONDS. */
export function silenceLimitOf(hangTimeoutSeconds: number | 'auto'): number {
  return hangTimeoutSeconds === 'auto' ? AUTO_SILENCE_SECONDS : hangTimeoutSeconds;
}

/** A process that stopped answering while the others waited for it at a block end. */
export class PeerSilenceError extends RunFailedError {
  constructor(message: string, cause: unknown) {
    super(message, cause);
    this.name = 'PeerSilenceError';
  }
}

export class BlockEndWatch {
  private readonly silenceSeconds: number;
  /** Where the processes stand while the watch is on (`at the block end of step N`), for the message. */
  private where = '';

  constructor(private readonly runtime: ProcessRuntime, hangTimeoutSeconds: number | 'auto') {
    this.silenceSeconds = silenceLimitOf(hangTimeoutSeconds);
  }

  /** Every rank parked: from now on a collective gives up on a silent process. */
  open(where: string): void {
    this.where = where;
    this.runtime.comm.watchPeers?.(this.silenceSeconds);
  }

  /** The last collective of the block end (a watched barrier), then the watch off: the ranks may run. */
  close(): void {
    this.runtime.comm.barrier();
    this.runtime.comm.unwatchPeers?.();
  }

  /** The one-line error for a silence the binding reported, or null for any other error. */
  explain(err: unknown): PeerSilenceError | null {
    return silenceError(this.runtime.placement, this.where, err);
  }
}

/**
 * The one-line error for a silence the binding reported (`err` itself or its cause), said as
 * happening `where`; null for any other error. Also for the watched calls no BlockEndWatch makes
 * (namingSilence: the joining gathers, the agreement, a sweep's barrier, the run's last barrier).
 */
export function silenceError(placement: Placement, where: string, err: unknown): PeerSilenceError | null {
  const cause = (err as Error | null)?.cause;
  const silence = isPeerSilence(err) ? err : isPeerSilence(cause) ? cause : null;
  if (silence === null) return null;
  return new PeerSilenceError(describeSilence(placement, where, silence), err);
}

/**
 * Runs `collectives` (a process's main-thread MPI calls under the peer watch); a silence the
 * binding reports there is thrown as the one-line error, said as happening `where`.
 */
export function namingSilence<T>(placement: Placement, where: string, collectives: () => T): T {
  try {
    return collectives();
  } catch (err) {
    throw silenceError(placement, where, err) ?? err;
  }
}

/**
 * `process 1 on h1 stopped answering at the block end of step 1600: no sign of life from it for
 * 3.1 s; waited 3.2 s for it in gatherv (process 0 on h0)` — in the style of the rank watchdog's
 * `process 1 on h1 stopped answering: ranks 0 (process 0 on h0) waited …`.
 */
function describeSilence(placement: Placement, where: string,
  silence: { silentProcesses: number[]; silentSeconds: number; waitedSeconds: number; call: string }): string {
  const name = (p: number) => `process ${p} on ${placement.hosts[p] ?? 'unknown host'}`;
  const absent = silence.silentProcesses.map(name);
  const who = absent.length <= 4 ? absent.join(' and ') : `${absent.slice(0, 4).join(', ')} and ${absent.length - 4} more`;
  const it = absent.length > 1 ? 'them' : 'it';
  return `${who} stopped answering ${where}: no sign of life from ${it} for ${seconds(silence.silentSeconds)} s; ` +
    `waited ${seconds(silence.waitedSeconds)} s for ${it} in ${silence.call} (${name(placement.process)})`;
}

function seconds(s: number): string {
  return String(Math.round(s * 10) / 10);
}
