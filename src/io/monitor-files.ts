/**
 * State monitor files (docs/monitors.md): what each rank writes, `<spkName>.<suffix>.<rank>`
 * next to its spike file, and the merge the tools apply — columns in global id order, the same
 * bytes for any rank count. Auryn's text style: `#` header lines, then one sample per line,
 * `<time s> <value> <value> …`.
 *
 *   # superspike-monitor kind=membrane group=output unit=V every=10
 *   # columns 0 3 6            (this rank's neuron ids, or PRE-POST synapses, ascending)
 *   0.0000 -0.06 -0.06 -0.06
 *
 * Rate rank files hold this rank's spike count per bin (`# counts`); merged, they become the
 * population rate in Hz, sum of counts / (group size × bin length), summed in rank-independent
 * order (integers: exact).
 */
import * as fs from 'node:fs';
import { refuseSymlink } from './spk-format.js';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { DT_SECONDS, STEPS_PER_SECOND } from '../model/constants.js';

export const MONITOR_MAGIC = '# superspike-monitor';

/** `<spkName>.<suffix>.<rank>` (the spikes are `<spkName>.<rank>.spk`). */
export function monitorRankFileName(spkName: string, suffix: string, rank: number): string {
  return `${spkName}.${suffix}.${rank}`;
}

/** Time of a step in seconds, four decimals (one step is 0.1 ms). */
export function formatStepTime(step: number): string {
  return (step / STEPS_PER_SECOND).toFixed(4);
}

/** The shortest decimal that reads back as the same float32 (values are float32 in the model). */
export function formatFloat32(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  for (let p = 6; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return trimZeros(s);
  }
  return trimZeros(x.toPrecision(9));
}

function trimZeros(s: string): string {
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const exponent = e < 0 ? '' : s.slice(e);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return trimmed + exponent;
}

/** Rank files of every monitor in a folder: `<spkName>.<suffix>` → files in rank order. */
export function findMonitorRankFiles(dir: string, suffixes: readonly string[]): Map<string, string[]> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return new Map();
  }
  const found = new Map<string, Array<[number, string]>>();
  for (const name of names) {
    const m = /^(.+)\.([a-z]+)\.(\d+)$/.exec(name);
    if (!m || !suffixes.includes(m[2]!)) continue;
    const key = `${m[1]}.${m[2]}`;
    if (!found.has(key)) found.set(key, []);
    found.get(key)!.push([Number(m[3]), path.join(dir, name)]);
  }
  return new Map([...found].map(([k, v]) => [k, v.sort((a, b) => a[0] - b[0]).map(([, f]) => f)]));
}

interface RankFile {
  file: string;
  header: string;
  fields: Record<string, string>;
  /** Column keys as numeric tuples (id, or pre and post); empty for rate. */
  columns: number[][];
  rows: string[][];
}

function readRankFile(file: string): RankFile {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const header = lines[0] ?? '';
  if (!header.startsWith(MONITOR_MAGIC)) throw new UserError(`${file}:1: not a superspike monitor file (no "${MONITOR_MAGIC}" line)`);
  const fields = Object.fromEntries(header.slice(MONITOR_MAGIC.length).trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  const second = lines[1] ?? '';
  let columns: number[][] = [];
  if (second.startsWith('# columns')) {
    columns = second.slice('# columns'.length).trim().split(/\s+/).filter((s) => s !== '').map((key) => key.split('-').map(Number));
  } else if (second !== '# counts') {
    throw new UserError(`${file}:2: expected "# columns …" or "# counts"`);
  }
  const rows: string[][] = [];
  for (let i = 2; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const row = lines[i]!.split(' ');
    const expected = fields.kind === 'rate' ? 2 : columns.length + 1;
    if (row.length !== expected) throw new UserError(`${file}:${i + 1}: ${row.length - 1} values, the header announces ${expected - 1}`);
    rows.push(row);
  }
  return { file, header, fields, columns, rows };
}

/**
 * One monitor's rank files merged: the rank files' header line, `# columns` in global order
 * (rate: the rate in Hz), and one line per sample. Rank files must agree on header and times.
 */
export function mergeMonitorRankFiles(files: readonly string[]): string {
  if (files.length === 0) throw new UserError('no monitor rank files to merge');
  const parts = files.map(readRankFile);
  const first = parts[0]!;
  for (const p of parts) {
    if (p.header !== first.header) throw new UserError(`${p.file}:1: header differs from ${first.file}: files of different runs?`);
    if (p.rows.length !== first.rows.length) {
      throw new UserError(`${p.file}: ${p.rows.length} samples, ${first.file} has ${first.rows.length}: files of different runs?`);
    }
  }
  const out: string[] = [first.header];
  const rows = first.rows.length;
  const timeMismatch = (p: RankFile, r: number) => new UserError(`${p.file}:${r + 3}: time ${p.rows[r]![0]} differs from ${first.file}: files of different runs?`);
  if (first.fields.kind === 'rate') {
    const size = Number(first.fields.size);
    const binSeconds = Number(first.fields.every) * DT_SECONDS;
    out.push('# columns rate');
    for (let r = 0; r < rows; r++) {
      let count = 0;
      for (const p of parts) {
        if (p.rows[r]![0] !== first.rows[r]![0]) throw timeMismatch(p, r);
        count += Number(p.rows[r]![1]);
      }
      out.push(`${first.rows[r]![0]} ${formatRate(count, size, binSeconds)}`);
    }
  } else {
    const order: Array<{ key: number[]; part: number; column: number }> = [];
    parts.forEach((p, part) => p.columns.forEach((key, column) => order.push({ key, part, column })));
    order.sort((a, b) => compareKeys(a.key, b.key));
    out.push(`# columns ${order.map((c) => c.key.join('-')).join(' ')}`);
    for (let r = 0; r < rows; r++) {
      for (const p of parts) if (p.rows[r]![0] !== first.rows[r]![0]) throw timeMismatch(p, r);
      const line = [first.rows[r]![0]!];
      for (const c of order) line.push(parts[c.part]!.rows[r]![c.column + 1]!);
      out.push(line.join(' '));
    }
  }
  return `${out.join('\n')}\n`;
}

/** Hz from a spike count; one formula everywhere so merged bytes never depend on who divides. */
export function formatRate(count: number, size: number, binSeconds: number): string {
  return String(count / (size * binSeconds));
}

function compareKeys(a: number[], b: number[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return a.length - b.length;
}

/** A merged monitor parsed: header fields, column keys, sample times and row-major values. */
export interface ParsedMonitor {
  fields: Record<string, string>;
  columns: string[];
  times: Float64Array;
  values: Float64Array;
}

export function parseMergedMonitor(text: string, name: string): ParsedMonitor {
  const lines = text.split('\n');
  const fields = lines[0]?.startsWith(MONITOR_MAGIC)
    ? Object.fromEntries(lines[0].slice(MONITOR_MAGIC.length).trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]))
    : {};
  let columns: string[] = [];
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('# columns')) columns = line.slice('# columns'.length).trim().split(/\s+/);
    if (line === '' || line.startsWith('#')) continue;
    const row = line.split(/\s+/).map(Number);
    if (row.some((x) => Number.isNaN(x))) throw new UserError(`${name}:${i + 1}: not a line of numbers: ${JSON.stringify(line.slice(0, 60))}`);
    if (columns.length === 0) columns = row.slice(1).map((_, k) => String(k));
    if (row.length - 1 !== columns.length) throw new UserError(`${name}:${i + 1}: ${row.length - 1} values after the time, expected ${columns.length}`);
    times.push(row[0]!);
    for (let k = 1; k < row.length; k++) values.push(row[k]!);
  }
  return { fields, columns, times: Float64Array.from(times), values: Float64Array.from(values) };
}

/**
 * A resumed run continues from `clock`: each rank file keeps its header and the samples before
 * that time (the rest is recorded again).
 */
export function truncateMonitorFileAt(file: string, clock: number, headerLines = 2): void {
  refuseSymlink(file, 'monitor file');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const kept = lines.filter((line, i) => i < headerLines || (line !== '' && Math.round(Number(line.slice(0, line.indexOf(' '))) * STEPS_PER_SECOND) < clock));
  fs.writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}
