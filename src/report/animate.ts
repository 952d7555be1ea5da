/**
 * `superspike animate`: one GIF frame per block's test window, then the final frozen replay, so
 * the target picture visibly emerges during training (the paper's Radcliffe Camera animation).
 * Each frame (drawn by animate-frame.ts as SVG, rendered by render.ts) has a caption with the
 * block and the MSE at that point, a training-progress strip, and raster panels of (time bin ×
 * neuron) cells — input, hidden and output by default: black one spike in the bin, blue more
 * than one; the output compared with the target in the report's colours (svg-plots.ts
 * HIT_COLORS): green hit, pink missed target, black extra output.
 *
 * gifenc is plain CommonJS without types; it is loaded through `createRequire` so the same code
 * works under Node's ESM loader and under vitest (types: gifenc.d.ts). Each frame gets its own
 * 256-colour palette (the text is antialiased).
 */
import { createRequire } from 'node:module';
import { UserError } from '../errors.js';
import type { RunInfo, RunInfoGroup, RunInfoWindow } from '../io/run-info.js';
import { formatG6 } from '../io/stats.js';
import { frameSize, frameSvg, type FrameLayout, type FramePanel } from './animate-frame.js';
import { findGroup, groupLabel, groupSpikeFiles, loadRunInfo, loadSpikes, loadStats } from './load.js';
import { svgToRgba } from './render.js';
import { writeFileAtomic } from '../io/atomic.js';

const requireCjs = createRequire(import.meta.url);
const gifenc = requireCjs('gifenc') as typeof import('gifenc');

const WHITE = 0;
const BLACK = 1;
const MANY = 2;

/** Groups a frame shows without --group: the layers of the public SuperSpike animation. */
export const DEFAULT_PANELS = ['input', 'hidden', 'output'];
/** Pixel width the time axis aims at when no --scale is given. */
const DEFAULT_PLOT_WIDTH = 560;

export interface AnimateOptions {
  /** Pixels per cell side (time bin width and output row height). Default: about 560 px of time axis. */
  scale?: number;
  /** Delay between frames in ms. Default 300; the last frame is held 5 times as long. */
  delayMs?: number;
  /** Time bin (cell width) in ms. Default: the built-in task's bin, else 10 ms. */
  binMs?: number;
  /** Groups to show, top to bottom (roles or spkNames). Default input, hidden (if any), output. */
  groups?: string[];
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

export interface AnimationResult {
  frames: number;
  width: number;
  height: number;
  /** Each frame's caption, in order. */
  captions: string[];
}

/** The groups named in `names`; defaults drop a hidden layer the network does not have. */
function panelGroups(info: RunInfo, names: string[] | undefined): RunInfoGroup[] {
  if (names !== undefined && names.length > 0) return names.map((n) => findGroup(info, n));
  const hasHidden = info.groups.some((g) => g.role === 'hidden');
  return DEFAULT_PANELS.filter((n) => n !== 'hidden' || hasHidden).map((n) => findGroup(info, n));
}

/** The frame's caption: block k/N and the MSE of the stats line written as that block began. */
export function frameCaption(info: RunInfo, w: RunInfoWindow, mse: number | undefined): string {
  const mseText = mse === undefined ? 'MSE –' : `MSE ${formatG6(mse)}`;
  const isFinal = info.finalWindow !== null && w.block >= info.blocks;
  return isFinal ? `final replay after ${info.blocks}/${info.blocks} blocks · ${mseText}` : `block ${w.block}/${info.blocks} · ${mseText}`;
}

/** Writes the animation of run folder `dir` to `outFile`. */
export async function writeAnimation(dir: string, outFile: string, opts: AnimateOptions = {}): Promise<AnimationResult> {
  const info = loadRunInfo(dir);
  const groups = panelGroups(info, opts.groups);
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
  for (const g of groups) {
    if (groupSpikeFiles(dir, g).length === 0) throw new UserError(`${dir} has no spike files ${g.spkName}.<rank>.spk to animate`);
  }
  const target = info.groups.find((g) => g.role === 'target');
  const withTarget = target !== undefined && groupSpikeFiles(dir, target).length > 0;
  const stats = loadStats(dir, info) ?? [];

  const columns = Math.max(1, ...windows.map((w) => frameColumns(w, binSteps)));
  const scale = opts.scale === undefined ? undefined : Math.max(1, Math.floor(opts.scale));
  const cellPx = scale ?? Math.max(1, Math.min(24, Math.round(DEFAULT_PLOT_WIDTH / columns)));
  const last = groups.length - 1;
  // The last panel (the output) gets readable rows; the others share about 110 px each.
  const rowPx = (g: RunInfoGroup, k: number) =>
    k === last ? (scale ?? Math.max(2, Math.min(12, Math.round(220 / Math.max(1, g.size))))) : Math.min(scale ?? 4, 110 / Math.max(1, g.size));

  const gif = gifenc.GIFEncoder();
  const captions: string[] = [];
  let size = { width: 0, height: 0 };
  for (let f = 0; f < windows.length; f++) {
    const w = windows[f]!;
    const panels: FramePanel[] = [];
    for (const [k, g] of groups.entries()) {
      const spikes = await loadSpikes(dir, g, w);
      const panel: FramePanel = {
        label: `${groupLabel(info, g)} (${g.size})`,
        neurons: Math.max(1, g.size),
        cells: cellBitmap(spikes.steps, spikes.ids, w, binSteps, Math.max(1, g.size), columns),
        rowPx: rowPx(g, k),
      };
      if (g.role === 'output' && withTarget) {
        const t = await loadSpikes(dir, target, w);
        panel.target = cellBitmap(t.steps, t.ids, w, binSteps, Math.max(1, g.size), columns);
      }
      panels.push(panel);
    }
    const binSeconds = binSteps / sps;
    const layout: FrameLayout = w.periodSteps !== undefined
      ? { columns, cellPx, fromSeconds: 0, toSeconds: columns * binSeconds, timeLabel: 'time within the loop period (s)' }
      : { columns, cellPx, fromSeconds: w.fromStep / sps, toSeconds: w.fromStep / sps + columns * binSeconds, timeLabel: 'time (s)' };
    const caption = frameCaption(info, w, stats.find((l) => l.block === w.block)?.mse);
    captions.push(caption);
    const detail =
      `${(w.fromStep / sps).toFixed(2)}–${(w.toStep / sps).toFixed(2)} s, ${binMs} ms bins · black: spike, blue: 2+` +
      `${withTarget ? ' · output: green hit, pink missed target, black extra' : ''}`;
    size = frameSize(panels, layout);
    if (size.width > 65535 || size.height > 65535) {
      throw new UserError(`frames of ${size.width}×${size.height} pixels exceed the GIF limit of 65535: use a smaller --scale or a larger --bin-seconds`);
    }
    const image = svgToRgba(frameSvg(panels, layout, { caption, detail, progress: Math.min(1, w.block / Math.max(1, info.blocks)) }));
    const palette = gifenc.quantize(image.data, 256);
    const index = gifenc.applyPalette(image.data, palette);
    gif.writeFrame(index, image.width, image.height, {
      palette,
      delay: f === windows.length - 1 ? delay * 5 : delay,
      repeat: 0,
    });
  }
  gif.finish();
  writeFileAtomic(outFile, gif.bytesView());
  return { frames: windows.length, width: size.width, height: size.height, captions };
}
