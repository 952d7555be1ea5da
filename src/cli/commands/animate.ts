/**
 * `superspike animate DIR -o training.gif` — input, hidden and output rasters of every block's
 * test window as GIF frames with captions (see src/report/animate.ts).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeAnimation } from '../../report/animate.js';
import { deprecatedMsOption, integerBetween, parseMilliseconds, parsePositive, secondsFlag } from '../options.js';

interface AnimateCliOptions {
  output?: string;
  scale?: number;
  delayMs: number;
  binSeconds?: number;
  /** Deprecated `--bin-ms`, already in seconds. */
  binMs?: number;
  group?: string;
  align: boolean;
}

const parseScale = integerBetween(1, 64);
const parseDelay = integerBetween(0, 655350, 'expected milliseconds, 0 to 655350');

export function register(program: Command): void {
  program
    .command('animate')
    .description("animate training: one GIF frame per block with the input, hidden and output rasters of its test window")
    .argument('<dir>', "a run's output folder (holds run.json)")
    .option('-o, --output <file>', 'GIF to write (default: DIR/training.gif)')
    .option('--scale <n>', 'pixels per raster cell (1-64); default: a time axis of about 560 px', parseScale)
    .option('--delay-ms <ms>', 'time between frames; the last frame stays 5 times as long', parseDelay, 300)
    .option('--bin-seconds <s>', "cell width in seconds (default: the task's bin, else 0.01)", parsePositive)
    .addOption(deprecatedMsOption('--bin-ms', '--bin-seconds', parseMilliseconds))
    .option('-g, --group <names>', 'groups to show, top to bottom, comma-separated (roles or file names); default input,hidden,output')
    .option('--no-align', 'show whole test windows instead of one loop period laid out from phase 0')
    .addHelpText(
      'after',
      `
A cell is one time bin of one neuron (highest id at the top): white no spike, black one spike,
blue more than one; the target's spikes are pink behind the output. Each frame's caption gives
the block (k/N) and the MSE of the stats line written as that block began; a strip shows how far
training had got. The last frame is the final frozen replay when the run has one. Each frame shows one loop period of its
window laid out by phase (column = time mod period), so the picture stands still from frame to
frame; --no-align shows the whole windows as recorded (so do windows shorter than a period).

Examples:
  superspike animate output -o training.gif
  superspike animate output -o big.gif --scale 8 --delay-ms 150
  superspike animate output -o out.gif --group output`,
    )
    .action(async (dir: string, opts: AnimateCliOptions) => {
      const binSeconds = secondsFlag(opts, 'binSeconds', 'binMs', '--bin');
      const output = opts.output ?? path.join(dir, 'training.gif');
      const r = await writeAnimation(dir, output, {
        scale: opts.scale,
        delayMs: opts.delayMs,
        binMs: binSeconds === undefined ? undefined : binSeconds * 1000,
        groups: opts.group?.split(',').map((g) => g.trim()).filter((g) => g !== ''),
        align: opts.align,
      });
      process.stdout.write(`wrote ${output} (${r.frames} frame${r.frames === 1 ? '' : 's'}, ${r.width}×${r.height} px)\n`);
    });
}
