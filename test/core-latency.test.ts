/**
 * The cores' round trip that bench reports beside every case (src/bench/core-latency.ts): a
 * positive number of nanoseconds on a machine of two or more cores, null on one. No bound on the
 * figure itself: it is the machine's, and this test must not depend on it.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { crossCoreRoundTripNs } from '../src/bench/core-latency.js';

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
