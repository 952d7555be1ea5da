/**
 * What `run` shows while it works: a live bar on a terminal (cli-progress), plain parseable
 * lines otherwise (CI logs), nothing with --quiet; and a one-screen summary at the end.
 *
 * Non-TTY line format (one per block and at most one every `lineIntervalSeconds`):
 *   progress sim=<s>/<s> block=<b>/<B> speed=<sim s per wall s> mse=<x|-> eta=<s>
 *   stats block=<b> mse=<x>
 */
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import type { ProgressEvent, RunResult } from '../engine/coordinator.js';
import { formatG6, type StatsLine } from '../io/stats.js';

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

export function formatProgressLine(e: ProgressEvent): string {
  const speed = e.wallSeconds > 0 ? e.simulatedSeconds / e.wallSeconds : 0;
  const remaining = speed > 0 ? (e.endStep - e.clock) * 1e-4 / speed : NaN;
  const block = e.phase === 'burn-in' ? 'burn-in' : `${Math.min(e.block, e.blocks)}/${e.blocks}`;
  return `progress sim=${e.simulatedSeconds.toFixed(2)}/${(e.endStep * 1e-4).toFixed(2)} block=${block} ` +
    `speed=${speed.toFixed(3)} mse=${Number.isNaN(e.mse) ? '-' : formatG6(e.mse)} eta=${Number.isFinite(remaining) ? Math.round(remaining) : '-'}`;
}

export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { stream } = options;
  const lineMode = options.lines ?? !stream.isTTY;
  const interval = (options.lineIntervalSeconds ?? 5) * 1000;
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
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
        format: ' {bar} {percentage}% | {block} | sim {sim}/{total} s | {speed} sim-s/s | MSE {mse} | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 20,
        stream,
      }, cliProgress.Presets.shades_classic);
    },
    progress(event) {
      if (options.quiet) return;
      const speed = event.wallSeconds > 0 ? event.simulatedSeconds / event.wallSeconds : 0;
      if (bar) {
        const payload = {
          block: event.phase === 'burn-in' ? 'burn-in' : event.phase === 'final' ? 'final replay' : `block ${event.block}/${event.blocks}`,
          sim: event.simulatedSeconds.toFixed(1),
          total: (event.endStep * 1e-4).toFixed(1),
          speed: speed.toFixed(2),
          mse: Number.isNaN(event.mse) ? '-' : formatG6(event.mse),
        };
        if (bar.getTotal() !== event.endStep) bar.start(event.endStep, event.clock, payload);
        else bar.update(event.clock, payload);
        return;
      }
      const now = performance.now();
      if (now - lastLine >= interval) {
        lastLine = now;
        write(formatProgressLine(event));
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
      const speed = result.wallSeconds > 0 ? result.simulatedSeconds / result.wallSeconds : 0;
      write('');
      write(result.interrupted ? `interrupted at ${result.simulatedSeconds.toFixed(3)} s simulated — resume with --resume ${path.relative(process.cwd(), result.stateFile ?? '')}` : 'done');
      if (first && last) write(`  MSE ${formatG6(first.mse)} (block ${first.block}) → ${formatG6(last.mse)} (block ${last.block})`);
      write(`  wall ${result.wallSeconds.toFixed(1)} s for ${result.simulatedSeconds.toFixed(1)} s simulated (${speed.toFixed(2)} simulated s per wall s, ${result.timings.length} ranks)`);
      write(`  files in ${path.relative(process.cwd(), result.outDir) || '.'}:`);
      for (const f of result.files) write(`    ${path.basename(f)}`);
    },
  };
}
