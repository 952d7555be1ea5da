/**
 * State monitor files for `superspike export` — the extension point for the monitors of issue 12
 * (`run --record KIND:GROUP`, written by the engine). This module only finds and reads them;
 * the engine side defines what is recorded.
 *
 * Assumed layout until the engine writes monitors (change `findMonitorFiles` and
 * `readMonitorFile` here, nothing else, when the format is settled):
 *   `<dir>/<spkName>.<kind>`  one file per group and kind, ranks already merged,
 *   kind ∈ MONITOR_KINDS, in Auryn's text style: one sample per line,
 *   `<time in s> <value of neuron/synapse 0> <value 1> …`, `#` starts a comment line.
 * Each becomes `<kind>_<group>` (samples × columns) and `t_<kind>_<group>` (sample times, s) in
 * the `.npz`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import type { RunInfo } from '../io/run-info.js';

/** Kinds of `run --record` (issue 12); the file suffix is the kind's name. */
export const MONITOR_KINDS = ['membrane', 'sigma', 'error', 'current', 'eligibility', 'rate', 'weights'] as const;

export interface MonitorFile {
  kind: string;
  /** The group's spkName. */
  group: string;
  file: string;
}

export interface MonitorSeries extends MonitorFile {
  /** Sample times in seconds. */
  times: Float64Array;
  /** Row-major samples × columns. */
  values: Float64Array;
  columns: number;
}

/** Monitor files present in a run folder, in group order then kind order. */
export function findMonitorFiles(dir: string, info: RunInfo): MonitorFile[] {
  const found: MonitorFile[] = [];
  for (const g of info.groups) {
    for (const kind of MONITOR_KINDS) {
      const file = path.join(dir, `${g.spkName}.${kind}`);
      if (fs.existsSync(file)) found.push({ kind, group: g.spkName, file });
    }
  }
  return found;
}

/** Parses one `time value…` text file; ragged rows and non-numbers are `UserError`s naming the line. */
export function readMonitorFile(monitor: MonitorFile): MonitorSeries {
  const text = fs.readFileSync(monitor.file, 'utf8');
  const times: number[] = [];
  const values: number[] = [];
  let columns = -1;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/).map(Number);
    if (fields.some((x) => Number.isNaN(x))) throw new UserError(`${monitor.file}:${i + 1}: not a line of numbers: ${JSON.stringify(line.slice(0, 60))}`);
    if (columns < 0) columns = fields.length - 1;
    if (fields.length - 1 !== columns) {
      throw new UserError(`${monitor.file}:${i + 1}: ${fields.length - 1} values after the time, earlier lines have ${columns}`);
    }
    times.push(fields[0]!);
    for (let k = 1; k < fields.length; k++) values.push(fields[k]!);
  }
  return { ...monitor, times: Float64Array.from(times), values: Float64Array.from(values), columns: Math.max(0, columns) };
}
