/**
 * What SIGINT (Ctrl-C) and SIGTERM (what batch schedulers, and mpirun on either signal, send
 * before killing a job) do to a run: both stop it at the next interval with a checkpoint; the
 * exit code is 128 + the signal number (130, 143). Under MPI every process receives the signal
 * from the launcher and the ranks agree on the stop clock through the interval exchange.
 */
import * as fs from 'node:fs';

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * SIGINT (Ctrl-C) and SIGTERM (what batch schedulers send before killing a job) both stop the
 * run at the next interval with a checkpoint; the exit code is 128 + the signal number (130,
 * 143). A second signal aborts at once and says truthfully whether a checkpoint of this stop
 * (or an older one) is on disk, judged by the checkpoint file's modification time.
 */
export function createSignalHandling(
  stop: AbortController,
  checkpointFile: string,
  /** How a second signal ends the process; under MPI, MPI_Abort (a thread inside MPI would keep process.exit waiting). */
  exit: (code: number) => never = (code) => process.exit(code),
) {
  let first: StopSignal | null = null;
  let firstAt = 0;
  const handler = (signal: StopSignal) => {
    if (first === null) {
      first = signal;
      firstAt = Date.now();
      const how = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      process.stderr.write(`\nsuperspike: ${signal}: stopping at the next interval and writing a checkpoint (${how} again to abort)\n`);
      stop.abort();
      return;
    }
    process.stderr.write(`superspike: aborted by a second ${signal}; ${checkpointTruth(checkpointFile, firstAt)}\n`);
    exit(SIGNAL_EXIT_CODES[signal]);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    exitCode: () => SIGNAL_EXIT_CODES[first ?? 'SIGINT'],
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
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
  if (st.mtimeMs >= stopRequestedAt - 1000) return `the checkpoint of this stop was written: continue with --resume ${file}`;
  return `this stop's checkpoint was not written; ${file} is an earlier checkpoint (saved ${st.mtime.toISOString()}) that --resume can continue`;
}
