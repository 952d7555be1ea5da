/**
 * The experiment protocol (docs/model.md §8) as pure data and pure functions: a burn-in without
 * learning, `blocks` training blocks with a stats line before each, η₀/10 from block 20 on, and a
 * frozen replay to the next loop-period boundary plus one period. No threads, no files: the
 * coordinator asks `nextSegment` what to run from its clock and obeys.
 */
import { UserError } from '../errors.js';
import { MIN_DELAY_STEPS, STEPS_PER_SECOND, secondsToSteps } from '../model/constants.js';

/** The protocol's fixed points, in steps. */
export interface Schedule {
  blockSteps: number;
  burnInSteps: number;
  blocks: number;
  /** Clock at the end of the last training block. */
  trainingEnd: number;
  /** Loop period of the task (0: the rasters do not loop). */
  periodSteps: number;
  endStep: number;
  /** Length of the window at the start of each block that the report tools show. */
  testWindowSteps: number;
  eta0: number;
}

export interface ScheduleInput {
  blockSeconds: number;
  blocks: number;
  eta: number;
  /** Loop period of the target (or else the input) raster; 0 when neither loops. */
  periodSteps: number;
  /** Last event step of the rasters (used when nothing loops). */
  lastEventStep: number;
}

export function computeSchedule(input: ScheduleInput): Schedule {
  const blockSteps = secondsToSteps(input.blockSeconds);
  if (blockSteps % MIN_DELAY_STEPS !== 0 || blockSteps <= 0) {
    throw new UserError(`blockSeconds ${input.blockSeconds} must be a positive multiple of 0.8 ms (the exchange interval)`);
  }
  const trainingEnd = blockSteps + input.blocks * blockSteps;
  const period = input.periodSteps;
  const endStep = period > 0
    ? Math.ceil(trainingEnd / period) * period + period
    : trainingEnd + input.lastEventStep + 1;
  if (endStep > 0x7fffffff) throw new UserError('the run is longer than the 2^31-step clock allows (59 hours of simulated time)');
  return {
    blockSteps, burnInSteps: blockSteps, blocks: input.blocks, trainingEnd, periodSteps: period, endStep,
    testWindowSteps: Math.min(STEPS_PER_SECOND, blockSteps), eta0: input.eta,
  };
}

/** Learning rate of training block b: η₀, then η₀/10 (not cumulative) from block 20 on. */
export function etaOfBlock(schedule: Schedule, block: number): number {
  return block >= 20 ? schedule.eta0 / 10 : schedule.eta0;
}

export type SegmentPhase = 'burn-in' | 'block' | 'final';

/** What to run next from a clock: a segment up to `targetStep`, or the end of the run. */
export type Segment =
  | {
    done: false;
    phase: SegmentPhase;
    /** Training block index (the frozen replay counts as block `blocks`, the burn-in as −1). */
    block: number;
    /** The stats line of this block is due before the segment runs (once per block). */
    statsDue: boolean;
    targetStep: number;
    eta: number;
    learning: boolean;
    frozen: boolean;
  }
  | { done: true; statsDue: boolean; block: number };

/**
 * The segment that starts at `clock`, given how many stats lines exist already. A stats line is
 * due at the start of each block, and once more (line `blocks`) when training is over.
 */
export function nextSegment(s: Schedule, clock: number, statsLines: number): Segment {
  if (clock < s.burnInSteps) {
    return { done: false, phase: 'burn-in', block: -1, statsDue: false, targetStep: s.burnInSteps, eta: s.eta0, learning: false, frozen: false };
  }
  if (clock < s.trainingEnd) {
    const block = Math.floor((clock - s.burnInSteps) / s.blockSteps);
    const blockStart = s.burnInSteps + block * s.blockSteps;
    return {
      done: false, phase: 'block', block,
      statsDue: clock === blockStart && statsLines === block,
      targetStep: blockStart + s.blockSteps, eta: etaOfBlock(s, block), learning: true, frozen: false,
    };
  }
  const statsDue = statsLines === s.blocks;
  if (clock < s.endStep) {
    return {
      done: false, phase: 'final', block: s.blocks, statsDue,
      targetStep: s.endStep, eta: etaOfBlock(s, s.blocks - 1), learning: false, frozen: true,
    };
  }
  return { done: true, statsDue, block: s.blocks };
}

/** The phase a clock lies in (progress display). */
export function phaseAt(s: Schedule, clock: number): { phase: SegmentPhase; block: number } {
  if (clock < s.burnInSteps) return { phase: 'burn-in', block: -1 };
  if (clock < s.trainingEnd) return { phase: 'block', block: Math.floor((clock - s.burnInSteps) / s.blockSteps) };
  return { phase: 'final', block: s.blocks };
}

/** Windows the report tools show: the first testWindowSteps of each block run so far, and the final replay. */
export function testWindows(s: Schedule, clock: number): Array<{ block: number; fromStep: number; toStep: number }> {
  const windows = [];
  for (let b = 0; b < s.blocks; b++) {
    const from = s.burnInSteps + b * s.blockSteps;
    if (from >= clock) break;
    windows.push({ block: b, fromStep: from, toStep: Math.min(from + s.testWindowSteps, clock) });
  }
  return windows;
}

/** The last loop period of the frozen replay (or the whole replay when nothing loops). */
export function finalWindow(s: Schedule): { block: number; fromStep: number; toStep: number } {
  return { block: s.blocks, fromStep: s.endStep - (s.periodSteps || s.endStep - s.trainingEnd), toStep: s.endStep };
}
