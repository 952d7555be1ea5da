/**
 * SuperSpike's surrogate derivative σ'(U) = β/(1 + β·|U − θ|)², zero below the floor (config
 * `surrogateFloorVolts`; default none, −∞, as in the paper; Auryn's code: −80 mV; docs/model.md §7.2),
 * evaluated in float32 in a fixed operation order.
 */
import { BETA_PER_VOLT, E_REST_VOLTS, SURROGATE_FLOOR_VOLTS, THRESHOLD_VOLTS } from './constants.js';

const f = Math.fround;

export function surrogateDerivative(u: number, floorVolts: number = SURROGATE_FLOOR_VOLTS): number {
  if (u < floorVolts) return 0;
  const c = f(1 + f(BETA_PER_VOLT * Math.abs(f(u - THRESHOLD_VOLTS))));
  return f(BETA_PER_VOLT / f(c * c));
}

/**
 * σ'(E_L), the surrogate at rest (≈ 8.264 /V): the reference of the error gate between hidden
 * layers (docs/model.md §7.4), which passes errors unchanged where σ' ≥ σ'(E_L).
 */
export const SURROGATE_AT_REST = surrogateDerivative(E_REST_VOLTS, -Infinity);
