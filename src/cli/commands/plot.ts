/**
 * `superspike plot DIR --group G -o FILE.png|svg` — one spike raster of a run as a picture
 * (see src/report/raster-image.ts).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeRasterPlot } from '../../report/raster-image.js';
import { integerBetween, parseSeconds } from '../options.js';

interface PlotCliOptions {
  group: string;
  from?: number;
  to?: number;
  output?: string;
  width?: number;
  height?: number;
}

const parsePixels = integerBetween(64, 20000, 'expected a whole number of pixels, 64 to 20000');

export function register(program: Command): void {
  program
    .command('plot')
    .description('draw the spike raster of one group of a run as PNG or SVG')
    .argument('<dir>', "a run's output folder (holds run.json)")
    .option('-g, --group <name>', 'group: a role (input, hidden, hiddenK, output, target) or a file name (multi_stim, multi_hidden2, …)', 'output')
    .option('--from <seconds>', 'start of the window (inclusive)', parseSeconds)
    .option('--to <seconds>', 'end of the window (exclusive)', parseSeconds)
    .option('-o, --output <file>', 'image to write, .png or .svg (default: DIR/<group>-raster.png)')
    .option('--width <px>', 'image width in pixels (default 800)', parsePixels)
    .option('--height <px>', 'image height in pixels (default: by neuron count)', parsePixels)
    .addHelpText(
      'after',
      `
Without --from/--to the window is the final frozen replay when the run has one, else the whole
run; with only one of them the other end is the start or the end of the run. The highest
neuron id is at the top, as in the target picture.

Examples:
  superspike plot output -o output-raster.png                 the final replay of the output
  superspike plot output --group target -o target.svg
  superspike plot output --group hidden2 --from 10 --to 11 -o h2.png`,
    )
    .action(async (dir: string, opts: PlotCliOptions) => {
      const output = opts.output ?? path.join(dir, `${opts.group}-raster.png`);
      const r = await writeRasterPlot(dir, { ...opts, output });
      process.stdout.write(
        `wrote ${r.file} (${r.format.toUpperCase()}, group ${r.group.spkName}, ${r.spikes} spikes, ` +
          `${seconds(r.window.fromStep, r.stepsPerSecond)} to ${seconds(r.window.toStep, r.stepsPerSecond)} s)\n`,
      );
    });
}

/** A step as seconds, exact to the step (0.1 ms) and without float noise: 45.0001, 0.0008. */
function seconds(step: number, stepsPerSecond: number): string {
  return String(Number((step / stepsPerSecond).toFixed(6)));
}
