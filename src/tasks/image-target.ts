/**
 * Picture → target raster, like the paper's Radcliffe Camera target: one output neuron per pixel
 * row, one time bin per pixel column, one spike per dark pixel, at a seeded random time inside
 * its bin. Pure functions: the CLI (`superspike target`) feeds them a decoded PNG, the engine's
 * built-in task a drawn bitmap.
 */
import { Xoshiro128 } from '../model/rng.js';
import { sortEvents } from './events.js';
import { DT_SECONDS } from '../model/constants.js';

export interface ImageTargetOptions {
  /** Width of one time bin (one pixel column) in seconds. Default 0.01 (10 ms, as the paper). */
  binSeconds?: number;
  /** Seed of the jitter. Default 1. */
  seed?: number;
  /**
   * A pixel is dark when its luminance (0 black … 1 white, after compositing over white by its
   * alpha) is below this. Default 0.5.
   */
  threshold?: number;
  /**
   * Simulation step in seconds. Default `DT_SECONDS` (1e-4). Jitter is drawn in [0, bin − step/2) so that a
   * time rounded to the step grid (docs/model.md §12) never lands in the next bin — or, for the last
   * column, on the loop grid itself, where it would wrap to step 0.
   */
  stepSeconds?: number;
}

export interface TargetRaster {
  /** Spike times in seconds, sorted by (time, id). */
  times: Float64Array;
  /** Neuron ids: row r of an image of height h is neuron h − 1 − r (top row = highest id). */
  ids: Uint32Array;
  /** Output neurons needed: the image height. */
  neurons: number;
  /** Loop grid (duration of one presentation) in seconds: width × bin. */
  gridSeconds: number;
}

/**
 * Events for a boolean bitmap, `dark[row][col]`, row 0 at the top. All rows must have the same
 * length. Jitter is drawn column by column, top to bottom, so a given seed and bitmap always
 * give the same file.
 */
export function darkBitmapToTargetEvents(
  dark: readonly (readonly boolean[])[],
  opts: ImageTargetOptions = {},
): TargetRaster {
  const height = dark.length;
  const width = height === 0 ? 0 : dark[0]!.length;
  for (let r = 0; r < height; r++) {
    if (dark[r]!.length !== width) {
      throw new RangeError(`bitmap row ${r} has ${dark[r]!.length} columns, row 0 has ${width}`);
    }
  }
  return eventsFrom(width, height, (row, col) => dark[row]![col]!, opts);
}

/**
 * Events for RGBA pixels (4 bytes per pixel, row-major, row 0 at the top — what pngjs
 * decodes to).
 */
export function imageToTargetEvents(
  pixels: Uint8Array,
  width: number,
  height: number,
  opts: ImageTargetOptions = {},
): TargetRaster {
  if (pixels.length !== width * height * 4) {
    throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${pixels.length}`);
  }
  const threshold = opts.threshold ?? 0.5;
  return eventsFrom(width, height, (row, col) => pixelLuminance(pixels, (row * width + col) * 4) < threshold, opts);
}

/**
 * Luminance in [0, 1] of the RGBA pixel at byte offset `at`, composited over white: a fully
 * transparent pixel counts as background (white), whatever its colour bytes say.
 * Rec. 709 weights on the stored (gamma-encoded) values — enough to tell ink from paper.
 */
export function pixelLuminance(pixels: Uint8Array, at: number): number {
  const y = (0.2126 * pixels[at]! + 0.7152 * pixels[at + 1]! + 0.0722 * pixels[at + 2]!) / 255;
  const a = pixels[at + 3]! / 255;
  return a * y + (1 - a);
}

function eventsFrom(
  width: number,
  height: number,
  isDark: (row: number, col: number) => boolean,
  opts: ImageTargetOptions,
): TargetRaster {
  const bin = opts.binSeconds ?? 0.01;
  const step = opts.stepSeconds ?? DT_SECONDS;
  if (!(bin > 0) || !Number.isFinite(bin)) throw new RangeError(`bin width must be positive, got ${bin}`);
  // A bin of exactly one step works: jitter < step/2 rounds back to the bin's own step.
  if (!(step > 0) || step > bin) throw new RangeError(`step ${step} must be positive and no longer than the bin ${bin}`);
  const spread = bin - step / 2;
  const rng = new Xoshiro128(opts.seed ?? 1);
  const times: number[] = [];
  const ids: number[] = [];
  for (let col = 0; col < width; col++) {
    for (let row = 0; row < height; row++) {
      if (!isDark(row, col)) continue;
      times.push(col * bin + rng.nextUnit() * spread);
      ids.push(height - 1 - row);
    }
  }
  const sorted = sortEvents(Float64Array.from(times), Uint32Array.from(ids));
  return { ...sorted, neurons: height, gridSeconds: width * bin };
}
