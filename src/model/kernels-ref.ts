/**
 * Reference implementation of the kernels in plain TypeScript. Every arithmetic result is
 * rounded with Math.fround: float32 inputs make double +,−,×,÷,√ followed by one rounding equal
 * to the float32 operation, so this is the bit-exact oracle the WASM kernels are tested against.
 */
import { postsynapticPass, presynapticPass } from './connection-passes.js';
import {
  AVG_DECAY, BETA_PER_VOLT, DECAY_RATE, DT_F32, FLT_MIN_NORMAL, GAMMA, THRESHOLD_VOLTS,
} from './constants.js';
import { KERNEL_REGION as R, MODEL_KERNEL_CONSTANTS, type KernelConstants, type TestKernels } from './kernels.js';
import { blockPrepare, blockRows } from './eligibility-block-ref.js';
import { decayTrace, followTrace } from './traces.js';

const f = Math.fround;

export class ReferenceKernels implements TestKernels {
  readonly name = 'reference';
  private readonly c: Readonly<KernelConstants>;
  private f32: Float32Array;
  private i32: Int32Array;
  private u32: Uint32Array;
  /**
   * The model functions presynaptic/postsynaptic call have their constants built in: a kernel
   * bound to other values would compute something those functions do not, so calling it is an
   * error (the other kernels take every constant from `c`).
   */
  private readonly pspRateMismatch: string | null;
  /** γ is built into presynapticPass's skip of mode 0 only (mode 1 takes δ as an argument). */
  private readonly skipGammaMismatch: string | null;
  private readonly postsynapticMismatch: string | null;

  constructor(buffer: ArrayBufferLike, constants: Readonly<KernelConstants> = MODEL_KERNEL_CONSTANTS) {
    this.c = { ...constants };
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.pspRateMismatch = mismatch('presynaptic', constants, { pspRate: DECAY_RATE });
    this.skipGammaMismatch = mismatch('presynaptic (skipMode 0)', constants, { gamma: GAMMA });
    this.postsynapticMismatch = mismatch('postsynaptic', constants, {
      avgDecay: AVG_DECAY, dtSeconds: DT_F32, gamma: GAMMA, betaPerVolt: BETA_PER_VOLT,
      thresholdVolts: THRESHOLD_VOLTS,
    });
  }

  lifStep(vPtr: number, iPtr: number, refPtr: number, count: number, spikeOutPtr: number, rank: number, ranks: number): number {
    const { f32, i32, u32 } = this;
    const { kappa, restVolts, thresholdVolts, alphaSyn, refractorySteps } = this.c;
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

  eligibility(regionPtr: number, batchRow: number, j0: number, j1: number, anyError: number): void {
    const { f32, u32 } = this;
    const { filterRate, elDecay } = this.c;
    const b = regionPtr >>> 2;
    const stride = u32[b + R.stride]!;
    const pitch = u32[b + R.batchPitch]!;
    const p0 = (u32[b + R.pEff]! >>> 2) + batchRow * u32[b + R.prePitch]!;
    const s0 = (u32[b + R.sDelayed]! >>> 2) + batchRow * pitch;
    const e0 = (u32[b + R.eEff]! >>> 2) + batchRow * pitch;
    const h4 = u32[b + R.h4]!;
    const h0 = (h4 >>> 2) + batchRow * pitch;
    for (let j = j0; j < j1; j++) {
      const p = f32[p0 + j]!;
      const base = j * stride;
      const el0 = (u32[b + R.el]! >>> 2) + base;
      const ef0 = (u32[b + R.elFlt]! >>> 2) + base;
      const es0 = (u32[b + R.elSum]! >>> 2) + base;
      const w0 = (u32[b + R.w]! >>> 2) + base;
      for (let k = 0; k < stride; k++) {
        let el = f32[el0 + k]!;
        if (p !== 0) el = f(el + f(p * f32[s0 + k]!));
        let ef = f32[ef0 + k]!;
        ef = flush(f(ef + f(filterRate * f(el - ef))));
        f32[ef0 + k] = ef;
        f32[el0 + k] = flush(f(el * elDecay));
        if (anyError !== 0) {
          let inc = f(ef * f32[e0 + k]!);
          if (h4 !== 0) inc = f(inc - f(f32[w0 + k]! * f32[h0 + k]!));
          f32[es0 + k] = f(f32[es0 + k]! + inc);
        }
      }
    }
  }

  eligibilityBatch(regionPtr: number, steps: number, j0: number, j1: number, _anyError: number): void {
    // The oracle: literally one step after the other, each with its own error skip.
    const b = regionPtr >>> 2;
    const stride = this.u32[b + R.stride]!;
    for (let t = 0; t < steps; t++) {
      const e = (this.u32[b + R.eEff]! >>> 2) + t * this.u32[b + R.batchPitch]!;
      let anyError = 0;
      for (let k = 0; k < stride; k++) if (this.f32[e + k] !== 0) anyError = 1;
      this.eligibility(regionPtr, t, j0, j1, anyError);
    }
  }

  eligibilityBlockPrepare(regionPtr: number, steps: number): void {
    blockPrepare(this.f32, this.u32, regionPtr, steps, this.c.filterRate, this.c.elDecay);
  }

  eligibilityBlock(regionPtr: number, steps: number, j0: number, j1: number, anyError: number, scratch: number): void {
    blockRows(this.f32, this.u32, regionPtr, steps, j0, j1, anyError, scratch);
  }

  weightUpdate(regionPtr: number, eta: number, learning: number): void {
    const { f32, u32 } = this;
    const { rmsMul, epsilon, wMax, updateScheme } = this.c;
    const b = regionPtr >>> 2;
    const count = u32[b + R.synapses]!;
    const w0 = u32[b + R.w]! >>> 2;
    const s0 = u32[b + R.elSum]! >>> 2;
    const g0 = u32[b + R.grad2]! >>> 2;
    const steps = f(this.c.updateSteps);
    const negMax = f(-wMax);
    const rmsRest = f(1 - rmsMul);
    for (let i = 0; i < count; i++) {
      const g = f(f32[s0 + i]! / steps);
      f32[s0 + i] = 0;
      let step: number;
      if (updateScheme === 2) {
        // fixed rate: grad2 is not kept
        step = f(eta * g);
      } else {
        const grad2 = updateScheme === 1
          ? f(f(rmsMul * f32[g0 + i]!) + f(rmsRest * f(g * g)))
          : Math.max(f(g * g), f(rmsMul * f32[g0 + i]!));
        f32[g0 + i] = grad2;
        // η·(g/(√grad2 + ε)): with RMaxProp grad2 ≥ g² makes the quotient ≤ 1 in float32 too, so
        // |Δw| ≤ η up to the rounding of the final addition.
        step = f(eta * f(g / f(f(Math.sqrt(grad2)) + epsilon)));
      }
      if (learning !== 0) {
        const w = f(f32[w0 + i]! + step);
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
  // heap, byte pointers turned into element offsets.

  traceDecay(xPtr: number, count: number, decay: number): void {
    decayTrace(this.f32, xPtr >> 2, count, decay);
  }

  traceFollow(xPtr: number, vPtr: number, count: number, rate: number): void {
    followTrace(this.f32, xPtr >> 2, this.f32, vPtr >> 2, count, rate);
  }

  presynaptic(regionPtr: number, batchRow: number, n: number, skipMode: number, j0: number, j1: number): void {
    if (this.pspRateMismatch !== null) throw new Error(this.pspRateMismatch);
    if (skipMode === 0 && this.skipGammaMismatch !== null) throw new Error(this.skipGammaMismatch);
    const { u32 } = this;
    const b = regionPtr >>> 2;
    presynapticPass(
      this.f32,
      {
        psp: u32[b + R.psp]! >>> 2, pspLine: u32[b + R.pspLine]! >>> 2,
        pEff: (u32[b + R.pEff]! >>> 2) + batchRow * u32[b + R.prePitch]!, pre: u32[b + R.pre]! >>> 2,
      },
      u32[b + R.nPre]!, u32[b + R.delaySteps]!, n, skipMode === 0 ? null : this.c.deltaRandom, 0, j0, j1,
    );
  }

  postsynaptic(regionPtr: number, batchRow: number, n: number, partial: number): number {
    if (this.postsynapticMismatch !== null) throw new Error(this.postsynapticMismatch);
    const { u32 } = this;
    const b = regionPtr >>> 2;
    const out = batchRow * u32[b + R.batchPitch]!;
    const h4 = u32[b + R.h4]!;
    return postsynapticPass(
      this.f32,
      {
        errFiltered: u32[b + R.errFiltered]! >>> 2, avgSqErr: u32[b + R.avgSqErr]! >>> 2,
        eEff: (u32[b + R.eEff]! >>> 2) + out, v: u32[b + R.v]! >>> 2,
        sigmaLine: u32[b + R.sigmaLine]! >>> 2, sDelayed: (u32[b + R.sDelayed]! >>> 2) + out,
        hom: u32[b + R.hom]! >>> 2, h4: h4 === 0 ? 0 : (h4 >>> 2) + out,
      },
      u32[b + R.local]!, u32[b + R.stride]!, u32[b + R.delaySteps]!, n, partial !== 0,
      { lambda: this.c.homLambda, exponent: this.c.homExponent }, 0, this.c.surrogateFloorVolts,
    );
  }
}

/**
 * A message naming the first constant that differs from the value a model function has built in,
 * or null when all agree.
 */
function mismatch(kernel: string, constants: Readonly<KernelConstants>, builtIn: Partial<KernelConstants>): string | null {
  for (const [name, expected] of Object.entries(builtIn)) {
    const value = constants[name as keyof KernelConstants];
    if (value !== expected) return `superspike: ${kernel} ${name} must be ${expected}, got ${value}`;
  }
  return null;
}

/** Flush-to-zero of values below the smallest normal float (see FLT_MIN_NORMAL). */
export function flush(x: number): number {
  return Math.abs(x) < FLT_MIN_NORMAL ? 0 : x;
}
