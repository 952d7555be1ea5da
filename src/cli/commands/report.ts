/**
 * `superspike report DIR` — a self-contained HTML page about a finished run (see
 * src/report/report.ts), or of a run still going, marked "in progress". This file only parses and reports.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { buildReport, REPORT_FILE } from '../../report/report.js';
import { writeFileAtomic } from '../../io/atomic.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a run: learning curve, output vs target, rates, rasters, weights, timing')
    .argument('<dir>', "a run's output folder (holds run.json)")
    .option('-o, --output <file>', `HTML file to write (default: DIR/${REPORT_FILE})`)
    .addHelpText(
      'after',
      `
The page needs no network and no scripts: plots are inline SVG. It shows the MSE per block
(log scale) with the MSE defined in words; the output over the target with hits, misses and
extra spikes coloured, over one loop period of the first test window and of the last one (the
final frozen replay when the run has one); the mean firing rate of every layer per block;
spike rasters of input, hidden layers, output and target for the same two windows (of equal
length); weight histograms from the final network state; per-rank compute and barrier-wait
times; and the config.

A folder whose run is still going gives the page so far, marked "in progress" (for a page that
follows the run, see superspike watch); a folder whose run failed or was killed is refused.

Examples:
  superspike report output                      writes output/report.html
  superspike report output -o /tmp/run1.html`,
    )
    .action(async (dir: string, opts: { output?: string }) => {
      const file = opts.output ?? path.join(dir, REPORT_FILE);
      const { html, plots } = await buildReport(dir, { allowRunning: true });
      writeFileAtomic(file, html);
      process.stdout.write(`wrote ${file} (${plots.length} plots, ${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)\n`);
    });
}
