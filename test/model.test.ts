/**
 * Kernels against closed forms (docs/model.md §3, §6, §7): membrane, refractoriness, current and trace
 * decay, the surrogate derivative, delay lines and the bounded max-norm weight update. Run on the
 * reference kernels; test/kernels.test.ts proves the WASM kernels equal them bit for bit.
 */
import { describe, expect, it } from 'vitest';
import {
  ALPHA_SYN, AURYN_SURROGATE_FLOOR_VOLTS, DECAY_RATE, E_REST_VOLTS, KAPPA_MEM, PRE_DECAY, REFRACTORY_STEPS, THRESHOLD_VOLTS, W_MAX,
  surrogateFloorOf,
} from '../src/model/constants.js';
import { postsynapticPass, powerF32, presynapticPass } from '../src/model/connection-passes.js';
import { ReferenceKernels } from '../src/model/kernels-ref.js';
import { KERNEL_REGION, MODEL_KERNEL_CONSTANTS, kernelRegionWords, type KernelRegion } from '../src/model/kernels.js';
import { SURROGATE_AT_REST, surrogateDerivative } from '../src/model/surrogate.js';
import { emitErrorEvents } from '../src/model/error-signal.js';
import { decayTrace } from '../src/model/traces.js';
import { Xoshiro128 } from '../src/model/rng.js';

/** A heap with arrays at fixed element offsets, as the engine lays them out. */
function heap(elements = 1 << 16) {
  const buffer = new SharedArrayBuffer(elements * 4);
  return { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u32: new Uint32Array(buffer), k: new ReferenceKernels(buffer) };
}
const V = 0;
const I = 1024;
const REF = 2048;
const OUT = 3072;

/** Reference kernels with α_syn = 1: a constant current (the other constants are the model's). */
const constantCurrent = (h: ReturnType<typeof heap>) =>
  new ReferenceKernels(h.buffer, { ...MODEL_KERNEL_CONSTANTS, alphaSyn: 1 });

function lif(h: ReturnType<typeof heap>, count: number, k = h.k): number {
  return k.lifStep(V * 4, I * 4, REF * 4, count, OUT * 4, 0, 1);
}

/** A kernel region at element `at` of the heap naming `fields` (the rest 0); its byte pointer. */
function kernelRegion(h: ReturnType<typeof heap>, at: number, fields: Partial<KernelRegion>): number {
  const all = Object.fromEntries(Object.keys(KERNEL_REGION).map((name) => [name, 0])) as KernelRegion;
  h.u32.set(kernelRegionWords({ ...all, ...fields }), at);
  return at * 4;
}

describe('LIF neuron', () => {
  it('follows V(n) = E_L + I·(1 − (1 − κ)^n) under a constant subthreshold current', () => {
    const h = heap();
    h.f32[V] = E_REST_VOLTS;
    const current = 0.008; // 8 mV: asymptote −52 mV, below threshold
    h.f32[I] = current;
    const k = constantCurrent(h);
    for (let n = 1; n <= 2000; n++) {
      expect(lif(h, 1, k)).toBe(0); // α = 1 keeps the current constant
      const exact = E_REST_VOLTS + current * (1 - (1 - KAPPA_MEM) ** n);
      expect(Math.abs(h.f32[V]! - exact)).toBeLessThan(2e-7);
    }
  });

  it('decays the synaptic current as α_syn^n', () => {
    const h = heap();
    h.f32[V] = E_REST_VOLTS;
    h.f32[I] = 0.001;
    for (let n = 1; n <= 200; n++) {
      lif(h, 1);
      expect(h.f32[I]! / 0.001).toBeCloseTo(ALPHA_SYN ** n, 5);
    }
  });

  it('spikes at most every 51 steps under strong drive, and is clamped to E_L while refractory', () => {
    const h = heap();
    h.f32[V] = E_REST_VOLTS;
    const spikes: number[] = [];
    for (let n = 0; n < 1000; n++) {
      h.f32[I] = 1; // 1 V of drive: threshold crossed on every allowed step
      if (lif(h, 1) > 0) spikes.push(n);
      else if (h.i32[REF]! > 0) expect(h.f32[V]).toBe(E_REST_VOLTS);
    }
    const isis = spikes.slice(1).map((t, i) => t - spikes[i]!);
    expect(isis.length).toBeGreaterThan(15);
    expect(new Set(isis)).toEqual(new Set([REFRACTORY_STEPS + 1]));
  });

  it('emits global ids local·R + rank in ascending order', () => {
    const h = heap();
    for (let i = 0; i < 8; i++) {
      h.f32[V + i] = E_REST_VOLTS;
      h.f32[I + i] = i % 3 === 0 ? 1 : 0;
    }
    const count = h.k.lifStep(V * 4, I * 4, REF * 4, 8, OUT * 4, 2, 5);
    expect(Array.from(h.u32.subarray(OUT, OUT + count))).toEqual([0, 3, 6].map((l) => l * 5 + 2));
  });
});

describe('traces', () => {
  it('decay as decay^n and flush to zero instead of becoming subnormal', () => {
    const x = new Float32Array([1]);
    for (let n = 1; n <= 300; n++) {
      decayTrace(x, 0, 1, PRE_DECAY);
      expect(x[0]! / Math.exp(-n * 1e-4 / 5e-3)).toBeCloseTo(1, 4);
    }
    for (let n = 0; n < 10000; n++) decayTrace(x, 0, 1, PRE_DECAY);
    expect(x[0]).toBe(0);
  });
});

describe('surrogate derivative', () => {
  it('is ≈ 8.264 at rest, 1000 at threshold, 0 below a floor (Auryn: −80 mV), positive everywhere without one (the default)', () => {
    expect(surrogateDerivative(E_REST_VOLTS)).toBeCloseTo(1000 / 121, 3);
    expect(surrogateDerivative(E_REST_VOLTS)).toBeCloseTo(8.264, 3);
    expect(surrogateDerivative(THRESHOLD_VOLTS)).toBe(1000);
    expect(surrogateDerivative(-0.0801, surrogateFloorOf(AURYN_SURROGATE_FLOOR_VOLTS))).toBe(0);
    expect(surrogateDerivative(-0.0799, surrogateFloorOf(AURYN_SURROGATE_FLOOR_VOLTS))).toBeGreaterThan(0);
    expect(surrogateDerivative(-0.0801)).toBeCloseTo(1000 / 31.1 ** 2, 3);
    expect(surrogateDerivative(-0.5)).toBeGreaterThan(0);
  });
});

describe('error events between hidden layers (feedbackGate, docs/model.md §7.4)', () => {
  it('pass errors unchanged at or above rest, times σ\'/σ\'(E_L) below it, and drop what the gate zeroes', () => {
    const f = Math.fround;
    expect(SURROGATE_AT_REST).toBe(surrogateDerivative(E_REST_VOLTS));
    expect(SURROGATE_AT_REST).toBeCloseTo(8.264, 3);
    const f32 = new Float32Array(32);
    const u32 = new Uint32Array(f32.buffer);
    const errs = [0.5, -0.25, 0.125, 2, 0];
    const gates = [1000, SURROGATE_AT_REST, surrogateDerivative(-0.1), 0, 3];
    f32.set(errs, 0);
    f32.set(gates, 8);
    const globalOf = (kl: number) => kl * 3 + 1;
    const count = emitErrorEvents(f32, u32, 0, 5, 16, 24, globalOf, 8);
    expect(count).toBe(3);
    expect(Array.from(u32.subarray(16, 19))).toEqual([1, 4, 7]);
    expect(Array.from(f32.subarray(24, 27))).toEqual([0.5, -0.25, f(0.125 * f(gates[2]! / SURROGATE_AT_REST))]);
    expect(f32[26]).toBeLessThan(0.01);
    // Ungated: every nonzero error as it is.
    expect(emitErrorEvents(f32, u32, 0, 5, 16, 24, globalOf)).toBe(4);
    expect(Array.from(f32.subarray(24, 28))).toEqual([0.5, -0.25, 0.125, 2]);
  });
});

describe('delay lines', () => {
  it('psp: return exactly the value stored D steps ago (zero before), then psp follows pre', () => {
    for (const d of [8, 16, 24]) {
      const nPre = 4;
      const heapF = new Float32Array(64 + d * nPre);
      const a = { psp: 0, pre: 8, pEff: 16, pspLine: 64 };
      for (let n = 0; n < 100; n++) {
        for (let j = 0; j < nPre; j++) heapF[a.psp + j] = n * 10 + j + 1;
        presynapticPass(heapF, a, nPre, d, n, null);
        for (let j = 0; j < nPre; j++) expect(heapF[a.pEff + j]).toBe(n >= d ? (n - d) * 10 + j + 1 : 0);
        // pre = 0: psp decays by (1 − dt/τ_mem) after being stored.
        expect(heapF[a.psp]).toBe(Math.fround((n * 10 + 1) + Math.fround(DECAY_RATE * -(n * 10 + 1))));
      }
    }
  });

  it('powerF32: x^a in float32 products, 1 for a = 0, exactly (x²)² for a = 4', () => {
    const f = Math.fround;
    for (const x of [0, f(0.3), f(1.7), 2, f(12.25), f(55)]) {
      expect(powerF32(x, 0)).toBe(1);
      expect(powerF32(x, 1)).toBe(x);
      expect(powerF32(x, 4)).toBe(f(f(x * x) * f(x * x)));
      for (let a = 0; a <= 8; a++) {
        const exact = x ** a;
        expect(Math.abs(powerF32(x, a) - exact), `${x}^${a}`).toBeLessThanOrEqual(exact * 4e-7);
        expect(powerF32(x, a)).toBe(f(powerF32(x, a)));
      }
    }
    expect(powerF32(2, 7)).toBe(128);
  });

  it('σ\': return exactly σ\'(V) of D steps ago, and zero the skipped errors', () => {
    const d = 8;
    const local = 3;
    const heapF = new Float32Array(64 + d * 4);
    const a = { errFiltered: 0, avgSqErr: 4, eEff: 8, v: 12, sigmaLine: 64, sDelayed: 16, hom: 0, h4: 0 };
    const volts = (n: number, k: number) => Math.fround(-0.07 + 0.0001 * ((n * 7 + k) % 200));
    for (let n = 0; n < 50; n++) {
      for (let k = 0; k < local; k++) {
        heapF[a.v + k] = volts(n, k);
        heapF[a.errFiltered + k] = k === 1 ? 1e-8 : 0.5;
      }
      expect(postsynapticPass(heapF, a, local, 4, d, n, true, { lambda: 1, exponent: 4 })).toBe(1);
      for (let k = 0; k < local; k++) {
        expect(heapF[a.sDelayed + k]).toBe(n >= d ? surrogateDerivative(volts(n - d, k)) : 0);
        expect(heapF[a.eEff + k]).toBe(k === 1 ? 0 : 0.5);
      }
    }
  });
});

describe('weight update', () => {
  it('moves every weight by less than η and keeps it within ±w_max', () => {
    const h = heap();
    const rng = new Xoshiro128(9);
    const count = 4096;
    const [W, SUM, G2] = [4096, 8192, 12288];
    const eta = 1e-3;
    const region = kernelRegion(h, 60000, { synapses: count, w: W * 4, elSum: SUM * 4, grad2: G2 * 4 });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < count; i++) {
        h.f32[W + i] = round === 0 ? (rng.nextUnit() * 2 - 1) * W_MAX : h.f32[W + i]!;
        // Heavy-tailed gradients, some huge, some tiny, some zero.
        const u = rng.nextUnit();
        h.f32[SUM + i] = u < 0.1 ? 0 : (rng.nextUnit() - 0.5) * 10 ** (rng.nextUnit() * 12 - 4);
      }
      const before = h.f32.slice(W, W + count);
      h.k.weightUpdate(region, eta, 1);
      for (let i = 0; i < count; i++) {
        const w = h.f32[W + i]!;
        // The increment itself is at most η (float32 η·(g/(√grad2+ε)) with a quotient ≤ 1);
        // storing w + Δ rounds once more, by at most half an ulp of the new weight.
        const halfUlp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(w), 2 ** -126))) - 24);
        expect(Math.abs(w - before[i]!)).toBeLessThanOrEqual(Math.fround(eta) + halfUlp);
        expect(Math.abs(w)).toBeLessThanOrEqual(W_MAX);
        expect(h.f32[SUM + i]).toBe(0);
      }
    }
  });

  it('keeps the normaliser but not the weights moving while learning is off', () => {
    const h = heap();
    h.f32[0] = 0.05;
    h.f32[4] = 2500;
    // updateSteps 5000 of the model: g = 2500/5000
    expect(MODEL_KERNEL_CONSTANTS.updateSteps).toBe(5000);
    h.k.weightUpdate(kernelRegion(h, 1024, { synapses: 4, w: 0, elSum: 16, grad2: 32 }), 1e-3, 0);
    expect(h.f32[0]).toBe(Math.fround(0.05));
    expect(h.f32[8]).toBe(0.25); // g = 0.5, grad2 = g²
    expect(h.f32[4]).toBe(0);
  });
});
