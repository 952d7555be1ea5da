/**
 * What SIGINT (Ctrl-C), SIGTERM (what batch schedulers, and mpirun on either signal, send before
 * killing a job) and SIGHUP (a closed terminal or ssh session) do to a run: each stops it at the
 * next interval with a checkpoint; the exit code is 128 + the signal number (130, 143, 129) and
 * means a checkpoint was written. A signal that arrives before the run has started (while the
 * config and data are read) ends it with NOT_STARTED_EXIT_CODE instead: nothing was written, and
 * the same command starts afresh. Under MPI every process receives the signal from the launcher
 * and the ranks agree on the stop clock through the interval exchange.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { resumeCommand } from '../report/progress.js';

const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
/** A stop before the run started, so before any checkpoint could exist (sysexits' EX_TEMPFAIL: try again). */
export const NOT_STARTED_EXIT_CODE = 75;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * SIGINT, SIGTERM and SIGHUP stop the run at the next interval with a checkpoint; the exit code
 * is 128 + the signal number. A second signal aborts at once and says truthfully whether a
 * checkpoint of this stop (or an older one) is on disk, judged by the checkpoint file's
 * modification time. Installed before the config is read; `begin` says the run is about to
 * start, where its checkpoint will be and how to end the process (under MPI: MPI_Abort, since a
 * thread inside MPI would keep a plain exit waiting). A stop before `begin` writes nothing.
 */
export function createSignalHandling(stop: AbortController) {
  let first: StopSignal | null = null;
  let firstAt = 0;
  let run: { checkpointFile: string; exit: (code: number) => never } | null = null;
  const handler = (signal: StopSignal) => {
    const how = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (first === null) {
      first = signal;
      firstAt = Date.now();
      process.stderr.write(run === null
        ? `\nsuperspike: ${signal} before the run started: stopping; nothing is written\n`
        : `\nsuperspike: ${signal}: stopping at the next interval and writing a checkpoint (${how} again to abort)\n`);
      stop.abort();
      return;
    }
    if (run === null) process.exit(NOT_STARTED_EXIT_CODE);
    process.stderr.write(`superspike: aborted by a second ${signal}; ${checkpointTruth(run.checkpointFile, firstAt)}\n`);
    run.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]).map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, on] of handlers) process.on(signal, on);
  return {
    /** From here on a stop writes a checkpoint to `checkpointFile`. */
    begin(checkpointFile: string, exit: (code: number) => never = (code) => process.exit(code)): void {
      run = { checkpointFile, exit };
    },
    /** Exit code after a stop: 128 + signal once the run had begun, NOT_STARTED_EXIT_CODE before. */
    exitCode: () => (run === null ? NOT_STARTED_EXIT_CODE : SIGNAL_EXIT_CODES[first ?? 'SIGINT']),
    dispose: () => {
      for (const [signal, on] of handlers) process.off(signal, on);
    },
  };
}

/** What is on disk after an abort: this stop's checkpoint, an older one, or none. */
export function checkpointTruth(file: string, stopRequestedAt: number): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return 'no checkpoint was written';
  }
  // Coarse file-system clocks: a second of slack counts a just-written file as this stop's.
  const command = resumeCommand(file, path.dirname(file));
  if (st.mtimeMs >= stopRequestedAt - 1000) return `the checkpoint of this stop was written: continue with: ${command}`;
  return `this stop's checkpoint was not written; ${file} is an earlier checkpoint (saved ${st.mtime.toISOString()}); continue it with: ${command}`;
}
