// The eligibility kernels (docs/model.md §7.2 E3): per step, batched over up to 8 steps, and the
// blocked pass of assembly/eligibility-block.ts on a region's arrays. One of the kernel modules
// that assembly/kernels.ts exports; its opening comment has the rules (bit for bit
// src/model/kernels-ref.ts, no allocation, no static data).
import {
  FILTER_RATE, EL_DECAY, R_E_EFF, R_S_DELAYED, R_H4, R_STRIDE, R_BATCH_PITCH, R_P_EFF, R_PRE_PITCH,
  R_EL, R_EL_FLT, R_EL_SUM, R_W, R_BLOCK_BUF, R_BLOCK_ROWS, R_P_EFF_RING, R_P_EFF_RING_BYTES, word,
  batchRowAt, FLT_MIN_BITS, ABS_BITS, flush4,
} from './constants';
import { blockPrepare, blockRows } from './eligibility-block';

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
