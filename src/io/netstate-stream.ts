/**
 * Network states written as a stream (docs/model.md §11.5): the same bytes as
 * `encodeNetworkState` of the whole state (netstate.ts), but the large synaptic arrays are never
 * held whole. Each is a `LazyFloat32`, produced in order, chunk by chunk, straight into the file
 * (with several processes: gathered chunk by chunk at the root, engine/snapshot.ts), so saving
 * costs the saving process a chunk, not a copy of the network and its encoding.
 *
 * msgpack composes: a map is its header then its keys and values, each encoded as if alone. So the
 * containers that hold a lazy array are written here (msgpackr's headers: objects always as map16,
 * arrays as fixarray / array16 / array32), every other value by msgpackr itself, and a lazy array
 * as msgpackr writes a Float32Array with `moreTypes` (ext32: 0xc9, length + 1, 't', type 7) followed
 * by its chunks. The checksum, the state's last value, is the SHA-256 of every byte written before
 * it, hashed as they are written. test/netstate-stream.test.ts checks the bytes against
 * `encodeNetworkState`.
 */
import { createHash, type Hash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { AtomicFile } from './atomic.js';
import { CHECKSUM_HEX, withRunId, type ConnectionState, type NetworkState } from './netstate.js';

/** A Float32Array written by chunks: `produce` hands every chunk, in order, to the sink (null: produce nothing, take part only). */
export class LazyFloat32 {
  constructor(
    readonly length: number,
    readonly produce: (sink: ((chunk: Float32Array) => void) | null) => void,
  ) {}
}

/** A connection's state with some arrays lazy. */
export type StreamedConnection = { [K in keyof ConnectionState]: ConnectionState[K] | LazyFloat32 };
/** A network state whose connections may hold lazy arrays. */
export type StreamedState = Omit<NetworkState, 'connections'> & { connections: StreamedConnection[] };

/** The same options as netstate.ts: msgpackr's bytes for every value not written here. */
const packr = new Packr({ useRecords: false, moreTypes: true, structuredClone: false });
/** msgpackr's typed-array code of Float32Array (its `typedArrays` list). */
const FLOAT32_TYPE = 7;
const BUFFER_BYTES = 1 << 16;

/** Collects small writes (large chunks go straight through) and hashes everything written. */
class Sink {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  readonly hash: Hash = createHash('sha256');
  constructor(private readonly file: AtomicFile) {}

  write(bytes: Uint8Array): void {
    this.hash.update(bytes);
    if (this.used + bytes.length > BUFFER_BYTES) this.flush();
    if (bytes.length >= BUFFER_BYTES) {
      this.file.write(bytes);
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  flush(): void {
    if (this.used > 0) this.file.write(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

function header(...bytes: number[]): Uint8Array {
  return Uint8Array.from(bytes);
}

function holdsLazy(value: unknown): boolean {
  if (value instanceof LazyFloat32) return true;
  if (Array.isArray(value)) return value.some(holdsLazy);
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) return Object.values(value).some(holdsLazy);
  return false;
}

/** Writes `value` (sink null: only produces its lazy arrays with no sink, in the same order). */
function encode(value: unknown, sink: Sink | null): void {
  if (value instanceof LazyFloat32) {
    if (sink === null) {
      value.produce(null);
      return;
    }
    const bytes = value.length * 4;
    if (bytes + 1 < 0x10000) {
      // Small: msgpackr picks a shorter header; materialise it and let msgpackr write it.
      const whole = new Float32Array(value.length);
      let at = 0;
      value.produce((chunk) => {
        whole.set(chunk, at);
        at += chunk.length;
      });
      sink.write(packr.pack(whole));
      return;
    }
    const n = bytes + 1;
    sink.write(header(0xc9, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, 0x74, FLOAT32_TYPE));
    let written = 0;
    value.produce((chunk) => {
      sink.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      written += chunk.length;
    });
    if (written !== value.length) throw new Error(`a lazy array produced ${written} of its ${value.length} values`);
    return;
  }
  if (!holdsLazy(value)) {
    if (sink !== null) sink.write(packr.pack(value));
    return;
  }
  if (Array.isArray(value)) {
    const n = value.length;
    if (sink !== null) {
      sink.write(n < 16 ? header(0x90 | n) : n < 0x10000 ? header(0xdc, n >> 8, n & 0xff) : header(0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
    }
    for (const item of value) encode(item, sink);
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (sink !== null) sink.write(header(0xde, entries.length >> 8, entries.length & 0xff));
  for (const [key, item] of entries) {
    if (sink !== null) sink.write(packr.pack(key));
    encode(item, sink);
  }
}

/**
 * Writes the state atomically (io/atomic.ts), its lazy arrays chunk by chunk; `file` null: a
 * process that only contributes produces the lazy arrays in the same order (collectives) and
 * writes nothing.
 */
export function saveStreamedState(file: string | null, state: StreamedState): void {
  if (file === null) {
    encode(state, null);
    return;
  }
  const out = AtomicFile.create(file);
  try {
    const sink = new Sink(out);
    // The top-level map by hand: its entries, then the checksum of every byte before its digits.
    const { checksum: _old, ...content } = withRunId(file, state as StreamedState & { checksum?: string });
    const entries = Object.entries(content);
    sink.write(header(0xde, (entries.length + 1) >> 8, (entries.length + 1) & 0xff));
    for (const [key, value] of entries) {
      sink.write(packr.pack(key));
      encode(value, sink);
    }
    sink.write(packr.pack('checksum'));
    sink.write(header(0xd9, CHECKSUM_HEX));
    sink.write(Buffer.from(sink.hash.copy().digest('hex'), 'latin1'));
    sink.flush();
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
}
