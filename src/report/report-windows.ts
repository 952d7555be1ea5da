/**
 * Which parts of a run the report compares: the first and the last window, of equal length (one
 * loop period when the task loops), so that "before" and "after" show the same stretch of the
 * task; and how a window is named on the page.
 */
import type { RunInfo, RunInfoWindow } from '../io/run-info.js';
import { firstWindow, lastWindow, type StepWindow } from './load.js';
import { formatTick } from './svg.js';

/** A window the report shows: part of a test window or of the final replay. */
export interface ReportWindow extends StepWindow {
  block: number;
  final: boolean;
  /** Set when the window is exactly one loop period (cells laid out by phase). */
  periodSteps?: number;
}

/**
 * The first and the last window the report compares, of equal length: one loop period from the
 * start of the first test window and the final replay's period (the last test window's without
 * a final replay) when the task loops and the run got that far; otherwise both cut to the
 * shorter of the two. Null for a run without windows (the rasters show the whole run).
 */
export function reportWindows(info: RunInfo): { first: ReportWindow; last: ReportWindow } | null {
  const first = firstWindow(info);
  const last = lastWindow(info);
  if (first === null || last === null) return null;
  const end = info.clock > 0 ? info.clock : info.endStep;
  const final = (w: RunInfoWindow) => info.finalWindow !== null && info.finalWindow !== undefined && w === info.finalWindow;
  const period = info.periodSteps;
  if (period > 0) {
    const lastFrom = final(last) ? last.toStep - period : last.fromStep;
    if (first.fromStep + period <= end && lastFrom >= 0 && lastFrom + period <= end) {
      return {
        first: { block: first.block, final: final(first), fromStep: first.fromStep, toStep: first.fromStep + period, periodSteps: period },
        last: { block: last.block, final: final(last), fromStep: lastFrom, toStep: lastFrom + period, periodSteps: period },
      };
    }
  }
  const length = Math.min(first.toStep - first.fromStep, last.toStep - last.fromStep);
  return {
    first: { block: first.block, final: final(first), fromStep: first.fromStep, toStep: first.fromStep + length },
    last: { block: last.block, final: final(last), fromStep: last.fromStep, toStep: last.fromStep + length },
  };
}

export function windowLabel(info: RunInfo, w: ReportWindow | null): string {
  if (w === null) return 'whole run';
  const sps = info.stepsPerSecond;
  const span = `${formatTick(w.fromStep / sps)}–${formatTick(w.toStep / sps)} s`;
  return `${w.final ? 'final frozen replay' : `block ${w.block}`}, ${span}${w.periodSteps ? ' (one loop period)' : ''}`;
}

