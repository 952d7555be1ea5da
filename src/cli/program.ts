/**
 * The `superspike` command line. It only parses and delegates: every command lives in
 * `src/cli/commands/<name>.ts` and exports `register(program)`.
 *
 * Exit codes: 0 success, 1 user error (one-line message; stack with --debug), 2 usage error,
 * 130 / 143 / 129 interrupted by SIGINT / SIGTERM / SIGHUP (after a resumable checkpoint was
 * written), 75 stopped by a signal before the run started (nothing written).
 */
import { Command, CommanderError } from 'commander';
import { printable, UserError } from '../errors.js';
import { describeErrno, isDescribableFsError } from '../io/fs-errors.js';
import { PACKAGE_VERSION } from '../paths.js';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('superspike')
    .description('Train multilayer spiking networks with SuperSpike on worker-thread ranks (Auryn-compatible outputs)')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    // Messages may quote file content or file names: control bytes are spelled out (one line,
    // nothing that drives the terminal).
    if (err instanceof UserError) {
      process.stderr.write(`superspike: ${printable(err.message)}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    // A file-system failure nobody translated (full disk, no permission, read-only folder, a
    // name too long) is still the user's to fix, not a bug: one line naming the file.
    if (isDescribableFsError(err) && typeof err.path === 'string') {
      process.stderr.write(`superspike: cannot ${err.syscall ?? 'use'} ${printable(err.path)}: ${describeErrno(err)}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return 1;
    }
    process.stderr.write(`superspike: internal error: ${printable((err as Error)?.message ?? String(err))}\n`);
    if (debug || !(err instanceof Error)) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    else process.stderr.write('(run again with --debug for the stack trace)\n');
    return 1;
  }
}

