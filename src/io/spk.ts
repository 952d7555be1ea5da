/**
 * Auryn binary spike files (docs/model.md §11.2): the buffered writer of a rank's file and the
 * truncation a resume needs; the format itself is spk-format.ts, reading and merging spk-read.ts,
 * rank file sets spk-files.ts — all re-exported here, the one module callers import.
 *
 * Everything here streams through fixed-size buffers: simulations write hundreds of millions of
 * spikes, so neither the writer nor the reader nor the merge ever holds a whole file. All file
 * access is synchronous on purpose: the writer runs inside the rank loop (an await per flush
 * would cost more than the write), and the reader is consumed in large chunks.
 */
import * as fs from 'node:fs';
import {
  O_APPEND, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY, SPK_RECORD_BYTES, SPK_STEPS_PER_SECOND, SPK_TAG, SpkFormatError,
  firstRecordAtOrAfter, openNoFollow, readHeaderFd, readRecordStep, readSpkHeader, refuseSymlink, writeFully,
  type SpkHeader,
} from './spk-format.js';

export { DEFAULT_AURYN_VERSION, SPK_RECORD_BYTES, SPK_STEPS_PER_SECOND, SPK_TAG, SPK_TAG_FAMILY, aurynSpkTag, SpkFormatError, readSpkHeader, type SpkHeader } from './spk-format.js';
export * from './spk-read.js';
export * from './spk-files.js';

// ---------------------------------------------------------------------------------------------
// Writer

export interface SpkWriterOptions {
  /**
   * Continue an existing file (resume): its header is validated and records go after its last
   * one. A missing or empty file is created with a header as usual. Default false (truncate).
   */
  append?: boolean;
  /** Buffer size in bytes, rounded down to whole records (min one record). Default 64 KiB. */
  bufferBytes?: number;
  /** Header time field. Default `SPK_STEPS_PER_SECOND`. */
  stepsPerSecond?: number;
  /** Header id field of a new file: the Auryn version tag (`aurynSpkTag`). Default `SPK_TAG` (0.8.4). */
  tag?: number;
}

/**
 * Buffered spike file writer. Records collect in a preallocated buffer that holds a whole
 * number of records and goes to disk with one `writeSync` when full, on `flush()` and on
 * `close()`: no per-spike system call, and never a partial record on disk.
 */
export class SpkWriter {
  readonly path: string;
  private fd: number;
  private readonly buf: Buffer;
  private readonly view: DataView;
  /** Bytes used in `buf`. */
  private used = 0;
  private lastStep = 0;
  /** Data records already on disk. */
  private onDisk = 0;

  constructor(path: string, opts: SpkWriterOptions = {}) {
    this.path = path;
    const size = Math.max(SPK_RECORD_BYTES, opts.bufferBytes ?? 65536);
    this.buf = Buffer.alloc(size - (size % SPK_RECORD_BYTES));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const sps = opts.stepsPerSecond ?? SPK_STEPS_PER_SECOND;

    let existing: SpkHeader | undefined;
    refuseSymlink(path);
    if (opts.append && fs.existsSync(path) && fs.statSync(path).size > 0) {
      existing = readSpkHeader(path);
      if (existing.stepsPerSecond !== sps) {
        throw new SpkFormatError(
          path,
          `cannot append: file has ${existing.stepsPerSecond} steps per second, this run ${sps}`,
        );
      }
    }
    this.fd = openNoFollow(path, existing ? O_WRONLY | O_APPEND : O_WRONLY | O_CREAT | O_TRUNC);
    if (existing) {
      this.onDisk = existing.records;
      // Appended records must not go back in time either.
      if (existing.records > 0) this.lastStep = readRecordStep(path, existing.records);
    } else {
      // The header goes to disk at once: a run killed before its first flush leaves a valid,
      // empty spike file, not a 0-byte one.
      writeFully(this.fd, spkHeaderBytes(sps, opts.tag ?? SPK_TAG), SPK_RECORD_BYTES, path);
    }
  }

  /** Data records written so far (buffered or on disk), including those of an appended file. */
  get records(): number {
    return this.onDisk + this.used / SPK_RECORD_BYTES;
  }

  /** Appends one spike. Steps must not decrease (checked: a violation is a bug upstream). */
  push(step: number, id: number): void {
    if (step < this.lastStep) this.orderError(step);
    this.lastStep = step;
    if (this.used === this.buf.length) this.flush();
    this.view.setUint32(this.used, step, true);
    this.view.setUint32(this.used + 4, id, true);
    this.used += SPK_RECORD_BYTES;
  }

  /** Appends `count` spikes of one step, ids taken from `ids[0..count)`. */
  pushMany(step: number, ids: ArrayLike<number>, count: number): void {
    if (count <= 0) return;
    if (count > ids.length) throw new RangeError(`SpkWriter.pushMany: count ${count} > ids.length ${ids.length}`);
    if (step < this.lastStep) this.orderError(step);
    this.lastStep = step;
    const view = this.view;
    const cap = this.buf.length;
    let used = this.used;
    for (let i = 0; i < count; i++) {
      if (used === cap) {
        this.used = used;
        this.flush();
        used = 0;
      }
      view.setUint32(used, step, true);
      view.setUint32(used + 4, ids[i]!, true);
      used += SPK_RECORD_BYTES;
    }
    this.used = used;
  }

  /** Writes the buffered records. With `durable`, also fsyncs (for checkpoints). */
  flush(durable = false): void {
    if (this.fd < 0) throw new Error(`SpkWriter(${this.path}): flush after close`);
    if (this.used > 0) {
      writeFully(this.fd, this.buf, this.used, this.path);
      this.onDisk = this.records;
      this.used = 0;
    }
    if (durable) fs.fsyncSync(this.fd);
  }

  /** Flushes and closes the file. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private orderError(step: number): never {
    throw new Error(`SpkWriter(${this.path}): step ${step} after step ${this.lastStep}; spikes must be time-ordered`);
  }
}

/** The 8-byte header of a new spike file: steps per second and the format tag (Auryn's version tag). */
function spkHeaderBytes(stepsPerSecond: number, tag = SPK_TAG): Buffer {
  const header = Buffer.alloc(SPK_RECORD_BYTES);
  header.writeUInt32LE(stepsPerSecond, 0);
  header.writeUInt32LE(tag, 4);
  return header;
}


/**
 * Cuts a spike file so that it keeps only data records with step < `step` (resume from a
 * checkpoint taken at clock `step`). A partial record at the end is cut too. Finds the cut by
 * binary search, so it reads a few dozen records whatever the file size. Returns the number of
 * data records kept.
 */
export function truncateSpkAfter(path: string, step: number): number {
  // One descriptor, opened without following links, for reading the cut and cutting.
  const fd = openNoFollow(path, O_RDWR);
  let keep: number;
  try {
    const { records, bytes } = readHeaderFd(fd, path, true);
    if (bytes === 0) {
      // An empty file of a run killed before its first write: give it its header, keep nothing.
      writeFully(fd, spkHeaderBytes(SPK_STEPS_PER_SECOND), SPK_RECORD_BYTES, path);
      return 0;
    }
    keep = firstRecordAtOrAfter(fd, path, records, step) - 1;
    fs.ftruncateSync(fd, (keep + 1) * SPK_RECORD_BYTES);
  } finally {
    fs.closeSync(fd);
  }
  return keep;
}

