/**
 * The stats file `<name>.stats` (SPEC §11.4): one line per block, written before the block runs,
 * plus a final line:
 *   <block> <MSE> <mean w> <mean el> <mean elFlt> <mean elSum> <mean grad2> err <mean errFiltered>
 * MSE with 6 significant digits (C's %g), means in C's %.5e. Writers (for the coordinator) never
 * follow a symlink and name the file when the disk is full.
 */
import * as fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { O_NOFOLLOW, writeFileAtomic } from './atomic.js';
import { fsUserError } from './fs-errors.js';

export interface StatsLine {
  block: number;
  mse: number;
  meanW: number;
  meanEl: number;
  meanElFlt: number;
  meanElSum: number;
  meanGrad2: number;
  meanErrFiltered: number;
}

/** C's `%g` with 6 significant digits. */
export function formatG6(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (exp < -4 || exp >= 6) return formatE(x, 5).replace(/\.?0+e/, 'e');
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** C's `%.<digits>e`: two-digit exponent at least. */
export function formatE(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = x.toExponential(digits).split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digitsOnly = exponent.replace(/^[+-]/, '');
  return `${mantissa}e${sign}${digitsOnly.padStart(2, '0')}`;
}

export function formatStatsLine(s: StatsLine): string {
  const e = (x: number) => formatE(x, 5);
  return `${s.block} ${formatG6(s.mse)} ${e(s.meanW)} ${e(s.meanEl)} ${e(s.meanElFlt)} ${e(s.meanElSum)} ${e(s.meanGrad2)} err ${e(s.meanErrFiltered)}`;
}

export function parseStatsLine(line: string): StatsLine {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 9 || parts[7] !== 'err') throw new Error(`not a stats line: ${JSON.stringify(line)}`);
  const n = parts.map(Number);
  return {
    block: n[0]!, mse: n[1]!, meanW: n[2]!, meanEl: n[3]!, meanElFlt: n[4]!, meanElSum: n[5]!, meanGrad2: n[6]!, meanErrFiltered: n[8]!,
  };
}

export function readStatsFile(file: string): StatsLine[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map(parseStatsLine);
}

/** Replaces the stats file with `lines` atomically (a fresh run: none; a resume: the kept ones). */
export function writeStatsFile(file: string, lines: readonly string[]): void {
  writeFileAtomic(file, lines.map((l) => `${l}\n`).join(''));
}

/**
 * Appends one line to the stats file, never through a symlink (O_NOFOLLOW); a full disk or a
 * lost permission is a one-line UserError naming the file.
 */
export function appendStatsLine(file: string, line: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | O_NOFOLLOW, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UserError(`refusing to write ${file}: it is a symbolic link`);
    throw fsUserError('write', file, err);
  }
  try {
    const buf = Buffer.from(`${line}\n`);
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
  } catch (err) {
    throw fsUserError('write', file, err);
  } finally {
    fs.closeSync(fd);
  }
}
