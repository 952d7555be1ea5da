/**
 * `bench --copies`: every case of W > 1 workers again as W independent one-worker processes at
 * once, and the ceiling they give (bench.ts, CopiesResult). Timings are not asserted (a loaded
 * machine moves them); what is: the arithmetic of the ceiling, that the copies really ran as W
 * processes of the case's network and left nothing behind, the table's columns, and the refusal
 * with --layouts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ceilingOf, formatBenchTable, type BenchResult } from '../src/bench/bench.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('bench-copies');

/** The temporary folders the copies run in (they must be gone afterwards). */
function copyFolders(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('superspike-bench-copy-'));
}

describe('the ceiling of W workers: W copies at once', () => {
  it('is one worker\'s wall time over each copy\'s, summed; the share divides the speedup by it', () => {
    const c = ceilingOf([1.25, 1.6], 1, 1.2);
    expect(c.count).toBe(2);
    expect(c.wallSecondsPerSimSecond).toEqual([1.25, 1.6]);
    expect(c.ceilingSpeedup).toBeCloseTo(1 / 1.25 + 1 / 1.6, 12);
    expect(c.shareOfCeiling).toBeCloseTo(1.2 / (1 / 1.25 + 1 / 1.6), 12);
    // Copies as fast as one alone: the ceiling is the copy count.
    expect(ceilingOf([0.5, 0.5, 0.5], 0.5, 3).ceilingSpeedup).toBe(3);
    expect(ceilingOf([0.5, 0.5, 0.5], 0.5, 3).shareOfCeiling).toBe(1);
    // No one-worker case to compare with, or no speedup: nothing is made up.
    expect(ceilingOf([1, 1], null, 1.5)).toMatchObject({ ceilingSpeedup: null, shareOfCeiling: null });
    expect(ceilingOf([1, 1], 1, null)).toMatchObject({ ceilingSpeedup: 2, shareOfCeiling: null });
  });

  it('runs the case\'s network as W one-worker processes and puts the ceiling beside the case', async () => {
    const before = copyFolders();
    expect(await cli.run('bench', '--hidden', '16', '--workers', '1,2', '--copies', '--seconds', '0.008', '--warmup', '0.008', '--repeat', '1', '--json'), cli.stderr).toBe(0);
    const results = JSON.parse(cli.stdout.slice(cli.stdout.indexOf('['))) as BenchResult[];
    expect(results.map((r) => r.workers)).toEqual([1, 2]);
    const [one, two] = results as [BenchResult, BenchResult];
    expect(one.copies, 'one worker has no ceiling to measure').toBeNull();
    const copies = two.copies!;
    expect(copies).not.toBeNull();
    expect(copies.count).toBe(2);
    expect(copies.wallSecondsPerSimSecond).toHaveLength(2);
    for (const w of copies.wallSecondsPerSimSecond) expect(w).toBeGreaterThan(0);
    const expected = copies.wallSecondsPerSimSecond.reduce((sum, w) => sum + one.wallSecondsPerSimSecond / w, 0);
    expect(copies.ceilingSpeedup).toBeCloseTo(expected, 12);
    expect(copies.shareOfCeiling).toBeCloseTo(two.speedupOver1! / expected, 12);
    expect(copyFolders(), 'the copies\' folders are removed').toEqual(before);

    const table = formatBenchTable(results);
    expect(table).toContain('ceiling: copies at once');
    expect(table).toContain(`2 → ${expected.toFixed(2)}×`);
    expect(formatBenchTable([one]), 'no column without --copies').not.toContain('ceiling');
  });

  it('refuses --layouts before running anything', async () => {
    expect(await cli.run('bench', '--hidden', '16', '--layouts', '1x2', '--copies')).toBe(1);
    expect(cli.stderr).toMatch(/bench --copies .* does not combine with --layouts/);
    expect(cli.stdout).toBe('');
  });
});
