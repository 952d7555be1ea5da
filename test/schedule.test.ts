/** The protocol (engine/schedule.ts) as pure functions: segments, η per block, stats lines, windows. */
import { describe, expect, it } from 'vitest';
import { computeSchedule, etaOfBlock, finalWindow, nextSegment, phaseAt, testWindows, type Schedule } from '../src/engine/schedule.js';

const base = { blockSeconds: 0.2, blocks: 3, eta: 1e-3, periodSteps: 500, lastEventStep: 450 };

/** Walks the protocol as the coordinator does: every segment from clock 0 to the end. */
function walk(s: Schedule) {
  const seen = [];
  let clock = 0;
  let stats = 0;
  for (;;) {
    const seg = nextSegment(s, clock, stats);
    if (seg.statsDue) stats++;
    seen.push(seg);
    if (seg.done) return { seen, stats };
    clock = seg.targetStep;
  }
}

describe('schedule', () => {
  it('computes burn-in, blocks, and a frozen replay to the next period boundary plus one period', () => {
    const s = computeSchedule(base);
    expect(s).toMatchObject({ blockSteps: 2000, burnInSteps: 2000, trainingEnd: 8000, periodSteps: 500, endStep: 8500, testWindowSteps: 2000 });
    expect(computeSchedule({ ...base, periodSteps: 3000 }).endStep).toBe(12000);
    // Without a loop, the replay lasts as long as the rasters.
    expect(computeSchedule({ ...base, periodSteps: 0 }).endStep).toBe(8000 + 451);
  });

  it('refuses blocks that are not whole exchange intervals', () => {
    expect(() => computeSchedule({ ...base, blockSeconds: 0.2001 })).toThrow(/multiple of 0.8 ms/);
    expect(() => computeSchedule({ ...base, blockSeconds: 0 })).toThrow(/positive/);
  });

  it('runs burn-in without learning, blocks with learning, a frozen final phase, and one stats line per block plus one', () => {
    const s = computeSchedule(base);
    const { seen, stats } = walk(s);
    expect(stats).toBe(s.blocks + 1);
    const phases = seen.map((x) => (x.done ? 'done' : `${x.phase}${x.block}:${x.learning ? 'L' : '-'}${x.frozen ? 'F' : '-'}${x.statsDue ? 'S' : ''}`));
    expect(phases).toEqual(['burn-in-1:--', 'block0:L-S', 'block1:L-S', 'block2:L-S', 'final3:-FS', 'done']);
  });

  it('divides η by ten from block 20 on, not cumulatively, and the final phase keeps the last block\'s η', () => {
    const s = computeSchedule({ ...base, blocks: 25 });
    expect(etaOfBlock(s, 19)).toBe(1e-3);
    expect(etaOfBlock(s, 20)).toBe(1e-4);
    expect(etaOfBlock(s, 24)).toBe(1e-4);
    const final = nextSegment(s, s.trainingEnd, s.blocks);
    expect(final.done ? NaN : final.eta).toBe(1e-4);
  });

  it('does not repeat a stats line when resumed mid-protocol, and continues a block from inside it', () => {
    const s = computeSchedule(base);
    const start = nextSegment(s, 4000, 2);
    expect(start).toMatchObject({ phase: 'block', block: 1, statsDue: false, targetStep: 6000 });
    const inside = nextSegment(s, 4800, 2);
    expect(inside).toMatchObject({ block: 1, statsDue: false, targetStep: 6000 });
    expect(nextSegment(s, 8500, 4)).toEqual({ done: true, statsDue: false, block: 3 });
  });

  it('gives the windows the report tools show', () => {
    const s = computeSchedule({ ...base, blockSeconds: 2 });
    expect(testWindows(s, s.endStep)).toEqual([
      { block: 0, fromStep: 20000, toStep: 30000 },
      { block: 1, fromStep: 40000, toStep: 50000 },
      { block: 2, fromStep: 60000, toStep: 70000 },
    ]);
    expect(testWindows(s, 45000)).toHaveLength(2);
    expect(finalWindow(s)).toEqual({ block: 3, fromStep: s.endStep - 500, toStep: s.endStep });
    expect(phaseAt(s, 0)).toEqual({ phase: 'burn-in', block: -1 });
    expect(phaseAt(s, 45000)).toEqual({ phase: 'block', block: 1 });
    expect(phaseAt(s, s.trainingEnd)).toEqual({ phase: 'final', block: 3 });
  });
});
