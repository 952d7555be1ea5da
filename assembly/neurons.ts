// The per-step kernels of neurons and spikes: lifStep (phase A), forward (phase B) and
// feedbackRows (random feedback, §7.4). One of the kernel modules that assembly/kernels.ts
// exports; its opening comment has the rules (bit for bit src/model/kernels-ref.ts, no
// allocation, no static data).
import {
  KAPPA_MEM, E_REST_VOLTS, THRESHOLD_VOLTS, ALPHA_SYN, REFRACTORY_STEPS, FLT_MIN_BITS, ABS_BITS,
  flush4, flush1,
} from './constants';

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
