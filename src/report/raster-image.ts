/**
 * One spike raster of a run as a picture (`superspike plot`): the SVG of svg.ts, written as is
 * or rendered to PNG by resvg with the bundled font (render.ts), so both formats show the same
 * drawing — title, axis labels with units, ticks.
 */
import * as path from 'node:path';
import { UserError } from '../errors.js';
import type { RunInfo, RunInfoGroup } from '../io/run-info.js';
import { findGroup, groupLabel, loadRunInfo, loadSpikes, wholeRun, type StepWindow } from './load.js';
import { svgToPng } from './render.js';
import { formatTick, rasterSvg } from './svg.js';
import { writeFileAtomic } from '../io/atomic.js';

/** A height that gives each neuron a visible row, within reason. */
export function defaultRasterHeight(neurons: number): number {
  return Math.min(600, Math.max(160, 60 + neurons * 4));
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
  /** The run's clock rate, to report the window in seconds. */
  stepsPerSecond: number;
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
  const svg = rasterSvg(spikes, {
    plot: `raster-${group.spkName}`,
    title: `${label} (${group.spkName}), ${formatTick(window.fromStep / sps)}–${formatTick(window.toStep / sps)} s`,
    fromStep: window.fromStep,
    toStep: window.toStep,
    stepsPerSecond: sps,
    neurons: group.size,
    width: opts.width ?? 800,
    height: opts.height ?? defaultRasterHeight(group.size),
  });
  const bytes = ext === '.svg' ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` : svgToPng(svg);
  writeFileAtomic(opts.output, bytes);
  return { file: opts.output, format: ext === '.svg' ? 'svg' : 'png', group, window, stepsPerSecond: sps, spikes: spikes.steps.length };
}
