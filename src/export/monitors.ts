/**
 * State monitor files for `superspike export`: the run's per-rank files
 * `<dir>/<spkName>.<suffix>.<rank>` (written by `run --record`, format in io/monitor-files.ts and
 * docs/monitors.md), merged in global id order; or an already merged `<dir>/<spkName>.<suffix>`
 * (any `time value…` text file). The suffix is the kind's name or Auryn's (mem, par, err, cur,
 * prate, syn). Each becomes `<kind>_<group>` (samples × columns) and `t_<kind>_<group>`
 * (sample times, s) in the `.npz`; an Auryn-suffixed file whose kind is also recorded under its
 * own name keeps its suffix (`mem_output`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findMonitorRankFiles, mergeMonitorRankFiles, parseMergedMonitor } from '../io/monitor-files.js';
import type { RunInfo } from '../io/run-info.js';
import { AURYN_SUFFIXES } from '../engine/monitor-plan.js';

/** Kinds of `run --record` (issue 12), in the order the export lists them. */
export const MONITOR_KINDS = ['membrane', 'sigma', 'error', 'current', 'eligibility', 'rate', 'weights'] as const;
const SUFFIXES = [...MONITOR_KINDS, ...Object.keys(AURYN_SUFFIXES)];

export interface MonitorFile {
  kind: string;
  /** The group's spkName, or the connection's name for a connection recorded by name. */
  group: string;
  /** The merged file, or the rank files' common prefix `<dir>/<spkName>.<suffix>`. */
  file: string;
  /** Rank files to merge (empty: `file` is already merged). */
  rankFiles: string[];
}

export interface MonitorSeries extends MonitorFile {
  /** Sample times in seconds. */
  times: Float64Array;
  /** Row-major samples × columns. */
  values: Float64Array;
  columns: number;
  /** Column names: neuron ids or PRE-POST synapses (merged rank files), else 0, 1, …. */
  columnIds?: string[];
}

/** Monitor files present in a run folder, in group order then kind order. */
export function findMonitorFiles(dir: string, info: RunInfo): MonitorFile[] {
  const rankSets = findMonitorRankFiles(dir, SUFFIXES);
  const found: MonitorFile[] = [];
  // Groups, then connections recorded by name (`--record weights:hidden_to_hidden`).
  const prefixes = [...info.groups.map((g) => g.spkName), ...(info.connections ?? []).flatMap((c) => (c.name === undefined ? [] : [c.name]))];
  for (const spkName of prefixes) {
    const g = { spkName };
    const here: Array<{ suffix: string; file: string; rankFiles: string[] }> = [];
    for (const suffix of SUFFIXES) {
      const file = path.join(dir, `${g.spkName}.${suffix}`);
      const rankFiles = rankSets.get(`${g.spkName}.${suffix}`) ?? [];
      if (rankFiles.length > 0 || fs.existsSync(file)) here.push({ suffix, file, rankFiles });
    }
    const kinds = new Set(here.map((m) => m.suffix));
    for (const m of here) {
      const kind = AURYN_SUFFIXES[m.suffix];
      const name = kind === undefined || kinds.has(kind) ? m.suffix : kind;
      found.push({ kind: name, group: g.spkName, file: m.file, rankFiles: m.rankFiles });
    }
  }
  return found;
}

/** Merges (rank files) and parses one monitor; ragged rows and non-numbers are `UserError`s naming the line. */
export function readMonitorFile(monitor: MonitorFile): MonitorSeries {
  const text = monitor.rankFiles.length > 0 ? mergeMonitorRankFiles(monitor.rankFiles) : fs.readFileSync(monitor.file, 'utf8');
  const parsed = parseMergedMonitor(text, monitor.rankFiles.length > 0 ? `${monitor.file}.*` : monitor.file);
  return { ...monitor, times: parsed.times, values: parsed.values, columns: parsed.columns.length, columnIds: parsed.columns };
}
