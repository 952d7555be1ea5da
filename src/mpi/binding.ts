/**
 * The MPI binding (native/mpi/mpi_addon.cc, built to build/mpi.node by scripts/build-mpi.mjs),
 * typed and loaded lazily: only a process started by an MPI launcher (see launcher.ts) ever loads
 * it, so `superspike run` without mpirun/srun never touches MPI, and a package built without MPI
 * still works with worker-thread ranks. Loading is per Node environment (main thread or worker);
 * the MPI state behind it is one per process.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

/** Where `npm run build:mpi` writes the addon. */
export const MPI_ADDON_PATH = path.join(PACKAGE_ROOT, 'build', 'mpi.node');

/** MPI thread support levels, weakest first (MPI_THREAD_SINGLE … MPI_THREAD_MULTIPLE). */
export type MpiThreadLevel = 'single' | 'funneled' | 'serialized' | 'multiple';

export interface MpiInitInfo {
  rank: number;
  size: number;
  /** What the library granted; may be below the requested level (then the caller must adapt or stop). */
  providedThreadLevel: MpiThreadLevel;
  /** MPI_Get_processor_name: the host name, for messages naming where a rank runs. */
  processorName: string;
}

/**
 * The functions of build/mpi.node. All collectives are on MPI_COMM_WORLD, block the calling thread,
 * and write into the caller's buffers (no allocation per call). Byte buffers may be any TypedArray
 * or DataView (the view's byteOffset/byteLength are used), including views on a SharedArrayBuffer
 * or WebAssembly memory. Counts and displacements are in bytes, one Int32Array element per process.
 * A failing MPI call throws an Error carrying MPI_Error_string's text.
 */
export interface MpiBinding {
  /** ['single', 'funneled', 'serialized', 'multiple']. */
  readonly threadLevelNames: readonly MpiThreadLevel[];
  /** First line of MPI_Get_library_version, e.g. "Open MPI v4.1.4" (available before init). */
  readonly libraryVersion: string;
  /**
   * MPI_Init_thread once per process; later calls (any thread, any level) return the same info.
   * `joinLimit`: if MPI_Init has not returned after `seconds` (a process of the job never arrived),
   * `message` goes to stderr as one line and this process exits with code 1 (deadline_watch.h).
   */
  init(threadLevel: MpiThreadLevel, joinLimit?: { seconds: number; message: string }): MpiInitInfo;
  initialized(): boolean;
  finalized(): boolean;
  /** True on the thread that called init (MPI's "main thread", the one that must call finalize). */
  isThreadMain(): boolean;
  rank(): number;
  size(): number;
  wtime(): number;
  barrier(): void;
  /** recv[displs[i] .. +counts[i]) = send of process i; send.byteLength must equal counts[rank].
   * send may be exactly this process's own block of recv (then MPI_IN_PLACE is used). */
  allgatherv(send: ArrayBufferView, recv: ArrayBufferView, counts: Int32Array, displs: Int32Array): void;
  /** Like allgatherv into the root only; recv/counts/displs are read at the root only (null elsewhere). */
  gatherv(send: ArrayBufferView, recv: ArrayBufferView | null, counts: Int32Array | null,
    displs: Int32Array | null, root: number): void;
  /** The root's bytes overwrite buf on every process (buf has the same byteLength everywhere). */
  bcast(buf: ArrayBufferView, root: number): void;
  /** out[i] = value of process i (out.length === size). */
  allgatherInt32(value: number, out: Int32Array): void;
  allreduceInt32(value: number, op: 'max' | 'min' | 'sum'): number;
  /**
   * How allgatherv and allgatherInt32 wait for the other processes: spinMicros < 0, the blocking
   * collectives (they poll at full speed: the fastest when every process has a core); else the
   * nonblocking ones, tested for spinMicros and then between sleeps of sleepMicros (1–100000), so
   * a waiting process gives its core away when the cores are oversubscribed. Process-wide.
   */
  setWaitPolicy(spinMicros: number, sleepMicros: number): void;
  /**
   * The peer watch (native/mpi/peer_watch.h), for the main thread while every rank is parked: on,
   * a thread of this process sends a heartbeat to every other process every quarter of
   * silenceSeconds (at most 1 s apart), and every collective of this process waits watched — it
   * throws a PeerSilence error (isPeerSilence) once another process has sent none for
   * silenceSeconds, instead of waiting for ever. Every process turns it on and off at the same
   * points; off, the collectives are exactly as before. Needs thread level serialized.
   */
  watchPeers(silenceSeconds: number): void;
  unwatchPeers(): void;
  watchingPeers(): boolean;
  /** MPI_Abort(MPI_COMM_WORLD, code): the launcher ends every process of the job. Never returns. */
  abort(code: number): never;
  /**
   * MPI_Finalize (idempotent); call it from the init thread once no thread uses MPI any more.
   * `limit`: if MPI_Finalize has not returned after `seconds` (another process froze before it),
   * `message` goes to stderr as one line and this process exits with code 1 (deadline_watch.h).
   */
  finalize(limit?: { seconds: number; message: string }): void;
}

/** What a watched collective throws when another process stopped sending heartbeats. */
export interface PeerSilence extends Error {
  /** The processes without a sign of life for longer than the limit, ascending. */
  silentProcesses: number[];
  /** The longest of their silences, and how long this process waited in the collective. */
  silentSeconds: number;
  waitedSeconds: number;
  /** The binding's function that waited (barrier, gatherv, allreduceInt32, …). */
  call: string;
}

export function isPeerSilence(err: unknown): err is PeerSilence {
  return err instanceof Error && Array.isArray((err as Partial<PeerSilence>).silentProcesses);
}

let cached: MpiBinding | null | undefined;

/** The binding, or null when this package was built without MPI (no build/mpi.node). */
export function loadMpi(addonPath: string = MPI_ADDON_PATH): MpiBinding | null {
  if (addonPath === MPI_ADDON_PATH && cached !== undefined) return cached;
  let binding: MpiBinding | null = null;
  if (existsSync(addonPath)) {
    try {
      binding = createRequire(import.meta.url)(addonPath) as MpiBinding;
    } catch (err) {
      // Present but unloadable (e.g. built against an MPI since uninstalled): say which file and why.
      throw new UserError(`${addonPath}: cannot load the MPI binding: ${(err as Error).message.split('\n')[0]}; ` +
        'rebuild it with `npm run build:mpi -- --force`', { cause: err });
    }
  }
  if (addonPath === MPI_ADDON_PATH) cached = binding;
  return binding;
}

/** The binding, or a UserError saying how to build it; for code paths that need MPI. */
export function requireMpi(why: string, addonPath: string = MPI_ADDON_PATH): MpiBinding {
  const binding = loadMpi(addonPath);
  if (binding !== null) return binding;
  throw new UserError(`${why}: superspike was built without MPI (${addonPath} is missing): install ` +
    'libopenmpi-dev (or MPICH) and run `npm rebuild superspike` / `npm run build:mpi`');
}
