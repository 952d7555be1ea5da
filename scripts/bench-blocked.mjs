// Micro-benchmark of the blocked eligibility pass (docs/model.md §7.7): wall ms per block of
// BLOCK_STEPS steps of `eligibilityBlockPrepare` + `eligibilityBlock` over every presynaptic row,
// one thread, for connections of the shapes the benchmark networks have. Rounds alternate between
// the cases, so a machine that changes speed affects them alike; it prints the medians and, per
// case, the median of the per-round ratios to the first case.
// Needs the build (`npm run build`), then
//   node scripts/bench-blocked.mjs [--rounds 31] [--chunk-rows 16,128] [--baseline OTHER/kernels.wasm]
// --chunk-rows: also time the pass cut into calls of that many rows (as work-sharing.ts cuts it);
// --baseline: also time another build of the kernels (an A/B against a previous checkout). A build
// from before 3 Dec 2026 (its eligibilityBlock takes no scratch argument: five parameters, not six)
// transposed the whole block into a buffer named by kernel-region words 26 and 27 (blockPre, its
// pitch); the script provides that buffer. (The rows are contiguous here, so no build wraps at a
// ring's end.)
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: '31' },
    'chunk-rows': { type: 'string', default: '' },
    baseline: { type: 'string', default: '' },
    shapes: { type: 'string', default: '200x1024,1024x200,200x512,1024x104,8192x256' },
  },
});
/** Rounds timed but not counted (warm-up of the JIT and the caches). */
const DISCARDED_ROUNDS = 2;
const rounds = Number(o.rounds);
if (!Number.isInteger(rounds) || rounds <= DISCARDED_ROUNDS) {
  console.error(`bench-blocked: --rounds ${o.rounds}: needs a whole number above ${DISCARDED_ROUNDS} (the first ${DISCARDED_ROUNDS} are discarded)`);
  process.exit(1);
}
const wasmPath = path.join(root, 'build', 'kernels.wasm');
if (!existsSync(wasmPath)) {
  console.error(`bench-blocked: ${wasmPath} is missing; run \`npm run build\` first`);
  process.exit(1);
}
const K = await import(path.join(root, 'dist', 'src', 'model', 'kernels.js'));
const { BLOCK_SCRATCH_FLOATS } = await import(path.join(root, 'dist', 'src', 'model', 'eligibility-block-ref.js'));
const { BLOCK_STEPS } = await import(path.join(root, 'dist', 'src', 'model', 'constants.js'));
/** Floats per row of the batch buffers and of pEff, padded as the engine pads them. */
const { batchPitch } = await import(path.join(root, 'dist', 'src', 'network', 'layout.js'));
const constants = K.kernelConstantArgs(K.MODEL_KERNEL_CONSTANTS);
/** Kernel-region word of the transposed block of builds before 3 Dec 2026 (then its pitch); now the pEff ring's. */
const LEGACY_BLOCK_PRE_WORD = 26;
/** Pitch of the transposed block of builds before 3 Dec 2026. */
const LEGACY_PITCH = batchPitch(1000);

/** One module on its own memory, with a bump allocator (64-byte aligned) above the reserved 64 KiB. */
function instance(file) {
  const memory = new WebAssembly.Memory({ initial: 4096, maximum: 65536, shared: true });
  const module = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } });
  module.exports.configure(...constants);
  let top = 65536;
  const take = (floats) => {
    const at = top;
    top += (floats * 4 + 63) & ~63;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    return at;
  };
  return { exports: module.exports, memory, take };
}

/** A block of `steps` rows for nPre × stride synapses: p 90 % nonzero, errors in half the rows. */
function blockOf(k, nPre, stride, steps, legacy) {
  const pitch = batchPitch(stride);
  const prePitch = batchPitch(nPre);
  const at = {
    p: k.take(steps * prePitch), s: k.take(steps * pitch), e: k.take(steps * pitch), uf: k.take((steps + 6) * pitch),
    el: k.take(nPre * stride), ef: k.take(nPre * stride), es: k.take(nPre * stride), w: k.take(nPre * stride),
    scratch: k.take(BLOCK_SCRATCH_FLOATS), region: k.take(Math.max(K.KERNEL_REGION_WORDS, LEGACY_BLOCK_PRE_WORD + 2)),
    legacyBlockPre: legacy ? k.take(nPre * LEGACY_PITCH) : 0,
  };
  const f32 = () => new Float32Array(k.memory.buffer);
  let x = 12345;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
  const fill = (ptr, n, gen) => { const a = f32(); for (let i = 0; i < n; i++) a[(ptr >> 2) + i] = gen(); };
  fill(at.p, steps * prePitch, () => (rnd() < 0.1 ? 0 : rnd()));
  fill(at.s, steps * pitch, () => rnd() * 100);
  fill(at.e, steps * pitch, () => (rnd() < 0.5 ? 0 : rnd() - 0.5));
  for (const name of ['el', 'ef', 'w']) fill(at[name], nPre * stride, () => rnd() * 0.1);
  const saved = ['s', 'e', 'el', 'ef'].map((name) => [name, f32().slice(at[name] >> 2, (at[name] >> 2) + (name.length === 1 ? steps * pitch : nPre * stride))]);
  const fields = Object.fromEntries(Object.keys(K.KERNEL_REGION).map((name) => [name, 0]));
  Object.assign(fields, {
    nPre, stride, prePitch, batchPitch: pitch, synapses: nPre * stride, pEff: at.p, sDelayed: at.s, eEff: at.e,
    el: at.el, elFlt: at.ef, elSum: at.es, w: at.w, blockBuf: at.uf, blockRows: steps,
  });
  const words = new Uint32Array(k.memory.buffer);
  words.set(K.kernelRegionWords(fields), at.region >> 2);
  // Builds before 3 Dec 2026 read their transposed block from these two words (now the pEff ring's,
  // 0 here: the block's rows are contiguous).
  if (legacy) words.set([at.legacyBlockPre, LEGACY_PITCH], (at.region >> 2) + LEGACY_BLOCK_PRE_WORD);
  /** One block: restores the inputs the pass overwrites (untimed), then times prepare + rows. */
  return (chunkRows) => {
    for (const [name, values] of saved) f32().set(values, at[name] >> 2);
    const t0 = performance.now();
    k.exports.eligibilityBlockPrepare(at.region, steps);
    for (let j0 = 0; j0 < nPre; j0 += chunkRows) k.exports.eligibilityBlock(at.region, steps, j0, Math.min(nPre, j0 + chunkRows), 1, at.scratch);
    return performance.now() - t0;
  };
}

const shapes = o.shapes.split(',').map((s) => s.split('x').map(Number));
const chunkRows = o['chunk-rows'] === '' ? [] : o['chunk-rows'].split(',').map(Number);
const builds = [['this build', wasmPath], ...(o.baseline ? [['baseline', path.resolve(o.baseline)]] : [])];
const cases = [];
for (const [build, file] of builds) {
  const k = instance(file);
  const legacy = k.exports.eligibilityBlock.length < 6;
  for (const [nPre, stride] of shapes) {
    const run = blockOf(k, nPre, stride, BLOCK_STEPS, legacy);
    for (const rows of [0, ...chunkRows]) cases.push({ build, nPre, stride, rows, run, ms: [] });
  }
}
console.log(`bench-blocked: ${rounds} rounds (the first ${DISCARDED_ROUNDS} discarded), load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) {
    const ms = c.run(c.rows === 0 ? c.nPre : c.rows);
    if (r >= DISCARDED_ROUNDS) c.ms.push(ms);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [nPre, stride] of shapes) {
  const mine = cases.filter((c) => c.nPre === nPre && c.stride === stride);
  const first = mine[0];
  for (const c of mine) {
    const ratio = median(c.ms.map((ms, i) => ms / first.ms[i]));
    const how = c.rows === 0 ? 'one call' : `chunks of ${c.rows} rows`;
    console.log(`${nPre} pres × ${stride} posts, ${c.build}, ${how}: ${median(c.ms).toFixed(2)} ms per block${c === first ? '' : `, ${ratio.toFixed(3)}× the first`}`);
  }
}
