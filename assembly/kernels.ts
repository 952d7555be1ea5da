// The hot kernels of one rank in AssemblyScript with 128-bit SIMD (f32x4), compiled by
// scripts/build-wasm.mjs to build/kernels.wasm. They work in place on the imported shared memory:
// every pointer is a byte offset, 16-byte aligned. Bit for bit equal to src/model/kernels-ref.ts:
// the same float32 operations in the same order, no FMA, no reassociation; every f32x4 op is
// IEEE round-to-nearest like the reference's Math.fround of the double result.
//
// Rules for this module: no allocation, no static data (bytes [0, 65536) of the memory belong to
// the module, network state lives above), so no strings, arrays or throwing code. The model
// constants live in module globals (one copy per instance, not in memory), set once by
// `configure` when src/model/kernels-wasm.ts creates the instance. Kernels of one plastic
// connection take a *kernel region*: a block of uint32 words in memory naming its arrays and
// sizes (indices R_* below = KERNEL_REGION of src/model/kernels.ts).

import { blockPrepare, blockRows } from './eligibility-block';

// ---------------------------------------------------------------------------------------------
// Constants (KernelConstants of src/model/kernels.ts), bound by `configure`.

let KAPPA_MEM: f32 = 0;
let E_REST_VOLTS: f32 = 0;
let THRESHOLD_VOLTS: f32 = 0;
let ALPHA_SYN: f32 = 0;
let REFRACTORY_STEPS: i32 = 0;
let AVG_DECAY: f32 = 0;
let DT: f32 = 0;
let GAMMA: f32 = 0;
let HOM_LAMBDA: f32 = 0;
let HOM_EXPONENT: i32 = 0;
let BETA_PER_VOLT: f32 = 0;
let SURROGATE_FLOOR_VOLTS: f32 = 0;
let PSP_RATE: f32 = 0;
let DELTA_RANDOM: f32 = 0;
let FILTER_RATE: f32 = 0;
let EL_DECAY: f32 = 0;
let UPDATE_STEPS: f32 = 0;
let UPDATE_SCHEME: i32 = 0;
let RMS_MUL: f32 = 0;
let EPSILON: f32 = 0;
let W_MAX: f32 = 0;

/** Binds the constants, in the order of `kernelConstantArgs` (src/model/kernels.ts). */
export function configure(
  kappa: f32, restVolts: f32, thresholdVolts: f32, alphaSyn: f32, refractorySteps: i32,
  avgDecay: f32, dtSeconds: f32, gamma: f32, homLambda: f32, homExponent: i32, betaPerVolt: f32, surrogateFloorVolts: f32,
  pspRate: f32, deltaRandom: f32, filterRate: f32, elDecay: f32,
  updateSteps: f32, updateScheme: i32, rmsMul: f32, epsilon: f32, wMax: f32,
): void {
  KAPPA_MEM = kappa;
  E_REST_VOLTS = restVolts;
  THRESHOLD_VOLTS = thresholdVolts;
  ALPHA_SYN = alphaSyn;
  REFRACTORY_STEPS = refractorySteps;
  AVG_DECAY = avgDecay;
  DT = dtSeconds;
  GAMMA = gamma;
  HOM_LAMBDA = homLambda;
  HOM_EXPONENT = homExponent;
  BETA_PER_VOLT = betaPerVolt;
  SURROGATE_FLOOR_VOLTS = surrogateFloorVolts;
  PSP_RATE = pspRate;
  DELTA_RANDOM = deltaRandom;
  FILTER_RATE = filterRate;
  EL_DECAY = elDecay;
  UPDATE_STEPS = updateSteps;
  UPDATE_SCHEME = updateScheme;
  RMS_MUL = rmsMul;
  EPSILON = epsilon;
  W_MAX = wMax;
}

// ---------------------------------------------------------------------------------------------
// Kernel regions: word indices (KERNEL_REGION of src/model/kernels.ts).

// @ts-ignore: decorator
@inline const R_ERR_FILTERED = 0;
// @ts-ignore: decorator
@inline const R_AVG_SQ_ERR = 1;
// @ts-ignore: decorator
@inline const R_E_EFF = 2;
// @ts-ignore: decorator
@inline const R_V = 3;
// @ts-ignore: decorator
@inline const R_SIGMA_LINE = 4;
// @ts-ignore: decorator
@inline const R_S_DELAYED = 5;
// @ts-ignore: decorator
@inline const R_HOM = 6;
// @ts-ignore: decorator
@inline const R_H4 = 7;
// @ts-ignore: decorator
@inline const R_LOCAL = 8;
// @ts-ignore: decorator
@inline const R_STRIDE = 9;
// @ts-ignore: decorator
@inline const R_DELAY_STEPS = 10;
// @ts-ignore: decorator
@inline const R_BATCH_PITCH = 11;
// @ts-ignore: decorator
@inline const R_PSP = 12;
// @ts-ignore: decorator
@inline const R_PSP_LINE = 13;
// @ts-ignore: decorator
@inline const R_P_EFF = 14;
// @ts-ignore: decorator
@inline const R_PRE = 15;
// @ts-ignore: decorator
@inline const R_N_PRE = 16;
// @ts-ignore: decorator
@inline const R_PRE_PITCH = 17;
// @ts-ignore: decorator
@inline const R_EL = 18;
// @ts-ignore: decorator
@inline const R_EL_FLT = 19;
// @ts-ignore: decorator
@inline const R_EL_SUM = 20;
// @ts-ignore: decorator
@inline const R_W = 21;
// @ts-ignore: decorator
@inline const R_GRAD2 = 22;
// @ts-ignore: decorator
@inline const R_SYNAPSES = 23;
// @ts-ignore: decorator
@inline const R_BLOCK_BUF = 24;
// @ts-ignore: decorator
@inline const R_BLOCK_ROWS = 25;
// @ts-ignore: decorator
@inline const R_P_EFF_RING = 26;
// @ts-ignore: decorator
@inline const R_P_EFF_RING_BYTES = 27;

/** Word `index` of the kernel region at `region` (a pointer or a size). */
// @ts-ignore: decorator
@inline function word(region: usize, index: i32): usize {
  return <usize>load<u32>(region + (<usize>index << 2));
}

/** Row `row` of a batch buffer with rows of `pitch` floats (0 stays 0: an absent buffer). */
// @ts-ignore: decorator
@inline function batchRowAt(buffer: usize, row: i32, pitch: usize): usize {
  return buffer == 0 ? 0 : buffer + ((<usize>row * pitch) << 2);
}

// Bits of the smallest normal float32 (FLT_MIN_NORMAL = 2^-126).
// @ts-ignore: decorator
@inline const FLT_MIN_BITS: i32 = 0x00800000;
// @ts-ignore: decorator
@inline const ABS_BITS: i32 = 0x7fffffff;

/**
 * flush(x) = |x| < FLT_MIN_NORMAL ? +0 : x, lane-wise. Done on the bits: |x| as a (non-negative)
 * int is below 0x00800000 exactly for zeros and subnormals; NaN (above 0x7f800000) is kept, as
 * in the reference.
 */
// @ts-ignore: decorator
@inline function flush4(x: v128, absMask: v128, minBits: v128): v128 {
  return v128.andnot(x, i32x4.lt_s(v128.and(x, absMask), minBits));
}

// @ts-ignore: decorator
@inline function flush1(x: f32): f32 {
  return (reinterpret<i32>(x) & ABS_BITS) < FLT_MIN_BITS ? <f32>0 : x;
}

// ---------------------------------------------------------------------------------------------
// lifStep (docs/model.md §3, phase A)

export function lifStep(
  vPtr: usize, iPtr: usize, refPtr: usize, count: i32,
  spikeOutPtr: usize, rank: i32, ranks: i32,
): i32 {
  const kappa = KAPPA_MEM;
  const restVolts = E_REST_VOLTS;
  const thresholdVolts = THRESHOLD_VOLTS;
  const alphaSyn = ALPHA_SYN;
  const refractorySteps = REFRACTORY_STEPS;
  let spikes: i32 = 0;
  let li: i32 = 0;
  if (count >= 4) {
    const kap = f32x4.splat(kappa);
    const rest = f32x4.splat(restVolts);
    const thr = f32x4.splat(thresholdVolts);
    const alpha = f32x4.splat(alphaSyn);
    const refSteps = i32x4.splat(refractorySteps);
    const zero = i32x4.splat(0);
    const absMask = i32x4.splat(ABS_BITS);
    const minBits = i32x4.splat(FLT_MIN_BITS);
    for (; li + 4 <= count; li += 4) {
      const o = <usize>li << 2;
      const cur = v128.load(iPtr + o);
      let v = v128.load(vPtr + o);
      v = f32x4.add(v, f32x4.mul(kap, f32x4.add(f32x4.sub(rest, v), cur)));
      const ref = v128.load(refPtr + o);
      const refZero = i32x4.eq(ref, zero);
      const spike = v128.and(refZero, f32x4.gt(v, thr));
      // clamped to rest when spiking or refractory: ~(refZero & ~spike)
      v = v128.bitselect(v, rest, v128.andnot(refZero, spike));
      // ref − 1 where ref ≠ 0 (adding ~refZero = −1), refractorySteps where spiking
      const refNext = v128.bitselect(refSteps, i32x4.add(ref, v128.not(refZero)), spike);
      v128.store(refPtr + o, refNext);
      v128.store(vPtr + o, v);
      v128.store(iPtr + o, flush4(f32x4.mul(cur, alpha), absMask, minBits));
      let m = i32x4.bitmask(spike);
      while (m != 0) {
        const lane = ctz(m);
        store<u32>(spikeOutPtr + (<usize>spikes << 2), <u32>((li + lane) * ranks + rank));
        spikes++;
        m &= m - 1;
      }
    }
  }
  for (; li < count; li++) {
    const o = <usize>li << 2;
    const cur = load<f32>(iPtr + o);
    let v = load<f32>(vPtr + o);
    v = v + kappa * ((restVolts - v) + cur);
    const ref = load<i32>(refPtr + o);
    if (ref == 0) {
      if (v > thresholdVolts) {
        store<u32>(spikeOutPtr + (<usize>spikes << 2), <u32>(li * ranks + rank));
        spikes++;
        v = restVolts;
        store<i32>(refPtr + o, refractorySteps);
      }
    } else {
      store<i32>(refPtr + o, ref - 1);
      v = restVolts;
    }
    store<f32>(vPtr + o, v);
    store<f32>(iPtr + o, flush1(cur * alphaSyn));
  }
  return spikes;
}

// ---------------------------------------------------------------------------------------------
// forward (docs/model.md §5.2, phase B): I[k] += w[j, k] for each spike j, in list order. Rows are taken
// two at a time, I[k] = (I[k] + w[j1, k]) + w[j2, k]: the same sums in the same order.

export function forward(spikesPtr: usize, spikeCount: i32, wPtr: usize, stride: i32, iPtr: usize): void {
  const rowBytes = <usize>stride << 2;
  let s: i32 = 0;
  for (; s + 2 <= spikeCount; s += 2) {
    const sp = spikesPtr + (<usize>s << 2);
    const r0 = wPtr + <usize>load<u32>(sp) * rowBytes;
    const r1 = wPtr + <usize>load<u32>(sp, 4) * rowBytes;
    for (let k: usize = 0; k < rowBytes; k += 16) {
      const acc = f32x4.add(v128.load(iPtr + k), v128.load(r0 + k));
      v128.store(iPtr + k, f32x4.add(acc, v128.load(r1 + k)));
    }
  }
  if (s < spikeCount) {
    const r0 = wPtr + <usize>load<u32>(spikesPtr + (<usize>s << 2)) * rowBytes;
    for (let k: usize = 0; k < rowBytes; k += 16) {
      v128.store(iPtr + k, f32x4.add(v128.load(iPtr + k), v128.load(r0 + k)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// eligibility (docs/model.md §7.2 E3), fused per synapse:
//   el += p·s;  elFlt = flush(elFlt + rate·(el − elFlt));  el = flush(el·decay);
//   elSum += elFlt·e − w·h
// One row (pre j) at a time; six specialised row loops (input p ≠ 0 or not × no error / error /
// error with regulariser), so the inner loops carry no branch. Unrolled by four vectors; the
// `+ imm` constants fold into the loads' offset immediates (build without --memoryBase, see
// scripts/build-wasm.mjs), so one address add serves four vectors of an array.
// Measured (set-up of scripts/bench-kernels.mjs, Zen 5 VM): no unrolling, unrolling by 2, two rows per pass sharing
// the s/e/h loads, and float vs integer flush compares are all within ±5% of this.

// @ts-ignore: decorator
@inline function elVec(
  hasP: bool, err: bool, reg: bool, k: usize, imm: usize,
  ps: v128, rate: v128, decay: v128, absMask: v128, minBits: v128,
  sPtr: usize, ePtr: usize, hPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  let x = v128.load(el + k + imm);
  if (hasP) x = f32x4.add(x, f32x4.mul(ps, v128.load(sPtr + k + imm)));
  let f = v128.load(ef + k + imm);
  f = flush4(f32x4.add(f, f32x4.mul(rate, f32x4.sub(x, f))), absMask, minBits);
  v128.store(ef + k + imm, f);
  v128.store(el + k + imm, flush4(f32x4.mul(x, decay), absMask, minBits));
  if (err) {
    let inc = f32x4.mul(f, v128.load(ePtr + k + imm));
    if (reg) inc = f32x4.sub(inc, f32x4.mul(v128.load(w + k + imm), v128.load(hPtr + k + imm)));
    v128.store(es + k + imm, f32x4.add(v128.load(es + k + imm), inc));
  }
}

// @ts-ignore: decorator
@inline function elRow(
  hasP: bool, err: bool, reg: bool, rowBytes: usize,
  ps: v128, rate: v128, decay: v128, absMask: v128, minBits: v128,
  sPtr: usize, ePtr: usize, hPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  let k: usize = 0;
  for (; k + 64 <= rowBytes; k += 64) {
    elVec(hasP, err, reg, k, 0, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    elVec(hasP, err, reg, k, 16, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    elVec(hasP, err, reg, k, 32, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    elVec(hasP, err, reg, k, 48, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
  }
  for (; k < rowBytes; k += 16) {
    elVec(hasP, err, reg, k, 0, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
  }
}

function eligibilityRows(
  nPre: i32, stride: i32,
  pPtr: usize, sPtr: usize, ePtr: usize, hPtr: usize, anyError: i32,
  elPtr: usize, elFltPtr: usize, elSumPtr: usize, wPtr: usize,
  filterRate: f32, elDecay: f32,
): void {
  const rowBytes = <usize>stride << 2;
  const rate = f32x4.splat(filterRate);
  const decay = f32x4.splat(elDecay);
  const absMask = i32x4.splat(ABS_BITS);
  const minBits = i32x4.splat(FLT_MIN_BITS);
  const mode: i32 = anyError == 0 ? 0 : hPtr == 0 ? 1 : 2;
  let off: usize = 0;
  for (let j: i32 = 0; j < nPre; j++, off += rowBytes) {
    const p = load<f32>(pPtr + (<usize>j << 2));
    const el = elPtr + off;
    const ef = elFltPtr + off;
    const es = elSumPtr + off;
    const w = wPtr + off;
    if (p != 0) {
      const ps = f32x4.splat(p);
      if (mode == 0) elRow(true, false, false, rowBytes, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else if (mode == 1) elRow(true, true, false, rowBytes, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else elRow(true, true, true, rowBytes, ps, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    } else {
      if (mode == 0) elRow(false, false, false, rowBytes, rate, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else if (mode == 1) elRow(false, true, false, rowBytes, rate, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else elRow(false, true, true, rowBytes, rate, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    }
  }
}

/**
 * One step (batch row `batchRow`) over the presynaptic rows [j0, j1) of a kernel region: the
 * definition eligibilityBatch is tested against (test-only).
 */
export function eligibility(region: usize, batchRow: i32, j0: i32, j1: i32, anyError: i32): void {
  const pitch = word(region, R_BATCH_PITCH);
  const row = <usize>j0 * (word(region, R_STRIDE) << 2);
  const w = word(region, R_W);
  eligibilityRows(
    j1 - j0, <i32>word(region, R_STRIDE),
    batchRowAt(word(region, R_P_EFF), batchRow, word(region, R_PRE_PITCH)) + (<usize>j0 << 2),
    batchRowAt(word(region, R_S_DELAYED), batchRow, pitch), batchRowAt(word(region, R_E_EFF), batchRow, pitch),
    batchRowAt(word(region, R_H4), batchRow, pitch), anyError,
    word(region, R_EL) + row, word(region, R_EL_FLT) + row, word(region, R_EL_SUM) + row, w == 0 ? 0 : w + row,
    FILTER_RATE, EL_DECAY,
  );
}

// ---------------------------------------------------------------------------------------------
// eligibilityBatch: the same per-synapse sequence for `steps` consecutive steps at once. Every
// synapse's el/elFlt/elSum stay in registers across the steps, so memory traffic drops by the
// batch length while each synapse still sees exactly the per-step operations of `eligibility`.
// Step t reads p from pPtr + t·pPitch·4 and s, e, h from pPtr-like rows t·pitch·4 of their
// buffers. The pitches exceed the row lengths so that the rows of a batch do not fall into the
// same cache sets (rows 4 KiB apart would all alias in L1).
// `anyError` is the OR over the batch: a step without error multiplies by e = +0, which leaves
// elSum bit-identical (elFlt ≥ +0 and elSum is never −0), so the per-step skip needs no branch.
// A row whose p is zero on every step gets no input term, exactly like the per-step skip.

// Bits of 2^-118 = 256·FLT_MIN_NORMAL. A lane of el or elFlt that is 0 or at least this large cannot
// reach the subnormal range within ELIGIBILITY_BATCH (≤ 8) steps: el decays by ≥ 0.98 per step,
// elFlt moves by a convex step of rate 0.01 towards el, and every input term p·s is 0 or ≥ γ·σ'_min
// (≥ 1e-7). Such vectors take the loop without flushes, which then would all be no-ops.
// @ts-ignore: decorator
@inline const SAFE_BITS: i32 = 0x04800000;

// @ts-ignore: decorator
@inline function batchSteps(
  flush: bool, hasP: bool, err: bool, reg: bool, k: usize, steps: i32, pRow: usize, pStepBytes: usize, rowBytes: usize,
  rate: v128, decay: v128, absMask: v128, minBits: v128,
  sPtr: usize, ePtr: usize, hPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  let x = v128.load(el + k);
  let f = v128.load(ef + k);
  let sum = err ? v128.load(es + k) : x;
  const wv = reg ? v128.load(w + k) : x;
  let pAt = pRow;
  let row = k;
  for (let t: i32 = 0; t < steps; t++, pAt += pStepBytes, row += rowBytes) {
    if (hasP) x = f32x4.add(x, f32x4.mul(v128.load32_splat(pAt), v128.load(sPtr + row)));
    f = f32x4.add(f, f32x4.mul(rate, f32x4.sub(x, f)));
    x = f32x4.mul(x, decay);
    if (flush) {
      f = flush4(f, absMask, minBits);
      x = flush4(x, absMask, minBits);
    }
    if (err) {
      let inc = f32x4.mul(f, v128.load(ePtr + row));
      if (reg) inc = f32x4.sub(inc, f32x4.mul(wv, v128.load(hPtr + row)));
      sum = f32x4.add(sum, inc);
    }
  }
  v128.store(el + k, x);
  v128.store(ef + k, f);
  if (err) v128.store(es + k, sum);
}

// @ts-ignore: decorator
@inline function batchVec(
  hasP: bool, err: bool, reg: bool, k: usize, steps: i32, pRow: usize, pStepBytes: usize, rowBytes: usize,
  rate: v128, decay: v128, absMask: v128, minBits: v128, safeBits: v128, zero: v128,
  sPtr: usize, ePtr: usize, hPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  const ax = v128.and(v128.load(el + k), absMask);
  const af = v128.and(v128.load(ef + k), absMask);
  const safe = v128.and(
    v128.or(i32x4.eq(ax, zero), i32x4.ge_s(ax, safeBits)),
    v128.or(i32x4.eq(af, zero), i32x4.ge_s(af, safeBits)),
  );
  if (steps <= 8 && i32x4.all_true(safe)) {
    batchSteps(false, hasP, err, reg, k, steps, pRow, pStepBytes, rowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
  } else {
    batchSteps(true, hasP, err, reg, k, steps, pRow, pStepBytes, rowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
  }
}

// @ts-ignore: decorator
@inline function batchRow(
  hasP: bool, err: bool, reg: bool, steps: i32, pRow: usize, pStepBytes: usize, rowBytes: usize, batchRowBytes: usize,
  rate: v128, decay: v128, absMask: v128, minBits: v128,
  sPtr: usize, ePtr: usize, hPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  const safeBits = i32x4.splat(SAFE_BITS);
  const zero = i32x4.splat(0);
  for (let k: usize = 0; k < rowBytes; k += 16) {
    batchVec(hasP, err, reg, k, steps, pRow, pStepBytes, batchRowBytes, rate, decay, absMask, minBits, safeBits, zero, sPtr, ePtr, hPtr, el, ef, es, w);
  }
}

function eligibilityBatchRows(
  steps: i32, nPre: i32, stride: i32, pPitch: i32, pitch: i32,
  pPtr: usize, sPtr: usize, ePtr: usize, hPtr: usize, anyError: i32,
  elPtr: usize, elFltPtr: usize, elSumPtr: usize, wPtr: usize,
  filterRate: f32, elDecay: f32,
): void {
  const rowBytes = <usize>stride << 2;
  const batchRowBytes = <usize>pitch << 2;
  const pStepBytes = <usize>pPitch << 2;
  const rate = f32x4.splat(filterRate);
  const decay = f32x4.splat(elDecay);
  const absMask = i32x4.splat(ABS_BITS);
  const minBits = i32x4.splat(FLT_MIN_BITS);
  const mode: i32 = anyError == 0 ? 0 : hPtr == 0 ? 1 : 2;
  let off: usize = 0;
  for (let j: i32 = 0; j < nPre; j++, off += rowBytes) {
    const pRow = pPtr + (<usize>j << 2);
    let hasP = false;
    for (let t: i32 = 0, at = pRow; t < steps; t++, at += pStepBytes) {
      if (load<f32>(at) != 0) {
        hasP = true;
        break;
      }
    }
    const el = elPtr + off;
    const ef = elFltPtr + off;
    const es = elSumPtr + off;
    const w = wPtr + off;
    if (hasP) {
      if (mode == 0) batchRow(true, false, false, steps, pRow, pStepBytes, rowBytes, batchRowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else if (mode == 1) batchRow(true, true, false, steps, pRow, pStepBytes, rowBytes, batchRowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else batchRow(true, true, true, steps, pRow, pStepBytes, rowBytes, batchRowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    } else {
      if (mode == 0) batchRow(false, false, false, steps, pRow, pStepBytes, rowBytes, batchRowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else if (mode == 1) batchRow(false, true, false, steps, pRow, pStepBytes, rowBytes, batchRowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
      else batchRow(false, true, true, steps, pRow, pStepBytes, rowBytes, batchRowBytes, rate, decay, absMask, minBits, sPtr, ePtr, hPtr, el, ef, es, w);
    }
  }
}

/** `steps` batch rows from row 0 over the presynaptic rows [j0, j1) of a kernel region. */
export function eligibilityBatch(region: usize, steps: i32, j0: i32, j1: i32, anyError: i32): void {
  const row = <usize>j0 * (word(region, R_STRIDE) << 2);
  const w = word(region, R_W);
  eligibilityBatchRows(
    steps, j1 - j0, <i32>word(region, R_STRIDE), <i32>word(region, R_PRE_PITCH), <i32>word(region, R_BATCH_PITCH),
    word(region, R_P_EFF) + (<usize>j0 << 2), word(region, R_S_DELAYED), word(region, R_E_EFF), word(region, R_H4), anyError,
    word(region, R_EL) + row, word(region, R_EL_FLT) + row, word(region, R_EL_SUM) + row, w == 0 ? 0 : w + row,
    FILTER_RATE, EL_DECAY,
  );
}

// ---------------------------------------------------------------------------------------------
// eligibilityBlockPrepare, eligibilityBlock: the blocked eligibility pass (docs/model.md §7.7),
// assembly/eligibility-block.ts, on the region's arrays and this module's constants.

/** Post side of a block of `steps` rows (once per block, before any eligibilityBlock). */
export function eligibilityBlockPrepare(region: usize, steps: i32): void {
  const pitch = word(region, R_BATCH_PITCH);
  const uf = word(region, R_BLOCK_BUF);
  blockPrepare(
    steps, <i32>word(region, R_STRIDE), <i32>pitch, word(region, R_E_EFF), word(region, R_S_DELAYED), word(region, R_H4),
    uf, uf + ((word(region, R_BLOCK_ROWS) * pitch) << 2),
    FILTER_RATE, EL_DECAY,
  );
}

/** Synapse side of a block over the presynaptic rows [j0, j1); scratch: the calling thread's (BLOCK_SCRATCH_FLOATS). */
export function eligibilityBlock(region: usize, steps: i32, j0: i32, j1: i32, anyError: i32, scratch: usize): void {
  const pitch = word(region, R_BATCH_PITCH);
  const uf = word(region, R_BLOCK_BUF);
  blockRows(
    steps, j0, j1, <i32>word(region, R_STRIDE), <i32>word(region, R_PRE_PITCH), <i32>pitch, anyError, word(region, R_H4) != 0,
    word(region, R_P_EFF), word(region, R_E_EFF), word(region, R_S_DELAYED), uf, uf + ((word(region, R_BLOCK_ROWS) * pitch) << 2),
    word(region, R_EL), word(region, R_EL_FLT), word(region, R_EL_SUM), word(region, R_W), scratch,
    word(region, R_P_EFF_RING), word(region, R_P_EFF_RING_BYTES),
  );
}

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

// ---------------------------------------------------------------------------------------------
// feedbackRows (docs/model.md §7.4): errIn[k] += B[id, k]·e per event, in list order (two at a time:
// errIn = (errIn + B1·e1) + B2·e2, the same operations in the same order).

export function feedbackRows(
  eventIdsPtr: usize, eventValuesPtr: usize, eventCount: i32,
  bPtr: usize, stride: i32, errInPtr: usize,
): void {
  const rowBytes = <usize>stride << 2;
  let ev: i32 = 0;
  for (; ev + 2 <= eventCount; ev += 2) {
    const o = <usize>ev << 2;
    const r0 = bPtr + <usize>load<u32>(eventIdsPtr + o) * rowBytes;
    const r1 = bPtr + <usize>load<u32>(eventIdsPtr + o, 4) * rowBytes;
    const v0 = f32x4.splat(load<f32>(eventValuesPtr + o));
    const v1 = f32x4.splat(load<f32>(eventValuesPtr + o, 4));
    for (let k: usize = 0; k < rowBytes; k += 16) {
      const acc = f32x4.add(v128.load(errInPtr + k), f32x4.mul(v128.load(r0 + k), v0));
      v128.store(errInPtr + k, f32x4.add(acc, f32x4.mul(v128.load(r1 + k), v1)));
    }
  }
  if (ev < eventCount) {
    const o = <usize>ev << 2;
    const r0 = bPtr + <usize>load<u32>(eventIdsPtr + o) * rowBytes;
    const v0 = f32x4.splat(load<f32>(eventValuesPtr + o));
    for (let k: usize = 0; k < rowBytes; k += 16) {
      v128.store(errInPtr + k, f32x4.add(v128.load(errInPtr + k), f32x4.mul(v128.load(r0 + k), v0)));
    }
  }
}

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
