/**
 * Whether the run in an output folder is complete, still running, or incomplete for good (it
 * failed or was killed). A running run rewrites run.json with `completed: false` and a progress
 * stamp (run-info.ts) at every block and holds the folder's lock (out-lock.ts). The folder counts
 * as running only while both agree: the lock names the stamp's pid and host, and that process is
 * alive on this host. Anything else that says `completed: false` is incomplete: a run that died
 * leaves its stamp behind with a stale lock, or none.
 */
import { hostname } from 'node:os';
import { processAlive, readOutLock } from './out-lock.js';
import type { RunInfo } from './run-info.js';

/** `starting`: a live run that has only written its start marker (run-identity.ts), no block yet. */
export type RunState = 'complete' | 'running' | 'starting' | 'incomplete';

export function runStateOf(dir: string, info: RunInfo): RunState {
  if (info.completed !== false) return 'complete';
  const marker = info as RunInfo & { pid?: unknown };
  const pid = info.progress?.pid ?? (typeof marker.pid === 'number' ? marker.pid : undefined);
  if (pid === undefined) return 'incomplete';
  const lock = readOutLock(dir);
  if (lock === null || lock.pid !== pid || (info.progress !== undefined && lock.host !== info.progress.host)) return 'incomplete';
  if (lock.host !== hostname() || !processAlive(lock.pid)) return 'incomplete';
  return info.progress === undefined ? 'starting' : 'running';
}
