/**
 * One spike raster of a run as a picture (`superspike plot`): SVG through svg.ts, or PNG drawn
 * into an RGBA buffer and encoded with pngjs — white background, black marks, a frame with time
 * and neuron ticks labelled in the project's 5×7 pixel font.
 */
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { UserError } from '../errors.js';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { drawText } from '../tasks/pixel-font.js';
import { findGroup, groupLabel, loadRunInfo, loadSpikes, wholeRun, type StepWindow } from './load.js';
import { formatTick, niceTicks, rasterSvg, type RasterFrame, type SpikeArrays } from './svg.js';
import { writeFileAtomic } from '../io/atomic.js';

/** Image size in pixels: default 800 × (a height that suits the neuron count). */
export interface RasterImageOptions extends RasterFrame {
  /** Drawn above the plot (letters, digits, '.', '-' and '!'; others become spaces). */
  title?: string;
}

/** A height that gives each neuron a visible row, within reason. */
export function defaultRasterHeight(neurons: number): number {
  return Math.min(600, Math.max(160, 60 + neurons * 4));
}

const MARGIN = { l: 44, t: 18, r: 12, b: 26 };

/** Draws the raster into RGBA pixels (white background, black marks). */
export function rasterRgba(spikes: SpikeArrays, opts: RasterImageOptions): { width: number; height: number; data: Buffer } {
  const width = Math.max(MARGIN.l + MARGIN.r + 10, Math.round(opts.width ?? 800));
  const height = Math.max(MARGIN.t + MARGIN.b + 10, Math.round(opts.height ?? defaultRasterHeight(opts.neurons)));
  const data = Buffer.alloc(width * height * 4, 255);
  const set = (x: number, y: number, v: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 4;
    data[o] = v;
    data[o + 1] = v;
    data[o + 2] = v;
    data[o + 3] = 255;
  };
  const rect = (x0: number, y0: number, w: number, h: number, v: number): void => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) set(x, y, v);
  };
  const text = (s: string, x: number, y: number, anchor: 'left' | 'center' | 'right'): void => {
    const clean = s.toUpperCase().replace(/[^A-Z0-9.\-! ]/g, ' ');
    if (clean.trim() === '') return;
    const bits = drawText(clean, 1);
    const w = bits[0]!.length;
    const x0 = anchor === 'left' ? x : anchor === 'center' ? Math.round(x - w / 2) : x - w;
    bits.forEach((row, dy) => row.forEach((on, dx) => on && set(x0 + dx, y + dy, 40)));
  };

  const left = MARGIN.l;
  const top = MARGIN.t;
  const pw = width - MARGIN.l - MARGIN.r;
  const ph = height - MARGIN.t - MARGIN.b;
  const neurons = Math.max(1, opts.neurons);
  const span = Math.max(1, opts.toStep - opts.fromStep);
  const rowH = ph / neurons;
  const markH = Math.max(1, Math.min(Math.floor(rowH * 0.8), 6));
  const markW = rowH >= 4 ? 2 : 1;

  const count = Math.min(spikes.steps.length, spikes.ids.length);
  for (let i = 0; i < count; i++) {
    const step = spikes.steps[i]!;
    const id = spikes.ids[i]!;
    if (step < opts.fromStep || step >= opts.toStep || id >= neurons) continue;
    const x = left + Math.floor(((step - opts.fromStep) / span) * pw);
    const yc = top + (neurons - 1 - id + 0.5) * rowH;
    rect(x, Math.round(yc - markH / 2), markW, markH, 0);
  }

  // Frame and ticks.
  const frame = 110;
  for (let x = left - 1; x <= left + pw; x++) {
    set(x, top - 1, frame);
    set(x, top + ph, frame);
  }
  for (let y = top - 1; y <= top + ph; y++) {
    set(left - 1, y, frame);
    set(left + pw, y, frame);
  }
  const sps = opts.stepsPerSecond;
  for (const t of niceTicks(opts.fromStep / sps, opts.toStep / sps, 5)) {
    const x = left + Math.round(((t * sps - opts.fromStep) / span) * pw);
    if (x < left - 1 || x > left + pw) continue;
    rect(x, top + ph + 1, 1, 3, frame);
    text(formatTick(t), x, top + ph + 5, 'center');
  }
  for (const id of niceTicks(0, neurons - 1, 4)) {
    if (!Number.isInteger(id)) continue;
    const y = Math.round(top + (neurons - 1 - id + 0.5) * rowH);
    rect(left - 4, y, 3, 1, frame);
    text(String(id), left - 6, y - 4, 'right');
  }
  if (opts.title) text(opts.title, left, 4, 'left');
  return { width, height, data };
}

/** The raster as PNG bytes. */
export function rasterPng(spikes: SpikeArrays, opts: RasterImageOptions): Buffer {
  const { width, height, data } = rasterRgba(spikes, opts);
  const png = new PNG({ width, height });
  data.copy(png.data);
  return PNG.sync.write(png);
}

export interface PlotOptions {
  /** Role or spkName (see `findGroup`). Default "output". */
  group?: string;
  /** Window in seconds; a missing end defaults to the start / end of the run. */
  from?: number;
  to?: number;
  /** `.png` or `.svg`. */
  output: string;
  width?: number;
  height?: number;
}

export interface PlotResult {
  file: string;
  format: 'png' | 'svg';
  group: RunInfoGroup;
  window: StepWindow;
  spikes: number;
}

/** The window `plot` shows without --from/--to: the final replay if any, else the whole run. */
export function defaultPlotWindow(info: RunInfo): StepWindow {
  return info.finalWindow ? { fromStep: info.finalWindow.fromStep, toStep: info.finalWindow.toStep } : wholeRun(info);
}

function toStep(seconds: number, sps: number): number {
  const x = seconds * sps;
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

/** Reads the run in `dir` and writes one group's raster as PNG or SVG (by the file extension). */
export async function writeRasterPlot(dir: string, opts: PlotOptions): Promise<PlotResult> {
  const ext = path.extname(opts.output).toLowerCase();
  if (ext !== '.png' && ext !== '.svg') {
    throw new UserError(`cannot tell the image format of ${opts.output}: use a .png or .svg file name`);
  }
  const info = loadRunInfo(dir);
  const group = findGroup(info, opts.group ?? 'output');
  const sps = info.stepsPerSecond;
  let window = defaultPlotWindow(info);
  if (opts.from !== undefined || opts.to !== undefined) {
    window = {
      fromStep: opts.from === undefined ? 0 : toStep(opts.from, sps),
      toStep: opts.to === undefined ? wholeRun(info).toStep : toStep(opts.to, sps),
    };
  }
  if (window.toStep <= window.fromStep) {
    throw new UserError(
      `empty time window: ${formatTick(window.fromStep / sps)} s to ${formatTick(window.toStep / sps)} s (--to must be after --from)`,
    );
  }
  const spikes = await loadSpikes(dir, group, window);
  if (spikes.files.length === 0) {
    throw new UserError(`${dir} has no spike files ${group.spkName}.<rank>.spk for group ${group.spkName}`);
  }
  const label = groupLabel(info, group);
  const title = `${label} ${formatTick(window.fromStep / sps)}-${formatTick(window.toStep / sps)} s`;
  let bytes: Buffer | string;
  if (ext === '.svg') {
    bytes = rasterSvg(spikes, {
      plot: `raster-${group.spkName}`,
      title: `${label} (${group.spkName}), ${formatTick(window.fromStep / sps)}–${formatTick(window.toStep / sps)} s`,
      fromStep: window.fromStep,
      toStep: window.toStep,
      stepsPerSecond: sps,
      neurons: group.size,
      width: opts.width ?? 800,
      height: opts.height ?? defaultRasterHeight(group.size),
    });
    bytes = `<?xml version="1.0" encoding="UTF-8"?>\n${bytes}\n`;
  } else {
    bytes = rasterPng(spikes, {
      fromStep: window.fromStep,
      toStep: window.toStep,
      stepsPerSecond: sps,
      neurons: group.size,
      width: opts.width,
      height: opts.height,
      title,
    });
  }
  writeFileAtomic(opts.output, bytes);
  return { file: opts.output, format: ext === '.svg' ? 'svg' : 'png', group, window, spikes: spikes.steps.length };
}
