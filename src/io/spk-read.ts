/**
 * Reading Auryn spike files (spk-format.ts): a validating streaming reader in fixed-size chunks,
 * a whole-file read for small files, and the k-way merge of rank files by (time, id) — Auryn's
 * `aube`. Nothing here ever holds a whole file: simulations write hundreds of millions of spikes.
 */
import * as fs from 'node:fs';
import { UserError } from '../errors.js';
import {
  SPK_RECORD_BYTES, SpkFormatError, firstRecordAtOrAfter, openForRead, readFully, readHeaderFd, readSpkHeader,
  type SpkHeader,
} from './spk-format.js';
/**
 * A run of consecutive data records. The arrays are views into the reader's (or the merge's)
 * buffers: valid until the next read, copy what you keep.
 */
export interface SpkChunk {
  steps: Uint32Array;
  ids: Uint32Array;
  length: number;
}

export interface SpkReaderOptions {
  /** Records per read. Default 16384 (128 KiB). */
  chunkRecords?: number;
}

/**
 * Streams a spike file in chunks. The header and size are validated on open (`SpkFormatError`);
 * every read checks that steps do not decrease, naming the offending record.
 */
export class SpkReader implements Iterable<SpkChunk> {
  readonly path: string;
  readonly header: SpkHeader;
  private fd: number;
  private readonly raw: Buffer;
  private readonly view: DataView;
  private readonly steps: Uint32Array;
  private readonly ids: Uint32Array;
  /** Next data record to read, 1-based (record 0 is the header). */
  private nextRecord = 1;
  private lastStep = 0;

  constructor(path: string, opts: SpkReaderOptions = {}) {
    this.path = path;
    this.fd = openForRead(path);
    try {
      this.header = readHeaderFd(this.fd, path);
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
    const n = Math.max(1, opts.chunkRecords ?? 16384);
    this.raw = Buffer.alloc(n * SPK_RECORD_BYTES);
    this.view = new DataView(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength);
    this.steps = new Uint32Array(n);
    this.ids = new Uint32Array(n);
  }

  /**
   * Positions the reader at the first record with step >= `step`, by binary search (a time
   * window near the end of a multi-GB file costs a few dozen reads, not a scan).
   */
  seekStep(step: number): void {
    this.nextRecord = firstRecordAtOrAfter(this.fd, this.path, this.header.records, step);
    this.lastStep = 0; // order is checked from here on
  }

  /** The next chunk, or null at the end of the file. */
  read(): SpkChunk | null {
    if (this.fd < 0) throw new Error(`SpkReader(${this.path}): read after close`);
    const left = this.header.records + 1 - this.nextRecord;
    if (left <= 0) return null;
    const n = Math.min(left, this.steps.length);
    readFully(this.fd, this.raw, 0, n * SPK_RECORD_BYTES, this.nextRecord * SPK_RECORD_BYTES, this.path);
    const { view, steps, ids } = this;
    let last = this.lastStep;
    for (let i = 0; i < n; i++) {
      const step = view.getUint32(i * SPK_RECORD_BYTES, true);
      if (step < last) {
        const record = this.nextRecord + i;
        throw new SpkFormatError(
          this.path,
          `record ${record} (byte ${record * SPK_RECORD_BYTES}) has time step ${step}, earlier than ` +
            `the previous record's ${last}: spike files must be time-ordered`,
        );
      }
      last = step;
      steps[i] = step;
      ids[i] = view.getUint32(i * SPK_RECORD_BYTES + 4, true);
    }
    this.lastStep = last;
    this.nextRecord += n;
    return { steps: steps.subarray(0, n), ids: ids.subarray(0, n), length: n };
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  *[Symbol.iterator](): Iterator<SpkChunk> {
    try {
      for (let c = this.read(); c !== null; c = this.read()) yield c;
    } finally {
      this.close();
    }
  }
}

/** Whole file in memory: for tests and small files only. */
export function readSpkAll(path: string): { steps: Uint32Array; ids: Uint32Array; header: SpkHeader } {
  const reader = new SpkReader(path);
  const { header } = reader;
  const steps = new Uint32Array(header.records);
  const ids = new Uint32Array(header.records);
  let at = 0;
  for (const c of reader) {
    steps.set(c.steps, at);
    ids.set(c.ids, at);
    at += c.length;
  }
  return { steps, ids, header };
}

/**
 * Validates every file of a set (rank files of one monitor) before any output is produced, and
 * checks that they share one step rate. Returns that rate and the total record count.
 */
export function readSpkSetHeader(paths: readonly string[]): { stepsPerSecond: number; records: number } {
  if (paths.length === 0) throw new UserError('no spike files given');
  let stepsPerSecond = 0;
  let records = 0;
  for (const p of paths) {
    const h = readSpkHeader(p);
    if (stepsPerSecond === 0) stepsPerSecond = h.stepsPerSecond;
    else if (h.stepsPerSecond !== stepsPerSecond) {
      throw new SpkFormatError(
        p,
        `${h.stepsPerSecond} steps per second, but ${paths[0]} has ${stepsPerSecond}: cannot merge`,
      );
    }
    records += h.records;
  }
  return { stepsPerSecond, records };
}

export interface SpkMergeOptions {
  /** Only records with step >= fromStep. Default 0. Each file is entered by binary search. */
  fromStep?: number;
  /** Only records with step < toStep. Default: to the end. Reading stops there. */
  toStep?: number;
  /** Records per yielded chunk. Default 65536. */
  batchRecords?: number;
  /** Passed to each file's reader. */
  chunkRecords?: number;
}

/** One file's read position during a merge. */
class Cursor {
  private chunk: SpkChunk | null;
  private pos = 0;
  constructor(private readonly reader: SpkReader) {
    this.chunk = reader.read();
  }
  /** Current step, or -1 when exhausted. */
  get step(): number {
    return this.chunk === null ? -1 : this.chunk.steps[this.pos]!;
  }
  get id(): number {
    return this.chunk!.ids[this.pos]!;
  }
  advance(): void {
    if (++this.pos === this.chunk!.length) {
      this.chunk = this.reader.read();
      this.pos = 0;
    }
  }
}

/**
 * Streaming k-way merge of spike files by (step, id) — Auryn's `aube`. At each step it gathers
 * that step's records from every file and sorts them by id, so the result is the sorted union
 * even when a file lists one step's ids out of order. Memory: one chunk per file plus the
 * largest single step. Headers are validated before the first chunk is yielded. The yielded
 * chunk's arrays are reused: valid until the next iteration.
 */
export async function* mergeSpkFiles(
  paths: readonly string[],
  opts: SpkMergeOptions = {},
): AsyncGenerator<SpkChunk, void, undefined> {
  readSpkSetHeader(paths);
  const toStep = opts.toStep ?? Infinity;
  const batch = Math.max(1, opts.batchRecords ?? 65536);
  const outSteps = new Uint32Array(batch);
  const outIds = new Uint32Array(batch);
  let out = 0;
  let stepIds = new Uint32Array(1024);

  const readers: SpkReader[] = [];
  try {
    for (const p of paths) {
      const r = new SpkReader(p, { chunkRecords: opts.chunkRecords });
      readers.push(r);
      if (opts.fromStep !== undefined && opts.fromStep > 0) r.seekStep(opts.fromStep);
    }
    const cursors = readers.map((r) => new Cursor(r));
    for (;;) {
      let t = -1;
      for (const c of cursors) {
        const s = c.step;
        if (s >= 0 && (t < 0 || s < t)) t = s;
      }
      if (t < 0 || t >= toStep) break;

      let n = 0;
      for (const c of cursors) {
        while (c.step === t) {
          if (n === stepIds.length) {
            const grown = new Uint32Array(n * 2);
            grown.set(stepIds);
            stepIds = grown;
          }
          stepIds[n++] = c.id;
          c.advance();
        }
      }
      const ids = stepIds.subarray(0, n);
      ids.sort();
      for (let i = 0; i < n; i++) {
        if (out === batch) {
          yield { steps: outSteps, ids: outIds, length: out };
          out = 0;
        }
        outSteps[out] = t;
        outIds[out] = ids[i]!;
        out++;
      }
    }
    if (out > 0) yield { steps: outSteps.subarray(0, out), ids: outIds.subarray(0, out), length: out };
  } finally {
    for (const r of readers) r.close();
  }
}

