/**
 * `superspike animate`: the output raster of every block's test window as one GIF frame, then
 * the final frozen replay, so the target picture visibly emerges during training (the paper's
 * Radcliffe Camera animation). Each frame is a bitmap of (time bin × neuron) cells, the highest
 * neuron id at the top like the target picture, in a fixed 4-colour palette:
 *
 *   white   no spike in the bin
 *   black   one spike (what the target asks for)
 *   blue    two or more spikes
 *   grey    the progress strip under the raster (blocks trained / blocks)
 *
 * gifenc is plain CommonJS without types; it is loaded through `createRequire` so the same code
 * works under Node's ESM loader and under vitest (types: gifenc.d.ts).
 */
import { createRequire } from 'node:module';
import { UserError } from '../errors.js';
import type { RunInfo, RunInfoWindow } from '../io/run-info.js';
import { findGroup, groupSpikeFiles, loadRunInfo, loadSpikes } from './load.js';
import { writeFileAtomic } from '../io/atomic.js';

const requireCjs = createRequire(import.meta.url);
const gifenc = requireCjs('gifenc') as typeof import('gifenc');

export const PALETTE: number[][] = [
  [255, 255, 255],
  [0, 0, 0],
  [31, 79, 160],
  [200, 200, 200],
];
const WHITE = 0;
const BLACK = 1;
const MANY = 2;
const GREY = 3;

export interface AnimateOptions {
  /** Pixels per cell side. Default 4. */
  scale?: number;
  /** Delay between frames in ms. Default 300; the last frame is held 5 times as long. */
  delayMs?: number;
  /** Time bin (cell width) in ms. Default: the built-in task's bin, else 10 ms. */
  binMs?: number;
  /** Group to animate (role or spkName). Default "output". */
  group?: string;
  /**
   * Show one loop period of each window, starting on a period boundary, so every frame shows
   * the picture in the same place (default true). Windows shorter than a period stay whole.
   */
  align?: boolean;
}

/** Bin width used when none is given: the config's `task.binSeconds`, else 10 ms. */
export function defaultBinMs(info: RunInfo): number {
  const task = (info.config as { task?: { binSeconds?: unknown } } | undefined)?.task;
  const bin = task?.binSeconds;
  return typeof bin === 'number' && bin > 0 ? bin * 1000 : 10;
}

/** The frames' windows: every block's test window, then the final window if there is one. */
export function animationWindows(info: RunInfo): RunInfoWindow[] {
  const windows = [...(info.testWindows ?? [])];
  if (info.finalWindow) windows.push(info.finalWindow);
  return windows;
}

/** What one frame shows. */
export interface FrameWindow extends RunInfoWindow {
  /**
   * Set when the frame shows one loop period: column = (step mod period) / bin, so the
   * picture starts at the left edge whatever the window's phase.
   */
  periodSteps?: number;
}

/**
 * The part of `w` a frame shows. With `align` and a window at least one loop period long
 * (input and target repeat every `periodSteps` from step 0): its first period, laid out by
 * phase. Otherwise the whole window.
 */
export function frameWindow(info: RunInfo, w: RunInfoWindow, align: boolean): FrameWindow {
  const period = info.periodSteps;
  if (!align || !(period > 0) || w.toStep - w.fromStep < period) {
    return { block: w.block, fromStep: w.fromStep, toStep: w.toStep };
  }
  return { block: w.block, fromStep: w.fromStep, toStep: w.fromStep + period, periodSteps: period };
}

/** Columns of a frame: time bins of its window. */
export function frameColumns(w: FrameWindow, binSteps: number): number {
  return Math.max(1, Math.ceil((w.toStep - w.fromStep) / binSteps));
}

/**
 * Cell bitmap of one frame, `columns` wide: index per cell (WHITE, BLACK or MANY), row 0 at
 * the top = neuron `neurons - 1`.
 */
export function cellBitmap(
  steps: ArrayLike<number>,
  ids: ArrayLike<number>,
  window: FrameWindow,
  binSteps: number,
  neurons: number,
  columns: number,
): Uint8Array {
  const counts = new Uint8Array(columns * neurons);
  const period = window.periodSteps;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const id = ids[i]!;
    if (s < window.fromStep || s >= window.toStep || id >= neurons) continue;
    const offset = period === undefined ? s - window.fromStep : s % period;
    const col = Math.floor(offset / binSteps);
    if (col >= columns) continue;
    const cell = (neurons - 1 - id) * columns + col;
    if (counts[cell]! < 2) counts[cell]!++;
  }
  for (let i = 0; i < counts.length; i++) counts[i] = counts[i] === 0 ? WHITE : counts[i] === 1 ? BLACK : MANY;
  return counts;
}

/** Writes the animation of run folder `dir` to `outFile`; returns the number of frames. */
export async function writeAnimation(dir: string, outFile: string, opts: AnimateOptions = {}): Promise<number> {
  const info = loadRunInfo(dir);
  const group = findGroup(info, opts.group ?? 'output');
  const scale = Math.max(1, Math.floor(opts.scale ?? 4));
  const delay = Math.max(0, opts.delayMs ?? 300);
  const binMs = opts.binMs ?? defaultBinMs(info);
  if (!(binMs > 0)) throw new UserError(`the time bin must be positive (got ${binMs} ms)`);
  const sps = info.stepsPerSecond;
  const binSteps = Math.max(1, Math.round((binMs / 1000) * sps));

  const all = animationWindows(info);
  const windows = all.map((w) => frameWindow(info, w, opts.align ?? true));
  if (windows.length === 0) {
    throw new UserError(`${dir}: the run recorded no test windows (run.json testWindows is empty), nothing to animate`);
  }
  if (groupSpikeFiles(dir, group).length === 0) {
    throw new UserError(`${dir} has no spike files ${group.spkName}.<rank>.spk to animate`);
  }
  const neurons = Math.max(1, group.size);
  const columns = Math.max(1, ...windows.map((w) => frameColumns(w, binSteps)));
  const width = columns * scale;
  // Raster, one blank cell row, then a one-cell progress strip.
  const rows = neurons + 2;
  const height = rows * scale;
  if (width > 65535 || height > 65535) {
    throw new UserError(`frames of ${width}×${height} pixels exceed the GIF limit of 65535: use a smaller --scale or a larger --bin-ms`);
  }

  const gif = gifenc.GIFEncoder();
  const blocks = Math.max(1, info.blocks);
  for (let f = 0; f < windows.length; f++) {
    const w = windows[f]!;
    const spikes = await loadSpikes(dir, group, w);
    const cells = cellBitmap(spikes.steps, spikes.ids, w, binSteps, neurons, columns);
    const index = new Uint8Array(width * height); // WHITE = 0
    for (let r = 0; r < neurons; r++) {
      for (let c = 0; c < columns; c++) {
        const v = cells[r * columns + c]!;
        if (v === WHITE) continue;
        for (let dy = 0; dy < scale; dy++) index.fill(v, (r * scale + dy) * width + c * scale, (r * scale + dy) * width + (c + 1) * scale);
      }
    }
    // Progress strip: the share of training done before this window (the final one: all).
    const done = Math.min(1, Math.max(0, w.block / blocks));
    const filled = Math.round(done * width);
    for (let dy = 0; dy < scale; dy++) {
      const y = (neurons + 1) * scale + dy;
      index.fill(GREY, y * width, y * width + filled);
    }
    const last = f === windows.length - 1;
    gif.writeFrame(index, width, height, {
      palette: f === 0 ? PALETTE : undefined,
      delay: last ? delay * 5 : delay,
      repeat: 0,
    });
  }
  gif.finish();
  writeFileAtomic(outFile, gif.bytesView());
  return windows.length;
}
