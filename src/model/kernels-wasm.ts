/**
 * The AssemblyScript/SIMD kernels (assembly/kernels.ts → build/kernels.wasm) behind the `Kernels`
 * interface. The module imports the rank's shared memory and works in place on it; bytes
 * [0, 65536) of that memory are reserved for the module (it has no data or stack there today, but
 * network state must start at or above 65536). Bit for bit equal to `ReferenceKernels`.
 *
 * Each instance holds its own copy of the model constants in module globals, set once by the
 * module's `configure` export when the instance is created. Float values cross into wasm as
 * float32: the constants of constants.ts are already rounded, as the reference assumes too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KERNELS_WASM_PATH } from '../paths.js';
import { ReferenceKernels } from './kernels-ref.js';
import {
  MODEL_KERNEL_CONSTANTS, kernelConstantArgs, type KernelConstants, type Kernels, type TestKernels,
} from './kernels.js';

/** Reserved bytes at the bottom of the shared memory, owned by the wasm module. */
export const WASM_RESERVED_BYTES = 65536;

/**
 * The module's exports: exactly the functions of `TestKernels` and `configure` (test/kernels.test.ts
 * checks the names).
 */
type KernelExports = Omit<TestKernels, 'name'> & { configure(...constants: number[]): void };

/** The compiled module, once per thread (each worker has its own module-level state). */
let cachedModule: WebAssembly.Module | undefined;

function kernelsModule(): WebAssembly.Module {
  if (cachedModule === undefined) {
    if (!existsSync(KERNELS_WASM_PATH)) {
      throw new Error(`superspike: ${KERNELS_WASM_PATH} is missing; build it with \`npm run build:wasm\``);
    }
    cachedModule = new WebAssembly.Module(readFileSync(KERNELS_WASM_PATH));
  }
  return cachedModule;
}

export class WasmKernels implements TestKernels {
  readonly name = 'wasm';
  readonly lifStep: Kernels['lifStep'];
  readonly forward: Kernels['forward'];
  readonly eligibility: TestKernels['eligibility'];
  readonly eligibilityBatch: Kernels['eligibilityBatch'];
  readonly eligibilityBlockPrepare: Kernels['eligibilityBlockPrepare'];
  readonly eligibilityBlock: Kernels['eligibilityBlock'];
  readonly weightUpdate: Kernels['weightUpdate'];
  readonly feedbackRows: Kernels['feedbackRows'];
  readonly traceDecay: Kernels['traceDecay'];
  readonly traceFollow: Kernels['traceFollow'];
  readonly presynaptic: Kernels['presynaptic'];
  readonly postsynaptic: Kernels['postsynaptic'];

  private constructor(readonly memory: WebAssembly.Memory, exports: KernelExports) {
    // The exported functions themselves: calls go straight into wasm, no wrapper frame.
    this.lifStep = exports.lifStep;
    this.forward = exports.forward;
    this.eligibility = exports.eligibility;
    this.eligibilityBatch = exports.eligibilityBatch;
    this.eligibilityBlockPrepare = exports.eligibilityBlockPrepare;
    this.eligibilityBlock = exports.eligibilityBlock;
    this.weightUpdate = exports.weightUpdate;
    this.feedbackRows = exports.feedbackRows;
    this.traceDecay = exports.traceDecay;
    this.traceFollow = exports.traceFollow;
    this.presynaptic = exports.presynaptic;
    this.postsynaptic = exports.postsynaptic;
  }

  /** A new instance on `memory`, its constants bound before any kernel can run. */
  static load(memory: WebAssembly.Memory, constants: Readonly<KernelConstants> = MODEL_KERNEL_CONSTANTS): WasmKernels {
    const instance = new WebAssembly.Instance(kernelsModule(), {
      env: {
        memory,
        abort: (message: number, file: number, line: number, column: number): never => {
          throw new Error(`superspike: wasm kernel abort (message@${message} file@${file} ${line}:${column})`);
        },
      },
    });
    const exports = instance.exports as unknown as KernelExports;
    exports.configure(...kernelConstantArgs(constants));
    return new WasmKernels(memory, exports);
  }
}

export function createKernels(
  kind: 'wasm' | 'reference', memory: WebAssembly.Memory, constants: Readonly<KernelConstants> = MODEL_KERNEL_CONSTANTS,
): Kernels {
  switch (kind) {
    case 'wasm':
      return WasmKernels.load(memory, constants);
    case 'reference':
      return new ReferenceKernels(memory.buffer, constants);
  }
}
