/**
 * `superspike target` — a picture becomes a target raster (see src/tasks/image-target.ts).
 * Decoding is pngjs's job; this file only reads, converts and reports.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { PNG } from 'pngjs';
import { UserError } from '../../errors.js';
import { checkImagePixels, LIMITS } from '../../config/limits.js';
import { describeErrno } from '../../io/fs-errors.js';
import { DT_SECONDS } from '../../model/constants.js';
import { writeRas } from '../../io/ras.js';
import { imageToTargetEvents, type TargetRaster } from '../../tasks/image-target.js';
import { BuiltinTaskSchema } from '../../config/schema.js';
import { deprecatedMsOption, parseMilliseconds, parsePositive, parseSeed, parseUnitInterval, secondsFlag } from '../options.js';

interface TargetCliOptions {
  output: string;
  binSeconds?: number;
  /** Deprecated `--bin-ms`, already in seconds. */
  binMs?: number;
  seed: number;
  threshold: number;
}

/** Pixel column width without --bin-seconds: the built-in task's (task.binSeconds, config/schema.ts). */
const DEFAULT_BIN_SECONDS = BuiltinTaskSchema.parse({}).binSeconds;

export function register(program: Command): void {
  program
    .command('target')
    .description('turn a picture into a target raster: one output neuron per pixel row, one time bin per pixel column, a spike per dark pixel')
    .argument('<image>', 'PNG image (dark pixels on a light background)')
    .requiredOption('-o, --output <file>', 'target raster to write (.ras)')
    .option('--bin-seconds <s>', `width of one time bin (pixel column) in seconds (default ${DEFAULT_BIN_SECONDS})`, parsePositive)
    .addOption(deprecatedMsOption('--bin-ms', '--bin-seconds', parseMilliseconds))
    .option('--seed <n>', 'seed of the spike-time jitter inside each bin', parseSeed, 1)
    .option('--threshold <t>', 'a pixel is dark when its luminance (0 black, 1 white) is below this', parseUnitInterval, 0.5)
    .addHelpText(
      'after',
      `
The top pixel row becomes the highest neuron id (height-1), the bottom row id 0; column c
covers [c*bin, (c+1)*bin). Transparent pixels count as white. It prints the number of output
neurons and the loop grid (width * bin) to configure the run with. Pictures above
${LIMITS.maxImagePixels} pixels are refused (read from the PNG header, before decoding); the bin
must be at least the 0.1 ms time step.

Examples:
  superspike target data/ssbm/precise_timing/oxford/oxford.png -o output/oxford-target.ras
  superspike target logo.png -o logo.ras --bin-seconds 0.005 --seed 7 --threshold 0.3`,
    )
    .action((image: string, cli: TargetCliOptions) => {
      const opts = { ...cli, binSeconds: secondsFlag(cli, 'binSeconds', 'binMs', '--bin') ?? DEFAULT_BIN_SECONDS };
      const raster = targetFromPng(image, opts);
      const grid = formatSeconds(raster.gridSeconds);
      writeRas(opts.output, raster.times, raster.ids, {
        comments: [
          `target from ${image}: neurons ${raster.neurons}, bin ${formatSeconds(opts.binSeconds)} s, time grid ${grid} s, seed ${opts.seed}`,
        ],
      });
      process.stdout.write(
        `neurons ${raster.neurons} (ids 0-${raster.neurons - 1}, top row = ${raster.neurons - 1})\n` +
          `events ${raster.times.length} (dark pixels)\n` +
          `grid ${grid} s (${Math.round(raster.gridSeconds / opts.binSeconds)} columns x ${formatSeconds(opts.binSeconds)} s)\n` +
          `wrote ${opts.output}\n`,
      );
    });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Width and height from a PNG's IHDR chunk (bytes 16..24), read before anything is decoded:
 * a small file can decode to gigabytes.
 */
export function pngSize(bytes: Uint8Array, image: string): { width: number; height: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE) || b.toString('latin1', 12, 16) !== 'IHDR') {
    throw new UserError(`${image}: not a readable PNG image (no PNG signature and IHDR header)`);
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Reads a PNG and converts it; unreadable or invalid files and limits are user errors. */
export function targetFromPng(image: string, opts: { binSeconds: number; seed: number; threshold: number }): TargetRaster {
  const binSeconds = opts.binSeconds;
  if (binSeconds < DT_SECONDS) {
    throw new UserError(`a bin of ${formatSeconds(binSeconds)} s is shorter than the 0.1 ms simulation time step: one pixel column needs at least one step`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(image);
  } catch (err) {
    throw new UserError(`cannot read image ${image}: ${describeErrno(err)}`, { cause: err });
  }
  const { width, height } = pngSize(bytes, image);
  checkImagePixels(width, height, image);
  let png: PNG;
  try {
    // pngjs hands back 8-bit RGBA whatever the file's colour type and bit depth.
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw new UserError(`${image}: not a readable PNG image (${(err as Error).message})`, { cause: err });
  }
  return imageToTargetEvents(png.data, png.width, png.height, {
    binSeconds,
    seed: opts.seed,
    threshold: opts.threshold,
  });
}

/** Up to 6 decimals without trailing zeros: 189 × 0.01 prints as 1.89, not 1.8900000000000001. */
function formatSeconds(s: number): string {
  return String(Number(s.toFixed(6)));
}
