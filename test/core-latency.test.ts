/**
 * The cores' round trip that bench reports beside every case (src/bench/core-latency.ts): a
 * positive number of nanoseconds on a machine of two or more cores, null on one. No bound on the
 * figure itself: it is the machine's, and this test must not depend on it. And bench's note when
 * the figure moved between cases (the host placed the CPUs differently).
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/bench/bench.js';
import { crossCoreRoundTripNs } from '../src/bench/core-latency.js';
import { placementNote } from '../src/cli/commands/bench.js';

describe('the cores\' round trip', () => {
  it('is a positive, finite number of nanoseconds with two or more cores, and null with one', async () => {
    const ns = await crossCoreRoundTripNs(2000);
    if (availableParallelism() < 2) {
      expect(ns, 'one core: two threads would take turns, not exchange a line').toBeNull();
      return;
    }
    expect(ns).not.toBeNull();
    expect(Number.isFinite(ns)).toBe(true);
    expect(ns!).toBeGreaterThan(0);
  });
});

describe('the note when the cores moved between cases', () => {
  const withTrip = (ns: number | null) => ({ crossCoreRoundTripNs: ns }) as BenchResult;
  it('names the two round trips when the largest is at least 1.5× the smallest', () => {
    const note = placementNote([withTrip(122), withTrip(348)]);
    expect(note).toMatch(/round trip went from 122 to 348 ns between the cases/);
    expect(note).toMatch(/do not compare, measure again\n$/);
  });
  it('says nothing for a steady placement, a single case, or cases without a figure', () => {
    expect(placementNote([withTrip(120), withTrip(130), withTrip(125)])).toBe('');
    expect(placementNote([withTrip(350)])).toBe('');
    expect(placementNote([withTrip(null), withTrip(120), withTrip(null)])).toBe('');
  });
});
