/**
 * Auryn binary spike files (SPEC §11.2): little-endian 8-byte records `uint32 step; uint32 id`,
 * record 0 a header `{steps per second, version tag}`, data records non-decreasing in step.
 *
 * Everything here streams through fixed-size buffers: simulations write hundreds of millions of
 * spikes, so neither the writer nor the reader nor the merge ever holds a whole file. All file
 * access is synchronous on purpose: the writer runs inside the rank loop (an await per flush
 * would cost more than the write), and the reader is consumed in large chunks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { STEPS_PER_SECOND } from '../model/constants.js';
import { O_NOFOLLOW } from './atomic.js';
import { describeErrno } from './fs-errors.js';

const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;

/**
 * Throws a one-line UserError when `path` is a symbolic link: rank files are opened with
 * O_NOFOLLOW, and this check (lstat) gives the same refusal a readable message up front.
 */
function refuseSymlink(path: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch {
    return; // absent: it will be created
  }
  if (st.isSymbolicLink()) throw new UserError(`refusing to write spike file ${path}: it is a symbolic link`);
}

/** Opens a rank file for writing without ever following a symlink (O_NOFOLLOW). */
function openNoFollow(path: string, flags: number): number {
  refuseSymlink(path);
  try {
    return fs.openSync(path, flags | O_NOFOLLOW, 0o666);
  } catch (err) {
    throw new UserError(`cannot write spike file ${path}: ${describeErrno(err)}`, { cause: err });
  }
}

/** Bytes per record (header and data alike). */
export const SPK_RECORD_BYTES = 8;
/** Header time field: steps per second (dt = 0.1 ms). */
export const SPK_STEPS_PER_SECOND = STEPS_PER_SECOND;
/** Header id field: Auryn's v0.8.4 version tag, as written by superspike. */
export const SPK_TAG = 287960084;
/** Every Auryn release writes a tag whose value div 1000 is this. */
export const SPK_TAG_FAMILY = 287960;

/** A file that is not a valid spike file, or is damaged. Message names the file. */
export class SpkFormatError extends UserError {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SpkFormatError';
    this.file = file;
  }
}

/** What record 0 says, plus the file's size in records. */
export interface SpkHeader {
  /** Header time field: steps per second (1/dt). */
  stepsPerSecond: number;
  /** Header id field: the Auryn version tag. */
  tag: number;
  /** Number of data records (header excluded). */
  records: number;
  /** File size in bytes. */
  bytes: number;
}

/**
 * Reads and validates the header and the file size: rejects a file without a header, with a
 * foreign tag or a zero step rate, and a file whose size is not a whole number of records (a
 * truncated final record is reported, never silently dropped).
 */
export function readSpkHeader(path: string): SpkHeader {
  const fd = openForRead(path);
  try {
    return readHeaderFd(fd, path);
  } finally {
    fs.closeSync(fd);
  }
}

function openForRead(path: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new UserError(`cannot open spike file ${path}: ${describeErrno(err)}`, { cause: err });
  }
  if (fs.fstatSync(fd).isDirectory()) {
    fs.closeSync(fd);
    throw new UserError(`${path} is a folder, not a spike file`);
  }
  return fd;
}

/**
 * Validates record 0 and the size. `allowPartial` accepts a partial final record (only
 * `truncateSpkAfter`, whose job is to cut it, wants that); `records` then counts whole ones.
 */
function readHeaderFd(fd: number, path: string, allowPartial = false): SpkHeader {
  const bytes = fs.fstatSync(fd).size;
  if (bytes < SPK_RECORD_BYTES) {
    throw new SpkFormatError(
      path,
      `not an Auryn spike file: ${bytes} bytes, too short for the 8-byte header`,
    );
  }
  const buf = Buffer.alloc(SPK_RECORD_BYTES);
  readFully(fd, buf, 0, SPK_RECORD_BYTES, 0, path);
  const stepsPerSecond = buf.readUInt32LE(0);
  const tag = buf.readUInt32LE(4);
  if (Math.floor(tag / 1000) !== SPK_TAG_FAMILY) {
    throw new SpkFormatError(
      path,
      `not an Auryn spike file: header tag ${tag} (expected ${SPK_TAG_FAMILY}xxx, e.g. ${SPK_TAG})`,
    );
  }
  if (stepsPerSecond === 0) {
    throw new SpkFormatError(path, 'invalid header: 0 steps per second');
  }
  const extra = bytes % SPK_RECORD_BYTES;
  if (extra !== 0 && !allowPartial) {
    throw new SpkFormatError(
      path,
      `truncated final record: file is ${bytes} bytes, not a multiple of ${SPK_RECORD_BYTES}; ` +
        `the last ${extra} byte${extra === 1 ? ' is' : 's are'} a partial record ` +
        '(was the writer interrupted?)',
    );
  }
  return { stepsPerSecond, tag, records: Math.floor(bytes / SPK_RECORD_BYTES) - 1, bytes };
}

function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) throw new SpkFormatError(path, `unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

function writeFully(fd: number, buf: Buffer, length: number): void {
  let done = 0;
  while (done < length) done += fs.writeSync(fd, buf, done, length - done);
}

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
  /** A new file's header sits in `buf` until the first flush. */
  private headerInBuffer = false;
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
      this.view.setUint32(0, sps, true);
      this.view.setUint32(4, SPK_TAG, true);
      this.used = SPK_RECORD_BYTES;
      this.headerInBuffer = true;
    }
  }

  /** Data records written so far (buffered or on disk), including those of an appended file. */
  get records(): number {
    return this.onDisk + this.used / SPK_RECORD_BYTES - (this.headerInBuffer ? 1 : 0);
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
      writeFully(this.fd, this.buf, this.used);
      this.onDisk = this.records;
      this.used = 0;
      this.headerInBuffer = false;
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

/** Step of data record `index` (1-based, as record 0 is the header). */
function readRecordStep(path: string, index: number): number {
  const fd = openForRead(path);
  try {
    const b = Buffer.alloc(4);
    readFully(fd, b, 0, 4, index * SPK_RECORD_BYTES, path);
    return b.readUInt32LE(0);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Binary search over a time-ordered file: the index (1-based) of the first data record with
 * step >= `step`, or `records + 1` when there is none.
 */
function firstRecordAtOrAfter(fd: number, path: string, records: number, step: number): number {
  const b = Buffer.alloc(4);
  let lo = 1;
  let hi = records + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    readFully(fd, b, 0, 4, mid * SPK_RECORD_BYTES, path);
    if (b.readUInt32LE(0) < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
    const { records } = readHeaderFd(fd, path, true);
    keep = firstRecordAtOrAfter(fd, path, records, step) - 1;
    fs.ftruncateSync(fd, (keep + 1) * SPK_RECORD_BYTES);
  } finally {
    fs.closeSync(fd);
  }
  return keep;
}

// ---------------------------------------------------------------------------------------------
// Reader

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

// ---------------------------------------------------------------------------------------------
// Rank file sets

/**
 * Resolves command-line names to spike files: an existing file is taken as is; a name without
 * `.spk` stands for its rank files `<name>.<r>.spk` (in rank order) when those exist.
 */
export function expandSpkArgs(args: readonly string[]): string[] {
  const result: string[] = [];
  for (const arg of args) {
    if (!arg.endsWith('.spk')) {
      const ranks = spkRankFiles(arg);
      if (ranks.length > 0) {
        result.push(...ranks);
        continue;
      }
    }
    if (!fs.existsSync(arg)) {
      const hint = arg.endsWith('.spk') ? '' : ` (nor ${arg}.<rank>.spk)`;
      throw new UserError(`no such spike file: ${arg}${hint}`);
    }
    result.push(arg);
  }
  return result;
}

/** The name of rank `rank`'s spike file of a group: `<spkName>.<rank>.spk` (Auryn's convention). */
export function spkRankFileName(spkName: string, rank: number): string {
  return `${spkName}.${rank}.spk`;
}

/** `<prefix>.<rank>.spk` files that exist, in rank order. */
export function spkRankFiles(prefix: string): string[] {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: Array<[number, string]> = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.spk')) continue;
    const rank = name.slice(base.length + 1, -4);
    if (/^\d+$/.test(rank)) found.push([Number(rank), path.join(dir, name)]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}
