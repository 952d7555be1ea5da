/**
 * The cost reported per block (docs/model.md §7.6): the running average of the squared filtered
 * output error, scaled by c (MSE_SCALE) and corrected for the average's start-up bias at time t.
 */
import { MSE_SCALE, TAU_AVG_SECONDS } from './constants.js';

/** Bias-corrected, normalised MSE from the mean over output neurons of avgSqErr at time t. */
export function normalisedMse(meanAvgSqErr: number, tSeconds: number): number {
  return (MSE_SCALE * meanAvgSqErr) / (1 - Math.exp(-tSeconds / TAU_AVG_SECONDS) + 1e-9);
}
