/**
 * One run folder of a sweep (`DIR/runs/<condition>/seed-<n>/`) and what a sweep may do with it.
 * Beside the run's own files it holds `config.json` (what `superspike run` is given) and
 * `sweep.json` (the run's content key, run-key.ts). Read with the folder's lock held, the folder
 * is one of:
 *
 *   empty    nothing of a run: start it
 *   done     a completed, uninterrupted run of this key whose files are all there: reuse it
 *   resume   this key's run, stopped with a checkpoint (a signal, a killed sweep): continue it
 *   restart  this key's run, started but without a checkpoint to continue: run it again
 *   other    a different run, or this key's run with files missing or short (run.json's `files`,
 *            or for an older build's run.json what its groups × ranks and blocks imply): refused unless
 *            --force (a finished run is never recomputed over without being told to)
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { OUT_LOCK_FILE } from '../io/out-lock.js';
import { runFileRecords, verifyImpliedRunFiles, verifyRunFiles } from '../io/run-files.js';
import { RUN_INFO_FILE, type RunInfo } from '../io/run-info.js';
import type { RunSpec } from './types.js';

export const SWEEP_FILE = 'sweep.json';
export const CONFIG_FILE = 'config.json';
const SWEEP_FORMAT = 'superspike-sweep-run';

export interface SweepRecord {
  format: typeof SWEEP_FORMAT;
  /** Content key of the run (run-key.ts). */
  key: string;
  condition: string;
  seed: number;
}

export type FolderState =
  | { kind: 'empty' }
  | { kind: 'done'; info: RunInfo }
  | { kind: 'resume'; checkpoint: string }
  | { kind: 'restart' }
  | { kind: 'other'; why: string };

export function configText(spec: RunSpec): string {
  return `${JSON.stringify(spec.config, null, 2)}\n`;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The key the folder's run was made with; for folders of older builds (no sweep.json), the config text decides. */
function sameRun(dir: string, spec: RunSpec, key: string): boolean {
  const sweep = readJson(path.join(dir, SWEEP_FILE));
  if (sweep !== null) return sweep.format === SWEEP_FORMAT && sweep.key === key;
  const config = path.join(dir, CONFIG_FILE);
  return existsSync(config) && readFileSync(config, 'utf8') === configText(spec);
}

/** What the folder holds for `spec` (key: its content key); reads only. */
export function folderState(dir: string, spec: RunSpec, key: string): FolderState {
  const runJson = path.join(dir, RUN_INFO_FILE);
  const hasRun = existsSync(runJson);
  if (!sameRun(dir, spec, key)) {
    if (!hasRun) return existsSync(dir) && readdirSync(dir).some((f) => f !== OUT_LOCK_FILE && f !== CONFIG_FILE && f !== SWEEP_FILE)
      ? { kind: 'other', why: 'it holds files of something else' }
      : { kind: 'empty' };
    return { kind: 'other', why: 'it holds a run of a different config (or data)' };
  }
  if (!hasRun) return { kind: 'restart' };
  const info = readJson(runJson) as (RunInfo & { completed?: boolean }) | null;
  if (info === null) return { kind: 'other', why: `its ${RUN_INFO_FILE} cannot be read` };
  if (info.completed === true && (!Array.isArray(info.groups) || typeof info.statsFile !== 'string')) {
    return { kind: 'other', why: `its ${RUN_INFO_FILE} is not a superspike run description` };
  }
  const checkpoint = path.join(dir, `${spec.config.name ?? 'superspike'}.checkpoint.netstate`);
  if (info.completed === true && info.interrupted !== true) {
    let records;
    try {
      records = runFileRecords(runJson, info.files);
      // An older build's run.json: check what its groups, ranks and blocks imply.
      if (records === undefined) verifyImpliedRunFiles(dir, info);
      else verifyRunFiles(dir, records);
    } catch (err) {
      if (err instanceof UserError) return { kind: 'other', why: err.message };
      throw err;
    }
    return { kind: 'done', info };
  }
  return existsSync(checkpoint) ? { kind: 'resume', checkpoint } : { kind: 'restart' };
}

/** Writes config.json and sweep.json (atomically, refusing symlinks); the lock must be held. */
export function writeRunDefinition(dir: string, spec: RunSpec, key: string): string {
  const configFile = path.join(dir, CONFIG_FILE);
  writeFileAtomic(configFile, configText(spec));
  const record: SweepRecord = { format: SWEEP_FORMAT, key, condition: spec.condition, seed: spec.seed };
  writeFileAtomic(path.join(dir, SWEEP_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return configFile;
}

/** --force on a folder of another run: empties it (but for our lock) so the run starts clean. */
export function clearRunFolder(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name !== OUT_LOCK_FILE) rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}
