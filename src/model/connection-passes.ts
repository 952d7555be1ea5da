/**
 * The per-neuron parts of a SuperSpike connection's evolve (docs/model.md §7.2), each fused into one pass
 * because the steps they combine touch disjoint state:
 * - `presynapticPass`: E3's psp delay line and quasi-zero skip, then E5's psp update;
 * - `postsynapticPass`: E1's running square error, E3's σ' delay line, the error skip and the
 *   regulariser term.
 * Delay lines are rings of D rows; at step n row n mod D holds what was stored at step n − D
 * (zero during the first D steps), so a swap reads the delayed value and stores today's.
 * All offsets are element indices into one float32 heap; every operation is rounded to float32.
 */
import {
  AVG_DECAY, DECAY_RATE, DT_F32, FLT_MIN_NORMAL, GAMMA, SURROGATE_FLOOR_VOLTS,
} from './constants.js';
import { surrogateDerivative } from './surrogate.js';

const f = Math.fround;

export interface PresynapticArrays {
  psp: number;
  pspLine: number;
  /** Output: delayed psp with the skip applied (0 = no eligibility input for that row). */
  pEff: number;
  /** The presynaptic group's `pre` trace, already updated this step (D1). */
  pre: number;
}

/**
 * pEff is written at element offset `outOffset` (the engine's batch row), for the presynaptic
 * neurons [j0, j1) (default: all `nPre`; chunks of one step are independent of each other).
 * For every presynaptic j: p = psp stored D steps ago; pEff = p unless p ≤ γ (or, with
 * `skipBelow` = δ for random feedback, p < δ), else 0; then psp := psp + (dt/τ_mem)·(pre − psp).
 */
export function presynapticPass(
  heap: Float32Array, a: PresynapticArrays, nPre: number, delaySteps: number, n: number, skipBelow: number | null,
  outOffset = 0, j0 = 0, j1 = nPre,
): void {
  const row = a.pspLine + (n % delaySteps) * nPre;
  const pEff = a.pEff + outOffset;
  for (let j = j0; j < j1; j++) {
    const today = heap[a.psp + j]!;
    const p = heap[row + j]!;
    heap[row + j] = today;
    heap[pEff + j] = (skipBelow === null ? p <= GAMMA : p < skipBelow) ? 0 : p;
    const y = f(today + f(DECAY_RATE * f(heap[a.pre + j]! - today)));
    heap[a.psp + j] = Math.abs(y) < FLT_MIN_NORMAL ? 0 : y;
  }
}

export interface PostsynapticArrays {
  errFiltered: number;
  avgSqErr: number;
  /** Output: errFiltered with |e| < γ zeroed. */
  eEff: number;
  /** The post group's membrane potentials. */
  v: number;
  sigmaLine: number;
  /** Output: σ'(V) stored D steps ago. */
  sDelayed: number;
  /** Random-feedback regulariser: hom trace in, λ·hom^a out (0 where e is skipped); 0 = none. */
  hom: number;
  h4: number;
}

/** The regulariser's term h = λ·hom^a (docs/model.md §7.2 E3): strength λ = ρ, integer exponent a ≥ 0. */
export interface HomTerm {
  lambda: number;
  exponent: number;
}

/**
 * x^a for an integer a ≥ 0 by binary exponentiation, every product rounded to float32: start from
 * r = 1, b = x; for each bit of a from the lowest, r = r·b if the bit is set, then b = b·b while
 * bits remain. a = 0 gives 1, a = 4 gives exactly (x²)² (r = 1·(x²)²). The wasm kernel
 * (assembly/passes.ts, `powV` and `powS`) does the same products in the same order.
 */
export function powerF32(x: number, exponent: number): number {
  let r = 1;
  let b = x;
  for (let bits = exponent; bits > 0;) {
    if ((bits & 1) !== 0) r = f(r * b);
    bits >>>= 1;
    if (bits > 0) b = f(b * b);
  }
  return r;
}

/**
 * eEff, h4 and sDelayed are written at element offset `outOffset` (the engine's batch row). Returns 1 when some post
 * has |errFiltered| ≥ γ (the eligibility kernel must update elSum). `hom` is only read when the
 * arrays include h4.
 */
export function postsynapticPass(
  heap: Float32Array, a: PostsynapticArrays, local: number, stride: number, delaySteps: number, n: number, partial: boolean,
  hom: HomTerm, outOffset = 0, floorVolts: number = SURROGATE_FLOOR_VOLTS,
): number {
  const row = a.sigmaLine + (n % delaySteps) * stride;
  const out = outOffset;
  let anyError = 0;
  for (let k = 0; k < local; k++) {
    const e = heap[a.errFiltered + k]!;
    heap[a.avgSqErr + k] = f(f(heap[a.avgSqErr + k]! * AVG_DECAY) + f(DT_F32 * f(e * e)));
    const skip = Math.abs(e) < GAMMA;
    heap[a.eEff + out + k] = skip ? 0 : e;
    if (!skip) anyError = 1;
    if (a.h4 !== 0) heap[a.h4 + out + k] = skip ? 0 : f(hom.lambda * powerF32(heap[a.hom + k]!, hom.exponent));
    heap[a.sDelayed + out + k] = heap[row + k]!;
    heap[row + k] = partial ? surrogateDerivative(heap[a.v + k]!, floorVolts) : 1;
  }
  return anyError;
}
