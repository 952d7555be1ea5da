/**
 * Stopping a sweep: SIGINT or SIGTERM to `superspike experiment` (a batch scheduler's warning, a
 * Ctrl-C) must not lose the work of the runs in flight. The first signal is forwarded once to
 * every running child (`superspike run` then checkpoints at its next interval and exits 130/143)
 * and no further run is launched; the sweep then ends with the signal's exit code, and running the
 * same command again continues every stopped run from its checkpoint. A second signal is forwarded
 * too (the children abort at once) and ends the sweep without waiting.
 */
import type { ChildProcess } from 'node:child_process';
import { UserError } from '../errors.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type SweepSignal = keyof typeof EXIT_CODES;

export class SweepStop {
  private signal: SweepSignal | null = null;
  private readonly children = new Set<ChildProcess>();

  get stopped(): boolean {
    return this.signal !== null;
  }

  /** 130 (SIGINT) or 143 (SIGTERM); 0 before any signal. */
  get exitCode(): number {
    return this.signal === null ? 0 : EXIT_CODES[this.signal];
  }

  /** Follows a running child until the returned function is called (when it has exited). */
  track(child: ChildProcess): () => void {
    this.children.add(child);
    if (this.signal !== null) child.kill(this.signal);
    return () => this.children.delete(child);
  }

  /** Stops the sweep: forwards `signal` to every running child. */
  request(signal: SweepSignal): void {
    this.signal ??= signal;
    for (const child of this.children) child.kill(signal);
  }

  /** How the sweep ended, for the CLI: the signal's exit code and what to do next. */
  error(unfinished: number): UserError {
    return new UserError(
      `experiment stopped by ${this.signal}: ${unfinished} run(s) not finished; the running ones wrote checkpoints — run the same command again to continue`,
      { exitCode: this.exitCode },
    );
  }

  /** Installs the signal handlers; returns their removal. A second signal exits at once. */
  install(onSecond: (code: number) => void = (code) => process.exit(code)): () => void {
    const handler = (signal: SweepSignal) => {
      if (this.signal !== null) {
        process.stderr.write(`superspike: second ${signal}: children told to abort, exiting without waiting\n`);
        this.request(signal);
        onSecond(EXIT_CODES[signal]);
        return;
      }
      process.stderr.write(`\nsuperspike: ${signal}: stopping the sweep; running runs write checkpoints (${signal} again to abort)\n`);
      this.request(signal);
    };
    const onInt = () => handler('SIGINT');
    const onTerm = () => handler('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  }
}
