/**
 * What `run` shows while it works: a live bar on a terminal (cli-progress), plain parseable
 * lines otherwise (CI logs), nothing with --quiet; and a one-screen summary at the end.
 *
 * Non-TTY line format (one per block and at most one every `lineIntervalSeconds`):
 *   progress sim=<s>/<s> block=<b>/<B> speed=<sim s per wall s> mse=<x|-> eta=<wall seconds left>s|-
 *   stats block=<b> mse=<x>
 *
 * The remaining time is estimated from the speed measured since the first event (worker start-up
 * and the first interval's warm-up are left out) and shown only after `ETA_WARMUP_SECONDS` of
 * measurement: an estimate from the first quarter second said "7h20m" for a run of minutes.
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import type { ProgressEvent, RunResult } from '../engine/coordinator.js';
import { formatG6, type StatsLine } from '../io/stats.js';
import { DT_SECONDS } from '../model/constants.js';

export interface ProgressReporterOptions {
  quiet: boolean;
  stream: NodeJS.WriteStream;
  /** Force line mode (true) or bar mode (false); default: bar when the stream is a TTY. */
  lines?: boolean;
  lineIntervalSeconds?: number;
}

export interface ProgressReporter {
  start(info: { config: ExperimentConfig; task: ResolvedTask; workers: number; resumedFrom?: string }): void;
  progress(event: ProgressEvent): void;
  stats(line: StatsLine): void;
  stop(): void;
  summary(result: RunResult): void;
}

/** Wall seconds of measurement before a remaining time is shown. */
export const ETA_WARMUP_SECONDS = 3;

/**
 * Remaining wall seconds from the speed since the first event seen; NaN until the measurement
 * is `ETA_WARMUP_SECONDS` long and the clock has moved.
 */
export function createEtaEstimator(warmupSeconds = ETA_WARMUP_SECONDS): (e: ProgressEvent) => number {
  let first: { wall: number; sim: number } | null = null;
  return (e) => {
    if (first === null) first = { wall: e.wallSeconds, sim: e.simulatedSeconds };
    const wall = e.wallSeconds - first.wall;
    const sim = e.simulatedSeconds - first.sim;
    if (wall < warmupSeconds || sim <= 0) return NaN;
    return Math.max(0, (e.endStep * DT_SECONDS - e.simulatedSeconds) * (wall / sim));
  };
}

/** "45s", "12m05s", "3h07m"; "–" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The bar's tokens. Names must not collide with cli-progress's own (`total`, `value`, `eta`,
 * `percentage`, `duration`): those override the payload, which once printed the total in steps.
 */
export function barPayload(e: ProgressEvent, remainingSeconds: number): Record<string, string> {
  const speed = segmentSpeed(e);
  return {
    block: e.phase === 'burn-in' ? 'burn-in' : e.phase === 'final' ? 'final replay' : `block ${e.block}/${e.blocks}`,
    simSeconds: e.simulatedSeconds.toFixed(1),
    endSeconds: (e.endStep * DT_SECONDS).toFixed(1),
    speed: speed.toFixed(2),
    mse: Number.isNaN(e.mse) ? '-' : formatG6(e.mse),
    remaining: formatDuration(remainingSeconds),
  };
}

/**
 * Simulated seconds per wall second of this process's segment: a resumed run counts only what
 * it simulated itself (the clock started at `startSeconds`), not the time before the checkpoint.
 */
export function segmentSpeed(e: Pick<ProgressEvent, 'simulatedSeconds' | 'wallSeconds' | 'startSeconds'>): number {
  return e.wallSeconds > 0 ? (e.simulatedSeconds - e.startSeconds) / e.wallSeconds : 0;
}

/** One non-TTY progress line; `remainingSeconds` NaN prints `eta=-`, else whole wall seconds with their unit (`eta=223s`). */
export function formatProgressLine(e: ProgressEvent, remainingSeconds?: number): string {
  const speed = segmentSpeed(e);
  const remaining = remainingSeconds ?? (speed > 0 ? (e.endStep - e.clock) * DT_SECONDS / speed : NaN);
  const block = e.phase === 'burn-in' ? 'burn-in' : `${Math.min(e.block, e.blocks)}/${e.blocks}`;
  return `progress sim=${e.simulatedSeconds.toFixed(2)}/${(e.endStep * DT_SECONDS).toFixed(2)} block=${block} ` +
    `speed=${speed.toFixed(3)} mse=${Number.isNaN(e.mse) ? '-' : formatG6(e.mse)} eta=${Number.isFinite(remaining) ? `${Math.round(remaining)}s` : '-'}`;
}

/** A command that continues the run from `stateFile` into its own folder, pasteable as printed. */
export function resumeCommand(stateFile: string, outDir: string): string {
  const rel = (p: string) => shellWord(path.relative(process.cwd(), p) || '.');
  return `superspike run --resume ${rel(stateFile)} --out ${rel(outDir)}`;
}

/** A path as one shell word: as is when it holds only safe characters, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { stream } = options;
  const lineMode = options.lines ?? !stream.isTTY;
  const interval = (options.lineIntervalSeconds ?? 5) * 1000;
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  const estimateRemaining = createEtaEstimator();
  const write = (s: string) => {
    if (!options.quiet) stream.write(`${s}\n`);
  };

  return {
    start({ config, task, workers, resumedFrom }) {
      write(`superspike: ${task.description}`);
      write(`  network ${task.nInput}-${config.hidden.join('-')}${config.hidden.length ? '-' : ''}${task.nOutput}, feedback ${config.feedback}, ` +
        `${config.blocks} blocks of ${config.blockSeconds} s, ${workers} worker${workers > 1 ? 's' : ''}${resumedFrom ? `, resumed from ${resumedFrom}` : ''}`);
      if (options.quiet || lineMode) return;
      bar = new cliProgress.SingleBar({
        format: ' {bar} {percentage}% | {block} | sim {simSeconds}/{endSeconds} s | {speed} sim-s/s | MSE {mse} | ETA {remaining}',
        hideCursor: true,
        stream,
      }, cliProgress.Presets.shades_classic);
    },
    progress(event) {
      if (options.quiet) return;
      const remaining = estimateRemaining(event);
      if (bar) {
        const payload = barPayload(event, remaining);
        if (bar.getTotal() !== event.endStep) bar.start(event.endStep, event.clock, payload);
        else bar.update(event.clock, payload);
        return;
      }
      const now = performance.now();
      if (now - lastLine >= interval) {
        lastLine = now;
        write(formatProgressLine(event, remaining));
      }
    },
    stats(line) {
      if (options.quiet) return;
      if (bar) return; // the bar shows the MSE
      write(`stats block=${line.block} mse=${formatG6(line.mse)}`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
    summary(result) {
      if (options.quiet) return;
      const first = result.stats[0];
      const last = result.stats[result.stats.length - 1];
      const segmentSeconds = result.simulatedSeconds - result.startSeconds;
      const speed = result.wallSeconds > 0 ? segmentSeconds / result.wallSeconds : 0;
      write('');
      write(result.interrupted ? `interrupted at ${result.simulatedSeconds.toFixed(3)} s simulated — continue with: ${resumeCommand(result.stateFile ?? '', result.outDir)}` : 'done');
      if (first && last) write(`  MSE ${formatG6(first.mse)} (block ${first.block}) → ${formatG6(last.mse)} (block ${last.block})`);
      write(`  wall ${result.wallSeconds.toFixed(1)} s for ${segmentSeconds.toFixed(1)} s simulated${result.startSeconds > 0 ? ` (from ${result.startSeconds.toFixed(1)} s to ${result.simulatedSeconds.toFixed(1)} s)` : ''} ` +
        `(${speed.toFixed(2)} simulated s per wall s, ${result.timings.length} ranks)`);
      write(`  files in ${path.relative(process.cwd(), result.outDir) || '.'}:`);
      for (const f of result.files) write(`    ${path.basename(f)}`);
    },
  };
}
