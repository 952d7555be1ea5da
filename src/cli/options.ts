/** Commander argument parsers shared by the commands: each rejects with a one-line reason. */
import { InvalidArgumentError, Option } from 'commander';
import { LIMITS } from '../config/limits.js';
import { UserError } from '../errors.js';
import type { Layout } from '../engine/mpi-launch.js';
import { freeCoresPerProcess } from '../engine/threads.js';

/** The finite number `value` spells, or undefined when it is blank or no finite number. */
function finiteNumber(value: string): number | undefined {
  const x = Number(value);
  return value.trim() === '' || !Number.isFinite(x) ? undefined : x;
}

/** A parser of finite numbers >= 0 that rejects anything else with `message`. */
export function nonNegativeNumber(message: string): (value: string) => number {
  return (value) => {
    const x = finiteNumber(value);
    if (x === undefined || x < 0) throw new InvalidArgumentError(message);
    return x;
  };
}

/** A parser of finite numbers > 0 that rejects anything else with `message`. */
export function positiveNumber(message: string): (value: string) => number {
  return (value) => {
    const x = finiteNumber(value);
    if (x === undefined || x <= 0) throw new InvalidArgumentError(message);
    return x;
  };
}

/** A parser of whole numbers (digits only) from `min` to `max` that rejects anything else with `message`. */
export function integerBetween(
  min: number,
  max: number,
  message = `expected a whole number from ${min} to ${max}`,
): (value: string) => number {
  return (value) => {
    const x = Number(value);
    if (!/^\d+$/.test(value.trim()) || x < min || x > max) throw new InvalidArgumentError(message);
    return x;
  };
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

export function parsePositiveInt(value: string): number {
  const n = parseCount(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export const parseNonNegative = nonNegativeNumber('expected a number >= 0');

/** `auto` or a number >= 0 (`--hidden-eta-scale`). */
export function parseNonNegativeOrAuto(value: string): number | 'auto' {
  return value.trim() === 'auto' ? 'auto' : parseNonNegative(value);
}

/** `auto` or a positive integer (`--threads`). */
export function parseThreads(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parsePositiveInt(value);
}

export function parsePositive(value: string): number {
  const x = parseNonNegative(value);
  if (x === 0) throw new InvalidArgumentError('expected a number > 0');
  return x;
}

/**
 * A membrane potential in volts (any finite number), or `none` (`--surrogate-floor-volts`; the
 * caller maps it to null: commander turns a parser's null into '').
 */
export function parseVoltsOrNone(value: string): number | 'none' {
  if (value.trim() === 'none') return 'none';
  const x = finiteNumber(value);
  if (x === undefined) throw new InvalidArgumentError('expected a potential in volts (e.g. -0.08) or none');
  return x;
}

/** A point in time, in seconds from the start of a run. */
export const parseSeconds = nonNegativeNumber('expected a time in seconds >= 0');

/** A duration such as a bin width, in milliseconds. */
export const parseMilliseconds = positiveNumber('expected a positive number of milliseconds');

/** A number from 0 to 1 inclusive (a threshold, a fraction). */
export function parseUnitInterval(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !(x >= 0 && x <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return x;
}

export function parseSeed(value: string): number {
  const n = parseCount(value);
  if (n > 0xffffffff) throw new InvalidArgumentError('expected a seed between 0 and 4294967295');
  return n;
}

/** "256,128" → [256, 128]; "" or "none" → [] (output layer only). */
export function parseSizeList(value: string): number[] {
  const v = value.trim();
  if (v === '' || v === 'none' || v === '0') return [];
  return v.split(',').map((part) => {
    if (!/^\d+$/.test(part.trim()) || Number(part) === 0) {
      throw new InvalidArgumentError(`expected comma-separated positive layer sizes like 256,128, got "${value}"`);
    }
    return Number(part);
  });
}

/** "1,2,3,8" → [1, 2, 3, 8] */
export function parseCountList(value: string): number[] {
  return value.split(',').map((part) => parsePositiveInt(part));
}

/** Worker (rank thread) counts, each within LIMITS.maxWorkers. */
export function parseWorkerList(value: string): number[] {
  return value.split(',').map(integerBetween(1, LIMITS.maxWorkers, `expected worker counts from 1 to ${LIMITS.maxWorkers} (the limit of one process), e.g. 1,2,4`));
}

/** `1x2,2x1,2x2/tcp` → layouts of processes × threads; `/tcp` forces MPI over TCP loopback. */
export function parseLayoutList(value: string): Layout[] {
  return value.split(',').map((item) => {
    const m = /^(\d+)x(\d+)(\/tcp)?$/.exec(item.trim());
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`expected layouts like 1x2,2x1,2x2/tcp (processes x threads), got "${item}"`);
    if (Number(m[1]) > LIMITS.maxLocalProcesses || Number(m[2]) > LIMITS.maxWorkers) {
      throw new InvalidArgumentError(`layout ${item.trim()}: at most ${LIMITS.maxLocalProcesses} processes (each a Node process of about 80 MiB) × ${LIMITS.maxWorkers} threads on one machine`);
    }
    return { processes: Number(m[1]), threads: Number(m[2]), tcp: m[3] !== undefined };
  });
}

/**
 * Durations on the command line are in seconds, as the config keys (`…Seconds`). A flag that once
 * took milliseconds stays as a hidden alias: it warns, and its value arrives converted to seconds.
 */
export function deprecatedMsOption(msFlag: string, secondsFlag: string, parse: (value: string) => number): Option {
  return new Option(`${msFlag} <ms>`, `deprecated: ${secondsFlag}`).hideHelp().argParser((value: string) => {
    const ms = parse(value);
    process.stderr.write(`superspike: warning: ${msFlag} is deprecated: use ${secondsFlag} ${ms / 1000}\n`);
    return ms / 1000;
  });
}

/** The seconds given by a flag or by its deprecated milliseconds alias (already in seconds); both is an error. */
export function secondsFlag<K extends string, M extends string>(
  opts: { [key in K | M]?: number }, secondsKey: K, msKey: M, stem: string,
): number | undefined {
  const seconds = opts[secondsKey];
  const fromMs = opts[msKey];
  if (seconds !== undefined && fromMs !== undefined) throw new UserError(`give ${stem}-seconds or ${stem}-ms (deprecated), not both`);
  return seconds ?? fromMs;
}

/**
 * Under an MPI launcher: the machine's cores shared by the processes on this host, and no more
 * than this process is bound to (at least 1). Not its own share divided again: mpirun binds each
 * of two processes to a core of its own, and one bound core halved is none (threads.ts, Cores).
 */
export function coresPerLocalProcess(): number {
  const local = Number(process.env.OMPI_COMM_WORLD_LOCAL_SIZE ?? process.env.MPI_LOCALNRANKS ?? process.env.SLURM_NTASKS_PER_NODE ?? 1);
  return freeCoresPerProcess(Number.isInteger(local) && local > 0 ? local : 1, 0);
}
