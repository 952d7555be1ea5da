/**
 * WasmKernels ≡ ReferenceKernels, bit for bit. Every case lays its arrays out above the 64 KiB the
 * wasm module reserves, in two shared memories with identical contents; the reference runs on one,
 * the wasm kernels on the other, and the two memories are then compared whole as uint32 words
 * (which also catches any stray write outside the arrays). Connection kernels get their arrays
 * through a kernel region written into both memories; cases that need other constants than the
 * model's create kernels bound to them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DECAY_RATE, DELTA_RANDOM, E_REST_VOLTS, FLT_MIN_NORMAL, GAMMA, HOM_DECAY, PRE_DECAY, REFRACTORY_STEPS,
  AURYN_SURROGATE_FLOOR_VOLTS, RISE_RATE, THRESHOLD_VOLTS, W_MAX, rmsMulOf,
} from '../src/model/constants.js';
import { surrogateDerivative } from '../src/model/surrogate.js';
import { batchPitch, computeLayout, kernelRegionOf } from '../src/network/layout.js';
import { buildTopology } from '../src/network/topology.js';
import { ReferenceKernels } from '../src/model/kernels-ref.js';
import { WasmKernels, createKernels } from '../src/model/kernels-wasm.js';
import {
  KERNEL_FUNCTIONS, KERNEL_REGION, KERNEL_REGION_WORDS, MODEL_KERNEL_CONSTANTS, TEST_KERNEL_FUNCTIONS, kernelRegionWords,
  type KernelConstants, type KernelRegion, type TestKernels,
} from '../src/model/kernels.js';
import { KERNELS_WASM_PATH } from '../src/paths.js';
import { BLOCK_SCRATCH_FLOATS, BLOCK_SCRATCH_ROWS } from '../src/model/eligibility-block-ref.js';
import { testShape } from './helpers.js';

const f = Math.fround;
/** Auryn's σ' floor (config `surrogateFloorVolts: -0.08`); the model's default has none. */
const AURYN_FLOOR = f(AURYN_SURROGATE_FLOOR_VOLTS);
const PAGE = 65536;
const PAGES = 64; // 4 MiB per memory

beforeAll(() => {
  if (!existsSync(KERNELS_WASM_PATH)) {
    throw new Error(
      `${KERNELS_WASM_PATH} is missing: build the kernels first (\`npm run build:wasm\`; \`npm test\` does it)`,
    );
  }
});

/** mulberry32: a small seeded generator, so every failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values around the smallest normal float (normal and subnormal, both signs) and signed zeros. */
const TINY = [
  FLT_MIN_NORMAL, -FLT_MIN_NORMAL, 1.2e-38, -1.2e-38, 1.5e-38, 2.3e-38, -2.3e-38, 5e-38, 1e-37,
  1e-38, -1e-38, 1.5e-39, -3e-40, 1e-45, 0, -0,
].map(f);

class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  uniform(lo: number, hi: number): number {
    return f(lo + (hi - lo) * this.next());
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  tiny(): number {
    return TINY[this.int(TINY.length)]!;
  }
}

/** The model's constants with some changed. */
function constantsWith(changes: Partial<KernelConstants>): KernelConstants {
  return { ...MODEL_KERNEL_CONSTANTS, ...changes };
}

/** Both implementations, bound to the same constants, one on each memory of a Twin. */
interface KernelPair {
  ref: TestKernels;
  wasm: TestKernels;
}

/** Two identically laid out memories, one per implementation. */
class Twin {
  readonly memRef = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
  readonly memWasm = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
  readonly ref: TestKernels;
  readonly wasm: TestKernels;
  private top = PAGE;
  readonly f32 = new Float32Array(this.memRef.buffer);
  readonly i32 = new Int32Array(this.memRef.buffer);
  readonly u32 = new Uint32Array(this.memRef.buffer);

  constructor(constants: Partial<KernelConstants> = {}) {
    ({ ref: this.ref, wasm: this.wasm } = this.kernelsWith(constants));
  }

  /** Further kernels on the same two memories, bound to the model's constants with `changes`. */
  kernelsWith(changes: Partial<KernelConstants>): KernelPair {
    const constants = constantsWith(changes);
    return { ref: new ReferenceKernels(this.memRef.buffer, constants), wasm: WasmKernels.load(this.memWasm, constants) };
  }

  /**
   * A kernel region (absent fields 0) written into both memories; returns its pointer. Sizes
   * given by the arrays' shapes: stride, nPre, local, delaySteps, pitches, synapses.
   */
  region(fields: Partial<KernelRegion>): number {
    const at = this.alloc(KERNEL_REGION_WORDS);
    const all = Object.fromEntries(Object.keys(KERNEL_REGION).map((name) => [name, 0])) as KernelRegion;
    const words = kernelRegionWords({ ...all, ...fields });
    new Uint32Array(this.memRef.buffer).set(words, at >> 2);
    new Uint32Array(this.memWasm.buffer).set(words, at >> 2);
    return at;
  }

  /** Reserves `words` 4-byte words, 16-byte aligned (with a gap so overruns show up). */
  alloc(words: number): number {
    const ptr = this.top;
    this.top += Math.ceil((words * 4) / 16) * 16 + 16;
    if (this.top > PAGES * PAGE) throw new Error('test memory too small');
    return ptr;
  }

  fillF32(ptr: number, n: number, gen: (i: number) => number): void {
    for (let i = 0; i < n; i++) this.f32[(ptr >> 2) + i] = gen(i);
  }

  private sentinels = 0;

  /**
   * `alloc` whose padding words (up to the next allocation) hold distinct nonzero sentinels, so a
   * kernel that reads or writes past `words` changes something the memory comparison sees.
   */
  allocGuarded(words: number): number {
    const ptr = this.alloc(words);
    for (let i = (ptr >> 2) + words; i < this.top >> 2; i++) this.f32[i] = f(1000 + 0.25 * ++this.sentinels);
    return ptr;
  }

  /** Writes one float into both memories (new inputs between steps without a full `sync`). */
  poke(ptr: number, i: number, value: number): void {
    this.f32[(ptr >> 2) + i] = value;
    new Float32Array(this.memWasm.buffer)[(ptr >> 2) + i] = value;
  }

  /** Copies the reference memory (where the inputs were written) into the wasm one. */
  sync(): void {
    new Uint8Array(this.memWasm.buffer).set(new Uint8Array(this.memRef.buffer));
  }

  /**
   * Runs `call` on both implementations (this twin's, or the `kernels` pair bound to other
   * constants) and requires equal results and equal memories.
   */
  both<T>(label: string, call: (k: TestKernels) => T, kernels: KernelPair = this): T {
    const a = call(kernels.ref);
    const b = call(kernels.wasm);
    expect(b, `${label}: return value`).toEqual(a);
    this.expectSame(label);
    return a;
  }

  expectSame(label: string): void {
    const a = new Uint32Array(this.memRef.buffer);
    const b = new Uint32Array(this.memWasm.buffer);
    if (Buffer.compare(new Uint8Array(a.buffer), new Uint8Array(b.buffer)) === 0) return;
    let i = 0;
    while (a[i] === b[i]) i++;
    const fa = new Float32Array(a.buffer)[i];
    const fb = new Float32Array(b.buffer)[i];
    expect.fail(
      `${label}: memories differ at byte ${i * 4}: reference 0x${a[i]!.toString(16)} (${fa}), ` +
      `wasm 0x${b[i]!.toString(16)} (${fb})`,
    );
  }
}

const STRIDES = [4, 8, 132];
const NPRES = [1, 7, 64];

describe('kernels.wasm module', () => {
  it('imports only the memory, exports exactly the kernels and configure, and has no data segment', () => {
    const bytes = readFileSync(KERNELS_WASM_PATH);
    const mod = new WebAssembly.Module(bytes);
    const imports = WebAssembly.Module.imports(mod).filter((i) => !(i.module === 'env' && i.name === 'abort'));
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    // KERNEL_FUNCTIONS and TEST_KERNEL_FUNCTIONS list the interfaces' functions (kernels.ts makes
    // the compiler check that), so this compares the module with Kernels and TestKernels.
    const exports = WebAssembly.Module.exports(mod).filter((e) => e.kind === 'function').map((e) => e.name);
    expect([...exports].sort()).toEqual([...KERNEL_FUNCTIONS, ...TEST_KERNEL_FUNCTIONS, 'configure'].sort());
    expect(KERNEL_FUNCTIONS as readonly string[]).not.toContain('eligibility');
    const ref = new ReferenceKernels(new ArrayBuffer(16));
    for (const name of [...KERNEL_FUNCTIONS, ...TEST_KERNEL_FUNCTIONS]) expect(typeof ref[name], name).toBe('function');
    // walk the sections: no data (11) or data count (12) section
    const ids: number[] = [];
    let pos = 8;
    while (pos < bytes.length) {
      const id = bytes[pos++]!;
      let size = 0;
      let shift = 0;
      for (;;) {
        const byte = bytes[pos++]!;
        size += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if ((byte & 0x80) === 0) break;
      }
      ids.push(id);
      pos += size;
    }
    expect(ids).not.toContain(11);
    expect(ids).not.toContain(12);
  });

  it('createKernels gives both implementations', () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true });
    expect(createKernels('wasm', memory).name).toBe('wasm');
    expect(createKernels('reference', memory).name).toBe('reference');
  });

  it('binds the constants per instance: two wasm instances on one memory keep their own', () => {
    // Same inputs, α_syn of the model and 1/2: only the current decay differs, in each memory.
    const t = new Twin();
    const half = t.kernelsWith({ alphaSyn: f(0.5) });
    const cur = t.alloc(4);
    const other = t.alloc(4);
    for (const at of [cur, other]) t.fillF32(at, 4, () => 1);
    t.sync();
    const v = t.alloc(4);
    const ref = t.alloc(4);
    const out = t.alloc(4);
    t.both('model α', (k) => k.lifStep(v, cur, ref, 4, out, 0, 1));
    t.both('α = 1/2', (k) => k.lifStep(v, other, ref, 4, out, 0, 1), half);
    expect(Array.from(new Float32Array(t.memWasm.buffer, cur, 4))).toEqual(Array(4).fill(MODEL_KERNEL_CONSTANTS.alphaSyn));
    expect(Array.from(new Float32Array(t.memWasm.buffer, other, 4))).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});

describe('lifStep', () => {
  for (const count of [1, 3, 7, 64, 133]) {
    it(`count ${count}`, () => {
      const r = new Rand(1000 + count);
      const t = new Twin();
      const v = t.alloc(count);
      const cur = t.alloc(count);
      const ref = t.alloc(count);
      const out = t.alloc(count);
      t.fillF32(v, count, () => (r.chance(0.2) ? f(-0.0499) : r.uniform(-0.07, -0.045)));
      t.fillF32(cur, count, () => (r.chance(0.2) ? r.tiny() : r.uniform(-0.02, 0.12)));
      for (let i = 0; i < count; i++) t.i32[(ref >> 2) + i] = r.chance(0.6) ? 0 : 1 + r.int(REFRACTORY_STEPS);
      t.sync();
      let spikes = 0;
      for (let step = 0; step < 60; step++) {
        spikes += t.both(`step ${step}`, (k) =>
          k.lifStep(v, cur, ref, count, out, 2, 3));
        if (step % 7 === 3) {
          // kick some neurons over the threshold again, identically in both memories
          for (let i = 0; i < count; i++) if (r.chance(0.3)) t.f32[(cur >> 2) + i] = r.uniform(0, 0.2);
          t.sync();
        }
      }
      if (count >= 7) expect(spikes).toBeGreaterThan(0);
    });
  }

  it('writes global ids li·ranks + rank in ascending order and clamps refractory neurons', () => {
    const t = new Twin();
    const n = 9;
    const v = t.alloc(n);
    const cur = t.alloc(n);
    const ref = t.alloc(n);
    const out = t.alloc(n);
    t.fillF32(v, n, (i) => (i % 2 === 0 ? f(-0.04) : E_REST_VOLTS));
    t.i32[(ref >> 2) + 4] = 3; // above threshold but refractory: no spike
    t.sync();
    const spikes = t.both('spikes', (k) =>
      k.lifStep(v, cur, ref, n, out, 1, 4));
    expect(spikes).toBe(4);
    expect(Array.from(new Uint32Array(t.memWasm.buffer, out, 4))).toEqual([1, 9, 25, 33]);
    const ri = new Int32Array(t.memWasm.buffer, ref, n);
    expect(ri[0]).toBe(REFRACTORY_STEPS);
    expect(ri[4]).toBe(2);
    expect(new Float32Array(t.memWasm.buffer, v, n)[4]).toBe(E_REST_VOLTS);
  });
});

describe('forward', () => {
  for (const stride of STRIDES) {
    for (const nPre of NPRES) {
      it(`stride ${stride}, nPre ${nPre}`, () => {
        const r = new Rand(stride * 100 + nPre);
        const t = new Twin();
        const w = t.alloc(nPre * stride);
        const cur = t.alloc(stride);
        const spikes = t.alloc(nPre);
        t.fillF32(w, nPre * stride, () => r.uniform(-0.1, 0.1));
        t.fillF32(cur, stride, () => (r.chance(0.1) ? r.tiny() : r.uniform(-0.05, 0.05)));
        for (const density of [0, 0.3, 1]) {
          let count = 0;
          for (let j = 0; j < nPre; j++) if (density === 1 || r.chance(density)) t.u32[(spikes >> 2) + count++] = j;
          t.sync();
          t.both(`density ${density}`, (k) => k.forward(spikes, count, w, stride, cur));
        }
      });
    }
  }
});

describe('eligibilityBatch', () => {
  // Inputs obey the engine's invariants, on which the branch-free batch relies: p, s, el, elFlt
  // are never negative (p may be +0 or −0), elSum is never −0.
  for (const stride of STRIDES) {
    for (const nPre of NPRES) {
      for (const reg of [false, true]) {
        it(`stride ${stride}, nPre ${nPre}, ${reg ? 'with' : 'without'} regulariser: equals step-by-step`, () => {
          const r = new Rand(5000 + stride * 100 + nPre * 3 + (reg ? 1 : 0));
          const t = new Twin();
          const steps = 8;
          const syn = nPre * stride;
          // Row pitches padded as the engine does (and unpadded for one shape).
          const pPitch = nPre === 7 ? nPre : nPre + 16;
          const pitch = stride === 8 ? stride : stride + 16;
          const L = {
            p: t.alloc(steps * pPitch), s: t.alloc(steps * pitch), e: t.alloc(steps * pitch), h: t.alloc(steps * pitch),
            el: t.alloc(syn), ef: t.alloc(syn), es: t.alloc(syn), w: t.alloc(syn),
          };
          const silentRows = new Set(Array.from({ length: nPre }, (_, j) => j).filter(() => r.chance(0.3)));
          const quietSteps = new Set([1, 4]); // no error at all on these steps
          // Around the kernel's no-flush threshold 2^-118 too, where the fast path must stay exact.
          const nearSafe = [2 ** -118, f(2 ** -118 * 0.99), 2 ** -117, f(3e-36), f(1e-36)];
          const nonNegative = () => (r.chance(0.1) ? 0 : r.chance(0.1) ? Math.abs(r.tiny())
            : r.chance(0.1) ? nearSafe[r.int(nearSafe.length)]! : r.uniform(0, 1));
          t.fillF32(L.p, steps * pPitch, (i) => (silentRows.has(i % pPitch) || r.chance(0.2) ? (r.chance(0.5) ? 0 : -0) : nonNegative()));
          t.fillF32(L.s, steps * pitch, () => (r.chance(0.2) ? 0 : r.uniform(0, 1000)));
          t.fillF32(L.e, steps * pitch, (i) => (quietSteps.has(Math.floor(i / pitch)) || r.chance(0.3) ? 0 : r.uniform(-1, 1)));
          t.fillF32(L.h, steps * pitch, (i) => (t.f32[(L.e >> 2) + i] === 0 ? 0 : r.uniform(0, 0.01)));
          t.fillF32(L.el, syn, nonNegative);
          t.fillF32(L.ef, syn, nonNegative);
          t.fillF32(L.es, syn, () => (r.chance(0.1) ? 0 : r.uniform(-1, 1)));
          t.fillF32(L.w, syn, () => r.uniform(-0.1, 0.1));
          t.sync();
          const region = (row: number) => t.region({
            nPre, stride, prePitch: pPitch, batchPitch: pitch, synapses: syn,
            pEff: L.p + row * pPitch * 4, sDelayed: L.s + row * pitch * 4, eEff: L.e + row * pitch * 4,
            h4: reg ? L.h + row * pitch * 4 : 0, el: L.el, elFlt: L.ef, elSum: L.es, w: L.w,
          });
          const whole = region(0);
          for (const batch of [steps, 3, 1]) {
            t.both(`batch of ${batch}`, (k) => k.eligibilityBatch(whole, batch, 0, nPre, 1));
          }
          // in chunks of rows, as work sharing cuts a pass
          const cut = Math.min(nPre, 3);
          t.both('rows [0, 3)', (k) => k.eligibilityBatch(whole, steps, 0, cut, 1));
          t.both('rows [3, nPre)', (k) => k.eligibilityBatch(whole, steps, cut, nPre, 1));
          t.both('quiet batch', (k) => k.eligibilityBatch(region(1), 1, 0, nPre, 0));
        });
      }
    }
  }
});

describe('eligibilityBlockPrepare and eligibilityBlock (docs/model.md §7.7)', () => {
  // A block with the engine's invariants (p, s ≥ 0; e zero on quiet steps; h zero where e is).
  function blockCase(seed: number, stride: number, nPre: number, steps: number, reg: boolean) {
    const r = new Rand(seed);
    const t = new Twin();
    const rows = steps + 5; // buffers longer than the block, as in the engine
    const syn = nPre * stride;
    const pPitch = nPre + 16;
    const pitch = stride + 16;
    const L = {
      p: t.allocGuarded(rows * pPitch), s: t.allocGuarded(rows * pitch), e: t.allocGuarded(rows * pitch),
      h: t.allocGuarded(rows * pitch), uf: t.allocGuarded((rows + 6) * pitch), scratch: t.allocGuarded(BLOCK_SCRATCH_FLOATS),
      el: t.allocGuarded(syn), ef: t.allocGuarded(syn), es: t.allocGuarded(syn), w: t.allocGuarded(syn),
    };
    const silentRows = new Set(Array.from({ length: nPre }, (_, j) => j).filter(() => r.chance(0.3)));
    const quiet = (step: number) => step % 7 === 3;
    t.fillF32(L.p, rows * pPitch, (i) => (silentRows.has(i % pPitch) || r.chance(0.3) ? (r.chance(0.5) ? 0 : -0) : r.uniform(0, 1)));
    t.fillF32(L.s, rows * pitch, () => (r.chance(0.2) ? 0 : r.uniform(0, 1000)));
    t.fillF32(L.e, rows * pitch, (i) => (quiet(Math.floor(i / pitch)) || r.chance(0.3) ? 0 : r.uniform(-1, 1)));
    t.fillF32(L.h, rows * pitch, (i) => (t.f32[(L.e >> 2) + i] === 0 ? 0 : r.uniform(0, 0.01)));
    t.fillF32(L.el, syn, () => (r.chance(0.1) ? 0 : r.uniform(0, 1)));
    t.fillF32(L.ef, syn, () => (r.chance(0.1) ? 0 : r.uniform(0, 1)));
    t.fillF32(L.es, syn, () => (r.chance(0.1) ? 0 : r.uniform(-1, 1)));
    t.fillF32(L.w, syn, () => r.uniform(-0.1, 0.1));
    t.sync();
    const region = t.region({
      nPre, stride, prePitch: pPitch, batchPitch: pitch, synapses: syn, pEff: L.p, sDelayed: L.s, eEff: L.e,
      h4: reg ? L.h : 0, el: L.el, elFlt: L.ef, elSum: L.es, w: L.w, blockBuf: L.uf, blockRows: rows,
    });
    return { t, L, region, syn, pitch, pPitch };
  }

  for (const stride of STRIDES) {
    for (const nPre of NPRES) {
      for (const reg of [false, true]) {
        it(`stride ${stride}, nPre ${nPre}, ${reg ? 'with' : 'without'} regulariser: wasm ≡ reference over the whole memory`, () => {
          // 300 steps: three chunks of the wasm kernel's 128-step tiles, the last one partial
          const { t, L, region } = blockCase(7000 + stride * 100 + nPre * 3 + (reg ? 1 : 0), stride, nPre, 300, reg);
          t.both('prepare', (k) => k.eligibilityBlockPrepare(region, 300));
          const cut = Math.min(nPre, 3);
          t.both('rows [0, 3)', (k) => k.eligibilityBlock(region, 300, 0, cut, 1, L.scratch));
          t.both('rows [3, nPre)', (k) => k.eligibilityBlock(region, 300, cut, nPre, 1, L.scratch));
          t.both('prepare a short block', (k) => k.eligibilityBlockPrepare(region, 5));
          t.both('a quiet short block', (k) => k.eligibilityBlock(region, 5, 0, nPre, 0, L.scratch));
        });
      }
    }
  }

  it('a block that wraps at the end of the pEff ring gives what the same rows give contiguous', () => {
    // Twice the same case (same seed): once with p's 300 rows contiguous, once in a ring of 320
    // rows (no mirror, as in blocked mode) starting at row 250, so that 70 rows come before the
    // wrap and 230 after it.
    const steps = 300;
    const ringRows = 320;
    const first = 250;
    const flat = blockCase(4242, 8, 40, steps, true);
    const ringed = blockCase(4242, 8, 40, steps, true);
    const { t, L, pPitch, pitch, syn } = ringed;
    const ring = t.allocGuarded(ringRows * pPitch);
    for (let row = 0; row < steps; row++) {
      const from = (L.p >> 2) + row * pPitch;
      t.f32.copyWithin((ring >> 2) + ((first + row) % ringRows) * pPitch, from, from + pPitch);
    }
    t.sync();
    const region = t.region({
      nPre: 40, stride: 8, prePitch: pPitch, batchPitch: pitch, synapses: syn, pEff: ring + first * pPitch * 4, sDelayed: L.s, eEff: L.e,
      h4: L.h, el: L.el, elFlt: L.ef, elSum: L.es, w: L.w, blockBuf: L.uf, blockRows: steps + 5,
      pEffRing: ring, pEffRingBytes: ringRows * pPitch * 4,
    });
    for (const c of [flat, { ...ringed, region }]) {
      c.t.both('prepare', (k) => k.eligibilityBlockPrepare(c.region, steps));
      c.t.both('rows', (k) => k.eligibilityBlock(c.region, steps, 0, 40, 1, c.L.scratch));
    }
    for (const name of ['el', 'ef', 'es'] as const) {
      const a = flat.t.f32.subarray(flat.L[name] >> 2, (flat.L[name] >> 2) + syn);
      const b = t.f32.subarray(L[name] >> 2, (L[name] >> 2) + syn);
      expect(Array.from(b), name).toEqual(Array.from(a));
    }
    expect(Array.from(t.f32.subarray(L.es >> 2, (L.es >> 2) + syn)).some((v) => v !== 0)).toBe(true);
  });

  it('more presynaptic rows than one scratch holds: wasm ≡ reference over the whole memory, scratch included', () => {
    // 2.5 scratches of rows from j0 = 5: two full runs and a partial one, the scratch's tail left
    // from the run before; 700 steps, most of a block (the test memory holds no more).
    const nPre = 5 + Math.floor(2.5 * BLOCK_SCRATCH_ROWS);
    const { t, L, region } = blockCase(7777, 8, nPre, 700, true);
    t.both('prepare', (k) => k.eligibilityBlockPrepare(region, 700));
    t.both('rows [0, 5)', (k) => k.eligibilityBlock(region, 700, 0, 5, 1, L.scratch));
    t.both('rows [5, nPre)', (k) => k.eligibilityBlock(region, 700, 5, nPre, 1, L.scratch));
  });

  for (const reg of [false, true]) {
    it(`agrees with the recursive per-step pass up to float32 rounding (${reg ? 'with' : 'without'} regulariser)`, () => {
      const steps = 200;
      const stride = 8;
      const nPre = 7;
      const { t, L, region, syn, pitch, pPitch } = blockCase(91 + (reg ? 1 : 0), stride, nPre, steps, reg);
      const ref = t.ref;
      // The recursive pass step by step, on a copy of the synapses (the block pass overwrites e and s).
      const copy = (ptr: number, n: number) => Float32Array.from(t.f32.subarray(ptr >> 2, (ptr >> 2) + n));
      const saved = { el: copy(L.el, syn), ef: copy(L.ef, syn), es: copy(L.es, syn) };
      for (let step = 0; step < steps; step++) {
        const row = t.region({
          nPre, stride, prePitch: pPitch, batchPitch: pitch, synapses: syn,
          pEff: L.p + step * pPitch * 4, sDelayed: L.s + step * pitch * 4, eEff: L.e + step * pitch * 4,
          h4: reg ? L.h + step * pitch * 4 : 0, el: L.el, elFlt: L.ef, elSum: L.es, w: L.w,
        });
        ref.eligibility(row, 0, 0, nPre, 1);
      }
      const recursive = { el: copy(L.el, syn), ef: copy(L.ef, syn), es: copy(L.es, syn) };
      t.f32.set(saved.el, L.el >> 2);
      t.f32.set(saved.ef, L.ef >> 2);
      t.f32.set(saved.es, L.es >> 2);
      ref.eligibilityBlockPrepare(region, steps);
      ref.eligibilityBlock(region, steps, 0, nPre, 1, L.scratch);
      const blocked = { el: copy(L.el, syn), ef: copy(L.ef, syn), es: copy(L.es, syn) };
      for (const name of ['el', 'ef', 'es'] as const) {
        const scale = Math.max(...recursive[name].map(Math.abs));
        expect(scale, name).toBeGreaterThan(0);
        for (let i = 0; i < syn; i++) {
          // a few hundred float32 roundings on each side: far below 1e-4 of the array's scale
          expect(Math.abs(blocked[name][i]! - recursive[name][i]!), `${name}[${i}]`).toBeLessThan(1e-4 * scale);
        }
      }
      // and not trivially: the block changed every row that had input
      expect(blocked.es.some((v, i) => v !== saved.es[i])).toBe(true);
    });
  }
});

describe('eligibility', () => {
  interface Layout { p: number; s: number; e: number; h: number; el: number; ef: number; es: number; w: number }

  /** The kernel region of a one-row batch over L (h4 only with the regulariser). */
  function regionOf(t: Twin, L: Layout, nPre: number, stride: number, reg: boolean): number {
    return t.region({
      nPre, stride, prePitch: nPre, batchPitch: stride, synapses: nPre * stride,
      pEff: L.p, sDelayed: L.s, eEff: L.e, h4: reg ? L.h : 0, el: L.el, elFlt: L.ef, elSum: L.es, w: L.w,
    });
  }

  function setup(t: Twin, r: Rand, nPre: number, stride: number, pZero: number): Layout {
    const syn = nPre * stride;
    const L: Layout = {
      p: t.alloc(nPre), s: t.alloc(stride), e: t.alloc(stride), h: t.alloc(stride),
      el: t.alloc(syn), ef: t.alloc(syn), es: t.alloc(syn), w: t.alloc(syn),
    };
    t.fillF32(L.p, nPre, () => (r.chance(pZero) ? (r.chance(0.5) ? 0 : -0) : r.chance(0.1) ? r.tiny() : r.uniform(0, 1)));
    t.fillF32(L.s, stride, () => (r.chance(0.2) ? 0 : r.chance(0.1) ? r.uniform(0, 1000) : r.uniform(0, 1)));
    t.fillF32(L.e, stride, () => (r.chance(0.3) ? 0 : r.uniform(-1, 1)));
    t.fillF32(L.h, stride, (k) => (t.f32[(L.e >> 2) + k] === 0 ? 0 : r.uniform(0, 0.01)));
    const state = () => (r.chance(0.25) ? r.tiny() : r.chance(0.1) ? 0 : r.uniform(-1, 1));
    t.fillF32(L.el, syn, state);
    t.fillF32(L.ef, syn, state);
    t.fillF32(L.es, syn, () => r.uniform(-1, 1));
    t.fillF32(L.w, syn, () => r.uniform(-0.1, 0.1));
    return L;
  }

  for (const stride of STRIDES) {
    for (const nPre of NPRES) {
      for (const anyError of [0, 1]) {
        for (const reg of [false, true]) {
          if (reg && anyError === 0) continue;
          it(`stride ${stride}, nPre ${nPre}, anyError ${anyError}, ${reg ? 'with' : 'without'} regulariser`, () => {
            const r = new Rand(stride * 1000 + nPre * 10 + anyError * 2 + (reg ? 1 : 0));
            const t = new Twin();
            const L = setup(t, r, nPre, stride, 0.3);
            t.sync();
            const region = regionOf(t, L, nPre, stride, reg);
            // alternate the filters: rise (τ_syn) and decay (τ_mem) rates
            const rise = t.kernelsWith({ filterRate: RISE_RATE });
            expect(MODEL_KERNEL_CONSTANTS.filterRate).toBe(DECAY_RATE);
            for (let step = 0; step < 8; step++) {
              t.both(`step ${step}`, (k) => k.eligibility(region, 0, 0, nPre, anyError), step % 2 === 0 ? t : rise);
            }
          });
        }
      }
    }
  }

  it('rows of all zero p and of all nonzero p, with a fast decay into the subnormal range', () => {
    const r = new Rand(77);
    const t = new Twin({ filterRate: f(0.25), elDecay: f(0.125) });
    const nPre = 64;
    const stride = 132;
    const L = setup(t, r, nPre, stride, 0.5);
    const withH = regionOf(t, L, nPre, stride, true);
    const withoutH = regionOf(t, L, nPre, stride, false);
    for (let i = 0; i < nPre * stride; i++) {
      t.f32[(L.el >> 2) + i] = f(r.uniform(-1, 1) * 1e-30);
      t.f32[(L.ef >> 2) + i] = f(r.uniform(-1, 1) * 1e-30);
    }
    t.sync();
    for (let step = 0; step < 40; step++) {
      t.both(`step ${step}`, (k) => k.eligibility(step % 3 === 0 ? withoutH : withH, 0, 0, nPre, step % 2));
    }
    // with decay 1/8 per step and no input, every row without input is flushed to +0 by now
    const el = new Uint32Array(t.memWasm.buffer, L.el, nPre * stride);
    for (let j = 0; j < nPre; j++) {
      if (t.f32[(L.p >> 2) + j] !== 0) continue;
      for (let k = 0; k < stride; k++) expect(el[j * stride + k]).toBe(0);
    }
  });

  it('flushes el and elFlt below FLT_MIN_NORMAL to +0 (never -0), keeps FLT_MIN_NORMAL', () => {
    const t = new Twin({ filterRate: f(0.01), elDecay: f(0.5) });
    const stride = 8;
    const L = {
      p: t.alloc(1), s: t.alloc(stride), e: t.alloc(stride), el: t.alloc(stride), ef: t.alloc(stride),
      es: t.alloc(stride),
    };
    const region = t.region({
      nPre: 1, stride, prePitch: 1, batchPitch: stride, synapses: stride,
      pEff: L.p, sDelayed: L.s, eEff: L.e, el: L.el, elFlt: L.ef, elSum: L.es,
    });
    const el = [1.5e-38, -1.5e-38, 3e-38, -3e-38, 1e-39, 0, FLT_MIN_NORMAL * 2, -FLT_MIN_NORMAL * 2].map(f);
    const ef = [1e-38, -1e-38, FLT_MIN_NORMAL, -FLT_MIN_NORMAL, -1e-39, 1e-45, 0, 1e-37].map(f);
    t.fillF32(L.el, stride, (i) => el[i]!);
    t.fillF32(L.ef, stride, (i) => ef[i]!);
    t.sync();
    t.both('flush', (k) => k.eligibility(region, 0, 0, 1, 0));
    const elOut = Array.from(new Uint32Array(t.memWasm.buffer, L.el, stride));
    // el·0.5: 7.5e-39 (flushed), −7.5e-39 (flushed to +0), 1.5e-38 (kept), …
    expect(elOut[0]).toBe(0);
    expect(elOut[1]).toBe(0);
    expect(new Float32Array(t.memWasm.buffer, L.el, stride)[2]).toBe(f(f(3e-38) * 0.5));
    expect(elOut[4]).toBe(0);
    expect(new Float32Array(t.memWasm.buffer, L.el, stride)[6]).toBe(FLT_MIN_NORMAL);
    const efOut = Array.from(new Uint32Array(t.memWasm.buffer, L.ef, stride));
    expect(efOut[0]).toBe(0); // 1e-38 + 0.01·(1.5e-38 − 1e-38) is still subnormal
    expect(efOut[1]).toBe(0);
    expect(efOut[4]).toBe(0);
    expect(efOut[5]).toBe(0);
  });
});

describe('weightUpdate', () => {
  const counts = [1, 3, 7, 13, 130, ...STRIDES.flatMap((s) => NPRES.map((n) => n * s))];
  // updateScheme 0 RMaxProp (the model's), 1 RMSprop, 2 fixed; RMSprop also with a short memory.
  const schemes: Array<Partial<KernelConstants>> = [
    {}, { updateScheme: 1 }, { updateScheme: 1, rmsMul: rmsMulOf(0.7) }, { updateScheme: 2 },
  ];
  for (const count of [...new Set(counts)]) {
    for (const learning of [0, 1]) {
      for (const scheme of schemes) it(`count ${count}, learning ${learning}, ${JSON.stringify(scheme)}`, () => {
        const r = new Rand(count * 2 + learning);
        const t = new Twin(scheme);
        const w = t.alloc(count);
        const es = t.alloc(count);
        const g2 = t.alloc(count);
        const region = t.region({ synapses: count, w, elSum: es, grad2: g2 });
        let clipped = 0;
        for (const eta of [f(1e-3), f(0.05)]) {
          t.fillF32(w, count, () => (r.chance(0.15) ? (r.chance(0.5) ? W_MAX : -W_MAX) : r.uniform(-0.1, 0.1)));
          t.fillF32(es, count, () => (r.chance(0.1) ? 0 : r.chance(0.1) ? r.tiny() : r.uniform(-5, 5)));
          t.fillF32(g2, count, () => (r.chance(0.2) ? 0 : r.uniform(0, 1e-6)));
          t.sync();
          const g2Before = Array.from(new Float32Array(t.memRef.buffer, g2, count));
          t.both(`eta ${eta}`, (k) => k.weightUpdate(region, eta, learning));
          const wOut = new Float32Array(t.memRef.buffer, w, count);
          clipped += wOut.filter((x) => Math.abs(x) === W_MAX).length;
          expect(Array.from(new Float32Array(t.memRef.buffer, es, count)).every((x) => x === 0)).toBe(true);
          // fixed keeps no normaliser; the others replace it
          const g2After = Array.from(new Float32Array(t.memRef.buffer, g2, count));
          if (scheme.updateScheme === 2) expect(g2After).toEqual(g2Before);
          else if (count >= 7) expect(g2After).not.toEqual(g2Before);
        }
        if (learning === 1 && count >= 7) expect(clipped).toBeGreaterThan(0);
      });
    }
  }

  it('the schemes step as docs/model.md §7.5 says', () => {
    const eta = f(1e-3);
    const rmsMul = MODEL_KERNEL_CONSTANTS.rmsMul;
    const g = f(f(2.5) / 5000);
    const old = f(4e-6);
    const stepOf = (changes: Partial<KernelConstants>) => {
      const t = new Twin(changes);
      const [w, es, g2] = [t.alloc(4), t.alloc(4), t.alloc(4)];
      t.fillF32(es, 4, () => f(2.5));
      t.fillF32(g2, 4, () => old);
      t.sync();
      const region = t.region({ synapses: 4, w, elSum: es, grad2: g2 });
      t.both('update', (k) => k.weightUpdate(region, eta, 1));
      return { w: t.f32[w >> 2]!, grad2: t.f32[g2 >> 2]! };
    };
    // RMaxProp: the decaying maximum of g² (g² = 2.5e-7 is below rmsMul·4e-6)
    const rmax = stepOf({});
    expect(rmax.grad2).toBe(f(rmsMul * old));
    expect(rmax.w).toBe(f(eta * f(g / f(f(Math.sqrt(rmax.grad2)) + MODEL_KERNEL_CONSTANTS.epsilon))));
    // RMSprop: the running mean of g²
    const rms = stepOf({ updateScheme: 1 });
    expect(rms.grad2).toBe(f(f(rmsMul * old) + f(f(1 - rmsMul) * f(g * g))));
    expect(rms.grad2).toBeGreaterThan(rmax.grad2); // a mean: g² adds to the decayed memory
    // fixed: η·g, grad2 untouched
    expect(stepOf({ updateScheme: 2 })).toEqual({ w: f(eta * g), grad2: old });
  });
});

describe('feedbackRows', () => {
  for (const stride of STRIDES) {
    for (const rows of NPRES) {
      it(`stride ${stride}, ${rows} feedback rows`, () => {
        const r = new Rand(stride * 7 + rows);
        const t = new Twin();
        const b = t.alloc(rows * stride);
        const errIn = t.alloc(stride);
        const ids = t.alloc(rows);
        const vals = t.alloc(rows);
        t.fillF32(b, rows * stride, () => r.uniform(-3, 3));
        t.fillF32(errIn, stride, () => (r.chance(0.3) ? 0 : r.uniform(-2, 2)));
        for (const density of [0, 0.4, 1]) {
          let count = 0;
          for (let k = 0; k < rows; k++) {
            if (density === 1 || r.chance(density)) {
              t.u32[(ids >> 2) + count] = k;
              t.f32[(vals >> 2) + count] = r.chance(0.5) ? (r.chance(0.5) ? 1 : -1) : r.uniform(-3, 3);
              count++;
            }
          }
          t.sync();
          t.both(`density ${density}`, (k) => k.feedbackRows(ids, vals, count, b, stride, errIn));
        }
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// The per-neuron passes: the reference kernels run the model functions of traces.ts and
// connection-passes.ts themselves, so these cases prove the wasm ports equal to those functions.

// 15 and 30 also leave 3 and 2 vectors after the unrolled body of four.
const COUNTS = [1, 3, 4, 7, 15, 30, 64, 133];

/** The neighbouring float32 values of x (x must be finite and nonzero). */
function nextUp(x: number): number {
  const b = new Float32Array([x]);
  const u = new Uint32Array(b.buffer);
  u[0] = x > 0 ? u[0]! + 1 : u[0]! - 1;
  return b[0]!;
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

/** Trace values: ordinary ones, signed zeros, and ones whose next decay lands near FLT_MIN_NORMAL. */
function traceValue(r: Rand, decay: number): number {
  const u = r.next();
  if (u < 0.3) return r.tiny();
  if (u < 0.5) return f((r.chance(0.5) ? 1 : -1) * FLT_MIN_NORMAL / decay * (0.98 + 0.04 * r.next()));
  if (u < 0.6) return r.chance(0.5) ? 0 : -0;
  return r.uniform(-2, 2);
}

describe('traceDecay', () => {
  for (const count of COUNTS) {
    it(`count ${count}`, () => {
      const r = new Rand(7100 + count);
      const t = new Twin();
      const x = t.allocGuarded(count);
      const decays = [PRE_DECAY, HOM_DECAY, f(0.5), f(0.125)];
      t.fillF32(x, count, () => traceValue(r, PRE_DECAY));
      t.sync();
      for (let step = 0; step < 40; step++) {
        const decay = decays[step % decays.length]!;
        t.both(`step ${step}`, (k) => k.traceDecay(x, count, decay));
        if (step % 5 === 4) for (let i = 0; i < count; i++) if (r.chance(0.3)) t.poke(x, i, traceValue(r, decay));
      }
    });
  }

  it('flushes below FLT_MIN_NORMAL to +0 (also from −0), keeps FLT_MIN_NORMAL', () => {
    const t = new Twin();
    const values = [
      FLT_MIN_NORMAL * 2, -FLT_MIN_NORMAL * 2, f(FLT_MIN_NORMAL * 1.5), f(-FLT_MIN_NORMAL * 1.5), -0, 1e-45,
      nextUp(FLT_MIN_NORMAL * 2), 1,
    ].map(f);
    const x = t.allocGuarded(values.length);
    t.fillF32(x, values.length, (i) => values[i]!);
    t.sync();
    t.both('flush', (k) => k.traceDecay(x, values.length, f(0.5)));
    const out = new Float32Array(t.memWasm.buffer, x, values.length);
    const bits = new Uint32Array(t.memWasm.buffer, x, values.length);
    expect(out[0]).toBe(FLT_MIN_NORMAL);
    expect(out[1]).toBe(-FLT_MIN_NORMAL);
    expect([bits[2], bits[3], bits[4], bits[5]]).toEqual([0, 0, 0, 0]);
    expect(out[6]).toBeGreaterThan(FLT_MIN_NORMAL);
  });
});

describe('traceFollow', () => {
  for (const count of COUNTS) {
    it(`count ${count}`, () => {
      const r = new Rand(7200 + count);
      const t = new Twin();
      const x = t.allocGuarded(count);
      const v = t.allocGuarded(count);
      t.fillF32(x, count, () => traceValue(r, 1));
      t.fillF32(v, count, () => (r.chance(0.5) ? traceValue(r, 1) : r.chance(0.5) ? 0 : r.uniform(-1, 1)));
      t.sync();
      const rates = [RISE_RATE, DECAY_RATE, f(0.5), f(1)];
      for (let step = 0; step < 40; step++) {
        t.both(`step ${step}`, (k) => k.traceFollow(x, v, count, rates[step % rates.length]!));
        if (step % 4 === 3) {
          // new targets, often zero (the error trace mostly follows no error) or tiny
          for (let i = 0; i < count; i++) t.poke(v, i, r.chance(0.4) ? 0 : r.chance(0.4) ? r.tiny() : r.uniform(-1, 1));
        }
      }
    });
  }

  it('x close to v and tiny x flush to +0', () => {
    const t = new Twin();
    const xs = [1e-38, -1e-38, 2e-38, FLT_MIN_NORMAL, 0.5, -0, 3e-38, -3e-38].map(f);
    const vs = [0, 0, -2e-38, FLT_MIN_NORMAL, 0.5, 0, 0, 1e-45].map(f);
    const x = t.allocGuarded(xs.length);
    const v = t.allocGuarded(vs.length);
    t.fillF32(x, xs.length, (i) => xs[i]!);
    t.fillF32(v, vs.length, (i) => vs[i]!);
    t.sync();
    t.both('follow', (k) => k.traceFollow(x, v, xs.length, f(0.5)));
    const bits = new Uint32Array(t.memWasm.buffer, x, xs.length);
    expect([bits[0], bits[1], bits[2], bits[5]]).toEqual([0, 0, 0, 0]);
    expect(new Float32Array(t.memWasm.buffer, x, xs.length)[3]).toBe(FLT_MIN_NORMAL);
  });
});

describe('presynaptic', () => {
  /** psp values: around the skip thresholds γ and δ exactly, zeros, tiny and ordinary ones. */
  function pspValue(r: Rand): number {
    const u = r.next();
    if (u < 0.25) {
      const edges = [GAMMA, DELTA_RANDOM];
      const e = edges[r.int(2)]!;
      return [e, nextUp(e), nextDown(e)][r.int(3)]!;
    }
    if (u < 0.35) return r.chance(0.5) ? 0 : -0;
    if (u < 0.5) return Math.abs(r.tiny());
    if (u < 0.6) return f(r.uniform(0, 1) * 1e-6);
    return r.uniform(0, 1);
  }

  for (const count of COUNTS) {
    for (const skipMode of [0, 1]) {
      for (const d of [1, 3, 8]) {
        it(`nPre ${count}, skipMode ${skipMode}, delay ${d}`, () => {
          const r = new Rand(7300 + count * 10 + skipMode * 5 + d);
          const t = new Twin();
          // batch rows as the engine pitches them, and (count 7) unpadded, unaligned rows
          const pitch = count === 7 ? count : ((count + 15) & ~15) + 16;
          const L = {
            psp: t.allocGuarded(count), pre: t.allocGuarded(count),
            line: t.allocGuarded(d * count), pEff: t.allocGuarded(8 * pitch),
          };
          t.fillF32(L.psp, count, () => pspValue(r));
          t.fillF32(L.pre, count, () => (r.chance(0.3) ? 0 : r.chance(0.2) ? Math.abs(r.tiny()) : r.uniform(0, 1)));
          t.fillF32(L.line, d * count, () => pspValue(r));
          t.sync();
          const region = t.region({
            psp: L.psp, pspLine: L.line, pEff: L.pEff, pre: L.pre, nPre: count, delaySteps: d, prePitch: pitch,
          });
          // steps from 0 on, then far ones (also past 2^31 and 2^32, where row = n mod D must still hold)
          const steps = [...Array.from({ length: 2 * d + 5 }, (_, n) => n), 2 ** 31 - 1, 2 ** 31 + 5, 2 ** 32 + 3, 1e12 + 7];
          steps.forEach((n, i) => {
            // Whole steps, and steps cut into chunks of presynaptic neurons at arbitrary (also
            // unaligned) boundaries, as the threads of a process compute them (presynaptic-work.ts).
            if (i % 2 === 0 || count < 2) {
              t.both(`n ${n}`, (k) => k.presynaptic(region, i % 8, n, skipMode, 0, count));
            } else {
              const cut = 1 + Math.floor(r.uniform(0, count - 1));
              t.both(`n ${n} [0, ${cut})`, (k) => k.presynaptic(region, i % 8, n, skipMode, 0, cut));
              t.both(`n ${n} [${cut}, ${count})`, (k) => k.presynaptic(region, i % 8, n, skipMode, cut, count));
            }
            for (let j = 0; j < count; j++) {
              if (r.chance(0.3)) t.poke(L.psp, j, pspValue(r));
              if (r.chance(0.2)) t.poke(L.pre, j, r.chance(0.5) ? 0 : r.uniform(0, 1));
            }
          });
        });
      }
    }
  }

  it('skips p ≤ γ (mode 0) and p < δ (mode 1), writing +0', () => {
    for (const [skipMode, threshold] of [[0, GAMMA], [1, DELTA_RANDOM]] as const) {
      const t = new Twin();
      const ps = [threshold, nextUp(threshold), nextDown(threshold), -0, 0, 1, GAMMA, DELTA_RANDOM];
      const L = { psp: t.allocGuarded(8), pre: t.allocGuarded(8), line: t.allocGuarded(8), pEff: t.allocGuarded(8) };
      t.fillF32(L.line, 8, (i) => ps[i]!);
      t.sync();
      const region = t.region({ psp: L.psp, pspLine: L.line, pEff: L.pEff, pre: L.pre, nPre: 8, delaySteps: 1, prePitch: 8 });
      t.both(`mode ${skipMode}`, (k) => k.presynaptic(region, 0, 5, skipMode, 0, 8));
      const out = Array.from(new Float32Array(t.memWasm.buffer, L.pEff, 8));
      const bits = new Uint32Array(t.memWasm.buffer, L.pEff, 8);
      expect(bits[3]).toBe(0); // −0 ≤ threshold: +0
      if (skipMode === 0) expect(out).toEqual([0, nextUp(GAMMA), 0, 0, 0, 1, 0, DELTA_RANDOM]);
      else expect(out).toEqual([DELTA_RANDOM, nextUp(DELTA_RANDOM), 0, 0, 0, 1, 0, DELTA_RANDOM]);
    }
  });

  it('the reference refuses constants its model function does not use', () => {
    const t = new Twin();
    const region = t.region({ psp: PAGE, pspLine: PAGE + 64, pEff: PAGE + 128, pre: PAGE + 192, nPre: 4, delaySteps: 1, prePitch: 4 });
    const bound = (changes: Partial<KernelConstants>) => t.kernelsWith(changes).ref;
    expect(() => bound({ pspRate: f(0.5) }).presynaptic(region, 0, 0, 0, 0, 4)).toThrow(/pspRate/);
    expect(() => bound({ pspRate: f(0.5) }).presynaptic(region, 0, 0, 1, 0, 4)).toThrow(/pspRate/);
    // γ is built into the skip of mode 0 only: mode 1 compares with the bound δ
    expect(() => bound({ gamma: DELTA_RANDOM }).presynaptic(region, 0, 0, 0, 0, 4)).toThrow(/gamma/);
    expect(() => bound({ gamma: DELTA_RANDOM }).presynaptic(region, 0, 0, 1, 0, 4)).not.toThrow();
    expect(() => bound({}).presynaptic(region, 0, 0, 0, 0, 4)).not.toThrow();
  });
});

describe('postsynaptic', () => {
  /** Errors around ±γ exactly, zeros, tiny and ordinary ones. */
  function errValue(r: Rand): number {
    const u = r.next();
    if (u < 0.3) {
      const e = [GAMMA, nextUp(GAMMA), nextDown(GAMMA)][r.int(3)]!;
      return r.chance(0.5) ? e : -e;
    }
    if (u < 0.45) return r.chance(0.5) ? 0 : -0;
    if (u < 0.55) return r.tiny();
    if (u < 0.65) return f(r.uniform(-1, 1) * 1e-6);
    return r.uniform(-1, 1);
  }
  /** Membrane potentials below the −80 mV floor, at it, at θ, around rest, above threshold. */
  function voltValue(r: Rand): number {
    const u = r.next();
    if (u < 0.2) {
      const special = [
        AURYN_FLOOR, nextUp(AURYN_FLOOR), nextDown(AURYN_FLOOR), f(-0.0801), f(-0.09), f(-0.5),
        THRESHOLD_VOLTS, nextUp(THRESHOLD_VOLTS), nextDown(THRESHOLD_VOLTS), E_REST_VOLTS, -0, 0,
      ];
      return special[r.int(special.length)]!;
    }
    if (u < 0.35) return r.uniform(-0.12, -0.08);
    if (u < 0.7) return f(E_REST_VOLTS + r.uniform(-0.002, 0.002));
    return r.uniform(-0.08, -0.03);
  }

  /** The constants postsynapticPass has built in (the regulariser's λ and a, and the σ' floor, it takes as arguments). */
  const constants = [
    'avgDecay', 'dtSeconds', 'gamma', 'betaPerVolt', 'thresholdVolts',
  ] as const satisfies ReadonlyArray<keyof KernelConstants>;

  // The model's regulariser (λ = 1, a = 4), and other strengths and exponents (the a = 4 case
  // with λ = 10 too, so a strength that is not 1 meets every loop variant).
  // Also Auryn's −80 mV σ' floor (the default has none), without and with the regulariser.
  const regularisers: Array<Partial<KernelConstants> | null> = [
    null, {}, { surrogateFloorVolts: AURYN_FLOOR }, { surrogateFloorVolts: AURYN_FLOOR, homExponent: 4 },
    ...[0, 1, 2, 3, 4, 5, 8].map((a) => ({ homExponent: a, homLambda: f(a === 4 ? 10 : 0.37 * (a + 1)) })),
  ];
  for (const local of COUNTS) {
    for (const partial of [0, 1]) {
      for (const regulariser of regularisers) {
        const reg = regulariser !== null;
        it(`local ${local}, partial ${partial}, ${reg ? `with regulariser ${JSON.stringify(regulariser)}` : 'without regulariser'}`, () => {
          const r = new Rand(7400 + local * 10 + partial * 2 + (reg ? 1 : 0));
          const t = new Twin(regulariser ?? {});
          const stride = Math.ceil(local / 4) * 4;
          const pitch = ((stride + 15) & ~15) + 16;
          const d = local === 7 ? 1 : 8;
          const L = {
            errF: t.allocGuarded(local), avg: t.allocGuarded(local), v: t.allocGuarded(local), hom: t.allocGuarded(local),
            line: t.allocGuarded(d * stride), eEff: t.allocGuarded(8 * pitch), sDel: t.allocGuarded(8 * pitch),
            h4: t.allocGuarded(8 * pitch),
          };
          const refresh = (fresh: boolean) => {
            for (let k = 0; k < local; k++) {
              const set = (ptr: number, value: number) => (fresh ? (t.f32[(ptr >> 2) + k] = value) : t.poke(ptr, k, value));
              set(L.errF, errValue(r));
              if (fresh || r.chance(0.5)) set(L.v, voltValue(r));
              if (fresh || r.chance(0.2)) {
                set(L.hom, r.chance(0.2) ? 0 : r.chance(0.2) ? Math.abs(r.tiny()) : r.uniform(0, r.chance(0.5) ? 1 : 60));
              }
              if (fresh) set(L.avg, r.chance(0.2) ? 0 : r.chance(0.2) ? Math.abs(r.tiny()) : r.uniform(0, 1));
            }
          };
          refresh(true);
          // a partly filled line: rows of earlier σ' values, zeros of the first D steps
          t.fillF32(L.line, d * stride, (i) => (i % stride >= local ? 0 : r.chance(0.3) ? 0 : r.uniform(0, 1000)));
          t.sync();
          const region = t.region({
            errFiltered: L.errF, avgSqErr: L.avg, eEff: L.eEff, v: L.v, sigmaLine: L.line, sDelayed: L.sDel,
            hom: reg ? L.hom : 0, h4: reg ? L.h4 : 0, local, stride, delaySteps: d, batchPitch: pitch,
          });
          const steps = [...Array.from({ length: d + 12 }, (_, n) => n), 2 ** 31 + 1, 2 ** 32 + 5, 1e12 + 3];
          let anyErrors = 0;
          steps.forEach((n, i) => {
            // every few steps, no error at all or a single one (in the vector body or in the tail)
            if (i % 5 === 2) for (let k = 0; k < local; k++) t.poke(L.errF, k, r.chance(0.5) ? 0 : f(GAMMA * 0.5));
            if (i % 5 === 3) t.poke(L.errF, i % local, f(-GAMMA));
            anyErrors += t.both(`n ${n}`, (k) => k.postsynaptic(region, i % 8, n, partial));
            refresh(false);
          });
          expect(anyErrors).toBeGreaterThan(0);
          expect(anyErrors).toBeLessThan(steps.length);
        });
      }
    }
  }

  it('σ\' is β/(1 + β|U − θ|)², 0 below the floor; errors exactly at ±γ count', () => {
    const t = new Twin({ surrogateFloorVolts: AURYN_FLOOR });
    const volts = [THRESHOLD_VOLTS, E_REST_VOLTS, AURYN_FLOOR, nextDown(AURYN_FLOOR), f(-0.09)];
    const errs = [GAMMA, -GAMMA, nextDown(GAMMA), -nextDown(GAMMA), -0];
    const n = volts.length;
    const L = {
      errF: t.allocGuarded(n), avg: t.allocGuarded(n), v: t.allocGuarded(n), line: t.allocGuarded(8),
      eEff: t.allocGuarded(8), sDel: t.allocGuarded(8),
    };
    t.fillF32(L.v, n, (i) => volts[i]!);
    t.fillF32(L.errF, n, (i) => errs[i]!);
    t.sync();
    const region = t.region({
      errFiltered: L.errF, avgSqErr: L.avg, eEff: L.eEff, v: L.v, sigmaLine: L.line, sDelayed: L.sDel,
      local: n, stride: 8, delaySteps: 1, batchPitch: 8,
    });
    for (const step of [0, 1]) {
      expect(t.both(`step ${step}`, (k) => k.postsynaptic(region, 0, step, 1))).toBe(1);
    }
    const sigma = Array.from(new Float32Array(t.memWasm.buffer, L.sDel, n));
    expect(sigma[0]).toBe(1000);
    expect(sigma[1]).toBeCloseTo(1000 / 121, 3);
    expect(sigma[2]).toBeGreaterThan(0);
    expect([sigma[3], sigma[4]]).toEqual([0, 0]);
    expect(Array.from(new Float32Array(t.memWasm.buffer, L.eEff, n))).toEqual([GAMMA, -GAMMA, 0, 0, 0]);
  });

  it('σ\' has no floor by default: positive far below rest, in both kernels', () => {
    const t = new Twin();
    const volts = [nextDown(AURYN_FLOOR), f(-0.09), f(-0.2)];
    const n = volts.length;
    const L = {
      errF: t.allocGuarded(n), avg: t.allocGuarded(n), v: t.allocGuarded(n), line: t.allocGuarded(8),
      eEff: t.allocGuarded(8), sDel: t.allocGuarded(8),
    };
    t.fillF32(L.v, n, (i) => volts[i]!);
    t.fillF32(L.errF, n, () => GAMMA);
    t.sync();
    const region = t.region({
      errFiltered: L.errF, avgSqErr: L.avg, eEff: L.eEff, v: L.v, sigmaLine: L.line, sDelayed: L.sDel,
      local: n, stride: 8, delaySteps: 1, batchPitch: 8,
    });
    for (const step of [0, 1]) t.both(`step ${step}`, (k) => k.postsynaptic(region, 0, step, 1));
    const sigma = Array.from(new Float32Array(t.memWasm.buffer, L.sDel, n));
    expect(sigma[1]).toBe(surrogateDerivative(f(-0.09)));
    for (const s of sigma) expect(s).toBeGreaterThan(0);
  });

  it('the reference refuses constants its model function does not use', () => {
    const t = new Twin();
    const region = t.region({
      errFiltered: PAGE, avgSqErr: PAGE + 64, eEff: PAGE + 128, v: PAGE + 192, sigmaLine: PAGE + 256, sDelayed: PAGE + 320,
      local: 4, stride: 4, delaySteps: 1, batchPitch: 4,
    });
    const call = (name: (typeof constants)[number]) => {
      const ref = t.kernelsWith({ [name]: f(MODEL_KERNEL_CONSTANTS[name] * 2) }).ref;
      return () => ref.postsynaptic(region, 0, 0, 1);
    };
    for (const name of constants) expect(call(name), name).toThrow(new RegExp(`${name} must be`));
    expect(() => t.ref.postsynaptic(region, 0, 0, 1)).not.toThrow();
  });

  it('h4 = λ·hom^a: (hom²)² for a = 4, λ for a = 0, 0 where the error is skipped', () => {
    const homs = [0, f(0.5), f(1.7), f(3), f(12.25), f(0.3), f(7), f(2)];
    const n = homs.length;
    const h4Of = (changes: Partial<KernelConstants>): number[] => {
      const t = new Twin(changes);
      const L = {
        errF: t.alloc(n), avg: t.alloc(n), v: t.alloc(n), hom: t.alloc(n), line: t.alloc(n), eEff: t.alloc(n),
        sDel: t.alloc(n), h4: t.alloc(n),
      };
      t.fillF32(L.hom, n, (i) => homs[i]!);
      t.fillF32(L.errF, n, (i) => (i === n - 1 ? 0 : f(0.25)));
      t.sync();
      const region = t.region({
        errFiltered: L.errF, avgSqErr: L.avg, eEff: L.eEff, v: L.v, sigmaLine: L.line, sDelayed: L.sDel,
        hom: L.hom, h4: L.h4, local: n, stride: n, delaySteps: 1, batchPitch: n,
      });
      t.both('postsynaptic', (k) => k.postsynaptic(region, 0, 0, 1));
      return Array.from(new Float32Array(t.memRef.buffer, L.h4, n));
    };
    const skipped = (values: number[]) => [...values.slice(0, n - 1), 0];
    expect(h4Of({ homLambda: 1 })).toEqual(skipped(homs.map((h) => f(f(h * h) * f(h * h)))));
    expect(h4Of({})).toEqual(skipped(homs.map((h) => f(MODEL_KERNEL_CONSTANTS.homLambda * f(f(h * h) * f(h * h)))))); // the default ρ
    expect(h4Of({ homLambda: f(10), homExponent: 0 })).toEqual(skipped(homs.map(() => f(10))));
    expect(h4Of({ homLambda: 1, homExponent: 1 })).toEqual(skipped(homs));
    expect(h4Of({ homLambda: f(0.5), homExponent: 3 })).toEqual(skipped(homs.map((h) => f(0.5 * f(h * f(h * h))))));
  });
});

describe('kernel regions in the layout', () => {
  // 20-12-6-5, random feedback (regulariser on the hidden layers), the input layer static when
  // hidden learning is off; ranks 0 and 1 local, rank 2 a mirror of another process.
  for (const [learnHidden, eligibility] of [[true, 'recursive'], [false, 'recursive'], [true, 'blocked']] as const) {
    it(`one region per plastic connection of a local rank, none for mirrors (learnHidden ${learnHidden}, ${eligibility})`, () => {
      const topology = buildTopology(testShape({ nInput: 20, hidden: [12, 6], nOutput: 5, feedback: 'random', learnHidden, eligibility }));
      const layout = computeLayout(topology, 3, [0, 1]);
      const seen = new Set<number>();
      let regions = 0;
      for (let r = 0; r < 3; r++) {
        const region = layout.rankRegions[r]!;
        for (const info of topology.connections) {
          const at = region.connections[info.index]!.kernelRegion;
          if (region.mirror || !info.plastic) {
            expect(at, `rank ${r} connection ${info.index}`).toBe(0);
            continue;
          }
          regions++;
          expect(at % 16).toBe(0);
          expect(seen.has(at)).toBe(false);
          seen.add(at);
          const words = kernelRegionOf(topology, region, info.index);
          const reg = region.connections[info.index]!;
          const post = region.groups[info.postGroup]!;
          expect(words).toMatchObject({
            el: reg.el, elSum: reg.elSum, w: reg.w, grad2: reg.grad2, eEff: reg.eEff, h4: reg.h4, pEff: reg.pEff,
            v: post.v, local: post.localCount, stride: reg.stride, nPre: info.nPre, delaySteps: info.delaySteps,
            pre: region.groups[info.preGroup]!.pre, synapses: info.nPre * reg.stride,
          });
          // blocked mode: the ring without a mirror, which the blocked pass wraps in
          if (eligibility === 'blocked') expect(words).toMatchObject({ pEffRing: reg.pEff, pEffRingBytes: reg.pEffRingRows * reg.prePitch * 4 });
          // every array a kernel reads is present (h4 and hom only with the regulariser)
          for (const [name, value] of Object.entries(words)) {
            if (name === 'hom' || name === 'h4') expect(value !== 0, name).toBe(info.regulariser);
            else if ((name.startsWith('block') && name !== 'blockRows') || name.startsWith('pEffRing')) expect(value !== 0, name).toBe(eligibility === 'blocked');
            else if (name !== 'local') expect(value, name).toBeGreaterThan(0);
          }
        }
      }
      expect(regions).toBe(2 * topology.connections.filter((c) => c.plastic).length);
      expect(regions).toBeGreaterThan(learnHidden ? 4 : 1);
    });
  }
});

describe('batchPitch (the row pitch of the pass buffers)', () => {
  it('is the fewest whole 64-byte lines that hold the row, an odd number of them, for every length up to 20 000', () => {
    // An odd line count spreads a column's consecutive rows over every L1 set (layout.ts).
    for (let length = 0; length <= 20_000; length++) {
      const pitch = batchPitch(length);
      const lines = pitch / 16;
      const least = Math.max(1, Math.ceil(length / 16));
      if (!Number.isInteger(lines) || lines % 2 !== 1 || lines < least || lines > least + 1 || (pitch * 4) % 4096 === 0) {
        expect.fail(`batchPitch(${length}) = ${pitch}: ${lines} lines, wanted the odd one of ${least} and ${least + 1}`);
      }
    }
    expect([96, 100, 200, 256, 1024].map(batchPitch)).toEqual([112, 112, 208, 272, 1040]);
  });
});
