/**
 * Ranks in several processes: where this process stands (`Placement`, plain data that also
 * travels to its rank threads), the collectives the engine needs between processes
 * (`Collectives`, implemented by the MPI binding in src/mpi), and the two coordinator-side uses
 * of them — fetching other processes' rank arrays for statistics and network states
 * (`CollectiveFetcher`), and gathering small JSON values at the root.
 *
 * Thread model (MPI_THREAD_SERIALIZED): while ranks run, only the last rank thread to arrive at
 * a process-local barrier calls MPI (the others are waiting); while every rank is parked, only
 * the coordinator's main thread does — and, while its block-end watch is on, the binding's own
 * heartbeat thread, which shares a lock with it (block-end-watch.ts). So no two threads of a
 * process are ever inside MPI at once, and every process makes the same collective calls in the
 * same order.
 */
import type { MemoryLayout } from '../network/layout.js';
import { processOfRank, ranksOfProcess } from '../network/partition.js';
import type { RankArray, RegionFetcher } from './snapshot.js';

export interface Placement {
  processes: number;
  process: number;
  ranksPerProcess: number;
  /** Host name of every process (MPI_Get_processor_name), for messages naming where a rank runs. */
  hosts: string[];
  /** Process id of every process (absent outside MPI): threads.ts tells the job's own tasks from other work. */
  pids?: number[];
}

/** The collectives of src/mpi/binding.ts that the engine uses (all on every process, in order). */
export interface Collectives {
  allgatherv(send: ArrayBufferView, recv: ArrayBufferView, counts: Int32Array, displs: Int32Array): void;
  gatherv(send: ArrayBufferView, recv: ArrayBufferView | null, counts: Int32Array | null, displs: Int32Array | null, root: number): void;
  /** The root's bytes overwrite `buf` on every other process. */
  bcast(buf: ArrayBufferView, root: number): void;
  allgatherInt32(value: number, out: Int32Array): void;
  allreduceInt32(value: number, op: 'max' | 'min' | 'sum'): number;
  barrier(): void;
  /** How the per-interval collectives wait (src/mpi/binding.ts); absent: always blocking. */
  setWaitPolicy?(spinMicros: number, sleepMicros: number): void;
  /** The peer watch of the block ends (src/mpi/binding.ts, block-end-watch.ts); absent: none. */
  watchPeers?(silenceSeconds: number): void;
  unwatchPeers?(): void;
}

/** The processes of a run as the coordinator sees them: placement plus main-thread collectives. */
export interface ProcessRuntime {
  placement: Placement;
  comm: Collectives;
  /**
   * Ends every process of the job (MPI_Abort); does not return. The one way out when a rank
   * thread is blocked inside MPI: such a thread can be neither woken nor terminated.
   */
  abort?(code: number): never;
}

/**
 * The job's processes on this process's host: how many, and their process ids (absent outside
 * MPI) — the tasks threads.ts must not count as other work, whether or not they run at this
 * instant. Without a placement, this process alone.
 */
export function jobOnThisHost(placement: Placement | null | undefined): { processes: number; pids: number[] | undefined } {
  if (!placement) return { processes: 1, pids: undefined };
  const here = placement.hosts.flatMap((h, p) => (h === placement.hosts[placement.process] ? [p] : []));
  return { processes: here.length, pids: placement.pids && here.map((p) => placement.pids![p]!) };
}

/** `[process p of P on host]`, appended to a message that does not already say where it comes from. */
export function withProcess(message: string, placement: Placement): string {
  if (placement.processes <= 1 || message.includes('(process ')) return message;
  return `${message} [process ${placement.process} of ${placement.processes} on ${placement.hosts[placement.process]}]`;
}

export const ROOT_PROCESS = 0;

/** The ranks this process holds: a block of its placement, or all `ranks` in a one-process run. */
export function localRanksOf(placement: Placement | null, ranks: number): number[] {
  return placement === null ? ranksOfProcess(0, ranks) : ranksOfProcess(placement.process, placement.ranksPerProcess);
}

/** ` (process p on host h)`, to follow a rank number in messages; empty with one process. */
export function whereIs(placement: Placement | null, rank: number): string {
  if (placement === null || placement.processes <= 1) return '';
  const p = processOfRank(rank, placement.ranksPerProcess);
  return ` (process ${p} on ${placement.hosts[p] ?? 'unknown host'})`;
}

/** The job's other processes in words: `process 1 on h1`, or `process 1 on h1 or process 2 on h2`. */
export function otherProcesses(placement: Placement | null): string {
  if (placement === null || placement.processes <= 1) return 'the other processes';
  const others: string[] = [];
  for (let p = 0; p < placement.processes; p++) {
    if (p !== placement.process) others.push(`process ${p} on ${placement.hosts[p] ?? 'unknown host'}`);
  }
  return others.length <= 4 ? others.join(' or ') : `one of ${others.length} other processes`;
}

/** Displacements of consecutive blocks of the given byte counts. */
export function displacements(counts: Int32Array): Int32Array {
  const displs = new Int32Array(counts.length);
  for (let p = 1; p < counts.length; p++) displs[p] = displs[p - 1]! + counts[p - 1]!;
  return displs;
}

/**
 * Rank arrays from every process at the root. Byte counts are pure functions of the layout, so
 * one gatherv suffices: every process knows how much every other one sends.
 */
export class CollectiveFetcher implements RegionFetcher {
  readonly assembles: boolean;
  private readonly f32: Float32Array;
  /** Reused between fetches (a fetch's arrays are read before the next fetch): no garbage per chunk. */
  private send = new Float32Array(0);
  private recv = new ArrayBuffer(0);

  constructor(
    private readonly runtime: ProcessRuntime,
    private readonly layout: MemoryLayout,
    memory: WebAssembly.Memory,
  ) {
    this.assembles = runtime.placement.process === ROOT_PROCESS;
    this.f32 = new Float32Array(memory.buffer);
  }

  /** The arrays returned are valid until the next fetch. */
  fetch(offset: (r: number) => number, elements: (r: number) => number): RankArray[] {
    const { placement, comm } = this.runtime;
    const counts = new Int32Array(placement.processes);
    for (let r = 0; r < this.layout.ranks; r++) counts[processOfRank(r, placement.ranksPerProcess)]! += elements(r) * 4;
    const sendLength = counts[placement.process]! / 4;
    if (this.send.length < sendLength) this.send = new Float32Array(sendLength);
    const send = this.send.subarray(0, sendLength);
    let at = 0;
    for (const r of this.layout.localRanks) {
      const base = offset(r) >> 2;
      send.set(this.f32.subarray(base, base + elements(r)), at);
      at += elements(r);
    }
    if (!this.assembles) {
      comm.gatherv(send, null, null, null, ROOT_PROCESS);
      return [];
    }
    const displs = displacements(counts);
    const total = displs[placement.processes - 1]! + counts[placement.processes - 1]!;
    if (this.recv.byteLength < total) this.recv = new ArrayBuffer(total);
    comm.gatherv(send, new Uint8Array(this.recv, 0, total), counts, displs, ROOT_PROCESS);
    const views = { f32: new Float32Array(this.recv), i32: new Int32Array(this.recv) };
    const arrays: RankArray[] = [];
    const cursor = Int32Array.from(displs, (d) => d >> 2);
    for (let r = 0; r < this.layout.ranks; r++) {
      const p = processOfRank(r, placement.ranksPerProcess);
      arrays.push({ ...views, base: cursor[p]! });
      cursor[p]! += elements(r);
    }
    return arrays;
  }
}

/** Every process's JSON value at the root (in process order); null elsewhere. */
export function gatherJson<T>(runtime: ProcessRuntime, value: T): T[] | null {
  const { placement, comm } = runtime;
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const counts = new Int32Array(placement.processes);
  comm.allgatherInt32(bytes.length, counts);
  if (placement.process !== ROOT_PROCESS) {
    comm.gatherv(bytes, null, null, null, ROOT_PROCESS);
    return null;
  }
  const displs = displacements(counts);
  const recv = new Uint8Array(displs[placement.processes - 1]! + counts[placement.processes - 1]!);
  comm.gatherv(bytes, recv, counts, displs, ROOT_PROCESS);
  const decoder = new TextDecoder();
  return Array.from(counts, (n, p) => JSON.parse(decoder.decode(recv.subarray(displs[p]!, displs[p]! + n))) as T);
}

/** Every process's string, in process order, on every process. */
export function allgatherStrings(comm: Collectives, processes: number, value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const counts = new Int32Array(processes);
  comm.allgatherInt32(bytes.length, counts);
  const displs = displacements(counts);
  const recv = new Uint8Array(displs[processes - 1]! + counts[processes - 1]!);
  comm.allgatherv(bytes, recv, counts, displs);
  const decoder = new TextDecoder();
  return Array.from(counts, (n, p) => decoder.decode(recv.subarray(displs[p]!, displs[p]! + n)));
}
