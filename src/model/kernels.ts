/**
 * The hot kernels of one rank, as an interface with two implementations: `ReferenceKernels`
 * (plain TypeScript, float32 rounding of every operation) and `WasmKernels` (AssemblyScript,
 * SIMD). Both work in place on one heap (a shared WebAssembly.Memory): every pointer argument is
 * a byte offset into it, aligned to 16 bytes. They must agree bit for bit.
 *
 * Why this shape: the model constants are bound once, when the kernels are created
 * (`KernelConstants`), so no call can pass a value the model does not use; the per-connection
 * kernels take one pointer to a *kernel region* — a small block of uint32 words in the same
 * memory naming that connection's arrays and sizes (`KERNEL_REGION`), written once by the owning
 * rank — plus only what changes from call to call (batch row, step, row range, η).
 *
 * Synaptic matrices of a rank are stored pre-major: synapse (j, kLocal) at `j·stride + kLocal`,
 * with `stride` = local post count rounded up to a multiple of 4. Padding columns stay zero.
 */
import {
  ALPHA_SYN, AVG_DECAY, BETA_PER_VOLT, DECAY_RATE, DEFAULT_MODEL_KNOBS, DELTA_RANDOM, DT_F32, E_REST_VOLTS, GAMMA,
  KAPPA_MEM, LEARNING_RATE_SCHEMES, REFRACTORY_STEPS, RISE_DECAY, THRESHOLD_VOLTS,
  WEIGHT_UPDATE_STEPS, W_MAX, rmsMulOf, surrogateFloorOf, type ModelKnobs,
} from './constants.js';

/**
 * Every constant a kernel uses, float32 values (the wasm module takes them as f32). The field
 * order is the argument order of the wasm module's `configure`.
 */
export interface KernelConstants {
  // lifStep (docs/model.md §3)
  /** κ = dt/τ_mem. */
  kappa: number;
  restVolts: number;
  /** Spike threshold, also θ of the surrogate derivative σ'. */
  thresholdVolts: number;
  alphaSyn: number;
  refractorySteps: number;
  // postsynaptic (docs/model.md §7.2 E1, E3)
  avgDecay: number;
  dtSeconds: number;
  /** Quasi-zero threshold γ: error skip, and the psp skip of skipMode 0. */
  gamma: number;
  /** Regulariser strength ρ (λ of h = λ·hom^a). */
  homLambda: number;
  /** Regulariser exponent a, an integer 0…8 (an i32 in wasm). */
  homExponent: number;
  betaPerVolt: number;
  surrogateFloorVolts: number;
  // presynaptic (docs/model.md §7.2 E3, E5)
  /** Rate of psp following pre (dt/τ_mem). */
  pspRate: number;
  /** Quasi-zero threshold δ of the psp skip of skipMode 1 (random feedback). */
  deltaRandom: number;
  // eligibility (docs/model.md §7.2 E3)
  /** Rate of elFlt following el (dt/τ_mem). */
  filterRate: number;
  /** Decay of el per step (exp(−dt/τ_syn)). */
  elDecay: number;
  // weightUpdate (docs/model.md §7.5)
  updateSteps: number;
  /** Index in LEARNING_RATE_SCHEMES: 0 RMaxProp, 1 RMSprop, 2 fixed (an i32 in wasm). */
  updateScheme: number;
  rmsMul: number;
  epsilon: number;
  wMax: number;
}

/**
 * The kernel constants of a network: the model's constants (constants.ts) with the knobs its
 * config chooses (regulariser, learning-rate scheme). Every rank of a run binds the result of the
 * same knobs, so all kernels multiply by the same float32 values.
 */
export function kernelConstantsOf(knobs: Readonly<ModelKnobs>): KernelConstants {
  const f = Math.fround;
  return {
    kappa: KAPPA_MEM,
    restVolts: E_REST_VOLTS,
    thresholdVolts: THRESHOLD_VOLTS,
    alphaSyn: ALPHA_SYN,
    refractorySteps: REFRACTORY_STEPS,
    avgDecay: AVG_DECAY,
    dtSeconds: DT_F32,
    gamma: GAMMA,
    homLambda: f(knobs.regulariser.strength),
    homExponent: knobs.regulariser.exponent,
    betaPerVolt: BETA_PER_VOLT,
    surrogateFloorVolts: surrogateFloorOf(knobs.surrogateFloorVolts),
    pspRate: DECAY_RATE,
    deltaRandom: DELTA_RANDOM,
    filterRate: DECAY_RATE,
    elDecay: RISE_DECAY,
    updateSteps: WEIGHT_UPDATE_STEPS,
    updateScheme: LEARNING_RATE_SCHEMES.indexOf(knobs.learningRate.scheme),
    rmsMul: rmsMulOf(knobs.learningRate.tauRmsSeconds),
    epsilon: f(knobs.learningRate.epsilon),
    wMax: W_MAX,
  };
}

/** The constants of the default knobs (what a config without `regulariser`/`learningRate` runs). */
export const MODEL_KERNEL_CONSTANTS: Readonly<KernelConstants> = Object.freeze(kernelConstantsOf(DEFAULT_MODEL_KNOBS));

/** `configure`'s arguments: the constants in declaration order. */
export function kernelConstantArgs(c: KernelConstants): number[] {
  return [
    c.kappa, c.restVolts, c.thresholdVolts, c.alphaSyn, c.refractorySteps,
    c.avgDecay, c.dtSeconds, c.gamma, c.homLambda, c.homExponent, c.betaPerVolt, c.surrogateFloorVolts,
    c.pspRate, c.deltaRandom, c.filterRate, c.elDecay,
    c.updateSteps, c.updateScheme, c.rmsMul, c.epsilon, c.wMax,
  ];
}

/**
 * Word indices of a kernel region: byte pointers (0 = absent) and sizes of one rank's part of one
 * plastic connection. The wasm kernels read the same indices (`R_*` of assembly/constants.ts); a
 * mismatch shows up in test/kernels.test.ts as differing memories.
 */
export const KERNEL_REGION = {
  // post side: postsynaptic, and the eligibility pass's per-step inputs
  errFiltered: 0,
  avgSqErr: 1,
  /** Batch buffer (ELIGIBILITY_BATCH rows of `batchPitch` floats), as are sDelayed and h4. */
  eEff: 2,
  /** Membrane potentials of the post group's local neurons. */
  v: 3,
  sigmaLine: 4,
  sDelayed: 5,
  /** hom trace and λ·hom^a batch buffer: both 0 without a regulariser. */
  hom: 6,
  h4: 7,
  local: 8,
  stride: 9,
  delaySteps: 10,
  batchPitch: 11,
  // pre side: presynaptic
  psp: 12,
  pspLine: 13,
  /** Batch buffer of `prePitch`-float rows. */
  pEff: 14,
  /** `pre` trace of the pre group (every neuron of it). */
  pre: 15,
  nPre: 16,
  prePitch: 17,
  // synapses: eligibility, weightUpdate (nPre × stride each)
  el: 18,
  elFlt: 19,
  elSum: 20,
  w: 21,
  grad2: 22,
  synapses: 23,
  // blocked eligibility (docs/model.md §7.7): uf rows and coefficient rows; 0 in recursive mode
  /** Block buffer: `blockRows` rows of uf, then BLOCK_COEFFICIENT_ROWS rows, `batchPitch` floats each. */
  blockBuf: 24,
  /** Rows of the batch buffers (ELIGIBILITY_BATCH or BLOCK_STEPS). */
  blockRows: 25,
  /**
   * Blocked mode: the pEff ring's first row and its bytes. Its rows have no mirror there (the
   * blocked pass reads them through its scratch and wraps at the ring's end); 0 bytes: no ring
   * to wrap (the batch is contiguous from `pEff`).
   */
  pEffRing: 26,
  pEffRingBytes: 27,
} as const;

export type KernelRegion = Record<keyof typeof KERNEL_REGION, number>;

/** Words of one kernel region. */
export const KERNEL_REGION_WORDS = 28;

/** The words of a kernel region, in `KERNEL_REGION` order (pointers and sizes as uint32). */
export function kernelRegionWords(region: KernelRegion): Uint32Array {
  const words = new Uint32Array(KERNEL_REGION_WORDS);
  for (const [name, index] of Object.entries(KERNEL_REGION)) words[index] = region[name as keyof KernelRegion];
  return words;
}

/** The kernels the engine calls. */
export interface Kernels {
  readonly name: string;

  /**
   * docs/model.md §3, phase A: updates `count` neurons (V, I float32; ref int32) and writes the global id
   * `local·ranks + rank` of every spiking neuron, ascending, at `spikeOutPtr` (uint32).
   * Returns the number of spikes. Constants: kappa, restVolts, thresholdVolts, alphaSyn,
   * refractorySteps.
   */
  lifStep(vPtr: number, iPtr: number, refPtr: number, count: number, spikeOutPtr: number, rank: number, ranks: number): number;

  /**
   * docs/model.md §5.2, phase B: for each presynaptic id j in the list (uint32, ascending), adds weight row
   * j (`stride` floats) to the currents `I[0..stride)`.
   */
  forward(spikesPtr: number, spikeCount: number, wPtr: number, stride: number, iPtr: number): void;

  /**
   * docs/model.md §7.2 E3 after the delay lines, fused per synapse, for `steps` consecutive batch rows
   * (t = 0 … steps−1) in one pass over the presynaptic rows [j0, j1) of the region's synapses
   * (the engine batches up to ELIGIBILITY_BATCH steps: nothing reads el/elFlt/elSum between
   * weight updates and snapshots). Per step t:
   *   el += p[j]·s[k];  elFlt += filterRate·(el − elFlt);  el ·= elDecay;  elSum += elFlt·e[k] − w·h[k]
   * with p = pEff row t (the quasi-zero skip already applied: 0 ⇒ row gets no input), s, e, h =
   * sDelayed, eEff, h4 row t (e with |e| < γ zeroed, h = λ·hom^a zeroed where e is, no h term
   * when the region has no h4). `anyError` = 1 when some step has a nonzero e; 0 leaves elSum
   * untouched. el and elFlt below the smallest normal float are flushed to +0. Bit-identical to
   * `TestKernels.eligibility` step by step, each step with its own anyError.
   */
  eligibilityBatch(regionPtr: number, steps: number, j0: number, j1: number, anyError: number): void;

  /**
   * docs/model.md §7.7, the blocked eligibility pass, post side: once per block of `steps` batch
   * rows (≤ blockRows), before `eligibilityBlock`. Turns the eEff and sDelayed rows into the
   * per-post weights ẽ and ux in place, writes uf and the coefficient rows of the block buffer
   * (src/model/eligibility-block-ref.ts is the definition).
   */
  eligibilityBlockPrepare(regionPtr: number, steps: number): void;

  /**
   * docs/model.md §7.7, synapse side, presynaptic rows [j0, j1) of the block `eligibilityBlockPrepare`
   * prepared: el, elFlt and (when `anyError` ≠ 0) elSum as after those steps, up to rounding.
   * `scratch`: BLOCK_SCRATCH_FLOATS (eligibility-block-ref.ts) of the calling thread's own, where
   * the pass transposes the p rows it is about to read.
   */
  eligibilityBlock(regionPtr: number, steps: number, j0: number, j1: number, anyError: number, scratch: number): void;

  /**
   * docs/model.md §7.5 over the region's synapses, by `updateScheme`; g = elSum/updateSteps, then
   *   0 RMaxProp: grad2 = max(g², rmsMul·grad2); elSum = 0; if learning ≠ 0: w = clip(w + η·(g/(√grad2 + ε)), ±wMax)
   *   1 RMSprop:  grad2 = rmsMul·grad2 + (1 − rmsMul)·g²; the rest as RMaxProp
   *   2 fixed:    grad2 untouched; elSum = 0; if learning ≠ 0: w = clip(w + η·g, ±wMax)
   * — in that order, every operation rounded to float32 ((1 − rmsMul) too).
   */
  weightUpdate(regionPtr: number, eta: number, learning: number): void;

  /**
   * docs/model.md §7.4 random feedback: for each event (k, e) (ids uint32 / values float32, ascending k):
   * errIn[0..stride) += B[k·stride ..]·e.
   */
  feedbackRows(
    eventIdsPtr: number, eventValuesPtr: number, eventCount: number,
    bPtr: number, stride: number, errInPtr: number,
  ): void;

  // --- Per-neuron passes of every step (docs/model.md §6, §7.2). The TypeScript functions of traces.ts and
  // connection-passes.ts are their definition (the reference kernels call them); the arrays
  // named by different pointers must not overlap. Elements at or past `count` are not touched.
  // The traces take their rate: which trace (pre, hom, error filters) is the caller's choice.

  /** docs/model.md §6, `decayTrace`: x = flush(x·decay) over `count` floats. */
  traceDecay(xPtr: number, count: number, decay: number): void;

  /** docs/model.md §6, `followTrace`: x = flush(x + rate·(v − x)) over `count` floats. */
  traceFollow(xPtr: number, vPtr: number, count: number, rate: number): void;

  /**
   * docs/model.md §7.2 E3 pre side with E5, `presynapticPass` for the presynaptic neurons
   * [j0, j1) of the region's `nPre` (the engine computes them once per process, in chunks shared by
   * its threads: src/engine/presynaptic-work.ts).
   * The psp delay line's row is `pspLine + (n mod delaySteps)·nPre·4`: it returns the psp stored
   * D steps ago and takes today's. pEff row `batchRow` = that delayed p, or +0 where
   * skipMode 0: p ≤ γ, skipMode 1: p < δ (random feedback). Then psp = flush(psp + pspRate·(pre − psp)).
   * `n` is the step number (any non-negative integer, also past 2³¹).
   */
  presynaptic(regionPtr: number, batchRow: number, n: number, skipMode: number, j0: number, j1: number): void;

  /**
   * docs/model.md §7.2 E1 and E3 post side, `postsynapticPass` for the region's `local` posts:
   *   avgSqErr = avgSqErr·avgDecay + dt·e²;  eEff = |e| < γ ? 0 : e;
   *   h4 = |e| < γ ? 0 : λ·hom^a  (only when the region has an h4 buffer; hom^a by `powerF32`);
   *   sDelayed = σ' row (n mod delaySteps) of the delay line (rows of `stride` floats), which then
   *   takes partial ≠ 0 ? σ'(V) : 1 with σ'(U) = U < floorVolts ? 0 : β/(1 + β·|U − θ|)².
   * eEff, sDelayed and h4 are written to row `batchRow` of their batch buffers.
   * Returns 1 when some |e| ≥ γ, else 0.
   */
  postsynaptic(regionPtr: number, batchRow: number, n: number, partial: number): number;
}

/** Kernels only tests call: the oracles and building blocks of the production ones. */
export interface TestKernels extends Kernels {
  /**
   * One step of `eligibilityBatch` (batch row `batchRow`, presynaptic rows [j0, j1)) with its own
   * error flag: the definition the batch is tested against.
   */
  eligibility(regionPtr: number, batchRow: number, j0: number, j1: number, anyError: number): void;
}

/** Function names of `Kernels` (test/kernels.test.ts compares the wasm exports with these). */
export const KERNEL_FUNCTIONS = [
  'lifStep', 'forward', 'eligibilityBatch', 'eligibilityBlockPrepare', 'eligibilityBlock', 'weightUpdate', 'feedbackRows',
  'traceDecay', 'traceFollow', 'presynaptic', 'postsynaptic',
] as const satisfies ReadonlyArray<Exclude<keyof Kernels, 'name'>>;

/** Function names `TestKernels` adds. */
export const TEST_KERNEL_FUNCTIONS = ['eligibility'] as const satisfies ReadonlyArray<Exclude<keyof TestKernels, keyof Kernels>>;

// Both lists are complete: a function added to an interface but not to its list fails to compile.
type Unlisted<I, Listed, Excluded> = Exclude<Exclude<keyof I, Excluded>, Listed>;
const kernelListsComplete: [
  Unlisted<Kernels, (typeof KERNEL_FUNCTIONS)[number], 'name'>,
  Unlisted<TestKernels, (typeof TEST_KERNEL_FUNCTIONS)[number], keyof Kernels>,
] extends [never, never] ? true : false = true;
void kernelListsComplete;
