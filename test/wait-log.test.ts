/**
 * The live wait statistics (WaitLog.spreadSoFar, at every park) are the end-of-run summary's
 * min / median / max of the waits so far, whatever their order — and taking them leaves the
 * summary as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaitLog, selectInPlace } from '../src/engine/wait-log.js';

describe('WaitLog', () => {
  it('spreadSoFar() equals the summary of the same waits, and leaves it unchanged', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }).map((x) => Math.abs(x)), { minLength: 0, maxLength: 3000 }), (waits) => {
      const log = new WaitLog();
      for (const w of waits) log.note(w);
      const before = log.summary(0, 1, 0);
      const spread = log.spreadSoFar();
      expect([spread.minMs, spread.medianMs, spread.maxMs]).toEqual([before.waitMinMs, before.waitMedianMs, before.waitMaxMs]);
      expect(log.summary(0, 1, 0)).toEqual(before);
    }), { numRuns: 200 });
  });

  it('selectInPlace() finds the k-th smallest of sorted, reversed, constant and repeated values', () => {
    const cases = [
      Array.from({ length: 1001 }, (_, i) => i),
      Array.from({ length: 1000 }, (_, i) => 1000 - i),
      Array.from({ length: 999 }, () => 0.25),
      Array.from({ length: 1000 }, (_, i) => i % 3),
    ];
    for (const values of cases) {
      const sorted = [...values].sort((a, b) => a - b);
      for (const k of [0, 1, values.length >> 1, values.length - 1]) {
        expect(selectInPlace(Float64Array.from(values), values.length, k)).toBe(sorted[k]);
      }
    }
  });
});
