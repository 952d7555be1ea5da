// The blocked eligibility pass (docs/model.md §7.7) with 128-bit SIMD: the same operations in the
// same order as src/model/eligibility-block-ref.ts, which explains the algebra. kernels.ts exports
// it (eligibilityBlockPrepare, eligibilityBlock) with the region's pointers and the constants.
//
// `prepare` runs once per block and post: a backward pass over the block's rows, four posts per
// vector. `rows` is three dot products over the block's steps per synapse: a tile of 16 posts
// (12 accumulators: ẽ, ux and uf for four vectors) stays in registers while t runs over a chunk of
// CHUNK_STEPS rows, whose post-side data (3·64 bytes a row) stays in L1 across the presynaptic
// rows; the accumulators go back to el/elFlt/elSum between chunks (the same float additions in the
// same order as one long sum). Steps with p = 0 are skipped.
//
// p comes from the process's pEff ring, one row per step. Each presynaptic neuron's p over a
// chunk is read contiguously from a transposed copy of up to SUB_ROWS rows over the block's steps
// in the calling thread's scratch (1 MiB; a chunk's 128 steps of a row are 512 bytes, in L1), made
// just before those rows are used: no rank keeps a transposed block of every presynaptic neuron
// (that was nPre × 1000 floats per rank and connection, 36 MB a rank at 1000-8192-1000). The copy
// moves four neurons by four steps at a time (`transpose`).

// @ts-ignore: decorator
@inline const CHUNK_STEPS: i32 = 128;
/** Presynaptic rows per transposed sub-chunk, and floats per row of the scratch (BLOCK_STEPS, rounded up to 16). */
// @ts-ignore: decorator
@inline const SUB_ROWS: i32 = 256;
// @ts-ignore: decorator
@inline const SCRATCH_PITCH: i32 = 1008;

export function blockPrepare(
  steps: i32, stride: i32, pitch: i32, ePtr: usize, sPtr: usize, hPtr: usize, ufPtr: usize, coefPtr: usize,
  filterRate: f32, elDecay: f32,
): void {
  const r = filterRate;
  const d = elDecay;
  const om: f32 = <f32>1 - r;
  const rv = f32x4.splat(r);
  const dv = f32x4.splat(d);
  const omv = f32x4.splat(om);
  const rowBytes = <usize>pitch << 2;
  for (let k: usize = 0; k < (<usize>stride << 2); k += 16) {
    let F = f32x4.splat(0);
    let G = f32x4.splat(0);
    let tx: f32 = 1;
    let ff: f32 = 0;
    let gf: f32 = 0;
    for (let t: i32 = steps - 1; t >= 0; t--) {
      const at = <usize>t * rowBytes + k;
      const s = v128.load(sPtr + at);
      F = f32x4.add(v128.load(ePtr + at), f32x4.mul(omv, F));
      G = f32x4.add(f32x4.mul(rv, F), f32x4.mul(dv, G));
      tx = tx * d;
      ff = (t == steps - 1 ? <f32>1 : <f32>0) + om * ff;
      gf = r * ff + d * gf;
      v128.store(ePtr + at, f32x4.mul(s, G));
      v128.store(sPtr + at, f32x4.mul(s, f32x4.splat(tx)));
      v128.store(ufPtr + at, f32x4.mul(s, f32x4.splat(gf)));
    }
    let H = f32x4.splat(0);
    if (hPtr != 0) for (let t: i32 = 0; t < steps; t++) H = f32x4.add(H, v128.load(hPtr + <usize>t * rowBytes + k));
    v128.store(coefPtr + k, G);
    v128.store(coefPtr + rowBytes + k, f32x4.mul(omv, F));
    v128.store(coefPtr + 2 * rowBytes + k, H);
    v128.store(coefPtr + 3 * rowBytes + k, f32x4.splat(tx));
    v128.store(coefPtr + 4 * rowBytes + k, f32x4.splat(gf));
    v128.store(coefPtr + 5 * rowBytes + k, f32x4.splat(om * ff));
  }
}

// One tile of `vecs` (4 or 1) vectors of posts at byte offset k, presynaptic row j, steps [t0, t1);
// pCol: p_j(t0 …) in the scratch.
// first: start from the block's initial state (x0, f0); last: subtract the regulariser at the end.
// @ts-ignore: decorator
@inline function tile(
  vecs: i32, err: bool, reg: bool, first: bool, last: bool, k: usize, rowOff: usize, pCol: usize,
  t0: i32, t1: i32, rowBytes: usize,
  ePtr: usize, sPtr: usize, ufPtr: usize, coefPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  const a = rowOff + k;
  let x0 = v128.load(el + a);
  let x1 = vecs > 1 ? v128.load(el + a + 16) : x0;
  let x2 = vecs > 1 ? v128.load(el + a + 32) : x0;
  let x3 = vecs > 1 ? v128.load(el + a + 48) : x0;
  let f0 = v128.load(ef + a);
  let f1 = vecs > 1 ? v128.load(ef + a + 16) : f0;
  let f2 = vecs > 1 ? v128.load(ef + a + 32) : f0;
  let f3 = vecs > 1 ? v128.load(ef + a + 48) : f0;
  let e0 = err ? v128.load(es + a) : x0;
  let e1 = err && vecs > 1 ? v128.load(es + a + 16) : x0;
  let e2 = err && vecs > 1 ? v128.load(es + a + 32) : x0;
  let e3 = err && vecs > 1 ? v128.load(es + a + 48) : x0;
  if (first) {
    // acc_e = (elSum + x0·cx) + f0·cf;  acc_x = x0·xx;  acc_f = x0·fx + f0·ff
    const cx = coefPtr + k;
    const cf = cx + rowBytes;
    const xx = cx + 3 * rowBytes;
    const fx = cx + 4 * rowBytes;
    const ff = cx + 5 * rowBytes;
    if (err) {
      e0 = f32x4.add(f32x4.add(e0, f32x4.mul(x0, v128.load(cx))), f32x4.mul(f0, v128.load(cf)));
      if (vecs > 1) {
        e1 = f32x4.add(f32x4.add(e1, f32x4.mul(x1, v128.load(cx + 16))), f32x4.mul(f1, v128.load(cf + 16)));
        e2 = f32x4.add(f32x4.add(e2, f32x4.mul(x2, v128.load(cx + 32))), f32x4.mul(f2, v128.load(cf + 32)));
        e3 = f32x4.add(f32x4.add(e3, f32x4.mul(x3, v128.load(cx + 48))), f32x4.mul(f3, v128.load(cf + 48)));
      }
    }
    f0 = f32x4.add(f32x4.mul(x0, v128.load(fx)), f32x4.mul(f0, v128.load(ff)));
    x0 = f32x4.mul(x0, v128.load(xx));
    if (vecs > 1) {
      f1 = f32x4.add(f32x4.mul(x1, v128.load(fx + 16)), f32x4.mul(f1, v128.load(ff + 16)));
      x1 = f32x4.mul(x1, v128.load(xx + 16));
      f2 = f32x4.add(f32x4.mul(x2, v128.load(fx + 32)), f32x4.mul(f2, v128.load(ff + 32)));
      x2 = f32x4.mul(x2, v128.load(xx + 32));
      f3 = f32x4.add(f32x4.mul(x3, v128.load(fx + 48)), f32x4.mul(f3, v128.load(ff + 48)));
      x3 = f32x4.mul(x3, v128.load(xx + 48));
    }
  }
  let pAt = pCol;
  let row = <usize>t0 * rowBytes + k;
  for (let t = t0; t < t1; t++, pAt += 4, row += rowBytes) {
    const p = load<f32>(pAt);
    if (p == 0) continue;
    const pv = f32x4.splat(p);
    const ea = ePtr + row;
    const sa = sPtr + row;
    const ua = ufPtr + row;
    if (err) e0 = f32x4.add(e0, f32x4.mul(pv, v128.load(ea)));
    x0 = f32x4.add(x0, f32x4.mul(pv, v128.load(sa)));
    f0 = f32x4.add(f0, f32x4.mul(pv, v128.load(ua)));
    if (vecs > 1) {
      if (err) {
        e1 = f32x4.add(e1, f32x4.mul(pv, v128.load(ea, 16)));
        e2 = f32x4.add(e2, f32x4.mul(pv, v128.load(ea, 32)));
        e3 = f32x4.add(e3, f32x4.mul(pv, v128.load(ea, 48)));
      }
      x1 = f32x4.add(x1, f32x4.mul(pv, v128.load(sa, 16)));
      x2 = f32x4.add(x2, f32x4.mul(pv, v128.load(sa, 32)));
      x3 = f32x4.add(x3, f32x4.mul(pv, v128.load(sa, 48)));
      f1 = f32x4.add(f1, f32x4.mul(pv, v128.load(ua, 16)));
      f2 = f32x4.add(f2, f32x4.mul(pv, v128.load(ua, 32)));
      f3 = f32x4.add(f3, f32x4.mul(pv, v128.load(ua, 48)));
    }
  }
  if (err && reg && last) {
    const hc = coefPtr + 2 * rowBytes + k;
    e0 = f32x4.sub(e0, f32x4.mul(v128.load(w + a), v128.load(hc)));
    if (vecs > 1) {
      e1 = f32x4.sub(e1, f32x4.mul(v128.load(w + a + 16), v128.load(hc + 16)));
      e2 = f32x4.sub(e2, f32x4.mul(v128.load(w + a + 32), v128.load(hc + 32)));
      e3 = f32x4.sub(e3, f32x4.mul(v128.load(w + a + 48), v128.load(hc + 48)));
    }
  }
  v128.store(el + a, x0);
  v128.store(ef + a, f0);
  if (err) v128.store(es + a, e0);
  if (vecs > 1) {
    v128.store(el + a + 16, x1);
    v128.store(el + a + 32, x2);
    v128.store(el + a + 48, x3);
    v128.store(ef + a + 16, f1);
    v128.store(ef + a + 32, f2);
    v128.store(ef + a + 48, f3);
    if (err) {
      v128.store(es + a + 16, e1);
      v128.store(es + a + 32, e2);
      v128.store(es + a + 48, e3);
    }
  }
}

// @ts-ignore: decorator
@inline function chunk(
  err: bool, reg: bool, first: bool, last: bool, j0: i32, j1: i32, stride: i32, scratch: usize,
  t0: i32, t1: i32, rowBytes: usize,
  ePtr: usize, sPtr: usize, ufPtr: usize, coefPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  const synRowBytes = <usize>stride << 2;
  let k: usize = 0;
  for (; k + 64 <= synRowBytes; k += 64) {
    for (let j = j0; j < j1; j++) {
      tile(4, err, reg, first, last, k, <usize>j * synRowBytes, scratch + ((<usize>(j - j0) * <usize>SCRATCH_PITCH + <usize>t0) << 2), t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
    }
  }
  for (; k < synRowBytes; k += 16) {
    for (let j = j0; j < j1; j++) {
      tile(1, err, reg, first, last, k, <usize>j * synRowBytes, scratch + ((<usize>(j - j0) * <usize>SCRATCH_PITCH + <usize>t0) << 2), t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
    }
  }
}

// @ts-ignore: decorator
@inline function chunkOf(
  err: bool, reg: bool, first: bool, last: bool, j0: i32, j1: i32, stride: i32, scratch: usize,
  t0: i32, t1: i32, rowBytes: usize,
  ePtr: usize, sPtr: usize, ufPtr: usize, coefPtr: usize, el: usize, ef: usize, es: usize, w: usize,
): void {
  if (first) {
    if (last) chunk(err, reg, true, true, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
    else chunk(err, reg, true, false, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
  } else {
    if (last) chunk(err, reg, false, true, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
    else chunk(err, reg, false, false, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
  }
}

/** Address of step t's row of the pEff ring at column `col` (rows from `beforeWrap` on wrap to the ring's start). */
// @ts-ignore: decorator
@inline function ringRow(col: usize, t: i32, beforeWrap: i32, prePitchBytes: usize, ringBytes: usize): usize {
  return col + <usize>t * prePitchBytes - (t >= beforeWrap ? ringBytes : 0);
}

/**
 * Rows [j0, j1) of p over the block's steps, transposed into the scratch: row j − j0 holds
 * p_j(0 … steps − 1). The block's rows start at pPtr in the pEff ring [ringBase, ringBase +
 * ringBytes) and wrap at its end (ringBytes 0: contiguous, no ring). Four presynaptic neurons by
 * four steps at a time: four loads of a ring row's neighbouring columns, a 4×4 transposition in
 * registers, four stores — a quarter of the instructions of one float at a time, and whole 16-byte
 * reads of the ring's lines. Pure data movement: the scratch holds the same bits either way.
 */
function transpose(pPtr: usize, prePitchBytes: usize, j0: i32, j1: i32, steps: i32, scratch: usize, ringBase: usize, ringBytes: usize): void {
  const beforeWrap: i32 = ringBytes == 0 ? steps : min(steps, <i32>((ringBase + ringBytes - pPtr) / prePitchBytes));
  const rowBytes = <usize>SCRATCH_PITCH << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const q0 = scratch + <usize>(j - j0) * rowBytes;
    const col = pPtr + (<usize>j << 2);
    let t: i32 = 0;
    for (; t + 4 <= steps; t += 4) {
      const a = v128.load(ringRow(col, t, beforeWrap, prePitchBytes, ringBytes));
      const b = v128.load(ringRow(col, t + 1, beforeWrap, prePitchBytes, ringBytes));
      const c = v128.load(ringRow(col, t + 2, beforeWrap, prePitchBytes, ringBytes));
      const d = v128.load(ringRow(col, t + 3, beforeWrap, prePitchBytes, ringBytes));
      const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
      const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
      const ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
      const q = q0 + (<usize>t << 2);
      v128.store(q, v128.shuffle<f32>(ab01, cd01, 0, 1, 4, 5));
      v128.store(q + rowBytes, v128.shuffle<f32>(ab01, cd01, 2, 3, 6, 7));
      v128.store(q + 2 * rowBytes, v128.shuffle<f32>(ab23, cd23, 0, 1, 4, 5));
      v128.store(q + 3 * rowBytes, v128.shuffle<f32>(ab23, cd23, 2, 3, 6, 7));
    }
    for (; t < steps; t++) {
      const src = ringRow(col, t, beforeWrap, prePitchBytes, ringBytes);
      const q = q0 + (<usize>t << 2);
      store<f32>(q, load<f32>(src));
      store<f32>(q + rowBytes, load<f32>(src, 4));
      store<f32>(q + 2 * rowBytes, load<f32>(src, 8));
      store<f32>(q + 3 * rowBytes, load<f32>(src, 12));
    }
  }
  for (; j < j1; j++) {
    const q = scratch + <usize>(j - j0) * rowBytes;
    const col = pPtr + (<usize>j << 2);
    for (let t: i32 = 0; t < steps; t++) store<f32>(q + (<usize>t << 2), load<f32>(ringRow(col, t, beforeWrap, prePitchBytes, ringBytes)));
  }
}

function rowsErr(
  reg: bool, steps: i32, j0: i32, j1: i32, stride: i32, rowBytes: usize,
  ePtr: usize, sPtr: usize, ufPtr: usize, coefPtr: usize, el: usize, ef: usize, es: usize, w: usize, scratch: usize,
): void {
  for (let t0: i32 = 0; t0 < steps; t0 += CHUNK_STEPS) {
    const t1 = min(steps, t0 + CHUNK_STEPS);
    if (reg) chunkOf(true, true, t0 == 0, t1 == steps, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
    else chunkOf(true, false, t0 == 0, t1 == steps, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
  }
}

function rowsQuiet(
  steps: i32, j0: i32, j1: i32, stride: i32, rowBytes: usize,
  ePtr: usize, sPtr: usize, ufPtr: usize, coefPtr: usize, el: usize, ef: usize, es: usize, w: usize, scratch: usize,
): void {
  for (let t0: i32 = 0; t0 < steps; t0 += CHUNK_STEPS) {
    const t1 = min(steps, t0 + CHUNK_STEPS);
    chunkOf(false, false, t0 == 0, t1 == steps, j0, j1, stride, scratch, t0, t1, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w);
  }
}

/**
 * Presynaptic rows [j0, j1) of a block of `steps` rows (pointers: the region's arrays at row 0;
 * pPtr/prePitch: the pEff ring at the block's first step, wrapping at the end of [ringBase,
 * ringBase + ringBytes); scratch: the calling thread's
 * SUB_ROWS × CHUNK_STEPS floats).
 */
export function blockRows(
  steps: i32, j0: i32, j1: i32, stride: i32, prePitch: i32, pitch: i32, anyError: i32, reg: bool,
  pPtr: usize, ePtr: usize, sPtr: usize, ufPtr: usize, coefPtr: usize, el: usize, ef: usize, es: usize, w: usize, scratch: usize,
  ringBase: usize, ringBytes: usize,
): void {
  const prePitchBytes = <usize>prePitch << 2;
  const rowBytes = <usize>pitch << 2;
  for (let s0 = j0; s0 < j1; s0 += SUB_ROWS) {
    const s1 = min(j1, s0 + SUB_ROWS);
    transpose(pPtr, prePitchBytes, s0, s1, steps, scratch, ringBase, ringBytes);
    if (anyError != 0) rowsErr(reg, steps, s0, s1, stride, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w, scratch);
    else rowsQuiet(steps, s0, s1, stride, rowBytes, ePtr, sPtr, ufPtr, coefPtr, el, ef, es, w, scratch);
  }
}
