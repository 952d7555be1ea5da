/**
 * `superspike watch DIR` — serve a page on 127.0.0.1 that follows a run while it goes and is the
 * final report when it ends (see src/report/watch.ts). This file only parses and reports.
 */
import type { Command } from 'commander';
import { DEFAULT_WATCH_PORT, serveRunFolder } from '../../report/watch.js';
import { integerBetween } from '../options.js';

export function register(program: Command): void {
  program
    .command('watch')
    .description('serve a live page of a run on 127.0.0.1: learning curve, output vs target, rates, wait share; the final report when it ends')
    .argument('<dir>', "a run's output folder (the run may not have started yet)")
    .option('-p, --port <n>', `port on 127.0.0.1, 0 = any free one (default ${DEFAULT_WATCH_PORT})`, integerBetween(0, 65535, 'expected a port, 0 to 65535'))
    .option('--exit-when-done', 'stop serving once a run seen going has ended (or died) and the page shows it')
    .addHelpText(
      'after',
      `
The page is the report of superspike report, marked "in progress" while the run goes, and
updates by itself after every block (the run rewrites run.json then): MSE per block, output
over target of the first and the latest test window, rates per layer, rasters, per-rank
compute and barrier-wait times. When the run ends it becomes the final report. Only
127.0.0.1 is served; stop with Ctrl-C.

Examples:
  superspike run config/default.json --out output &    then, in another terminal or the same:
  superspike watch output                              open http://127.0.0.1:${DEFAULT_WATCH_PORT}/
  superspike watch output --port 0                     any free port (printed)

With --exit-when-done it ends once a run it saw going (or starting) has ended; a folder whose
run had already ended when it started is served until Ctrl-C.`,
    )
    .action(async (dir: string, opts: { port?: number; exitWhenDone?: boolean }) => {
      let done: (() => void) | null = null;
      const ended = new Promise<void>((resolve) => {
        done = resolve;
      });
      // A folder whose run had ended before watch started (an old run, a new one about to start in
      // it) does not count as done: only the end of a run seen going or starting does.
      let sawGoing = false;
      const server = await serveRunFolder(dir, {
        port: opts.port,
        onPage: ({ version, state, message }) => {
          process.stdout.write(`page ${version}: ${message}\n`);
          if (state === 'running' || state === 'waiting') sawGoing = true;
          else if (opts.exitWhenDone && sawGoing) done?.();
        },
      });
      process.stdout.write(`watching ${dir} at ${server.url} (Ctrl-C to stop)\n`);
      const stop = () => done?.();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await ended;
      // A last look for pages that are open: give them a moment to fetch the final page.
      if (opts.exitWhenDone) await new Promise((resolve) => setTimeout(resolve, 1500));
      await server.close();
    });
}
