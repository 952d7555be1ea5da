/**
 * What a run folder holds, file by file, as run.json records it (`files`), and the check that a
 * folder still holds it. A run that says "completed" must be complete: a copy cut short, a rank
 * file lost on another host, a stats file truncated by hand would otherwise be reported, exported
 * or reused by a sweep as if they were the run. Each file is recorded with its size in bytes and
 * what that size means — spikes (8-byte records after the header), samples (monitor lines after
 * the `#` header) or stats lines — so a refusal can say what is missing in the run's own terms.
 *
 * Counting happens once, when the run ends and its files are closed; checking only compares sizes
 * (one lstat per file), so `report` and `export` stay instant on big folders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { SPK_RECORD_BYTES } from './spk-format.js';

export type RunFileKind = 'spikes' | 'samples' | 'stats' | 'state';

export interface RunFileRecord {
  /** Name inside the run folder. */
  file: string;
  kind: RunFileKind;
  bytes: number;
  /** Spikes (spike files), samples (monitor files) or lines (stats file); absent for a state. */
  count?: number;
}

const COUNT_WORD: Record<RunFileKind, string> = { spikes: 'spikes', samples: 'samples', stats: 'stats lines', state: 'bytes' };

function kindOf(file: string, statsFile: string): RunFileKind {
  if (file.endsWith('.spk')) return 'spikes';
  if (file.endsWith('.netstate')) return 'state';
  if (path.basename(file) === path.basename(statsFile)) return 'stats';
  return 'samples';
}

/** Lines of a text file, and how many of them are not `#` header lines; read in chunks. */
function countLines(file: string): { lines: number; data: number } {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let lines = 0;
  let data = 0;
  let atLineStart = true;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const c = buf[i]!;
        if (atLineStart && c !== 0x0a) {
          if (c !== 0x23) data++;
          lines++;
        }
        atLineStart = c === 0x0a;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { lines, data };
}

/** Records the files (absolute paths) of a finished or interrupted run; names relative to `dir`. */
export function recordRunFiles(dir: string, files: readonly string[], statsFile: string): RunFileRecord[] {
  return files.map((file) => {
    const bytes = fs.statSync(file).size;
    const kind = kindOf(file, statsFile);
    const record: RunFileRecord = { file: path.relative(dir, file), kind, bytes };
    if (kind === 'spikes') record.count = Math.max(0, bytes / SPK_RECORD_BYTES - 1);
    else if (kind === 'stats') record.count = countLines(file).lines;
    else if (kind === 'samples') record.count = countLines(file).data;
    return record;
  });
}

/**
 * Throws a one-line UserError naming the first file of `records` that is missing, not a regular
 * file, or not the size run.json gives (short: cut off; long: written to after the run ended).
 */
export function verifyRunFiles(dir: string, records: readonly RunFileRecord[]): void {
  for (const r of records) {
    const file = path.join(dir, r.file);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch {
      throw new UserError(`${dir} is incomplete: ${r.file} is missing (run.json says it holds ${describe(r)})`);
    }
    if (!st.isFile()) throw new UserError(`${dir} is damaged: ${r.file} is not a regular file (run.json says it holds ${describe(r)})`);
    if (st.size !== r.bytes) {
      const actual = describe({ ...r, bytes: st.size, count: countFromSize(r, st.size) });
      const how = st.size < r.bytes ? 'is short' : 'is longer than the run left it';
      throw new UserError(`${dir} is ${st.size < r.bytes ? 'incomplete' : 'damaged'}: ${r.file} ${how}: it holds ${actual}, run.json says ${describe(r)}`);
    }
  }
}

/** What a file of `bytes` bytes holds, where its size alone tells (spike files). */
function countFromSize(r: RunFileRecord, bytes: number): number | undefined {
  return r.kind === 'spikes' ? Math.max(0, Math.floor(bytes / SPK_RECORD_BYTES) - 1) : undefined;
}

function describe(r: RunFileRecord): string {
  if (r.count === undefined || r.kind === 'state') return `${r.bytes} bytes`;
  return `${r.count} ${COUNT_WORD[r.kind]} (${r.bytes} bytes)`;
}

/** Reads run.json's `files` list loosely: a malformed entry is a UserError naming run.json. */
export function runFileRecords(runJson: string, value: unknown): RunFileRecord[] | undefined {
  if (value === undefined) return undefined;
  const ok = Array.isArray(value) && value.every((r) =>
    r !== null && typeof r === 'object' && typeof (r as RunFileRecord).file === 'string' && !path.isAbsolute((r as RunFileRecord).file)
    && !(r as RunFileRecord).file.split(/[\\/]/).includes('..') && Number.isSafeInteger((r as RunFileRecord).bytes) && (r as RunFileRecord).bytes >= 0);
  if (!ok) throw new UserError(`${runJson}: "files" is not a list of {file, kind, bytes} inside the run folder`);
  return value as RunFileRecord[];
}

/** What a run.json of an older build (no `files`) still tells about the folder. */
export interface ImpliedRunFiles {
  groups: ReadonlyArray<{ spkName: string }>;
  ranks: number;
  blocks: number;
  statsFile: string;
  stateFile: string | null;
}

/**
 * For a completed run.json without `files`: every rank file its groups × ranks imply is there and
 * whole (a header, then 8-byte records), the stats file has a line for block 0 … blocks, and the
 * state it names exists. A one-line UserError names the first that is not.
 */
export function verifyImpliedRunFiles(dir: string, info: ImpliedRunFiles): void {
  for (const g of info.groups) {
    for (let rank = 0; rank < info.ranks; rank++) {
      const name = `${g.spkName}.${rank}.spk`;
      let size: number;
      try {
        const st = fs.lstatSync(path.join(dir, name));
        size = st.isFile() ? st.size : -1;
      } catch {
        throw new UserError(`${dir} is incomplete: ${name} is missing (run.json names ${info.ranks} ranks of group ${g.spkName})`);
      }
      if (size < SPK_RECORD_BYTES || size % SPK_RECORD_BYTES !== 0) throw new UserError(`${dir} is damaged: ${name} is not a whole spike file (${size} bytes)`);
    }
  }
  const stats = path.join(dir, path.basename(info.statsFile));
  let lines: number;
  try {
    lines = countLines(stats).lines;
  } catch {
    throw new UserError(`${dir} is incomplete: ${path.basename(info.statsFile)} is missing`);
  }
  if (lines !== info.blocks + 1) {
    throw new UserError(`${dir} is incomplete: ${path.basename(info.statsFile)} has ${lines} stats lines, a completed run of ${info.blocks} blocks writes ${info.blocks + 1}`);
  }
  if (info.stateFile !== null && !fs.existsSync(path.join(dir, path.basename(info.stateFile)))) {
    throw new UserError(`${dir} is incomplete: ${path.basename(info.stateFile)} is missing`);
  }
}
