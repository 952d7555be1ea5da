// The hot kernels of one rank in AssemblyScript with 128-bit SIMD (f32x4), compiled by
// scripts/build-wasm.mjs to build/kernels.wasm. They work in place on the imported shared memory:
// every pointer is a byte offset, 16-byte aligned. Bit for bit equal to src/model/kernels-ref.ts:
// the same float32 operations in the same order, no FMA, no reassociation; every f32x4 op is
// IEEE round-to-nearest like the reference's Math.fround of the double result.
//
// Rules for every kernel module: no allocation, no static data (bytes [0, 65536) of the memory belong to
// the module, network state lives above), so no strings, arrays or throwing code. The model
// constants live in module globals (one copy per instance, not in memory), set once by
// `configure` when src/model/kernels-wasm.ts creates the instance. Kernels of one plastic
// connection take a *kernel region*: a block of uint32 words in memory naming its arrays and
// sizes (indices R_* of constants.ts = KERNEL_REGION of src/model/kernels.ts).
//
// The kernels live in modules by kind (constants.ts: the constants and kernel regions; neurons.ts,
// passes.ts, eligibility.ts with eligibility-block.ts, weights.ts); this module is the entry that
// scripts/build-wasm.mjs compiles, and exports them.

export { configure } from './constants';
export { lifStep, forward, feedbackRows } from './neurons';
export { traceDecay, traceFollow, presynaptic, postsynaptic } from './passes';
export { eligibility, eligibilityBatch, eligibilityBlockPrepare, eligibilityBlock } from './eligibility';
export { weightUpdate } from './weights';
