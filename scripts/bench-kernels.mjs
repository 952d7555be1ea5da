// Micro-benchmark of the eligibility pass (SPEC §7.2 E3), the kernel that touches every synapse
// every step: synapse-updates per second of the reference and the WASM kernels, one core.
// Needs the build: `node scripts/build-wasm.mjs && npx tsc -p .`, then
//   node scripts/bench-kernels.mjs [seconds-per-case]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist', 'src', 'model');
for (const file of [path.join(dist, 'kernels-wasm.js'), path.join(root, 'build', 'kernels.wasm')]) {
  if (!existsSync(file)) {
    console.error(`bench-kernels: ${file} is missing; run \`node scripts/build-wasm.mjs && npx tsc -p .\` first`);
    process.exit(1);
  }
}
const { WasmKernels } = await import(path.join(dist, 'kernels-wasm.js'));
const { ReferenceKernels } = await import(path.join(dist, 'kernels-ref.js'));
const { KERNEL_REGION, KERNEL_REGION_WORDS, kernelRegionWords } = await import(path.join(dist, 'kernels.js'));

const seconds = Number(process.argv[2] ?? 0.5);
const PAGE = 65536;

/** Writes a kernel region (fields not given are 0) at byte `at` of `memory`. */
function writeRegion(memory, at, fields) {
  const all = Object.fromEntries(Object.keys(KERNEL_REGION).map((name) => [name, 0]));
  new Uint32Array(memory.buffer).set(kernelRegionWords({ ...all, ...fields }), at >> 2);
  return at;
}

/**
 * Warms up (tier-up to the optimising compiler), then times windows of ~20 ms for `seconds` and
 * keeps the best: the machine is shared, so the best window is the kernel's own speed.
 */
function bestSecondsPerCall(call, warmupCalls) {
  for (let i = 0; i < warmupCalls; i++) call();
  let calls = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) call();
    if (Number(process.hrtime.bigint() - t) > 2e7) break;
    calls *= 2;
  }
  let best = Infinity;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) call();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return best / calls;
}

/** Lays out one connection's state above the reserved 64 KiB and fills it with plausible values. */
function setup(nPre, nPost) {
  const stride = Math.ceil(nPost / 4) * 4;
  const syn = nPre * stride;
  let offset = PAGE;
  const take = (floats) => {
    const ptr = offset;
    offset += Math.ceil((floats * 4) / 64) * 64;
    return ptr;
  };
  const ptr = {
    p: take(nPre), p0: take(nPre), s: take(stride), e: take(stride), h: take(stride),
    el: take(syn), ef: take(syn), es: take(syn), w: take(syn), region: take(KERNEL_REGION_WORDS),
  };
  const pages = Math.ceil(offset / PAGE) + 1;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const f32 = new Float32Array(memory.buffer);
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const fill = (p, n, fn) => { for (let i = 0; i < n; i++) f32[(p >> 2) + i] = fn(i); };
  fill(ptr.p, nPre, () => 0.01 + 0.05 * rnd());
  fill(ptr.s, stride, (k) => (k < nPost ? rnd() * 50 : 0));
  fill(ptr.e, stride, (k) => (k < nPost ? rnd() - 0.5 : 0));
  fill(ptr.h, stride, (k) => (k < nPost ? rnd() * 1e-3 : 0));
  fill(ptr.el, syn, () => rnd() * 0.1);
  fill(ptr.ef, syn, () => rnd() * 0.1);
  fill(ptr.w, syn, () => (rnd() - 0.5) * 0.1);
  return { memory, stride, syn, ptr, nPre };
}

function bench(kernels, env, variant) {
  const { nPre, stride, ptr } = env;
  const anyError = variant.err ? 1 : 0;
  const region = writeRegion(env.memory, ptr.region, {
    nPre, stride, prePitch: nPre, batchPitch: stride, synapses: nPre * stride,
    pEff: variant.input ? ptr.p : ptr.p0, sDelayed: ptr.s, eEff: ptr.e, h4: variant.reg ? ptr.h : 0,
    el: ptr.el, elFlt: ptr.ef, elSum: ptr.es, w: ptr.w,
  });
  const call = () => kernels.eligibility(region, 0, 0, nPre, anyError);
  return (nPre * stride) / bestSecondsPerCall(call, 50);
}

const shapes = [[200, 256], [256, 200], [200, 1024]];
const variants = [
  { name: 'input+error+reg', input: true, err: true, reg: true },
  { name: 'input+error', input: true, err: true, reg: false },
  { name: 'input only', input: true, err: false, reg: false },
  { name: 'p=0, error', input: false, err: true, reg: false },
  { name: 'p=0, no error', input: false, err: false, reg: false },
];
console.log(`eligibility pass, synapse-updates/s (one core, best ~20 ms window over ${seconds} s per case)`);
console.log('shape (pre×post)  variant            reference     wasm          speed-up  wall/10k steps (wasm)');
for (const [nPre, nPost] of shapes) {
  for (const variant of variants) {
    const env = setup(nPre, nPost);
    const ref = bench(new ReferenceKernels(env.memory.buffer), env, variant);
    const wasm = bench(WasmKernels.load(env.memory), env, variant);
    const wall = (1e4 * nPre * env.stride) / wasm;
    console.log(
      `${`${nPre}×${nPost}`.padEnd(18)}${variant.name.padEnd(19)}${ref.toExponential(2).padEnd(14)}` +
      `${wasm.toExponential(2).padEnd(14)}${(wasm / ref).toFixed(1).padStart(6)}×   ${(wall * 1e3).toFixed(1)} ms`,
    );
  }
}

// the paper's 200-256-200 network: both connections, the input+error variant
{
  let total = 0;
  for (const [nPre, nPost] of [[200, 256], [256, 200]]) {
    const env = setup(nPre, nPost);
    const rate = bench(WasmKernels.load(env.memory), env, variants[1]);
    total += (1e4 * nPre * env.stride) / rate;
  }
  console.log(`200×256 + 256×200, input+error, wasm: ${(total * 1e3).toFixed(0)} ms per 10 000 steps`);
}

// ---------------------------------------------------------------------------------------------
// The per-neuron passes of every step (traceDecay, traceFollow, presynaptic, postsynaptic): time
// per call for `count` neurons, three ways: the model functions as the engine calls them today
// (traces.ts / connection-passes.ts with prebuilt offset objects), the ReferenceKernels (the same
// functions behind the Kernels interface: reading the kernel region) and the wasm
// kernels. The delay-line row rotates with n, as in a run (D = 8).
{
  const { decayTrace, followTrace } = await import(path.join(dist, 'traces.js'));
  const { presynapticPass, postsynapticPass } = await import(path.join(dist, 'connection-passes.js'));
  const C = await import(path.join(dist, 'constants.js'));
  const D = 8;

  const perCall = (call) => bestSecondsPerCall(call, 2000);

  function neuronSetup(count) {
    const stride = Math.ceil(count / 4) * 4;
    let offset = PAGE;
    const take = (floats) => {
      const ptr = offset;
      offset += Math.ceil((floats * 4) / 64) * 64;
      return ptr;
    };
    const ptr = {
      x: take(count), v: take(count), psp: take(count), pre: take(count), pspLine: take(D * count), pEff: take(count),
      errF: take(count), avg: take(count), volts: take(count), hom: take(count), sigmaLine: take(D * stride),
      eEff: take(stride), sDel: take(stride), h4: take(stride), region: take(KERNEL_REGION_WORDS),
    };
    const pages = Math.ceil(offset / PAGE) + 1;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const f32 = new Float32Array(memory.buffer);
    let seed = 4242;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const fill = (p, n, fn) => { for (let i = 0; i < n; i++) f32[(p >> 2) + i] = Math.fround(fn(i)); };
    fill(ptr.x, count, () => rnd());
    fill(ptr.v, count, () => (rnd() < 0.5 ? 0 : rnd() - 0.5));
    fill(ptr.psp, count, () => rnd() * 0.05);
    fill(ptr.pre, count, () => rnd() * 0.2);
    fill(ptr.pspLine, D * count, () => (rnd() < 0.3 ? 0 : rnd() * 0.05));
    fill(ptr.errF, count, () => (rnd() < 0.5 ? 0 : (rnd() - 0.5) * 1e-3));
    fill(ptr.avg, count, () => rnd() * 1e-4);
    fill(ptr.volts, count, () => -0.075 + rnd() * 0.03);
    fill(ptr.hom, count, () => rnd() * 20);
    fill(ptr.sigmaLine, D * stride, () => rnd() * 100);
    return { memory, f32, count, stride, ptr };
  }

  const cases = [
    {
      name: 'traceDecay',
      fn: (env) => { const x = env.ptr.x >> 2; return () => decayTrace(env.f32, x, env.count, C.PRE_DECAY); },
      kernel: (k, env) => () => k.traceDecay(env.ptr.x, env.count, C.PRE_DECAY),
    },
    {
      name: 'traceFollow',
      fn: (env) => {
        const x = env.ptr.x >> 2;
        const v = env.ptr.v >> 2;
        return () => followTrace(env.f32, x, env.f32, v, env.count, C.DECAY_RATE);
      },
      kernel: (k, env) => () => k.traceFollow(env.ptr.x, env.ptr.v, env.count, C.DECAY_RATE),
    },
    ...[[0, C.GAMMA], [1, C.DELTA_RANDOM]].map(([mode, threshold]) => ({
      name: `presynaptic, skipMode ${mode}`,
      fn: (env) => {
        const { ptr } = env;
        const a = { psp: ptr.psp >> 2, pspLine: ptr.pspLine >> 2, pEff: ptr.pEff >> 2, pre: ptr.pre >> 2 };
        let n = 0;
        return () => presynapticPass(env.f32, a, env.count, D, n++, mode === 0 ? null : threshold);
      },
      kernel: (k, env) => {
        const { ptr } = env;
        const region = writeRegion(env.memory, ptr.region, {
          psp: ptr.psp, pspLine: ptr.pspLine, pEff: ptr.pEff, pre: ptr.pre, nPre: env.count, delaySteps: D, prePitch: env.count,
        });
        let n = 0;
        return () => k.presynaptic(region, 0, n++, mode);
      },
    })),
    ...[[1, false], [1, true], [0, false]].map(([partial, reg]) => ({
      name: `postsynaptic, partial ${partial}${reg ? ', reg' : ''}`,
      fn: (env) => {
        const { ptr } = env;
        const a = {
          errFiltered: ptr.errF >> 2, avgSqErr: ptr.avg >> 2, eEff: ptr.eEff >> 2, v: ptr.volts >> 2,
          sigmaLine: ptr.sigmaLine >> 2, sDelayed: ptr.sDel >> 2, hom: reg ? ptr.hom >> 2 : 0, h4: reg ? ptr.h4 >> 2 : 0,
        };
        let n = 0;
        return () => postsynapticPass(env.f32, a, env.count, env.stride, D, n++, partial === 1);
      },
      kernel: (k, env) => {
        const { ptr } = env;
        let n = 0;
        const region = writeRegion(env.memory, ptr.region, {
          errFiltered: ptr.errF, avgSqErr: ptr.avg, eEff: ptr.eEff, v: ptr.volts, sigmaLine: ptr.sigmaLine, sDelayed: ptr.sDel,
          hom: reg ? ptr.hom : 0, h4: reg ? ptr.h4 : 0, local: env.count, stride: env.stride, delaySteps: D,
          batchPitch: env.stride,
        });
        return () => k.postsynaptic(region, 0, n++, partial);
      },
    })),
  ];

  console.log('');
  console.log(`per-neuron passes, ns per call (one core, best ~20 ms window over ${seconds} s per case)`);
  console.log('kernel                          count  TS function  reference    wasm         speed-up vs TS fn / vs ref');
  for (const count of [256, 1024]) {
    for (const c of cases) {
      const tsFn = perCall(c.fn(neuronSetup(count)));
      const envRef = neuronSetup(count);
      const ref = perCall(c.kernel(new ReferenceKernels(envRef.memory.buffer), envRef));
      const envWasm = neuronSetup(count);
      const wasm = perCall(c.kernel(WasmKernels.load(envWasm.memory), envWasm));
      console.log(
        `${c.name.padEnd(32)}${String(count).padStart(5)}  ${(tsFn * 1e9).toFixed(0).padStart(11)}  ` +
        `${(ref * 1e9).toFixed(0).padStart(9)}  ${(wasm * 1e9).toFixed(0).padStart(10)}  ` +
        `${(tsFn / wasm).toFixed(1).padStart(10)}× / ${(ref / wasm).toFixed(1)}×`,
      );
    }
  }
}
