/**
 * SuperSpike's surrogate derivative σ'(U) = β/(1 + β·|U − θ|)², zero below −80 mV (docs/model.md §7.2),
 * evaluated in float32 in a fixed operation order.
 */
import { BETA_PER_VOLT, SURROGATE_FLOOR_VOLTS, THRESHOLD_VOLTS } from './constants.js';

const f = Math.fround;

export function surrogateDerivative(u: number): number {
  if (u < SURROGATE_FLOOR_VOLTS) return 0;
  const c = f(1 + f(BETA_PER_VOLT * Math.abs(f(u - THRESHOLD_VOLTS))));
  return f(BETA_PER_VOLT / f(c * c));
}
