// The weight update (docs/model.md §7.5, E4): RMaxProp, RMSprop and the fixed rate. One of the
// kernel modules that assembly/kernels.ts exports; its opening comment has the rules (bit for bit
// src/model/kernels-ref.ts, no allocation, no static data).
import {
  UPDATE_STEPS, UPDATE_SCHEME, RMS_MUL, EPSILON, W_MAX, R_EL_SUM, R_W, R_GRAD2, R_SYNAPSES, word,
} from './constants';

// ---------------------------------------------------------------------------------------------
// weightUpdate (docs/model.md §7.5): g = elSum/steps (a true division); grad2 = max(g², rmsMul·grad2)
// (RMaxProp, UPDATE_SCHEME 0, the default) or rmsMul·grad2 + (1 − rmsMul)·g² (RMSprop, 1; 1 − rmsMul
// rounded once); elSum = 0; if learning: w = clip(w + η·(g/(√grad2 + ε)), ±wMax), the clip by the
// reference's comparisons (w < −wMax ? −wMax : w > wMax ? wMax : w). The fixed rate (2) has a loop
// of its own below.

export function weightUpdate(region: usize, eta: f32, learning: i32): void {
  if (UPDATE_SCHEME == 2) {
    weightUpdateFixed(region, eta, learning);
  } else if (UPDATE_SCHEME == 1) {
    weightUpdateNormalised(region, eta, learning, true);
  } else {
    weightUpdateNormalised(region, eta, learning, false);
  }
}

// RMaxProp and RMSprop differ only in how grad2 follows g². `runningMean` is a literal at both call
// sites and the function is inlined, so the compiler keeps one branch-free loop per scheme.
// @ts-ignore: decorator
@inline
function weightUpdateNormalised(region: usize, eta: f32, learning: i32, runningMean: bool): void {
  const count = <i32>word(region, R_SYNAPSES);
  const wPtr = word(region, R_W);
  const elSumPtr = word(region, R_EL_SUM);
  const grad2Ptr = word(region, R_GRAD2);
  const updateSteps = UPDATE_STEPS;
  const rmsMul = RMS_MUL;
  const rmsRest: f32 = <f32>1 - rmsMul;
  const epsilon = EPSILON;
  const wMax = W_MAX;
  const negMax: f32 = -wMax;
  let i: i32 = 0;
  if (count >= 4) {
    const steps = f32x4.splat(updateSteps);
    const rms = f32x4.splat(rmsMul);
    const rest = f32x4.splat(rmsRest);
    const et = f32x4.splat(eta);
    const eps = f32x4.splat(epsilon);
    const hi = f32x4.splat(wMax);
    const lo = f32x4.splat(negMax);
    const zero = f32x4.splat(0);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const g = f32x4.div(v128.load(elSumPtr + o), steps);
      const grad2 = runningMean
        ? f32x4.add(f32x4.mul(rms, v128.load(grad2Ptr + o)), f32x4.mul(rest, f32x4.mul(g, g)))
        : f32x4.max(f32x4.mul(g, g), f32x4.mul(rms, v128.load(grad2Ptr + o)));
      v128.store(grad2Ptr + o, grad2);
      v128.store(elSumPtr + o, zero);
      if (learning != 0) {
        const step = f32x4.mul(et, f32x4.div(g, f32x4.add(f32x4.sqrt(grad2), eps)));
        const w = f32x4.add(v128.load(wPtr + o), step);
        const clipped = v128.bitselect(lo, v128.bitselect(hi, w, f32x4.gt(w, hi)), f32x4.lt(w, lo));
        v128.store(wPtr + o, clipped);
      }
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(elSumPtr + o) / updateSteps;
    const grad2 = runningMean
      ? rmsMul * load<f32>(grad2Ptr + o) + rmsRest * (g * g)
      : max<f32>(g * g, rmsMul * load<f32>(grad2Ptr + o));
    store<f32>(grad2Ptr + o, grad2);
    store<f32>(elSumPtr + o, 0);
    if (learning != 0) {
      const w = load<f32>(wPtr + o) + eta * (g / (sqrt<f32>(grad2) + epsilon));
      store<f32>(wPtr + o, w < negMax ? negMax : w > wMax ? wMax : w);
    }
  }
}

// Fixed rate (UPDATE_SCHEME 2): grad2 untouched; elSum = 0; if learning: w = clip(w + η·g, ±wMax).
function weightUpdateFixed(region: usize, eta: f32, learning: i32): void {
  const count = <i32>word(region, R_SYNAPSES);
  const wPtr = word(region, R_W);
  const elSumPtr = word(region, R_EL_SUM);
  const updateSteps = UPDATE_STEPS;
  const wMax = W_MAX;
  const negMax: f32 = -wMax;
  let i: i32 = 0;
  if (count >= 4) {
    const steps = f32x4.splat(updateSteps);
    const et = f32x4.splat(eta);
    const hi = f32x4.splat(wMax);
    const lo = f32x4.splat(negMax);
    const zero = f32x4.splat(0);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const g = f32x4.div(v128.load(elSumPtr + o), steps);
      v128.store(elSumPtr + o, zero);
      if (learning != 0) {
        const w = f32x4.add(v128.load(wPtr + o), f32x4.mul(et, g));
        const clipped = v128.bitselect(lo, v128.bitselect(hi, w, f32x4.gt(w, hi)), f32x4.lt(w, lo));
        v128.store(wPtr + o, clipped);
      }
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(elSumPtr + o) / updateSteps;
    store<f32>(elSumPtr + o, 0);
    if (learning != 0) {
      const w = load<f32>(wPtr + o) + eta * g;
      store<f32>(wPtr + o, w < negMax ? negMax : w > wMax ? wMax : w);
    }
  }
}
