/**
 * Which run an output folder and a network state belong to. The `runId` is a digest of what
 * fixes the run's results — the validated config and the task's replay tables — so that the same
 * config and seed still give the same bytes everywhere (states carry the id), while two different
 * runs never share one. It is written into the folder's run.json at the start (a marker with
 * `completed: false`, replaced by the full run.json with `completed: true` when the run ends) and
 * into every state the run saves. A resume is refused unless the state's runId is the folder's: a
 * checkpoint of one network continued in another run's folder would splice the two runs' outputs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { RUN_INFO_FILE } from './run-info.js';

/** What identifies a run: its config and the replay tables of its task. */
export interface RunDefinition {
  config: unknown;
  task: { input: { steps: Int32Array; ids: Uint32Array; periodSteps: number }; target: { steps: Int32Array; ids: Uint32Array; periodSteps: number } };
}

/** The run's id: SHA-256 (first 128 bits, hex) of the config's JSON and the task's tables. */
export function runIdOf(run: RunDefinition): string {
  const hash = createHash('sha256').update(JSON.stringify(run.config));
  for (const table of [run.task.input, run.task.target]) {
    hash.update(`|${table.periodSteps}|`);
    hash.update(new Uint8Array(table.steps.buffer, table.steps.byteOffset, table.steps.byteLength));
    hash.update(new Uint8Array(table.ids.buffer, table.ids.byteOffset, table.ids.byteLength));
  }
  return hash.digest('hex').slice(0, 32);
}

/** What a folder's run.json says about the run that owns the folder. */
export interface FolderRun {
  /** The folder has a run.json. */
  hasRunJson: boolean;
  runId?: string;
  /** Absent: written by an older build that did not record it. */
  completed?: boolean;
}

export function readFolderRun(dir: string): FolderRun {
  const file = path.join(dir, RUN_INFO_FILE);
  if (!existsSync(file)) return { hasRunJson: false };
  let parsed: { runId?: unknown; completed?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch {
    return { hasRunJson: true };
  }
  return {
    hasRunJson: true,
    runId: typeof parsed?.runId === 'string' ? parsed.runId : undefined,
    completed: typeof parsed?.completed === 'boolean' ? parsed.completed : undefined,
  };
}

/**
 * Marks `dir` as belonging to run `runId`, not completed: replaces run.json (atomically) before
 * any other output is touched, so a folder whose run fails or is killed never shows an old
 * run.json beside new spike files, and `report`/`plot`/`animate` refuse it.
 */
export function writeRunStartMarker(dir: string, runId: string, carried: Record<string, unknown> = {}): void {
  // `carried`: what a resumed run keeps of the folder's history (run-info.ts segments), so that a
  // resume killed before it ends still leaves the earlier segments for the next one.
  const marker = { format: 'superspike-run', completed: false, runId, pid: process.pid, startedAt: new Date().toISOString(), ...carried };
  writeFileAtomic(path.join(dir, RUN_INFO_FILE), `${JSON.stringify(marker, null, 2)}\n`);
}

/** The run id recorded in `dir` (run.json), if any. */
export function folderRunId(dir: string): string | undefined {
  return readFolderRun(dir).runId;
}

/**
 * Refuses to resume the state of run `stateRunId` (from `stateFile`) into `dir` when the folder
 * belongs to another run, holds outputs (`statsFile`) of a run it cannot identify, or has fewer
 * stats lines than the state was saved after (`statsLines`). Reads only: nothing is touched.
 */
export function checkResumeFolder(dir: string, stateRunId: string | undefined, stateFile: string, statsFile: string, statsLines = 0): void {
  const folder = readFolderRun(dir);
  const short = (id: string) => id.slice(0, 12);
  if (folder.runId !== undefined && stateRunId !== undefined && folder.runId !== stateRunId) {
    throw new UserError(
      `${dir} holds run ${short(folder.runId)}, but ${stateFile} belongs to run ${short(stateRunId)}: resume into that run's own output folder (or a new one)`,
    );
  }
  if (folder.runId !== undefined && stateRunId === undefined) {
    throw new UserError(`${dir} holds run ${short(folder.runId)}, but ${stateFile} records no run: resume into a new output folder`);
  }
  if (folder.runId === undefined && stateRunId !== undefined && existsSync(statsFile)) {
    throw new UserError(
      `${dir} holds outputs (${path.basename(statsFile)}) of a run that cannot be identified (no run id in ${RUN_INFO_FILE}): resume into the run's own output folder`,
    );
  }
  if (statsLines > 0) {
    const kept = existsSync(statsFile) ? readFileSync(statsFile, 'utf8').split('\n').filter((l) => l !== '').length : 0;
    if (kept < statsLines) {
      throw new UserError(`${statsFile} has ${kept} lines but the state was saved after ${statsLines}: resume into the run's own output folder`);
    }
  }
}

/** Temp files of io/atomic.ts (`.<name>.<16 hex>.tmp`) and of the lock (`.superspike.lock.<hex>.tmp`). */
const TEMP_FILE = /^\..+\.[0-9a-f]{16}\.tmp$/;

/**
 * Before a fresh run writes anything else: removes the previous run's network states (they
 * belong to another run id and could never be resumed here, but would sit beside the new spike
 * files) and temp files a killed process left. Returns the names removed.
 */
export function removeStaleOutputs(dir: string, name: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const states = new Set([`${name}.netstate`, `${name}.checkpoint.netstate`, `${name}.trained.netstate`]);
  const stale = names.filter((f) => states.has(f) || TEMP_FILE.test(f));
  for (const f of stale) rmSync(path.join(dir, f), { force: true });
  return stale;
}
