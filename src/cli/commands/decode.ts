/**
 * `superspike decode` — Auryn's `aube`: merges binary spike files (one per rank) by (time, id)
 * and prints `time id` lines. Streams end to end: files are read in chunks and output goes
 * through a stream with backpressure, so multi-GB files decode in constant memory. With `-o` the
 * output is written atomically and never overwrites one of the inputs.
 */
import * as fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { AtomicFile } from '../../io/atomic.js';
import { describeErrno, fsUserError } from '../../io/fs-errors.js';
import { expandSpkArgs, mergeSpkFiles, readSpkSetHeader } from '../../io/spk.js';
import { integerBetween, parseCount, parseSeconds } from '../options.js';

export interface DecodeOptions {
  /** Keep events with time >= from (seconds). Default: from the start. */
  from?: number;
  /** Keep events with time < to (seconds). Default: to the end. */
  to?: number;
  /** Keep events with id <= maxId. Default: all. */
  maxId?: number;
  /** Digits after the decimal point of the time. Default 6. */
  decimals?: number;
}

const parseDecimals = integerBetween(0, 12);

export function register(program: Command): void {
  program
    .command('decode')
    .description("merge binary spike files (.spk, one per rank) by (time, id) and print 'time id' lines, like Auryn's aube")
    .argument(
      '<files...>',
      'spike files; a name without .spk whose rank files NAME.0.spk, NAME.1.spk, … exist stands for all of them',
    )
    .option('--from <seconds>', 'keep events at or after this time (inclusive)', parseSeconds)
    .option('--to <seconds>', 'keep events before this time (exclusive)', parseSeconds)
    .option('--max-id <n>', 'keep neuron ids <= n', parseCount)
    .option('--decimals <d>', 'digits after the decimal point of the time (0-12)', parseDecimals, 6)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
The window is half-open: --from 1 --to 2 keeps 1 <= time < 2 (times are step * dt).

A run writes one file per group and rank into its output folder: multi_stim.<rank>.spk (input),
multi_hidden.<rank>.spk (multi_hidden2, … for more hidden layers), output.<rank>.spk and
target.<rank>.spk.

Examples:
  superspike decode output/output.0.spk                 rank 0's output spikes to stdout
  superspike decode output/output                       all ranks: output/output.*.spk
  superspike decode output/output --from 45 --to 46.89 --max-id 199 -o last-loop.ras
  superspike decode output/multi_hidden | head          pipes stop cleanly`,
    )
    .action(async (files: string[], opts: DecodeOptions & { output?: string }) => {
      const paths = expandSpkArgs(files);
      const out = opts.output;
      if (out === undefined) {
        await decodeSpkFiles(paths, process.stdout, opts);
        return;
      }
      // Everything is checked before the output is created, and the output is a temp file
      // renamed into place only when the whole merge succeeded: a bad input, an error in the
      // middle of a file or `-o` naming an input never damages an existing file.
      refuseOutputAmongInputs(out, paths);
      readSpkSetHeader(paths);
      const count = await decodeToFile(paths, out, opts);
      // A status line, not data: on stderr, so `-o /dev/stdout` (or a pipe) carries only events.
      process.stderr.write(`wrote ${count} events from ${paths.length} file${paths.length === 1 ? '' : 's'} to ${out}\n`);
    });
}

/** Refuses an output file that is one of the inputs (by identity, so links and other spellings count). */
function refuseOutputAmongInputs(out: string, inputs: readonly string[]): void {
  let target: fs.Stats;
  try {
    target = fs.statSync(out);
  } catch {
    return; // does not exist yet: cannot be an input
  }
  for (const input of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(input);
    } catch {
      continue; // reported when it is read
    }
    if (st.dev === target.dev && st.ino === target.ino) {
      throw new UserError(`${out} is one of the inputs: choose another output file`);
    }
  }
}

/** Decodes into a temp file beside `out` and renames it into place on success (io/atomic.ts). */
async function decodeToFile(paths: readonly string[], out: string, opts: DecodeOptions): Promise<number> {
  const file = AtomicFile.create(out);
  const stream = fs.createWriteStream(file.tempPath, { fd: file.fd, autoClose: false, highWaterMark: 1 << 20 });
  let ok = false;
  try {
    const count = await decodeSpkFiles(paths, stream, opts);
    stream.end();
    try {
      await once(stream, 'finish');
    } catch (err) {
      throw fsUserError('write', out, err);
    }
    file.commit();
    ok = true;
    return count;
  } finally {
    if (!ok) {
      // Close the descriptor only after the stream's in-flight write has returned: closed
      // early, its number could be reused and the late write land in another file.
      stream.on('error', () => {});
      const closed = once(stream, 'close').catch(() => {});
      stream.destroy();
      await closed;
      file.abort();
    }
  }
}

/**
 * Writes the merged events of `paths` to `out` as `time id` lines and returns how many it
 * wrote. Waits for 'drain' whenever the stream is full; stops quietly if the reader of a pipe
 * goes away (EPIPE), as `decode | head` does; any other write error is a `UserError`.
 */
export async function decodeSpkFiles(paths: readonly string[], out: Writable, opts: DecodeOptions = {}): Promise<number> {
  const { stepsPerSecond } = readSpkSetHeader(paths);
  const decimals = opts.decimals ?? 6;
  const fromStep = opts.from === undefined ? undefined : secondsToStep(opts.from, stepsPerSecond);
  const toStep = opts.to === undefined ? undefined : secondsToStep(opts.to, stepsPerSecond);
  if (fromStep !== undefined && toStep !== undefined && toStep < fromStep) {
    throw new UserError(`--to ${opts.to} is before --from ${opts.from}`);
  }
  const maxId = opts.maxId ?? Infinity;
  const format = timeFormatter(stepsPerSecond, decimals);

  let broken = false;
  let failure: NodeJS.ErrnoException | undefined;
  const onError = (err: NodeJS.ErrnoException): void => {
    broken = true;
    if (err.code !== 'EPIPE') failure ??= err;
  };
  out.on('error', onError);
  let count = 0;
  try {
    let piece = '';
    for await (const chunk of mergeSpkFiles(paths, { fromStep, toStep })) {
      for (let i = 0; i < chunk.length; i++) {
        const id = chunk.ids[i]!;
        if (id > maxId) continue;
        piece += `${format(chunk.steps[i]!)} ${id}\n`;
        count++;
      }
      if (piece.length >= 1 << 16) {
        if (broken) break;
        const ok = out.write(piece);
        piece = '';
        if (!ok) await drained(out);
      }
    }
    if (piece !== '' && !broken) {
      if (!out.write(piece)) await drained(out);
    }
    if (failure) throw new UserError(`cannot write the decoded spikes: ${describeErrno(failure)}`, { cause: failure });
  } finally {
    // After EPIPE the stream may report again; keep swallowing it rather than crash on exit.
    if (!broken) out.off('error', onError);
  }
  return count;
}

/** Resolves when `out` can take more data, or will never (closed or failed). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Seconds → first step at or after that time. Products like 0.3 × 10000 = 3000.0000000000005
 * are snapped to the integer first, so a window given in seconds means what it says.
 */
export function secondsToStep(seconds: number, stepsPerSecond: number): number {
  const x = seconds * stepsPerSecond;
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

/**
 * `step / stepsPerSecond` with `decimals` digits. For Auryn's 10 000 steps/s (any power of ten)
 * it formats with integer arithmetic, which is exact and faster than `toFixed` on the hot path.
 */
export function timeFormatter(stepsPerSecond: number, decimals: number): (step: number) => string {
  const digits = Math.log10(stepsPerSecond);
  if (Number.isInteger(digits) && digits >= 1 && decimals >= digits) {
    const zeros = '0'.repeat(decimals - digits);
    return (step) => {
      const whole = Math.floor(step / stepsPerSecond);
      const frac = String(step - whole * stepsPerSecond).padStart(digits, '0');
      return `${whole}.${frac}${zeros}`;
    };
  }
  return (step) => (step / stepsPerSecond).toFixed(decimals);
}
