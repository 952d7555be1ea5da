/**
 * bench's host steal (src/bench/host-steal.ts): /proc/stat's aggregate line parsed, the stolen
 * share between two readings, and refusals of what is not that line.
 */
import { describe, expect, it } from 'vitest';
import { parseProcStat, readCpuTicks, stealShare } from '../src/bench/host-steal.js';

const before = 'cpu  6651608 963523 305922 5900443 12424 0 14814 573674 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1\n';
const after = 'cpu  6651708 963523 305952 5900543 12424 0 14814 573794 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';

describe('host steal', () => {
  it('reads the aggregate cpu line: steal is the eighth field, the total the first eight', () => {
    expect(parseProcStat(before)).toEqual({ steal: 573674, total: 6651608 + 963523 + 305922 + 5900443 + 12424 + 0 + 14814 + 573674 });
  });

  it('gives the stolen share of all the time that passed between two readings', () => {
    // 100 user + 30 system + 100 idle + 120 steal ticks: 120 / 350
    expect(stealShare(parseProcStat(before), parseProcStat(after))).toBeCloseTo(120 / 350, 12);
    expect(stealShare(parseProcStat(before), parseProcStat(before))).toBeNull();
  });

  it('says nothing rather than a wrong figure for a line it does not know', () => {
    expect(parseProcStat('cpu0 1 2 3 4 5 6 7 8\n')).toBeNull();
    expect(parseProcStat('cpu  1 2 3\n')).toBeNull();
    expect(parseProcStat('cpu  1 2 3 4 5 6 7 x\n')).toBeNull();
    expect(stealShare(null, parseProcStat(after))).toBeNull();
  });

  it('reads this machine where it is Linux (and is null elsewhere, never a made-up zero)', () => {
    const ticks = readCpuTicks();
    if (process.platform === 'linux') {
      expect(ticks).not.toBeNull();
      expect(ticks!.total).toBeGreaterThan(ticks!.steal);
    } else {
      expect(ticks).toBeNull();
    }
  });
});
