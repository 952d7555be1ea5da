/**
 * `.ras` spike rasters (docs/model.md §11.1): text, one event per line, `<time in seconds> <neuron id>`.
 *
 * The reader streams (a file of any size is read in chunks, never whole into a string) and keeps
 * the events in growable typed arrays, so a few million events cost 12 bytes each. Every error
 * names the file, the 1-based line number, the line and what is wrong, because these files are
 * often written by hand or by other tools; quoted content has its control bytes escaped. Lines
 * are capped at MAX_RAS_LINE_CHARS, so a file without newlines is refused in linear time instead
 * of being gathered into one huge string. Events are returned in file order: unsorted files are
 * valid and sorting is the consumer's business.
 */
import * as fs from 'node:fs';
import { printable, UserError } from '../errors.js';
import { AtomicFile } from './atomic.js';

/** Longest accepted line: far above any `<time> <id>` line or sensible comment. */
export const MAX_RAS_LINE_CHARS = 4096;

/** A malformed `.ras` line, or (with `strict`) an out-of-range id. */
export class RasFormatError extends UserError {
  readonly file: string;
  readonly line: number;
  readonly content: string;
  readonly problem: string;
  constructor(file: string, line: number, content: string, problem: string) {
    super(`${file}:${line}: ${problem}: "${clip(content)}"`);
    this.name = 'RasFormatError';
    this.file = file;
    this.line = line;
    this.content = content;
    this.problem = problem;
  }
}

export interface RasReadOptions {
  /**
   * Size of the group the events feed: ids >= size are out of range. Default: no limit (every
   * well-formed id is kept).
   */
  size?: number;
  /** Reject an out-of-range id with a `RasFormatError` instead of dropping it. Default false. */
  strict?: boolean;
  /**
   * Receives the single warning about dropped out-of-range ids (count and first line). Default:
   * the warning is written to stderr as `superspike: warning: ...`.
   */
  onWarning?: (message: string) => void;
}

/** The events of a `.ras` file, in file order. */
export interface RasData {
  /** Event times in seconds. */
  times: Float64Array;
  /** Neuron ids, parallel to `times`. */
  ids: Uint32Array;
  /** Largest kept id, -1 when no event was kept. */
  maxId: number;
  /** Events dropped because their id was >= `size`. */
  dropped: number;
}

/**
 * Incremental parser: feed it lines, then call `finish()`. Shared by the streaming file reader
 * and the in-memory `parseRasText`, so both report exactly the same errors.
 */
export class RasParser {
  private times = new Float64Array(4096);
  private ids = new Uint32Array(4096);
  private count = 0;
  private maxId = -1;
  private dropped = 0;
  private firstDropLine = 0;
  private firstDropContent = '';
  private lineNo = 0;

  constructor(
    readonly fileName: string,
    private readonly opts: RasReadOptions = {},
  ) {
    const size = opts.size;
    if (size !== undefined && !(Number.isInteger(size) && size >= 0)) {
      throw new RangeError(`RasParser: size must be a non-negative integer, got ${size}`);
    }
  }

  /** Parses the next line (without its line terminator). */
  line(raw: string): void {
    if (raw.length > MAX_RAS_LINE_CHARS) this.lineTooLong(raw);
    this.lineNo++;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const fields = text.split(/\s+/);
    if (fields.length !== 2) {
      this.fail(raw, `expected 2 fields "<time> <id>", found ${fields.length}`);
    }
    const time = parseTime(fields[0]!);
    if (typeof time === 'string') this.fail(raw, time);
    const id = parseId(fields[1]!);
    if (typeof id === 'string') this.fail(raw, id);

    const size = this.opts.size;
    if (size !== undefined && id >= size) {
      if (this.opts.strict) {
        this.fail(raw, `neuron id ${id} out of range (group size ${size}, valid ids 0..${size - 1})`);
      }
      if (this.dropped === 0) {
        this.firstDropLine = this.lineNo;
        this.firstDropContent = raw;
      }
      this.dropped++;
      return;
    }
    if (this.count === this.times.length) this.grow();
    this.times[this.count] = time;
    this.ids[this.count] = id;
    this.count++;
    if (id > this.maxId) this.maxId = id;
  }

  /** Ends the input: emits the out-of-range warning (once) and returns the events. */
  finish(): RasData {
    if (this.dropped > 0) {
      const message =
        `${this.fileName}: dropped ${this.dropped} event${this.dropped === 1 ? '' : 's'} with neuron id >= ` +
        `${this.opts.size} (group size); first at line ${this.firstDropLine}: "${clip(this.firstDropContent)}" ` +
        '(use --strict to make this an error)';
      if (this.opts.onWarning) this.opts.onWarning(message);
      else process.stderr.write(`superspike: warning: ${message}\n`);
    }
    return {
      times: this.times.slice(0, this.count),
      ids: this.ids.slice(0, this.count),
      maxId: this.maxId,
      dropped: this.dropped,
    };
  }

  /** Refuses the next line because it (or the part read so far) exceeds the cap. */
  lineTooLong(start: string): never {
    this.lineNo++;
    this.fail(start, `line longer than ${MAX_RAS_LINE_CHARS} characters (is this a .ras file?)`);
  }

  private fail(content: string, problem: string): never {
    throw new RasFormatError(this.fileName, this.lineNo, content, problem);
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    const ids = new Uint32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.times = times;
    this.ids = ids;
  }
}

// A plain decimal number; hex, binary, empty strings and the like are what `Number()` would
// accept silently, so they are rejected here.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// What C's printf writes for non-finite values, and what JavaScript writes.
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** Returns the time, or a description of what is wrong with it. */
function parseTime(field: string): number | string {
  if (NON_FINITE.test(field)) {
    return /nan/i.test(field) ? `time is NaN ("${q(field)}")` : `time is infinite ("${q(field)}")`;
  }
  if (!DECIMAL.test(field)) return `time "${q(field)}" is not a number`;
  const t = Number(field);
  if (!Number.isFinite(t)) return `time "${q(field)}" is infinite (out of double range)`;
  if (t < 0) return `time ${q(field)} is negative`;
  return t === 0 ? 0 : t; // normalises -0
}

/** Returns the id, or a description of what is wrong with it. */
function parseId(field: string): number | string {
  if (!DECIMAL.test(field)) return `neuron id "${q(field)}" is not a number`;
  const id = Number(field);
  // "12.0" is accepted: some tools print every column as a float.
  if (!Number.isInteger(id)) return `neuron id ${q(field)} is not an integer`;
  if (id < 0) return `neuron id ${q(field)} is negative`;
  if (id > 0xffffffff) return `neuron id ${q(field)} is too large (max ${0xffffffff})`;
  return id;
}

/** A field quoted in a message: at most 40 characters, control bytes escaped. */
function q(field: string): string {
  return printable(field.length > 40 ? `${field.slice(0, 37)}...` : field);
}

/** The first 80 characters of a quoted line, control bytes escaped. */
function clip(s: string): string {
  return printable(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/** Parses `.ras` text held in memory (tests, small inputs). `fileName` only labels errors. */
export function parseRasText(text: string, fileName: string, opts: RasReadOptions = {}): RasData {
  const parser = new RasParser(fileName, opts);
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) parser.line(l);
  return parser.finish();
}

/**
 * Reads a `.ras` file in 1 MiB chunks. A missing or unreadable file is a `UserError` naming
 * the path.
 */
export async function readRas(path: string, opts: RasReadOptions = {}): Promise<RasData> {
  const parser = new RasParser(path, opts);
  let rest = '';
  try {
    const stream = fs.createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    for await (const chunk of stream as AsyncIterable<string>) {
      // Only the new chunk is searched for newlines, and `rest` (a line not yet ended) never
      // exceeds the line cap: linear in the file size whatever its line lengths.
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        parser.line(rest + chunk.slice(start, nl));
        rest = '';
        start = nl + 1;
      }
      rest += chunk.slice(start);
      if (rest.length > MAX_RAS_LINE_CHARS) parser.lineTooLong(rest);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read spike raster ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (rest !== '') parser.line(rest);
  return parser.finish();
}

export interface RasWriteOptions {
  /** Digits after the decimal point. Default 6: exact for the 0.1 ms simulation grid. */
  decimals?: number;
  /** Comment lines written first, each prefixed with `# `. Default none. */
  comments?: readonly string[];
}

/**
 * Writes events as `<time> <id>` lines, in the order given, atomically (io/atomic.ts). Builds the
 * text in ~64 KiB pieces, so memory stays flat for large rasters.
 */
export function writeRas(
  path: string,
  times: ArrayLike<number>,
  ids: ArrayLike<number>,
  opts: RasWriteOptions = {},
): void {
  if (times.length !== ids.length) {
    throw new RangeError(`writeRas: ${times.length} times but ${ids.length} ids`);
  }
  const decimals = opts.decimals ?? 6;
  // Atomic: a failed write (full disk) leaves the old file, never half a raster.
  const file = AtomicFile.create(path);
  try {
    let piece = '';
    for (const c of opts.comments ?? []) piece += `# ${c}\n`;
    for (let i = 0; i < times.length; i++) {
      piece += `${times[i]!.toFixed(decimals)} ${ids[i]}\n`;
      if (piece.length >= 65536) {
        file.write(piece);
        piece = '';
      }
    }
    if (piece !== '') file.write(piece);
    file.commit();
  } finally {
    file.abort();
  }
}

// The generators sort with it too; it lives with them (tasks/ sits below io/).
export { sortEvents } from '../tasks/events.js';
