/**
 * The `auryn` set's files (io/auryn-monitor-files.ts) read back as monitors for `export`, the
 * report and the library: one series per kind and group, columns in global id order, the same
 * values for any worker count. Auryn's files carry no header, so what each column is comes from
 * the file names and the run's sizes: `multi<i>` is output neuron i, `multi_hidden<i>` hidden
 * neuron i (each written by its owner rank; the other ranks' files are empty), `hidden.prate`
 * the first hidden layer's rate in Hz of each rank's neurons (summed here over ranks),
 * `con.syn` / `hidden_con<k>.syn` the equally spaced synapses each rank owns.
 */
import * as fs from 'node:fs';
import { UserError } from '../errors.js';
import { findAurynMonitorFiles, type AurynMonitorFile } from '../io/auryn-monitor-files.js';
import { formatRate } from '../io/monitor-files.js';
import type { RunInfo } from '../io/run-info.js';
import { MONITOR_UNITS, equallySpaced, type MonitorKind } from '../engine/monitor-plan.js';
import { localCount, ownerRank } from '../network/partition.js';

/** What the example samples: 20 synapses and rate bins of 0.1 s (engine/monitor-plan.ts). */
const WEIGHT_SAMPLES = 20;
const RATE_BIN_SECONDS = 0.1;

export interface AurynMonitor {
  kind: MonitorKind;
  group: string;
  /** The files, all ranks (and for neurons all neuron numbers) of this series. */
  files: AurynMonitorFile[];
}

const NEURON_KINDS: Record<string, MonitorKind> = { mem: 'membrane', err: 'error', par: 'sigma', syn: 'current' };

/** The `auryn` set's series present in `dir`. */
export function findAurynMonitors(dir: string, info: RunInfo): AurynMonitor[] {
  const hidden = info.groups.filter((g) => g.role === 'hidden');
  const output = info.groups.find((g) => g.role === 'output');
  const series = new Map<string, AurynMonitor>();
  for (const f of findAurynMonitorFiles(dir)) {
    let kind: MonitorKind;
    let group: string | undefined;
    if (f.stem === 'multi' || f.stem === 'multi_hidden') {
      kind = NEURON_KINDS[f.ext]!;
      group = f.stem === 'multi' ? output?.spkName : hidden[0]?.spkName;
    } else if (f.stem === 'hidden') {
      kind = 'rate';
      group = hidden[0]?.spkName;
    } else {
      kind = 'weights';
      group = f.stem === 'con' ? output?.spkName : hidden[f.index]?.spkName;
    }
    if (group === undefined) continue; // a file of another network
    const key = `${kind} ${group}`;
    if (!series.has(key)) series.set(key, { kind, group, files: [] });
    series.get(key)!.files.push(f);
  }
  return [...series.values()];
}

export interface AurynSeries {
  times: Float64Array;
  values: Float64Array;
  columnIds: string[];
  unit: string;
}

/** Lines of a file as numbers, `time value…` each (trailing spaces as Auryn's weight lines end). */
function readRows(file: string): number[][] {
  const rows: number[][] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const row = line.trim().split(/\s+/).map(Number);
    if (row.some((x) => Number.isNaN(x) && !/nan/i.test(line))) throw new UserError(`${file}:${i + 1}: not a line of numbers: ${JSON.stringify(line.slice(0, 60))}`);
    rows.push(row);
  });
  return rows;
}

function ranksOf(files: AurynMonitorFile[]): number {
  return Math.max(...files.map((f) => f.rank)) + 1;
}

function sameTimes(a: number[][], b: number[][], file: string, first: string): void {
  if (a.length !== b.length || a.some((row, r) => row[0] !== b[r]![0])) throw new UserError(`${file}: its sample times differ from ${first}: files of different runs?`);
}

/** One series merged over ranks (and neurons). */
export function readAurynMonitor(m: AurynMonitor, info: RunInfo): AurynSeries {
  const unit = MONITOR_UNITS[m.kind];
  if (m.kind === 'rate') {
    const size = info.groups.find((g) => g.spkName === m.group)!.size;
    const ranks = ranksOf(m.files);
    const parts = m.files.map((f) => ({ f, rows: readRows(f.file) }));
    const first = parts[0]!;
    const rates: number[] = [];
    for (const p of parts) sameTimes(p.rows, first.rows, p.f.file, first.f.file);
    first.rows.forEach((_, r) => {
      // Each rank wrote (1/bin)·count/its neurons with 6 digits: the count comes back exactly.
      let count = 0;
      for (const p of parts) {
        const neurons = localCount(size, p.f.rank, ranks);
        if (neurons > 0) count += Math.round((p.rows[r]![1]! * neurons * RATE_BIN_SECONDS));
      }
      rates.push(Number(formatRate(count, size, RATE_BIN_SECONDS))); // the row at t = 0 counts step 0 only, as Auryn's does
    });
    return { times: Float64Array.from(first.rows, (row) => row[0]!), values: Float64Array.from(rates), columnIds: ['rate'], unit };
  }
  if (m.kind === 'weights') {
    const group = info.groups.find((g) => g.spkName === m.group)!;
    const conn = info.connections.find((c) => c.post === m.group)!;
    const nPre = info.groups.find((g) => g.spkName === conn.pre)!.size;
    const pairs = equallySpaced(nPre, group.size, WEIGHT_SAMPLES);
    const ranks = ranksOf(m.files);
    const parts = m.files.map((f) => ({ f, rows: readRows(f.file), columns: pairs.flatMap(([, post], k) => (ownerRank(post, ranks) === f.rank ? [k] : [])) }));
    const first = parts[0]!;
    const values = new Float64Array(first.rows.length * pairs.length);
    for (const p of parts) {
      sameTimes(p.rows, first.rows, p.f.file, first.f.file);
      p.rows.forEach((row, r) => {
        if (row.length !== p.columns.length + 1) throw new UserError(`${p.f.file}:${r + 1}: ${row.length - 1} weights, the run's sizes give this rank ${p.columns.length}`);
        p.columns.forEach((k, c) => (values[r * pairs.length + k] = row[c + 1]!));
      });
    }
    return { times: Float64Array.from(first.rows, (row) => row[0]!), values, columnIds: pairs.map(([pre, post]) => `${pre}-${post}`), unit };
  }
  // Neurons: one file per neuron and rank; the owner's holds the samples, the others are empty.
  const byNeuron = new Map<number, { file: string; rows: number[][] }>();
  for (const f of m.files) {
    const rows = readRows(f.file);
    if (rows.length === 0) continue;
    if (byNeuron.has(f.index)) throw new UserError(`${f.file}: neuron ${f.index} also has samples in ${byNeuron.get(f.index)!.file}: files of different runs?`);
    byNeuron.set(f.index, { file: f.file, rows });
  }
  const ids = [...byNeuron.keys()].sort((a, b) => a - b);
  const columns = ids.map((id) => byNeuron.get(id)!);
  const first = columns[0];
  if (!first) return { times: new Float64Array(0), values: new Float64Array(0), columnIds: [], unit };
  const values = new Float64Array(first.rows.length * ids.length);
  columns.forEach((col, c) => {
    sameTimes(col.rows, first.rows, col.file, first.file);
    col.rows.forEach((row, r) => (values[r * ids.length + c] = row[1]!));
  });
  return { times: Float64Array.from(first.rows, (row) => row[0]!), values, columnIds: ids.map(String), unit };
}
