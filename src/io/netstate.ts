/**
 * Network state files (docs/model.md §11.5): every value needed to continue a run, in global order, so a
 * state saved with R ranks resumes with any other R. This module only encodes and decodes; the
 * engine turns its shared memory into a `NetworkState` and back (engine/snapshot.ts).
 *
 * Encoding is msgpackr with typed arrays as binary extensions; the same state always gives the
 * same bytes (no timestamps, no rank count, fixed key order).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Packr } from 'msgpackr';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readRegularFile } from './fs-errors.js';
import { folderRunId } from './run-identity.js';

export const NETSTATE_FORMAT = 'superspike-netstate';
/** 2: the state ends with a checksum of everything before it. Version 1 states (no checksum) still load. */
export const NETSTATE_VERSION = 2;
export const NETSTATE_VERSIONS_READ: readonly number[] = [1, 2];

export interface SpikeRing {
  /** Emission step of each event, ascending; equal steps in ascending id. */
  steps: Int32Array;
  ids: Uint32Array;
  /** Error values (error-event rings only). */
  values?: Float32Array;
}

export interface GroupState {
  v?: Float32Array;
  i?: Float32Array;
  ref?: Int32Array;
  pre?: Float32Array;
  /** Its spikes of the last MIN_DELAY steps before the clock, or of its longest outgoing spike delay (§5.1). */
  ring: SpikeRing;
}

export interface ConnectionState {
  w: Float32Array;
  el?: Float32Array;
  elFlt?: Float32Array;
  elSum?: Float32Array;
  grad2?: Float32Array;
  err?: Float32Array;
  errIn?: Float32Array;
  errTrace?: Float32Array;
  errFiltered?: Float32Array;
  avgSqErr?: Float32Array;
  hom?: Float32Array;
  sigmaLine?: Float32Array;
  psp?: Float32Array;
  pspLine?: Float32Array;
  /** The connection's own `pre` trace: only where its spike delay is longer than the minimum. */
  pre?: Float32Array;
  feedbackB?: Float32Array;
  events?: SpikeRing;
}

export interface NetworkState {
  format: typeof NETSTATE_FORMAT;
  version: number;
  /**
   * Identity of the run that wrote the state (io/run-identity.ts), also in its folder's run.json:
   * a resume continues only its own run. Absent in states of older builds.
   */
  runId?: string;
  /** The validated experiment config (JSON-compatible). */
  config: Record<string, unknown>;
  /** Replay tables of the task, so a resume needs no input files. */
  task: {
    input: { steps: Int32Array; ids: Uint32Array; periodSteps: number };
    target: { steps: Int32Array; ids: Uint32Array; periodSteps: number };
    nInput: number;
    nOutput: number;
    gridSteps: number;
    description: string;
  };
  clock: number;
  /** Stats lines already written (the resumed run continues the file after them). */
  statsLines: number;
  groups: GroupState[];
  connections: ConnectionState[];
  /**
   * SHA-256 (hex) of the file's bytes before this value: always the last key, so a writer that
   * streams the state can hash as it writes, and a flipped bit anywhere is refused on load.
   */
  checksum?: string;
}

export class NetstateError extends UserError {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'NetstateError';
  }
}

const packr = new Packr({ useRecords: false, moreTypes: true, structuredClone: false });

/** Hex digits of the checksum: the last bytes of every version-2 file (a msgpack str8's content). */
export const CHECKSUM_HEX = 64;

/**
 * The state's bytes, its checksum last: encoded with a placeholder of 64 hex digits, which are
 * the file's last 64 bytes (a msgpack str8's content), then overwritten with the SHA-256 of every
 * byte before them. The returned buffer is valid until the next encode.
 */
export function encodeNetworkState(state: NetworkState): Buffer {
  const { checksum: _old, ...content } = state;
  const bytes = packr.pack({ ...content, checksum: '0'.repeat(CHECKSUM_HEX) });
  bytes.write(checksumOf(bytes), bytes.length - CHECKSUM_HEX, 'latin1');
  return bytes;
}

function checksumOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes.subarray(0, bytes.length - CHECKSUM_HEX)).digest('hex');
}

export function decodeNetworkState(bytes: Uint8Array, file = 'network state'): NetworkState {
  let state: NetworkState;
  try {
    state = packr.unpack(bytes) as NetworkState;
  } catch (err) {
    throw new NetstateError(file, `not a readable msgpack file (${(err as Error).message})`);
  }
  if (state === null || typeof state !== 'object' || Array.isArray(state) || state.format !== NETSTATE_FORMAT) {
    throw new NetstateError(file, `not a superspike network state (expected format "${NETSTATE_FORMAT}")`);
  }
  if (!NETSTATE_VERSIONS_READ.includes(state.version)) {
    throw new NetstateError(file, `state version ${state.version} is not supported (this build reads ${NETSTATE_VERSIONS_READ.join(' and ')})`);
  }
  if (state.version >= 2) {
    const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', bytes.length - CHECKSUM_HEX);
    if (typeof state.checksum !== 'string' || state.checksum !== tail) {
      throw new NetstateError(file, 'checksum: missing or not the last value of the file (the state was altered or cut)');
    }
    if (checksumOf(bytes) !== state.checksum) {
      throw new NetstateError(file, 'checksum does not match the content: the file was altered or damaged (a flipped bit, an edit); resume from another state');
    }
  }
  return state;
}

/**
 * Writes atomically (exclusive random temp file + fsync + rename, see io/atomic.ts), so an
 * interrupted save never leaves half a state and a symlink at the destination is refused.
 */
export function saveNetworkState(file: string, state: NetworkState): void {
  writeFileAtomic(file, encodeNetworkState(withRunId(file, state)));
}

/**
 * A state without an explicit run id belongs to the run that owns its folder (the start marker
 * in run.json, io/run-identity.ts): the id goes first, as the one optional key.
 */
export function withRunId<S extends { format: string; version: number; runId?: string }>(file: string, state: S): S {
  const runId = state.runId ?? folderRunId(path.dirname(file));
  const { format, version, runId: _ignored, ...rest } = state;
  return runId === undefined ? state : ({ format, version, runId, ...rest } as unknown as S);
}

/**
 * Reads and decodes a state file, checking only its format and version: for tools that look at
 * a few arrays (the report's weights) and check those themselves. Never for a resume: that goes
 * through engine/state-validate.ts `loadNetworkState`, which checks the state against its own config.
 */
export function readNetworkStateFile(file: string): NetworkState {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, MAX_STATE_FILE_BYTES, 'network state');
  } catch (err) {
    throw new NetstateError(file, (err as Error).message.replace(`cannot read ${file}: `, 'cannot read: ').replace(`${file}: `, ''));
  }
  return decodeNetworkState(bytes, file);
}

/** The largest file one read can hold (Node's Buffer limit is about 4 GiB); larger states are refused, not half-read. */
const MAX_STATE_FILE_BYTES = 2 ** 32 - 1;
