/**
 * The lock on an output folder: one run writes into a folder at a time (two runs into the same
 * `--out` would interleave their stats and spike files). The lock is the file
 * `DIR/.superspike.lock` holding {pid, host, startedAt, token}. It appears whole or not at all:
 * it is written to an exclusive temp file first and then hard-linked into place, and link()
 * fails if the lock exists, so two processes can never both create it.
 *
 * A lock of a dead process on this host (kill -9, power loss) is stale: it is taken over with a
 * warning, by one process at a time (a second, short-lived lock guards the check-and-remove, so
 * two runs that find the same stale lock never both take it). A lock of a live process, or of another host (whose processes we cannot see), is a
 * one-line UserError naming the holder. The lock is released by `release()` and, failing that,
 * when the process exits (a signal handler that calls process.exit included).
 *
 * A lock can be lent to a child process: `superspike experiment` locks each run folder before it
 * writes the run's config there, then starts `superspike run` for that folder with the lock's
 * token in SUPERSPIKE_LENT_LOCK. The child accepts a held lock only if it carries that token and
 * is held by its parent process on this host, and then replaces it by its own in one rename: the
 * folder stays locked by a live process even if the parent is killed, and the child's exit
 * releases it (the parent's release leaves a lock with another token alone).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { O_NOFOLLOW } from './atomic.js';
import { describeErrno } from './fs-errors.js';

export const OUT_LOCK_FILE = '.superspike.lock';

export interface OutLockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** Random: tells this lock from a later one of a process that got the same pid. */
  token: string;
}

export interface OutLock {
  readonly file: string;
  readonly info: OutLockInfo;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

export interface OutLockOptions {
  /** Receives the warning about a stale lock taken over. Default: stderr. */
  onWarning?: (message: string) => void;
  /** Token of a lock the parent process lends to this one. Default: $SUPERSPIKE_LENT_LOCK. */
  lentToken?: string;
}

/** The environment variable through which a parent lends a folder's lock to its child. */
export const LENT_LOCK_ENV = 'SUPERSPIKE_LENT_LOCK';

/** `dir`'s stats when it is a folder, null when it does not exist; a file or an unreadable path is one line. */
function existingOutFolder(dir: string): fs.Stats | null {
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`cannot use output folder ${dir}: ${describeErrno(err)}`, { cause: err });
  }
  if (st && !st.isDirectory()) throw new UserError(`${dir} is a file, not a folder: choose another --out`);
  return st;
}

/** Makes sure `dir` is a folder (creating it); a file or an impossible path is one line. */
export function ensureOutDir(dir: string): void {
  if (!existingOutFolder(dir)) {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create output folder ${dir}: ${describeErrno(err)}`, { cause: err });
    }
  }
}

/**
 * ensureOutDir() without creating anything (`run --dry-run`): `dir` is a writable folder, or the
 * nearest existing folder above it is writable so that it could be created.
 */
export function checkOutFolder(dir: string): void {
  const st = existingOutFolder(dir);
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw new UserError(`cannot create output folder ${dir}: ${existing} is a file`);
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new UserError(`cannot ${st ? 'write to' : 'create'} output folder ${dir}: ${describeErrno(err)}`, { cause: err });
  }
}

/**
 * acquireOutLock()'s refusals without taking the lock (`run --dry-run`): a lock of a live process
 * on this host, or of another host, is the same one-line UserError; a stale lock would be taken over.
 */
export function checkOutLockFree(dir: string): void {
  const file = path.join(dir, OUT_LOCK_FILE);
  const holder = readLock(file);
  if (holder === null) return;
  const here = os.hostname();
  if (holder.host !== here || processAlive(holder.pid)) throw lockHeldError(dir, file, holder, here);
}

/** The one-line refusal of a folder whose lock `holder` keeps (on another host, or a live process here). */
function lockHeldError(dir: string, file: string, holder: OutLockInfo, here: string): UserError {
  const since = holder.startedAt ? ` since ${holder.startedAt}` : '';
  if (holder.host !== here) {
    return new UserError(`${dir} is locked by superspike process ${holder.pid} on host ${holder.host}${since}; remove ${file} if that run is over`);
  }
  return new UserError(
    `${dir} is in use by superspike process ${holder.pid} on ${holder.host}${since}: wait for it or choose another --out ` +
      `(remove ${OUT_LOCK_FILE} only if that process is not a superspike run)`,
  );
}

/**
 * True when a process with this pid exists (EPERM: it exists but belongs to another user) and,
 * where /proc tells, runs node or superspike: a pid reused by an unrelated program after the
 * holder died does not keep the lock.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return true; // no /proc (macOS) or not readable: trust the pid
  }
  return cmdline === '' || /node|superspike/i.test(cmdline);
}

/** Writes `info` into a fresh exclusive temp file in `dir` and returns its path. */
function writeLockTemp(dir: string, info: OutLockInfo): string {
  const temp = path.join(dir, `${OUT_LOCK_FILE}.${info.token}.tmp`);
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW;
  let fd: number;
  try {
    fd = fs.openSync(temp, flags, 0o644);
  } catch (err) {
    throw new UserError(`cannot write to output folder ${dir}: ${describeErrno(err)}`, { cause: err });
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(info)}\n`);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw new UserError(`cannot write to output folder ${dir}: ${describeErrno(err)}`, { cause: err });
  }
  fs.closeSync(fd);
  return temp;
}

/** The holder of an existing lock; null when the lock vanished meanwhile. */
function readLock(file: string): OutLockInfo | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) throw new UserError(`refusing to use ${file}: it is a symbolic link (remove it)`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read the lock ${file}: ${describeErrno(err)}`, { cause: err });
  }
  try {
    const info = JSON.parse(text) as OutLockInfo;
    if (typeof info.pid === 'number' && typeof info.host === 'string') return info;
  } catch {
    // fall through
  }
  throw new UserError(`${file} is not a superspike lock: remove it if no run is using the folder`);
}

/** How often a process retries while another one takes over a stale lock, and how long it waits between. */
const TAKEOVER_ATTEMPTS = 50;
const TAKEOVER_WAIT_MS = 20;

/**
 * Removes the stale lock `holder` at `file` if it is still there, while holding the takeover
 * lock (our lock's temp file hard-linked to `file.takeover`, exclusive like the lock itself).
 * False when another process holds the takeover lock: the caller waits and looks again. A
 * takeover lock left by a process that died in the middle is itself stale and removed.
 */
function takeStaleLock(temp: string, file: string, holder: OutLockInfo, host: string): boolean {
  const takeover = `${file}.takeover`;
  try {
    fs.linkSync(temp, takeover);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot lock ${path.dirname(file)}: ${describeErrno(err)}`, { cause: err });
    const other = readLock(takeover);
    if (other && other.host === host && !processAlive(other.pid)) fs.rmSync(takeover, { force: true });
    return false;
  }
  try {
    const again = readLock(file);
    if (again && again.token === holder.token && again.pid === holder.pid) fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(takeover, { force: true });
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The holder of `dir`'s lock, or null when there is none or it cannot be read (never throws). */
export function readOutLock(dir: string): OutLockInfo | null {
  try {
    return readLock(path.join(dir, OUT_LOCK_FILE));
  } catch {
    return null;
  }
}

/** Takes the lock on output folder `dir` (created if missing); see the module comment. */
export function acquireOutLock(dir: string, opts: OutLockOptions = {}): OutLock {
  ensureOutDir(dir);
  const file = path.join(dir, OUT_LOCK_FILE);
  const info: OutLockInfo = {
    pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex'),
  };
  const temp = writeLockTemp(dir, info);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(temp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new UserError(`cannot lock output folder ${dir}: ${describeErrno(err)}`, { cause: err });
        }
      }
      const holder = readLock(file);
      if (holder === null) continue; // released meanwhile: try again
      const lent = opts.lentToken ?? process.env[LENT_LOCK_ENV];
      if (lent && holder.token === lent && holder.pid === process.ppid && holder.host === info.host) {
        // Take it over in one rename: were the parent killed, the folder stays locked by this live process.
        fs.renameSync(temp, file);
        break;
      }
      if (holder.host !== info.host || processAlive(holder.pid) || attempt > TAKEOVER_ATTEMPTS) {
        throw lockHeldError(dir, file, holder, info.host);
      }
      // Two processes may find the same stale lock at once. Checking it and removing it must be
      // one step, or one could remove the fresh lock the other just took: the takeover happens
      // only while holding a second lock, `.superspike.lock.takeover`, made the same way.
      if (!takeStaleLock(temp, file, holder, info.host)) {
        sleepMs(TAKEOVER_WAIT_MS);
        continue;
      }
      const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`superspike: warning: ${m}\n`));
      warn(`${dir}: taking over the stale lock of process ${holder.pid} (started ${holder.startedAt ?? '?'}), which is no longer running`);
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }

  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      const current = readLock(file);
      if (current && current.token === info.token) fs.rmSync(file, { force: true });
    } catch {
      // a replaced or damaged lock is not ours to remove
    }
  };
  process.on('exit', release);
  return { file, info, release };
}
