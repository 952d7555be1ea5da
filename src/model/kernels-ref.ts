/**
 * Reference implementation of the kernels in plain TypeScript. Every arithmetic result is
 * rounded with Math.fround: float32 inputs make double +,−,×,÷,√ followed by one rounding equal
 * to the float32 operation, so this is the bit-exact oracle the WASM kernels are tested against.
 */
import { postsynapticPass, presynapticPass } from './connection-passes.js';
import {
  AVG_DECAY, BETA_PER_VOLT, DECAY_RATE, DT_F32, FLT_MIN_NORMAL, GAMMA, HOM_LAMBDA, SURROGATE_FLOOR_VOLTS,
  THRESHOLD_VOLTS,
} from './constants.js';
import type { Kernels } from './kernels.js';
import { decayTrace, followTrace } from './traces.js';

const f = Math.fround;

export class ReferenceKernels implements Kernels {
  readonly name = 'reference';
  private f32: Float32Array;
  private i32: Int32Array;
  private u32: Uint32Array;

  constructor(buffer: ArrayBufferLike) {
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
  }

  lifStep(
    vPtr: number, iPtr: number, refPtr: number, count: number,
    spikeOutPtr: number, rank: number, ranks: number,
    kappa: number, restVolts: number, thresholdVolts: number, alphaSyn: number, refractorySteps: number,
  ): number {
    const { f32, i32, u32 } = this;
    const v0 = vPtr >> 2;
    const c0 = iPtr >> 2;
    const r0 = refPtr >> 2;
    const o0 = spikeOutPtr >> 2;
    let spikes = 0;
    for (let li = 0; li < count; li++) {
      const current = f32[c0 + li]!;
      let v = f32[v0 + li]!;
      v = f(v + f(kappa * f(f(restVolts - v) + current)));
      const ref = i32[r0 + li]!;
      if (ref === 0) {
        if (v > thresholdVolts) {
          u32[o0 + spikes++] = li * ranks + rank;
          v = restVolts;
          i32[r0 + li] = refractorySteps;
        }
      } else {
        i32[r0 + li] = ref - 1;
        v = restVolts;
      }
      f32[v0 + li] = v;
      f32[c0 + li] = flush(f(current * alphaSyn));
    }
    return spikes;
  }

  forward(spikesPtr: number, spikeCount: number, wPtr: number, stride: number, iPtr: number): void {
    const { f32, u32 } = this;
    const s0 = spikesPtr >> 2;
    const w0 = wPtr >> 2;
    const c0 = iPtr >> 2;
    for (let s = 0; s < spikeCount; s++) {
      const row = w0 + u32[s0 + s]! * stride;
      for (let k = 0; k < stride; k++) f32[c0 + k] = f(f32[c0 + k]! + f32[row + k]!);
    }
  }

  eligibility(
    nPre: number, stride: number,
    pPtr: number, sPtr: number, ePtr: number, hPtr: number, anyError: number,
    elPtr: number, elFltPtr: number, elSumPtr: number, wPtr: number,
    filterRate: number, elDecay: number,
  ): void {
    const { f32 } = this;
    const p0 = pPtr >> 2;
    const s0 = sPtr >> 2;
    const e0 = ePtr >> 2;
    const h0 = hPtr >> 2;
    for (let j = 0; j < nPre; j++) {
      const p = f32[p0 + j]!;
      const base = j * stride;
      const el0 = (elPtr >> 2) + base;
      const ef0 = (elFltPtr >> 2) + base;
      const es0 = (elSumPtr >> 2) + base;
      const w0 = (wPtr >> 2) + base;
      for (let k = 0; k < stride; k++) {
        let el = f32[el0 + k]!;
        if (p !== 0) el = f(el + f(p * f32[s0 + k]!));
        let ef = f32[ef0 + k]!;
        ef = flush(f(ef + f(filterRate * f(el - ef))));
        f32[ef0 + k] = ef;
        f32[el0 + k] = flush(f(el * elDecay));
        if (anyError !== 0) {
          let inc = f(ef * f32[e0 + k]!);
          if (hPtr !== 0) inc = f(inc - f(f32[w0 + k]! * f32[h0 + k]!));
          f32[es0 + k] = f(f32[es0 + k]! + inc);
        }
      }
    }
  }

  eligibilityBatch(
    steps: number, nPre: number, stride: number, pPitch: number, pitch: number,
    pPtr: number, sPtr: number, ePtr: number, hPtr: number, _anyError: number,
    elPtr: number, elFltPtr: number, elSumPtr: number, wPtr: number,
    filterRate: number, elDecay: number,
  ): void {
    // The oracle: literally one step after the other, each with its own error skip.
    for (let t = 0; t < steps; t++) {
      const s = sPtr + t * pitch * 4;
      const e = ePtr + t * pitch * 4;
      let anyError = 0;
      for (let k = 0; k < stride; k++) if (this.f32[(e >> 2) + k] !== 0) anyError = 1;
      this.eligibility(
        nPre, stride, pPtr + t * pPitch * 4, s, e, hPtr === 0 ? 0 : hPtr + t * pitch * 4, anyError,
        elPtr, elFltPtr, elSumPtr, wPtr, filterRate, elDecay,
      );
    }
  }

  weightUpdate(
    count: number, wPtr: number, elSumPtr: number, grad2Ptr: number,
    updateSteps: number, rmsMul: number, eta: number, epsilon: number, wMax: number, learning: number,
  ): void {
    const { f32 } = this;
    const w0 = wPtr >> 2;
    const s0 = elSumPtr >> 2;
    const g0 = grad2Ptr >> 2;
    const steps = f(updateSteps);
    const negMax = f(-wMax);
    for (let i = 0; i < count; i++) {
      const g = f(f32[s0 + i]! / steps);
      const grad2 = Math.max(f(g * g), f(rmsMul * f32[g0 + i]!));
      f32[g0 + i] = grad2;
      f32[s0 + i] = 0;
      if (learning !== 0) {
        // η·(g/(√grad2 + ε)): grad2 ≥ g² makes the quotient ≤ 1 in float32 too, so |Δw| ≤ η
        // up to the rounding of the final addition.
        const w = f(f32[w0 + i]! + f(eta * f(g / f(f(Math.sqrt(grad2)) + epsilon))));
        f32[w0 + i] = w < negMax ? negMax : w > wMax ? wMax : w;
      }
    }
  }

  feedbackRows(
    eventIdsPtr: number, eventValuesPtr: number, eventCount: number,
    bPtr: number, stride: number, errInPtr: number,
  ): void {
    const { f32, u32 } = this;
    const i0 = eventIdsPtr >> 2;
    const v0 = eventValuesPtr >> 2;
    const e0 = errInPtr >> 2;
    for (let ev = 0; ev < eventCount; ev++) {
      const row = (bPtr >> 2) + u32[i0 + ev]! * stride;
      const value = f32[v0 + ev]!;
      for (let k = 0; k < stride; k++) f32[e0 + k] = f(f32[e0 + k]! + f(f32[row + k]! * value));
    }
  }

  // The per-neuron passes: the model functions themselves (traces.ts, connection-passes.ts) on the
  // heap, byte pointers turned into element offsets. Those functions use the constants of
  // constants.ts, so the parameters the wasm kernels take instead must be exactly those.

  traceDecay(xPtr: number, count: number, decay: number): void {
    decayTrace(this.f32, xPtr >> 2, count, decay);
  }

  traceFollow(xPtr: number, vPtr: number, count: number, rate: number): void {
    followTrace(this.f32, xPtr >> 2, this.f32, vPtr >> 2, count, rate);
  }

  presynaptic(
    pspPtr: number, pspLinePtr: number, pEffOutPtr: number, prePtr: number,
    nPre: number, delaySteps: number, n: number, skipMode: number, threshold: number, rate: number,
  ): void {
    requireConstant('presynaptic rate', rate, DECAY_RATE);
    if (skipMode === 0) requireConstant('presynaptic threshold (skipMode 0)', threshold, GAMMA);
    presynapticPass(
      this.f32, { psp: pspPtr >> 2, pspLine: pspLinePtr >> 2, pEff: pEffOutPtr >> 2, pre: prePtr >> 2 },
      nPre, delaySteps, n, skipMode === 0 ? null : threshold,
    );
  }

  postsynaptic(
    errFilteredPtr: number, avgSqErrPtr: number, eEffOutPtr: number, vPtr: number,
    sigmaLinePtr: number, sDelayedOutPtr: number, homPtr: number, h4OutPtr: number,
    local: number, stride: number, delaySteps: number, n: number, partial: number,
    avgDecay: number, dt: number, gamma: number, lambda: number, beta: number, theta: number, floorVolts: number,
  ): number {
    requireConstant('postsynaptic avgDecay', avgDecay, AVG_DECAY);
    requireConstant('postsynaptic dt', dt, DT_F32);
    requireConstant('postsynaptic gamma', gamma, GAMMA);
    requireConstant('postsynaptic lambda', lambda, HOM_LAMBDA);
    requireConstant('postsynaptic beta', beta, BETA_PER_VOLT);
    requireConstant('postsynaptic theta', theta, THRESHOLD_VOLTS);
    requireConstant('postsynaptic floorVolts', floorVolts, SURROGATE_FLOOR_VOLTS);
    return postsynapticPass(
      this.f32,
      {
        errFiltered: errFilteredPtr >> 2, avgSqErr: avgSqErrPtr >> 2, eEff: eEffOutPtr >> 2, v: vPtr >> 2,
        sigmaLine: sigmaLinePtr >> 2, sDelayed: sDelayedOutPtr >> 2, hom: homPtr >> 2, h4: h4OutPtr >> 2,
      },
      local, stride, delaySteps, n, partial !== 0,
    );
  }
}

/**
 * The model functions the reference calls have these values built in: a kernel parameter that
 * differs would make the wasm kernel compute something the oracle does not, so it is an error.
 */
function requireConstant(what: string, value: number, expected: number): void {
  if (value !== expected) throw new Error(`superspike: ${what} must be ${expected}, got ${value}`);
}

/** Flush-to-zero of values below the smallest normal float (see FLT_MIN_NORMAL). */
export function flush(x: number): number {
  return Math.abs(x) < FLT_MIN_NORMAL ? 0 : x;
}
