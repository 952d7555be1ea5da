/**
 * The hot kernels of one rank, as an interface with two implementations: `ReferenceKernels`
 * (plain TypeScript, float32 rounding of every operation) and `WasmKernels` (AssemblyScript,
 * SIMD). Both work in place on one heap (a shared WebAssembly.Memory): every pointer argument is
 * a byte offset into it, aligned to 16 bytes. They must agree bit for bit.
 *
 * Synaptic matrices of a rank are stored pre-major: synapse (j, kLocal) at `j·stride + kLocal`,
 * with `stride` = local post count rounded up to a multiple of 4. Padding columns stay zero.
 */
export interface LifParams {
  kappa: number;
  restVolts: number;
  thresholdVolts: number;
  alphaSyn: number;
  refractorySteps: number;
}

export interface Kernels {
  readonly name: string;

  /**
   * SPEC §3, phase A: updates `count` neurons (V, I float32; ref int32) and writes the global id
   * `local·ranks + rank` of every spiking neuron, ascending, at `spikeOutPtr` (uint32).
   * Returns the number of spikes.
   */
  lifStep(
    vPtr: number, iPtr: number, refPtr: number, count: number,
    spikeOutPtr: number, rank: number, ranks: number,
    kappa: number, restVolts: number, thresholdVolts: number, alphaSyn: number, refractorySteps: number,
  ): number;

  /**
   * SPEC §5.2, phase B: for each presynaptic id j in the list (uint32, ascending), adds weight row
   * j (`stride` floats) to the currents `I[0..stride)`.
   */
  forward(spikesPtr: number, spikeCount: number, wPtr: number, stride: number, iPtr: number): void;

  /**
   * SPEC §7.2 E3 after the delay lines, fused over all `nPre·stride` synapses:
   *   el += p[j]·s[k];  elFlt += riseOrDecay·(el − elFlt);  el ·= elDecay;  elSum += elFlt·e[k] − w·h[k]
   * `p` holds the delayed psp with the quasi-zero skip already applied (0 ⇒ row gets no input);
   * `e` holds errFiltered with |e| < γ already zeroed; `h` is λ·hom⁴ (zeroed where e is) or the
   * null pointer 0 when there is no regulariser (then `wPtr` is ignored). `anyError` = 0 says every
   * e is zero, so elSum is left untouched. el and elFlt below the smallest normal float are
   * flushed to +0.
   */
  eligibility(
    nPre: number, stride: number,
    pPtr: number, sPtr: number, ePtr: number, hPtr: number, anyError: number,
    elPtr: number, elFltPtr: number, elSumPtr: number, wPtr: number,
    filterRate: number, elDecay: number,
  ): void;

  /**
   * `eligibility` for `steps` consecutive steps in one pass over the synapses (the engine batches
   * up to ELIGIBILITY_BATCH steps: nothing reads el/elFlt/elSum between weight updates and
   * snapshots). Step t takes p from `pPtr + t·pPitch·4` (nPre floats) and s, e, h from
   * `+ t·pitch·4` (stride floats) of their buffers — pitches padded against cache-set aliasing; `anyError` is 1 when any step has a nonzero e. Bit-identical to calling
   * `eligibility` step by step with each step's own anyError.
   */
  eligibilityBatch(
    steps: number, nPre: number, stride: number, pPitch: number, pitch: number,
    pPtr: number, sPtr: number, ePtr: number, hPtr: number, anyError: number,
    elPtr: number, elFltPtr: number, elSumPtr: number, wPtr: number,
    filterRate: number, elDecay: number,
  ): void;

  /**
   * SPEC §7.5 over `count` synapses: g = elSum/updateSteps; grad2 = max(g², rmsMul·grad2);
   * elSum = 0; if learning ≠ 0: w = clip(w + η·(g/(√grad2 + ε)), ±wMax) — in that order.
   */
  weightUpdate(
    count: number, wPtr: number, elSumPtr: number, grad2Ptr: number,
    updateSteps: number, rmsMul: number, eta: number, epsilon: number, wMax: number, learning: number,
  ): void;

  /**
   * SPEC §7.4 random feedback: for each event (k, e) (ids uint32 / values float32, ascending k):
   * errIn[0..stride) += B[k·stride ..]·e.
   */
  feedbackRows(
    eventIdsPtr: number, eventValuesPtr: number, eventCount: number,
    bPtr: number, stride: number, errInPtr: number,
  ): void;

  // --- Per-neuron passes of every step (SPEC §6, §7.2). The TypeScript functions of traces.ts and
  // connection-passes.ts are their definition (the reference kernels call them); the arrays
  // named by different pointers must not overlap. Elements at or past `count` are not touched.

  /** SPEC §6, `decayTrace`: x = flush(x·decay) over `count` floats. */
  traceDecay(xPtr: number, count: number, decay: number): void;

  /** SPEC §6, `followTrace`: x = flush(x + rate·(v − x)) over `count` floats. */
  traceFollow(xPtr: number, vPtr: number, count: number, rate: number): void;

  /**
   * SPEC §7.2 E3 pre side with E5, `presynapticPass` for `nPre` presynaptic neurons. The psp delay
   * line's row is `pspLinePtr + (n mod delaySteps)·nPre·4`: it returns the psp stored D steps ago
   * and takes today's. pEff (at `pEffOutPtr`, the batch row already added) = that delayed p, or +0
   * where skipMode 0: p ≤ threshold (= γ), skipMode 1: p < threshold (= δ, random feedback).
   * Then psp = flush(psp + rate·(pre − psp)) with rate = DECAY_RATE. `n` is the step number (any
   * non-negative integer, also past 2³¹).
   */
  presynaptic(
    pspPtr: number, pspLinePtr: number, pEffOutPtr: number, prePtr: number,
    nPre: number, delaySteps: number, n: number, skipMode: number, threshold: number, rate: number,
  ): void;

  /**
   * SPEC §7.2 E1 and E3 post side, `postsynapticPass` for `local` posts:
   *   avgSqErr = avgSqErr·avgDecay + dt·e²;  eEff = |e| < γ ? 0 : e;
   *   h4 = |e| < γ ? 0 : λ·(hom²)²  (only when h4OutPtr ≠ 0; homPtr and h4OutPtr are both 0 when
   *   there is no regulariser);
   *   sDelayed = σ' row (n mod delaySteps) of the delay line (rows of `stride` floats), which then
   *   takes partial ≠ 0 ? σ'(V) : 1 with σ'(U) = U < floorVolts ? 0 : β/(1 + β·|U − θ|)².
   * The output pointers eEffOutPtr, sDelayedOutPtr and h4OutPtr already include the batch row.
   * Returns 1 when some |e| ≥ γ, else 0. The float parameters are the constants of constants.ts
   * (AVG_DECAY, DT_F32, GAMMA, HOM_LAMBDA, BETA_PER_VOLT, THRESHOLD_VOLTS, SURROGATE_FLOOR_VOLTS).
   */
  postsynaptic(
    errFilteredPtr: number, avgSqErrPtr: number, eEffOutPtr: number, vPtr: number,
    sigmaLinePtr: number, sDelayedOutPtr: number, homPtr: number, h4OutPtr: number,
    local: number, stride: number, delaySteps: number, n: number, partial: number,
    avgDecay: number, dt: number, gamma: number, lambda: number, beta: number, theta: number, floorVolts: number,
  ): number;
}
