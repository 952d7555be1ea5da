// The per-neuron passes of every step (docs/model.md §6, §7.2): traces, the presynaptic and the
// postsynaptic side. One of the kernel modules that assembly/kernels.ts exports; its opening
// comment has the rules (bit for bit src/model/kernels-ref.ts, no allocation, no static data).
import {
  THRESHOLD_VOLTS, AVG_DECAY, DT, GAMMA, HOM_LAMBDA, HOM_EXPONENT, BETA_PER_VOLT,
  SURROGATE_FLOOR_VOLTS, PSP_RATE, DELTA_RANDOM, R_ERR_FILTERED, R_AVG_SQ_ERR, R_E_EFF, R_V,
  R_SIGMA_LINE, R_S_DELAYED, R_HOM, R_H4, R_LOCAL, R_STRIDE, R_DELAY_STEPS, R_BATCH_PITCH, R_PSP,
  R_PSP_LINE, R_P_EFF, R_PRE, R_N_PRE, R_PRE_PITCH, word, batchRowAt, FLT_MIN_BITS, ABS_BITS,
  flush4, flush1,
} from './constants';

// ---------------------------------------------------------------------------------------------
// The per-neuron passes of every step (docs/model.md §6, §7.2), bit for bit the TypeScript functions of
// src/model/traces.ts and src/model/connection-passes.ts (which the reference kernels call): the
// same float32 operations in the same order. Vectors of four while four elements remain, then a
// scalar tail, so nothing at or past `count` is read or written. Rows computed inside (the delay
// lines' row n mod D) need not be 16-byte aligned: wasm loads and stores take any address, the
// alignment is only a hint.

// traceDecay: x = flush(x·decay) (decayTrace).
export function traceDecay(xPtr: usize, count: i32, decay: f32): void {
  let i: i32 = 0;
  if (count >= 4) {
    const d = f32x4.splat(decay);
    const absMask = i32x4.splat(ABS_BITS);
    const minBits = i32x4.splat(FLT_MIN_BITS);
    for (; i + 16 <= count; i += 16) {
      const p = xPtr + (<usize>i << 2);
      v128.store(p, flush4(f32x4.mul(v128.load(p), d), absMask, minBits));
      v128.store(p, flush4(f32x4.mul(v128.load(p, 16), d), absMask, minBits), 16);
      v128.store(p, flush4(f32x4.mul(v128.load(p, 32), d), absMask, minBits), 32);
      v128.store(p, flush4(f32x4.mul(v128.load(p, 48), d), absMask, minBits), 48);
    }
    for (; i + 4 <= count; i += 4) {
      const p = xPtr + (<usize>i << 2);
      v128.store(p, flush4(f32x4.mul(v128.load(p), d), absMask, minBits));
    }
  }
  for (; i < count; i++) {
    const p = xPtr + (<usize>i << 2);
    store<f32>(p, flush1(load<f32>(p) * decay));
  }
}

// traceFollow: x = flush(x + rate·(v − x)) (followTrace).
// @ts-ignore: decorator
@inline function followVec(x: v128, v: v128, r: v128, absMask: v128, minBits: v128): v128 {
  return flush4(f32x4.add(x, f32x4.mul(r, f32x4.sub(v, x))), absMask, minBits);
}

export function traceFollow(xPtr: usize, vPtr: usize, count: i32, rate: f32): void {
  let i: i32 = 0;
  if (count >= 4) {
    const r = f32x4.splat(rate);
    const absMask = i32x4.splat(ABS_BITS);
    const minBits = i32x4.splat(FLT_MIN_BITS);
    for (; i + 16 <= count; i += 16) {
      const o = <usize>i << 2;
      const x = xPtr + o;
      const v = vPtr + o;
      v128.store(x, followVec(v128.load(x), v128.load(v), r, absMask, minBits));
      v128.store(x, followVec(v128.load(x, 16), v128.load(v, 16), r, absMask, minBits), 16);
      v128.store(x, followVec(v128.load(x, 32), v128.load(v, 32), r, absMask, minBits), 32);
      v128.store(x, followVec(v128.load(x, 48), v128.load(v, 48), r, absMask, minBits), 48);
    }
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(xPtr + o, followVec(v128.load(xPtr + o), v128.load(vPtr + o), r, absMask, minBits));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(xPtr + o);
    store<f32>(xPtr + o, flush1(x + rate * (load<f32>(vPtr + o) - x)));
  }
}

/**
 * Row n mod delaySteps of a delay line. `n` arrives as a double so that step numbers past 2³¹
 * give the same row as the TypeScript `n % delaySteps` (f64 `%` is the exact remainder).
 */
// @ts-ignore: decorator
@inline function delayRow(linePtr: usize, n: f64, delaySteps: i32, rowFloats: i32): usize {
  const slot = <i32>(n % <f64>delaySteps);
  return linePtr + (<usize>(slot * rowFloats) << 2);
}

// presynaptic (presynapticPass): per presynaptic j, in this order:
//   today = psp; p = row[j]; row[j] = today; pEff = skip(p) ? +0 : p;
//   psp = flush(today + rate·(pre − today))
// with skip(p) = p ≤ threshold (skipMode 0, γ) or p < threshold (skipMode 1, δ).
// @ts-ignore: decorator
@inline function preRun(
  lessEqual: bool, nPre: i32, psp: usize, row: usize, pEff: usize, pre: usize, threshold: f32, rate: f32,
): void {
  let j: i32 = 0;
  if (nPre >= 4) {
    const thr = f32x4.splat(threshold);
    const r = f32x4.splat(rate);
    const absMask = i32x4.splat(ABS_BITS);
    const minBits = i32x4.splat(FLT_MIN_BITS);
    for (; j + 4 <= nPre; j += 4) {
      const o = <usize>j << 2;
      const today = v128.load(psp + o);
      const p = v128.load(row + o);
      v128.store(row + o, today);
      const skip = lessEqual ? f32x4.le(p, thr) : f32x4.lt(p, thr);
      v128.store(pEff + o, v128.andnot(p, skip));
      const y = f32x4.add(today, f32x4.mul(r, f32x4.sub(v128.load(pre + o), today)));
      v128.store(psp + o, flush4(y, absMask, minBits));
    }
  }
  for (; j < nPre; j++) {
    const o = <usize>j << 2;
    const today = load<f32>(psp + o);
    const p = load<f32>(row + o);
    store<f32>(row + o, today);
    const skip = lessEqual ? p <= threshold : p < threshold;
    store<f32>(pEff + o, skip ? <f32>0 : p);
    store<f32>(psp + o, flush1(today + rate * (load<f32>(pre + o) - today)));
  }
}

// Presynaptic neurons [j0, j1) of the region's nPre: every array is offset by j0 (the delay row
// keeps its nPre-float pitch), so chunks of one step computed by different threads are independent.
export function presynaptic(region: usize, batchRow: i32, n: f64, skipMode: i32, j0: i32, j1: i32): void {
  const o = <usize>j0 << 2;
  const pspPtr = word(region, R_PSP) + o;
  const pEffOutPtr = batchRowAt(word(region, R_P_EFF), batchRow, word(region, R_PRE_PITCH)) + o;
  const prePtr = word(region, R_PRE) + o;
  const nPre = <i32>word(region, R_N_PRE);
  const threshold = skipMode == 0 ? GAMMA : DELTA_RANDOM;
  const rate = PSP_RATE;
  const row = delayRow(word(region, R_PSP_LINE), n, <i32>word(region, R_DELAY_STEPS), nPre) + o;
  if (skipMode == 0) preRun(true, j1 - j0, pspPtr, row, pEffOutPtr, prePtr, threshold, rate);
  else preRun(false, j1 - j0, pspPtr, row, pEffOutPtr, prePtr, threshold, rate);
}

// hom^a by binary exponentiation, as powerF32 of src/model/connection-passes.ts: r = 1, b = x; per
// bit of a from the lowest: r = r·b if set, then b = b·b while bits remain (a = 4: r = 1·(x²)²).
// @ts-ignore: decorator
@inline function powV(x: v128, exponent: i32): v128 {
  let r = f32x4.splat(1);
  let b = x;
  for (let bits = exponent; bits > 0;) {
    if ((bits & 1) != 0) r = f32x4.mul(r, b);
    bits >>>= 1;
    if (bits > 0) b = f32x4.mul(b, b);
  }
  return r;
}
// @ts-ignore: decorator
@inline function powS(x: f32, exponent: i32): f32 {
  let r: f32 = 1;
  let b = x;
  for (let bits = exponent; bits > 0;) {
    if ((bits & 1) != 0) r = r * b;
    bits >>>= 1;
    if (bits > 0) b = b * b;
  }
  return r;
}

// postsynaptic (postsynapticPass): per post k, in this order:
//   e = errFiltered; avgSqErr = avgSqErr·avgDecay + dt·(e·e); skip = |e| < γ; eEff = skip ? +0 : e;
//   [regulariser] h4 = skip ? +0 : λ·hom^a (powV/powS);
//   sDelayed = row[k]; row[k] = partial ? σ'(V) : 1
// σ'(U) = U < floor ? +0 : β/(c·c), c = 1 + β·|U − θ| (surrogateDerivative). Four loop variants
// (regulariser × partial), so the loops carry no branch.
// @ts-ignore: decorator
@inline function postRun(
  reg: bool, partial: bool, local: i32,
  errF: usize, avg: usize, eEff: usize, v: usize, row: usize, sDel: usize, hom: usize, h4: usize,
  avgDecay: f32, dt: f32, gamma: f32, lambda: f32, exponent: i32, beta: f32, theta: f32, floorVolts: f32,
): i32 {
  let k: i32 = 0;
  let any: i32 = 0;
  if (local >= 4) {
    const ad = f32x4.splat(avgDecay);
    const dtv = f32x4.splat(dt);
    const gam = f32x4.splat(gamma);
    const lam = f32x4.splat(lambda);
    const bet = f32x4.splat(beta);
    const the = f32x4.splat(theta);
    const flo = f32x4.splat(floorVolts);
    const one = f32x4.splat(1);
    let errors = i32x4.splat(0);
    for (; k + 4 <= local; k += 4) {
      const o = <usize>k << 2;
      const e = v128.load(errF + o);
      v128.store(avg + o, f32x4.add(f32x4.mul(v128.load(avg + o), ad), f32x4.mul(dtv, f32x4.mul(e, e))));
      const skip = f32x4.lt(f32x4.abs(e), gam);
      v128.store(eEff + o, v128.andnot(e, skip));
      errors = v128.or(errors, v128.not(skip));
      if (reg) v128.store(h4 + o, v128.andnot(f32x4.mul(lam, powV(v128.load(hom + o), exponent)), skip));
      v128.store(sDel + o, v128.load(row + o));
      if (partial) {
        const u = v128.load(v + o);
        const c = f32x4.add(one, f32x4.mul(bet, f32x4.abs(f32x4.sub(u, the))));
        v128.store(row + o, v128.andnot(f32x4.div(bet, f32x4.mul(c, c)), f32x4.lt(u, flo)));
      } else {
        v128.store(row + o, one);
      }
    }
    any = <i32>v128.any_true(errors);
  }
  for (; k < local; k++) {
    const o = <usize>k << 2;
    const e = load<f32>(errF + o);
    store<f32>(avg + o, load<f32>(avg + o) * avgDecay + dt * (e * e));
    const skip = abs<f32>(e) < gamma;
    store<f32>(eEff + o, skip ? <f32>0 : e);
    if (!skip) any = 1;
    if (reg) store<f32>(h4 + o, skip ? <f32>0 : lambda * powS(load<f32>(hom + o), exponent));
    store<f32>(sDel + o, load<f32>(row + o));
    if (partial) {
      const u = load<f32>(v + o);
      const c = <f32>1 + beta * abs<f32>(u - theta);
      store<f32>(row + o, u < floorVolts ? <f32>0 : beta / (c * c));
    } else {
      store<f32>(row + o, 1);
    }
  }
  return any;
}

export function postsynaptic(region: usize, batchRow: i32, n: f64, partial: i32): i32 {
  const pitch = word(region, R_BATCH_PITCH);
  const errFilteredPtr = word(region, R_ERR_FILTERED);
  const avgSqErrPtr = word(region, R_AVG_SQ_ERR);
  const eEffOutPtr = batchRowAt(word(region, R_E_EFF), batchRow, pitch);
  const vPtr = word(region, R_V);
  const sDelayedOutPtr = batchRowAt(word(region, R_S_DELAYED), batchRow, pitch);
  const homPtr = word(region, R_HOM);
  const h4OutPtr = batchRowAt(word(region, R_H4), batchRow, pitch);
  const local = <i32>word(region, R_LOCAL);
  const avgDecay = AVG_DECAY;
  const dt = DT;
  const gamma = GAMMA;
  const lambda = HOM_LAMBDA;
  const exponent = HOM_EXPONENT;
  const beta = BETA_PER_VOLT;
  const theta = THRESHOLD_VOLTS;
  const floorVolts = SURROGATE_FLOOR_VOLTS;
  const row = delayRow(word(region, R_SIGMA_LINE), n, <i32>word(region, R_DELAY_STEPS), <i32>word(region, R_STRIDE));
  // As in postsynapticPass, the h4 output pointer alone says whether there is a regulariser.
  if (h4OutPtr != 0) {
    if (partial != 0) {
      return postRun(true, true, local, errFilteredPtr, avgSqErrPtr, eEffOutPtr, vPtr, row, sDelayedOutPtr, homPtr, h4OutPtr,
        avgDecay, dt, gamma, lambda, exponent, beta, theta, floorVolts);
    }
    return postRun(true, false, local, errFilteredPtr, avgSqErrPtr, eEffOutPtr, vPtr, row, sDelayedOutPtr, homPtr, h4OutPtr,
      avgDecay, dt, gamma, lambda, exponent, beta, theta, floorVolts);
  }
  if (partial != 0) {
    return postRun(false, true, local, errFilteredPtr, avgSqErrPtr, eEffOutPtr, vPtr, row, sDelayedOutPtr, homPtr, h4OutPtr,
      avgDecay, dt, gamma, lambda, exponent, beta, theta, floorVolts);
  }
  return postRun(false, false, local, errFilteredPtr, avgSqErrPtr, eEffOutPtr, vPtr, row, sDelayedOutPtr, homPtr, h4OutPtr,
    avgDecay, dt, gamma, lambda, exponent, beta, theta, floorVolts);
}
