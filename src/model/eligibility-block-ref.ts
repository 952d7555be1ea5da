/**
 * The blocked eligibility pass (docs/model.md §7.7) in plain TypeScript: the bit-exact definition
 * that assembly/eligibility-block.ts is tested against. Every arithmetic result is rounded with
 * Math.fround, in the order written here.
 *
 * Why it works: for one synapse, E3 of §7.2 is linear in its inputs q(t) = p_j(t)·s_k(t) and in
 * the state (x0 = el, f0 = elFlt) at the start of a block of n steps. So the block's additions to
 * elSum, and the state at its end, are sums over t of p_j(t) times a per-post weight:
 *   elSum += x0·cx + f0·cf + Σ_t p_j(t)·ẽ_k(t) − w·H_k        (ẽ = s·G, G the adjoint of e)
 *   el     = x0·d^n        + Σ_t p_j(t)·ux_k(t)                (ux = s·d^(n−t))
 *   elFlt  = x0·fx + f0·ff + Σ_t p_j(t)·uf_k(t)                (uf = s·G^f, the adjoint of f_end)
 * The per-post weights come from one backward pass per post (`prepare`), the per-synapse part is
 * three dot products over t that skip every step with p = 0 (`rows`).
 */
import { KERNEL_REGION as R } from './kernels.js';

const f = Math.fround;

/** Rows of the block buffer after the `uf` rows: cx, cf, H, then the broadcast scalars xx, fx, ff. */
export const BLOCK_COEFFICIENT_ROWS = 6;

/**
 * The synapse side reads each presynaptic neuron's p over the block contiguously from a transposed
 * copy of at most BLOCK_SCRATCH_ROWS rows (BLOCK_SCRATCH_PITCH floats each, ≥ BLOCK_STEPS), made in
 * the scratch of the thread that runs the rows just before it uses them: one scratch per rank
 * (layout.ts), not a transposed block of every presynaptic neuron. The same numbers as the
 * assembly's SUB_ROWS and SCRATCH_PITCH (the whole-memory tests compare the scratch too).
 */
export const BLOCK_SCRATCH_ROWS = 256;
export const BLOCK_SCRATCH_PITCH = 1008;
export const BLOCK_SCRATCH_FLOATS = BLOCK_SCRATCH_ROWS * BLOCK_SCRATCH_PITCH;

/**
 * Post side of a block of `steps` rows: turns eEff rows into ẽ and sDelayed rows into ux in place,
 * and writes uf rows and the coefficient rows of the block buffer.
 */
export function blockPrepare(f32: Float32Array, u32: Uint32Array, regionPtr: number, steps: number, filterRate: number, elDecay: number): void {
  const b = regionPtr >>> 2;
  const stride = u32[b + R.stride]!;
  const pitch = u32[b + R.batchPitch]!;
  const e0 = u32[b + R.eEff]! >>> 2;
  const s0 = u32[b + R.sDelayed]! >>> 2;
  const h4 = u32[b + R.h4]!;
  const h0 = h4 >>> 2;
  const u0 = u32[b + R.blockBuf]! >>> 2;
  const c0 = u0 + u32[b + R.blockRows]! * pitch;
  const r = filterRate;
  const d = elDecay;
  const om = f(1 - r);
  for (let k = 0; k < stride; k++) {
    let F = 0;
    let G = 0;
    let tx = 1;
    let Ff = 0;
    let Gf = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const at = t * pitch + k;
      const s = f32[s0 + at]!;
      F = f(f32[e0 + at]! + f(om * F));
      G = f(f(r * F) + f(d * G));
      tx = f(tx * d);
      Ff = f((t === steps - 1 ? 1 : 0) + f(om * Ff));
      Gf = f(f(r * Ff) + f(d * Gf));
      f32[e0 + at] = f(s * G);
      f32[s0 + at] = f(s * tx);
      f32[u0 + at] = f(s * Gf);
    }
    let H = 0;
    if (h4 !== 0) for (let t = 0; t < steps; t++) H = f(H + f32[h0 + t * pitch + k]!);
    f32[c0 + k] = G;
    f32[c0 + pitch + k] = f(om * F);
    f32[c0 + 2 * pitch + k] = H;
    f32[c0 + 3 * pitch + k] = tx;
    f32[c0 + 4 * pitch + k] = Gf;
    f32[c0 + 5 * pitch + k] = f(om * Ff);
  }
}

/**
 * Synapse side, presynaptic rows [j0, j1), after `blockPrepare`: per synapse, in this order,
 *   (if anyError) acc_e = (elSum + x0·cx) + f0·cf;  acc_x = x0·xx;  acc_f = x0·fx + f0·ff;
 *   for t ascending with p = pEff[t][j] ≠ 0 (row t of the ring from pEff, wrapping at its end):
 *     acc_e += p·ẽ; acc_x += p·ux; acc_f += p·uf;
 *   el = acc_x; elFlt = acc_f; (if anyError) elSum = acc_e, minus w·H with a regulariser.
 * `scratch` (byte offset, BLOCK_SCRATCH_FLOATS): left as the kernel leaves it, each run of
 * BLOCK_SCRATCH_ROWS rows from j0 on transposed into it in turn (the values are the same either way).
 */
export function blockRows(
  f32: Float32Array, u32: Uint32Array, regionPtr: number, steps: number, j0: number, j1: number, anyError: number, scratch: number,
): void {
  const b = regionPtr >>> 2;
  const stride = u32[b + R.stride]!;
  const pitch = u32[b + R.batchPitch]!;
  const prePitch = u32[b + R.prePitch]!;
  const p0 = u32[b + R.pEff]! >>> 2;
  // Row t of the block: in the pEff ring from p0, wrapping at its end (no ring: contiguous).
  const ring0 = u32[b + R.pEffRing]! >>> 2;
  const ringFloats = u32[b + R.pEffRingBytes]! >>> 2;
  const rowAt = (t: number) => {
    const at = p0 + t * prePitch;
    return ringFloats !== 0 && at >= ring0 + ringFloats ? at - ringFloats : at;
  };
  const q0 = scratch >>> 2;
  for (let s0 = j0; s0 < j1; s0 += BLOCK_SCRATCH_ROWS) {
    for (let j = s0; j < Math.min(j1, s0 + BLOCK_SCRATCH_ROWS); j++) {
      for (let t = 0; t < steps; t++) f32[q0 + (j - s0) * BLOCK_SCRATCH_PITCH + t] = f32[rowAt(t) + j]!;
    }
  }
  const e0 = u32[b + R.eEff]! >>> 2;
  const s0 = u32[b + R.sDelayed]! >>> 2;
  const u0 = u32[b + R.blockBuf]! >>> 2;
  const c0 = u0 + u32[b + R.blockRows]! * pitch;
  const reg = u32[b + R.h4]! !== 0;
  for (let j = j0; j < j1; j++) {
    const base = j * stride;
    const el0 = (u32[b + R.el]! >>> 2) + base;
    const ef0 = (u32[b + R.elFlt]! >>> 2) + base;
    const es0 = (u32[b + R.elSum]! >>> 2) + base;
    const w0 = (u32[b + R.w]! >>> 2) + base;
    for (let k = 0; k < stride; k++) {
      const x0 = f32[el0 + k]!;
      const f0 = f32[ef0 + k]!;
      let accE = anyError !== 0 ? f(f(f32[es0 + k]! + f(x0 * f32[c0 + k]!)) + f(f0 * f32[c0 + pitch + k]!)) : 0;
      let accX = f(x0 * f32[c0 + 3 * pitch + k]!);
      let accF = f(f(x0 * f32[c0 + 4 * pitch + k]!) + f(f0 * f32[c0 + 5 * pitch + k]!));
      for (let t = 0; t < steps; t++) {
        const p = f32[rowAt(t) + j]!;
        if (p === 0) continue;
        const at = t * pitch + k;
        if (anyError !== 0) accE = f(accE + f(p * f32[e0 + at]!));
        accX = f(accX + f(p * f32[s0 + at]!));
        accF = f(accF + f(p * f32[u0 + at]!));
      }
      f32[el0 + k] = accX;
      f32[ef0 + k] = accF;
      if (anyError !== 0) f32[es0 + k] = reg ? f(accE - f(f32[w0 + k]! * f32[c0 + 2 * pitch + k]!)) : accE;
    }
  }
}
