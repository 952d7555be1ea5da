/**
 * Atomic file replacement: a reader (or a crash) sees the old file or the complete new one,
 * never half of it. The data goes to a temp file in the same folder (so the final rename stays
 * on one file system), created exclusively with O_EXCL|O_NOFOLLOW under a random name (an
 * attacker cannot plant a symlink at a predictable `.tmp` name), fsynced, then renamed over the
 * destination. A destination that is a symbolic link is refused rather than followed or
 * replaced: writing "through" a link is how a careless or hostile setup redirects outputs.
 *
 * A device or FIFO at the destination (`-o /dev/null`) is written directly: it cannot be renamed
 * over, and replacing it by a regular file would be a disaster when running as root.
 *
 * Failures (full disk, no permission, read-only folder, name too long) are one-line
 * `UserError`s naming the destination; the temp file is removed. Temp files of a process that
 * exits mid-write (process.exit from a signal handler) are removed on exit.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { fsUserError } from './fs-errors.js';

/** O_NOFOLLOW where the platform has it (Linux, macOS); 0 elsewhere. */
export const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const CREATE_EXCLUSIVE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW;

/** Temp files not yet committed or aborted: removed if the process exits first. */
const liveTemps = new Set<string>();
let exitHookInstalled = false;

function trackTemp(file: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const t of liveTemps) {
        try {
          fs.unlinkSync(t);
        } catch {
          // already gone
        }
      }
    });
  }
  liveTemps.add(file);
}

/** What stands at a destination: nothing, a regular file, or a device / FIFO / socket. */
export type WriteTarget = { kind: 'absent' } | { kind: 'file'; stats: fs.Stats } | { kind: 'special' };

/**
 * Classifies the destination `file`, throwing a one-line UserError for a folder or for a
 * symbolic link to a file, a folder or nothing. A device, FIFO or socket (`/dev/null`, a named
 * pipe, `/dev/stdout` on a terminal or pipe) cannot be replaced by a rename: it is written
 * directly, and may be reached through a link, since no file can be overwritten that way.
 */
export function checkWritableTarget(file: string): WriteTarget {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    throw fsUserError('write', file, err);
  }
  if (st.isSymbolicLink()) {
    let target: fs.Stats | null = null;
    try {
      target = fs.statSync(file);
    } catch {
      // dangling: refused below
    }
    if (target && !target.isFile() && !target.isDirectory()) return { kind: 'special' };
    throw new UserError(`refusing to write ${file}: it is a symbolic link (remove it or choose another name)`);
  }
  if (st.isDirectory()) throw new UserError(`cannot write ${file}: it is a folder, not a file`);
  return st.isFile() ? { kind: 'file', stats: st } : { kind: 'special' };
}

/** A temp name beside `file`: hidden, random, short enough for any file system's name limit. */
function tempNameFor(file: string): string {
  const base = path.basename(file).slice(0, 100);
  return path.join(path.dirname(file), `.${base}.${randomBytes(8).toString('hex')}.tmp`);
}

/**
 * A file being written atomically: `write` any number of times, then `commit` (rename into
 * place) or `abort` (remove the temp file). Every method maps file-system errors to one-line
 * UserErrors naming the destination.
 */
export class AtomicFile {
  readonly file: string;
  readonly tempPath: string;
  private fdValue: number;
  private done = false;
  /** Writing straight into a device or FIFO: nothing to rename or remove. */
  private direct = false;

  private constructor(file: string, tempPath: string, fd: number) {
    this.file = file;
    this.tempPath = tempPath;
    this.fdValue = fd;
  }

  /**
   * Creates the temp file beside `file` (after refusing a symlink or folder at `file`); for a
   * device or FIFO at `file`, opens it for writing directly (tempPath is then `file` itself).
   */
  static create(file: string): AtomicFile {
    const target = checkWritableTarget(file);
    if (target.kind === 'special') {
      let fd: number;
      try {
        fd = fs.openSync(file, fs.constants.O_WRONLY);
      } catch (err) {
        throw fsUserError('write', file, err);
      }
      const direct = new AtomicFile(file, file, fd);
      direct.direct = true;
      return direct;
    }
    const temp = tempNameFor(file);
    let fd: number;
    try {
      fd = fs.openSync(temp, CREATE_EXCLUSIVE, 0o666);
    } catch (err) {
      throw fsUserError('write', file, err);
    }
    trackTemp(temp);
    const handle = new AtomicFile(file, temp, fd);
    // Keep the permissions of the file being replaced (umask applies to new files only).
    if (target.kind === 'file') {
      try {
        fs.fchmodSync(fd, target.stats.mode & 0o7777);
      } catch {
        // not ours to change: keep the default mode
      }
    }
    return handle;
  }

  /** The temp file's descriptor (for streams that write by fd). */
  get fd(): number {
    return this.fdValue;
  }

  write(data: string | Uint8Array): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    try {
      while (done < buf.length) done += fs.writeSync(this.fdValue, buf, done, buf.length - done);
    } catch (err) {
      this.abort();
      throw fsUserError('write', this.file, err);
    }
  }

  /** fsync, close, rename over the destination, fsync the folder (best effort). */
  commit(): void {
    if (this.done) throw new Error(`AtomicFile(${this.file}): commit after commit/abort`);
    if (this.direct) {
      this.done = true;
      fs.closeSync(this.fdValue);
      this.fdValue = -1;
      return;
    }
    try {
      fs.fsyncSync(this.fdValue);
      fs.closeSync(this.fdValue);
      this.fdValue = -1;
      // The destination may have become a symlink since create(): check again just before.
      checkWritableTarget(this.file);
      fs.renameSync(this.tempPath, this.file);
    } catch (err) {
      this.abort();
      if (err instanceof UserError) throw err;
      throw fsUserError('write', this.file, err);
    }
    this.done = true;
    liveTemps.delete(this.tempPath);
    syncFolder(path.dirname(this.file));
  }

  /** Removes the temp file; the destination is untouched. Idempotent. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    if (this.fdValue >= 0) {
      try {
        fs.closeSync(this.fdValue);
      } catch {
        // closing a failed descriptor
      }
      this.fdValue = -1;
    }
    if (this.direct) return; // never remove the device itself
    try {
      fs.unlinkSync(this.tempPath);
    } catch {
      // never created or already gone
    }
    liveTemps.delete(this.tempPath);
  }
}

/** Makes a rename durable; folders that cannot be opened or synced (some file systems) are skipped. */
function syncFolder(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Replaces `file` with `data` atomically (see the module comment). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const f = AtomicFile.create(file);
  f.write(data);
  f.commit();
}
