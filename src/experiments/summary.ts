/**
 * Small statistics over the runs of an experiment (pure): per-condition means and spreads, and
 * the number formatting shared by the claim lines and the result tables.
 */
import type { RunResult } from './types.js';

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function standardDeviation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The runs of one condition, in seed order. */
export function runsOf(results: readonly RunResult[], condition: string): RunResult[] {
  return results.filter((r) => r.spec.condition === condition).sort((a, b) => a.spec.seed - b.spec.seed);
}

/** Values of `pick` over the runs of a condition, non-null only. */
export function valuesOf(results: readonly RunResult[], condition: string, pick: (r: RunResult) => number | null): number[] {
  return runsOf(results, condition).map(pick).filter((x): x is number => x !== null && Number.isFinite(x));
}

export function meanFinalCost(results: readonly RunResult[], condition: string): number {
  return mean(valuesOf(results, condition, (r) => r.finalCost));
}

export function meanHiddenRate(results: readonly RunResult[], condition: string): number {
  return mean(valuesOf(results, condition, (r) => r.hiddenRateHz));
}

/** A number with 3 significant digits for claim lines and tables ("n/a" when undefined). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** Seeds 1..n. */
export function seedList(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * The cost as the paper reports it (§3.3.3): a root mean square, √MSE of the stats file's
 * normalised mean square (docs/model.md §7.6).
 */
export function rmsOf(mse: number): number {
  return Math.sqrt(mse);
}
