/**
 * Data in and out of code, as arrays: `writeRas` writes a spike train `{ times, ids }` as a .ras
 * file (what `train()` also takes directly as arrays), and `readMonitor` reads what `run --record`
 * recorded — merged across ranks in global id order, as `superspike export` does — as a time
 * axis, column ids, one trace per column and the unit.
 */
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { SpikeArraysSchema, type SpikeArrays } from '../config/schema.js';
import { MONITOR_UNITS, type MonitorKind } from '../engine/monitor-plan.js';
import { findMonitorFiles, readMonitorFile } from '../export/monitors.js';
import { writeRas as writeRasFile, type RasWriteOptions } from '../io/ras.js';
import { loadRunInfo } from '../report/load.js';

/**
 * Writes `spikes` (times in seconds, neuron ids) to `file` as `<time> <id>` lines, atomically.
 * Times are written with `decimals` digits (default 6: exact on the 0.1 ms simulation grid).
 */
export function writeRas(file: string, spikes: SpikeArrays, options: RasWriteOptions = {}): void {
  if (typeof file !== 'string' || file === '') throw new UserError('writeRas(): file must be a path');
  const parsed = SpikeArraysSchema.safeParse(spikes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`writeRas(): spikes${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  writeRasFile(file, parsed.data.times, parsed.data.ids, options);
}

export interface MonitorData {
  /** Sample times in seconds, as the monitor files stamp them (docs/monitors.md). */
  t: Float64Array;
  /** Column ids: neuron ids (`"3"`), or `"PRE-POST"` synapses for eligibility and weights. */
  ids: string[];
  /** One trace per column, parallel to `ids`: `values[j][k]` is column j at `t[k]`. */
  values: Float64Array[];
  /** Unit of the values: V, 1/V, Hz or 1 (dimensionless). */
  unit: string;
}

/**
 * One recorded monitor of the run in `dir`: `kind` (membrane, current, sigma, error,
 * eligibility, rate, weights) of `group` (a group's file name such as `output` or
 * `multi_hidden`, or its role: input, hidden, output, target).
 */
export function readMonitor(dir: string, kind: MonitorKind, group: string): MonitorData {
  const abs = path.resolve(dir);
  const info = loadRunInfo(abs);
  const spkName = info.groups.find((g) => g.spkName === group)?.spkName ?? info.groups.find((g) => g.role === group)?.spkName;
  const monitors = findMonitorFiles(abs, info);
  const found = monitors.find((m) => m.kind === kind && m.group === spkName);
  if (found === undefined) {
    const have = monitors.map((m) => `${m.kind}:${m.group}`).join(', ') || 'none (record with run --record)';
    throw new UserError(`${dir} has no ${kind} monitor of ${group} (recorded: ${have})`);
  }
  const series = readMonitorFile(found);
  const samples = series.times.length;
  const values = Array.from({ length: series.columns }, (_, j) => {
    const column = new Float64Array(samples);
    for (let k = 0; k < samples; k++) column[k] = series.values[k * series.columns + j]!;
    return column;
  });
  const ids = series.columnIds ?? values.map((_, j) => String(j));
  return { t: series.times, ids, values, unit: MONITOR_UNITS[kind] ?? '' };
}
