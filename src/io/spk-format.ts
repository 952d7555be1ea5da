/**
 * The Auryn binary spike file format (docs/model.md §11.2): little-endian 8-byte records
 * `uint32 step; uint32 id`, record 0 a header `{steps per second, version tag}`, data records
 * non-decreasing in step — its constants, its error, the header and the low-level file access the
 * writer (spk.ts) and the reader (spk-read.ts) share. Rank files are opened without following
 * symlinks.
 */
import * as fs from 'node:fs';
import { UserError } from '../errors.js';
import { STEPS_PER_SECOND } from '../model/constants.js';
import { O_NOFOLLOW } from './atomic.js';
import { describeErrno } from './fs-errors.js';

export const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;

/**
 * Throws a one-line UserError when `path` is a symbolic link: rank files are opened with
 * O_NOFOLLOW, and this check (lstat) gives the same refusal a readable message up front.
 */
export function refuseSymlink(path: string, what = 'spike file'): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch {
    return; // absent: it will be created
  }
  if (st.isSymbolicLink()) throw new UserError(`refusing to write ${what} ${path}: it is a symbolic link`);
}

/** Opens a rank file (`what`: spike or monitor file) for writing without ever following a symlink (O_NOFOLLOW). */
export function openNoFollow(path: string, flags: number, what = 'spike file'): number {
  refuseSymlink(path, what);
  try {
    return fs.openSync(path, flags | O_NOFOLLOW, 0o666);
  } catch (err) {
    throw new UserError(`cannot write ${what} ${path}: ${describeErrno(err)}`, { cause: err });
  }
}

/** Bytes per record (header and data alike). */
export const SPK_RECORD_BYTES = 8;
/** Header time field: steps per second (dt = 0.1 ms). */
export const SPK_STEPS_PER_SECOND = STEPS_PER_SECOND;
/** Header id field: Auryn's v0.8.4 version tag, written unless another Auryn version is asked for. */
export const SPK_TAG = 287960084;
/** Every Auryn release writes a tag whose value div 1000 is this. */
export const SPK_TAG_FAMILY = 287960;
/** The Auryn version whose tag superspike writes by default. */
export const DEFAULT_AURYN_VERSION = '0.8.4';

/**
 * The header tag Auryn X.Y.Z writes and its `aube` expects: 287960000 + 100·X + 10·Y + Z
 * (AurynVersion.cpp since 0.8, auryn_definitions.h in 0.7; 0.8.1 → 287960081). `aube` warns
 * on every file whose tag is not its own, so a user of Auryn 0.8.1 asks for `0.8.1`.
 */
export function aurynSpkTag(version: string): number {
  const m = /^(\d)\.(\d)\.(\d)$/.exec(version);
  if (!m) throw new UserError(`Auryn version "${version}": expected X.Y.Z with one digit each, e.g. 0.8.1`);
  return SPK_TAG_FAMILY * 1000 + 100 * Number(m[1]) + 10 * Number(m[2]) + Number(m[3]);
}

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

export function openForRead(path: string): number {
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
export function readHeaderFd(fd: number, path: string, allowPartial = false): SpkHeader {
  const bytes = fs.fstatSync(fd).size;
  // A rank file created but never written (a run killed in its first interval, a full disk): no
  // header yet, no spikes. Writers put the header on disk at creation now; files of older builds
  // or of a failed first write still read as empty instead of blocking a decode or a resume.
  if (bytes === 0) return { stepsPerSecond: SPK_STEPS_PER_SECOND, tag: SPK_TAG, records: 0, bytes: 0 };
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

export function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) throw new SpkFormatError(path, `unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

/** Writes `length` bytes of `buf`; a failure (a full disk) is a one-line error naming `path`. */
export function writeFully(fd: number, buf: Buffer, length: number, path: string): void {
  let done = 0;
  try {
    while (done < length) done += fs.writeSync(fd, buf, done, length - done);
  } catch (err) {
    throw new UserError(`cannot write ${path}: ${describeErrno(err)}`, { cause: err });
  }
}

export function readRecordStep(path: string, index: number): number {
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
export function firstRecordAtOrAfter(fd: number, path: string, records: number, step: number): number {
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
