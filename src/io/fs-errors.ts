/**
 * File-system failures a user can act on (full disk, no permission, read-only folder, a name
 * too long, a file where a folder should be) turned into one-line `UserError`s that name the
 * file and say the problem in words. Anything else stays an internal error: it is a bug.
 */
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';

/** errno code → what it means for the user, in words. */
const PROBLEMS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the file name is too long',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOENT: 'no such file or folder',
  EEXIST: 'it already exists',
  ELOOP: 'it is a symbolic link (or too many levels of links)',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EFBIG: 'the file is too large for the file system',
  EIO: 'input/output error',
};

/** True when `err` is an errno error we can describe (see PROBLEMS). */
export function isDescribableFsError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in PROBLEMS;
}

/** The problem of an errno code in words, e.g. "no space left on the device (ENOSPC)". */
export function describeErrno(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  const code = e?.code;
  if (typeof code === 'string' && code in PROBLEMS) return `${PROBLEMS[code]} (${code})`;
  return e?.message ?? String(err);
}

/**
 * A one-line UserError for a failed file operation: `cannot <verb> <file>: <problem>`.
 * `verb` is e.g. "write", "create", "read".
 */
export function fsUserError(verb: string, file: string, err: unknown): UserError {
  return new UserError(`cannot ${verb} ${file}: ${describeErrno(err)}`, { cause: err });
}

/**
 * Reads a file a user named (a config, a network state) only when it is a regular file of at most
 * `maxBytes`: `/dev/zero`, a FIFO or a 20 GB file by mistake is one line, not an exhausted heap.
 * `what` names the kind of file in the message.
 */
export function readRegularFile(file: string, maxBytes: number, what: string): Buffer {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new UserError(`${file}: ${kind}, not a ${what} file`);
    }
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read ${file}: ${describeErrno(err)}`);
  }
  if (size > maxBytes) {
    throw new UserError(`${file}: ${(size / 2 ** 20).toFixed(0)} MiB is larger than a ${what} file can be (at most ${(maxBytes / 2 ** 20).toFixed(0)} MiB)`);
  }
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${describeErrno(err)}`);
  }
}
