/**
 * State monitor files for `superspike export`: the run's per-rank files
 * `<dir>/<spkName>.<suffix>.<rank>` (written by `run --record`, format in io/monitor-files.ts and
 * docs/monitors.md), merged in global id order; or an already merged `<dir>/<spkName>.<suffix>`
 * (any `time value…` text file). Each becomes `<kind>_<group>` (samples × columns),
 * `t_<kind>_<group>` (sample times, s) and `ids_<kind>_<group>` in the `.npz`. The `auryn` set's
 * files (`multi0.0.mem`, …, no headers) are read by auryn-monitors.ts into the same series.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findMonitorRankFiles, mergeMonitorRankFiles, parseMergedMonitor } from '../io/monitor-files.js';
import type { RunInfo } from '../io/run-info.js';
import { findAurynMonitors, readAurynMonitor, type AurynMonitor } from './auryn-monitors.js';

/** Kinds of `run --record` (issue 12), in the order the export lists them. */
export const MONITOR_KINDS = ['membrane', 'sigma', 'error', 'current', 'eligibility', 'rate', 'weights'] as const;

export interface MonitorFile {
  kind: string;
  /** The group's spkName, or the connection's name for a connection recorded by name. */
  group: string;
  /** The merged file, or the rank files' common prefix `<dir>/<spkName>.<suffix>`. */
  file: string;
  /** Rank files to merge (empty: `file` is already merged). */
  rankFiles: string[];
  /** A series of the `auryn` set (Auryn's files, no headers: auryn-monitors.ts), with the run it belongs to. */
  auryn?: { monitor: AurynMonitor; info: RunInfo };
}

export interface MonitorSeries extends MonitorFile {
  /** Sample times in seconds. */
  times: Float64Array;
  /** Row-major samples × columns. */
  values: Float64Array;
  columns: number;
  /** Column names: neuron ids or PRE-POST synapses (merged rank files), else 0, 1, …. */
  columnIds?: string[];
  /** Unit of the values (the file header's `unit=`), '' when the file does not say. */
  unit: string;
}

/** Monitor files present in a run folder, in group order then kind order. */
export function findMonitorFiles(dir: string, info: RunInfo): MonitorFile[] {
  const rankSets = findMonitorRankFiles(dir, MONITOR_KINDS);
  const found: MonitorFile[] = [];
  // Groups, then connections recorded by name (`--record weights:hidden_to_hidden`).
  const prefixes = [...info.groups.map((g) => g.spkName), ...(info.connections ?? []).flatMap((c) => (c.name === undefined ? [] : [c.name]))];
  for (const spkName of prefixes) {
    for (const kind of MONITOR_KINDS) {
      const file = path.join(dir, `${spkName}.${kind}`);
      const rankFiles = rankSets.get(`${spkName}.${kind}`) ?? [];
      if (rankFiles.length > 0 || fs.existsSync(file)) found.push({ kind, group: spkName, file, rankFiles });
    }
  }
  // Auryn's files; a kind also recorded under superspike's own names is exported as auryn_<kind>.
  for (const monitor of findAurynMonitors(dir, info)) {
    const taken = found.some((f) => f.kind === monitor.kind && f.group === monitor.group);
    const files = monitor.files.map((f) => f.file);
    found.push({ kind: taken ? `auryn_${monitor.kind}` : monitor.kind, group: monitor.group, file: files[0]!, rankFiles: files, auryn: { monitor, info } });
  }
  return found;
}

/** Merges (rank files) and parses one monitor; ragged rows and non-numbers are `UserError`s naming the line. */
export function readMonitorFile(monitor: MonitorFile): MonitorSeries {
  if (monitor.auryn) {
    const a = readAurynMonitor(monitor.auryn.monitor, monitor.auryn.info);
    return { ...monitor, times: a.times, values: a.values, columns: a.columnIds.length, columnIds: a.columnIds, unit: a.unit };
  }
  const text = monitor.rankFiles.length > 0 ? mergeMonitorRankFiles(monitor.rankFiles) : fs.readFileSync(monitor.file, 'utf8');
  const parsed = parseMergedMonitor(text, monitor.rankFiles.length > 0 ? `${monitor.file}.*` : monitor.file);
  return {
    ...monitor, times: parsed.times, values: parsed.values, columns: parsed.columns.length, columnIds: parsed.columns, unit: parsed.fields.unit ?? '',
  };
}
