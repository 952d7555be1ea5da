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
}
