/**
 * How many rank threads a process runs for its ranks (rank-thread.ts): `threads: 'auto'` asks
 * the machine. The ranks stay what the user chose (their files, their bytes); only the number of
 * threads that execute them adapts, so it never changes a result.
 *
 * `auto` gives a process as many threads as cores are free for it — the machine's cores minus the
 * tasks already running there (other jobs, CPU-bound neighbours), shared between the processes of
 * the job on this host — but never more than its ranks, and not more than the network's synapses
 * can keep busy between two barriers. A thread beyond the free cores does not add speed: it makes
 * the ranks wait at every barrier for whichever thread the OS has descheduled (docs/model.md §10).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { buildTopology, type NetworkShape } from '../network/topology.js';

/**
 * Below this many synapses per thread the barrier every 0.8 ms costs more than the thread adds
 * (200-256-200, 102 400 synapses, still gains from 2 threads on a quiet machine: README).
 */
export const MIN_SYNAPSES_PER_THREAD = 32768;

/** Readings of the run queue that `othersRunning` takes (median), spaced SAMPLE_GAP_MS apart. */
const SAMPLES = 5;
const SAMPLE_GAP_MS = 4;

export interface ThreadChoice {
  threads: number;
  /** Why this many: free cores, ranks or network size (said in run.json and by bench). */
  reason: string;
  /**
   * The job's threads on this host plus the other tasks running here outnumber its cores: a
   * waiting thread (or MPI process) then sleeps instead of spinning, to give its core to the ones
   * still computing (exchange.ts, docs/mpi.md "Waiting politely").
   */
  oversubscribed: boolean;
}

/**
 * The machine's cores, and those this process may run on. A launcher that binds its processes
 * (mpirun's default `--bind-to core` for two processes, Slurm's `--cpu-bind`) narrows the second
 * to each process's own share, so the job's processes no longer share `own`: 2 processes bound to
 * one core each of 2 fit the machine, where dividing one core among two processes judged them
 * oversubscribed, so their waits slept at once (measured: 2×2 of 200-1024-200, waits 0.14 ms at
 * the median instead of 0.015, the loop 3.7 s instead of 2.2; docs/mpi.md "Waiting politely").
 */
export interface Cores {
  /** Online CPUs of the machine. */
  host: number;
  /** CPUs this process's affinity allows (at most `host`). */
  own: number;
}

export function machineCores(): Cores {
  const own = availableParallelism();
  return { host: Math.max(own, cpus().length), own };
}

/**
 * Whether the job's threads here and the `others` tasks outnumber the machine's cores, or this
 * process runs more threads than the cores it may use.
 */
export function oversubscribed(threads: number, processesHere: number, others: number, cores: Cores = machineCores()): boolean {
  return threads > cores.own || threads * processesHere + others > cores.host;
}

/** The choice for a thread count the caller fixed (one per rank, or `--threads N`). */
export function fixedThreads(threads: number, reason: string, processesHere = 1, others = othersRunning(processesHere), cores: Cores = machineCores()): ThreadChoice {
  const over = oversubscribed(threads, processesHere, others, cores);
  return { threads, reason: over ? `${reason}; cores oversubscribed (${others} other task${others === 1 ? '' : 's'} running)` : reason, oversubscribed: over };
}

/**
 * Tasks running on this machine now besides this process, measured: the median of a few readings
 * of the kernel's run queue (/proc/loadavg, field 4, which counts the reader itself), or the 1-min
 * load average where that file does not exist. Given the job's own process ids on this host
 * (MPI), the runnable threads of every other process instead (/proc/<pid>/task/<tid>/stat, state
 * R): the job's other processes are then left out whether or not they happen to run at the
 * reading — subtracting their count undercounted others whenever one was starting up or waiting,
 * and a busy neighbour went unseen (measured: 2×2 beside one CPU-bound process judged "0 other
 * tasks", so its waits spun).
 */
export function othersRunning(ownProcessesHere = 1, ownPids?: readonly number[], procRoot = '/proc'): number {
  if (ownPids !== undefined && ownPids.length > 0) {
    const own = new Set(ownPids);
    const counted = medianReading(() => runnableOutside(own, procRoot));
    if (counted !== null) return counted;
  }
  const running = medianReading(() => {
    const value = Number(/^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1]);
    if (!Number.isFinite(value)) throw new Error('unreadable');
    return value;
  });
  if (running === null) return Math.max(0, Math.round(loadavg()[0]!) - (ownProcessesHere - 1));
  // The reader counts itself; the job's other processes on this host are not "others".
  return Math.max(0, running - ownProcessesHere);
}

/** The median of SAMPLES readings SAMPLE_GAP_MS apart; null when a reading throws (no /proc). */
function medianReading(read: () => number): number | null {
  const readings: number[] = [];
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  try {
    for (let s = 0; s < SAMPLES; s++) {
      if (s > 0) Atomics.wait(sleeper, 0, 0, SAMPLE_GAP_MS);
      readings.push(read());
    }
  } catch {
    return null;
  }
  readings.sort((a, b) => a - b);
  return readings[readings.length >> 1]!;
}

/** Runnable threads (state R) of every process not in `own`, read from `proc` once. */
function runnableOutside(own: ReadonlySet<number>, proc: string): number {
  let running = 0;
  for (const entry of readdirSync(proc)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || own.has(pid)) continue;
    let tasks: string[];
    try { tasks = readdirSync(`${proc}/${pid}/task`); } catch { continue; } // ended meanwhile
    for (const tid of tasks) {
      try {
        // State is the field after the parenthesised command name (which may hold spaces).
        const stat = readFileSync(`${proc}/${pid}/task/${tid}/stat`, 'latin1');
        if (stat.charAt(stat.lastIndexOf(')') + 2) === 'R') running++;
      } catch { /* ended meanwhile */ }
    }
  }
  return running;
}

/**
 * Cores a process may keep busy: the machine's cores less `others` running tasks, shared among the
 * job's `processesHere` processes, and no more than the process is bound to (at least 1).
 */
export function freeCoresPerProcess(processesHere: number, others: number, cores: Cores = machineCores()): number {
  return Math.max(1, Math.min(cores.own, Math.floor((cores.host - others) / Math.max(1, processesHere))));
}

/** The `auto` thread count of a process holding `ranks` ranks and `synapses` synapses. */
export function autoThreads(ranks: number, synapses: number, processesHere = 1, others = othersRunning(processesHere), cores: Cores = machineCores()): ThreadChoice {
  const free = freeCoresPerProcess(processesHere, others, cores);
  const bySize = Math.max(1, Math.floor(synapses / MIN_SYNAPSES_PER_THREAD));
  const threads = Math.max(1, Math.min(ranks, free, bySize));
  const bound = cores.own < cores.host ? ` (${cores.own} bound to this process)` : '';
  const reason = threads === ranks ? 'one per rank'
    : threads === free ? `${cores.host} cores${bound}, ${others} other task${others === 1 ? '' : 's'} running${processesHere > 1 ? `, ${processesHere} processes of the job here` : ''}`
      : `${synapses} synapses (at least ${MIN_SYNAPSES_PER_THREAD} per thread)`;
  // Even one thread per process is oversubscribed when the job's processes here outnumber the free cores.
  const over = oversubscribed(threads, processesHere, others, cores);
  return { threads, reason: over ? `${reason}; cores oversubscribed` : reason, oversubscribed: over };
}

/** Ranks of each thread: thread t hosts the t-th, (t+T)-th, … of the process's ranks. */
export function ranksOfThreads(localRanks: readonly number[], threads: number): number[][] {
  const hosted: number[][] = Array.from({ length: Math.min(threads, localRanks.length) }, () => []);
  localRanks.forEach((rank, i) => hosted[i % hosted.length]!.push(rank));
  return hosted;
}

/** Synapses of a network (every connection, nPre × nPost). */
export function synapsesOf(shape: NetworkShape): number {
  return buildTopology(shape).connections.reduce((sum, c) => sum + c.nPre * c.nPost, 0);
}

/**
 * The default rank count of a one-process run: the `auto` thread count for as many ranks as
 * cores. More ranks than threads would only add per-rank work (each rank runs its own step loop
 * and kernel calls; the presynaptic side is computed once per thread or process), and the result does not depend
 * on the rank count.
 */
export function defaultRanks(shape: NetworkShape): number {
  return autoThreads(availableParallelism(), synapsesOf(shape)).threads;
}

/** The wait-share notice: after this much step-loop time per thread, above this share of waiting. */
export const NOTICE_AFTER_MS = 2000;
export const NOTICE_SHARE = 0.5;

/**
 * The message when the threads, having run long enough to judge, spent more than NOTICE_SHARE of
 * their loop at barriers — the cores are shared with other work — with the thread count that
 * would keep them busy: threads × (1 − share); null otherwise. The caller says it at most once.
 */
export function waitShareNotice(threads: number, loopMs: number, waitMs: number): string | null {
  if (threads < 2 || loopMs < NOTICE_AFTER_MS * threads) return null;
  const share = waitMs / loopMs;
  if (share <= NOTICE_SHARE) return null;
  const better = Math.max(1, Math.round(threads * (1 - share)));
  return `the ${threads} rank threads waited ${Math.round(share * 100)} % of their loop at barriers: ` +
    `the cores are shared with other work (or oversubscribed); --threads ${better} (or --threads auto) would likely be faster`;
}

/**
 * Under MPI, one process's part of the job's wait-share notice, made for one allreduce (max): its
 * share of waiting in permille × 2¹⁶ + its index, so the maximum names the share and the process;
 * -1 until the process has run long enough to judge (as waitShareNotice).
 */
export function processWaitShareWord(threads: number, loopMs: number, waitMs: number, process: number): number {
  if (loopMs < NOTICE_AFTER_MS * threads || loopMs <= 0) return -1;
  return Math.min(1000, Math.round((1000 * waitMs) / loopMs)) * 65536 + process;
}

/**
 * The job's notice under MPI, from the allreduced maximum of processWaitShareWord: processes wait
 * for each other at every interval, so one whose cores other work takes sets the pace of all, and
 * only threads of one process can take over a late one's work; a process bound to a core cannot
 * leave it either. `hosts`: each process's host; `cores`: this process's (bound when its own are
 * fewer than the machine's). Null below NOTICE_SHARE or before any process could judge.
 */
export function jobWaitShareNotice(word: number, hosts: readonly string[], ranks: number, cores: Cores = machineCores()): string | null {
  if (word < 0) return null;
  const share = Math.floor(word / 65536) / 1000;
  if (share <= NOTICE_SHARE) return null;
  const processes = hosts.length;
  const hostCount = new Set(hosts).size;
  const said = `the job's ${processes} processes waited up to ${Math.round(share * 100)} % of their loop for each other (process ${word % 65536}): ` +
    'the cores are shared with other work (or oversubscribed), and every process runs at the pace of the slowest';
  // Process 0's binding stands for the job's: mpirun binds every process by one policy.
  const why = 'mpirun --bind-to none, as the processes are bound to cores and cannot leave one that other work shares';
  const bound = cores.own < cores.host;
  if (hostCount === 1 || processes > hostCount) {
    const layout = hostCount === 1
      ? `one process with --workers ${ranks}, without mpirun, would likely be faster (its threads share a late thread's work; processes cannot)`
      : `one process per host, with --workers ${Math.ceil(ranks / hostCount)}, would likely be faster`;
    return `${said}; ${layout}${bound ? `; so would ${why}` : ''}`;
  }
  return `${said}; a host whose cores are busy slows the whole job${bound ? `; unbound, it slows it less: ${why}` : ''}`;
}
