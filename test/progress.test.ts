/** Progress output: line-based and parseable when stdout is not a terminal, silent with --quiet. */
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEtaEstimator, createProgressReporter, formatDuration, formatProgressLine } from '../src/report/progress.js';
import type { ProgressEvent } from '../src/engine/coordinator.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  columns = 200;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const LINE = /^progress sim=(\d+\.\d{2})\/(\d+\.\d{2}) block=(burn-in|\d+\/\d+) speed=(\d+\.\d{3}) mse=(-|[\d.e+-]+) eta=(-|\d+s)$/;

function event(clock: number, mse: number): ProgressEvent {
  return {
    clock, endStep: 100000, simulatedSeconds: clock * 1e-4, startSeconds: 0, wallSeconds: clock * 1e-5 + 0.5,
    phase: clock < 20000 ? 'burn-in' : 'block', block: clock < 20000 ? -1 : Math.floor((clock - 20000) / 20000), blocks: 4, mse,
  };
}

describe('progress reporter', () => {
  it('writes one parseable line per interval and per stats line when not on a terminal', () => {
    const out = new Capture();
    const reporter = createProgressReporter({ quiet: false, stream: out as unknown as NodeJS.WriteStream, lineIntervalSeconds: 0 });
    reporter.progress(event(10000, NaN));
    reporter.stats({ block: 0, mse: 214.4, meanW: 0, meanEl: 0, meanElFlt: 0, meanElSum: 0, meanGrad2: 0, meanErrFiltered: 0 });
    reporter.progress(event(30000, 214.4));
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(3);
    const first = LINE.exec(lines[0]!);
    expect(first).not.toBeNull();
    expect(first![1]).toBe('1.00');
    expect(first![3]).toBe('burn-in');
    expect(lines[1]).toBe('stats block=0 mse=214.4');
    const third = LINE.exec(lines[2]!)!;
    expect(third[3]).toBe('0/4');
    expect(third[5]).toBe('214.4');
    expect(Number(third[4])).toBeCloseTo(3 / 0.8, 3);
  });

  it('says nothing with quiet', () => {
    const out = new Capture();
    const reporter = createProgressReporter({ quiet: true, stream: out as unknown as NodeJS.WriteStream, lineIntervalSeconds: 0 });
    reporter.progress(event(10000, NaN));
    expect(out.text).toBe('');
  });

  it('formats the remaining time from the measured speed, in seconds with its unit', () => {
    expect(formatProgressLine(event(50000, 12.5))).toMatch(/ eta=\d+s$/);
  });

  it('measures the speed of a resumed run from where it resumed, not from 0', () => {
    // Resumed at 4 s, now at 5 s after 2 wall seconds: 0.5 simulated s per wall s (not 2.5).
    const resumed = { ...event(50000, 12.5), startSeconds: 4, wallSeconds: 2 };
    expect(formatProgressLine(resumed)).toMatch(/ speed=0\.500 /);
  });

  it('ends an interrupted run with a command that continues it as pasted', () => {
    const out = new Capture();
    const reporter = createProgressReporter({ quiet: false, stream: out as unknown as NodeJS.WriteStream, lines: true });
    reporter.summary({
      interrupted: true, stats: [], timings: [], wallSeconds: 2, simulatedSeconds: 5, startSeconds: 4, files: [],
      outDir: path.resolve('out dir/a'), stateFile: path.resolve('out dir/a/superspike.checkpoint.netstate'),
    } as never);
    expect(out.text).toContain("continue with: superspike run --resume 'out dir/a/superspike.checkpoint.netstate' --out 'out dir/a'\n");
    expect(out.text).toContain('wall 2.0 s for 1.0 s simulated (from 4.0 s to 5.0 s) (0.50 simulated s per wall s');
  });

  it('shows the totals in seconds on the terminal bar, not in steps', () => {
    const out = new Capture();
    out.isTTY = true;
    const reporter = createProgressReporter({ quiet: false, stream: out as unknown as NodeJS.WriteStream, lines: false });
    reporter.start({
      config: { hidden: [4], feedback: 'symmetric', blocks: 4, blockSeconds: 2 } as never,
      task: { description: 'test task', nInput: 3, nOutput: 2 } as never,
      workers: 1,
    });
    reporter.progress(event(30000, 214.4));
    reporter.stop();
    // endStep 100000 steps = 10 s; the bug printed "sim 3.0/100000 s".
    expect(out.text).toContain('sim 3.0/10.0 s');
    expect(out.text).not.toContain('100000');
    expect(out.text).toContain('MSE 214.4');
    expect(out.text).toContain('ETA –'); // one event: no estimate yet
  });

  it('estimates the remaining time only after a few seconds of measurement, from the speed since then', () => {
    const eta = createEtaEstimator(3);
    const at = (clock: number, wall: number): ProgressEvent => ({ ...event(clock, NaN), wallSeconds: wall });
    // Start-up took 2 s of wall time for 0.05 s simulated: a naive estimate would be hours.
    expect(eta(at(500, 2))).toBeNaN();
    expect(eta(at(10500, 4))).toBeNaN(); // 2 s measured < 3 s
    // From wall 2 to 6: 2 s simulated in 4 s → 0.5 sim-s per wall-s; 10 − 2.05 s left → 15.9 s.
    expect(eta(at(20500, 6))).toBeCloseTo((10 - 2.05) / 0.5, 6);
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
    expect(formatDuration(NaN)).toBe('–');
  });
});
