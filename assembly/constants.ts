// The kernels' constants and kernel regions (assembly/kernels.ts exports `configure`; its opening
// comment has the rules). The model constants are module globals, one copy per instance, bound once
// by `configure`; the R_* word indices and the helpers below are read by every kernel module.

// ---------------------------------------------------------------------------------------------
// Constants (KernelConstants of src/model/kernels.ts), bound by `configure`.

export let KAPPA_MEM: f32 = 0;
export let E_REST_VOLTS: f32 = 0;
export let THRESHOLD_VOLTS: f32 = 0;
export let ALPHA_SYN: f32 = 0;
export let REFRACTORY_STEPS: i32 = 0;
export let AVG_DECAY: f32 = 0;
export let DT: f32 = 0;
export let GAMMA: f32 = 0;
export let HOM_LAMBDA: f32 = 0;
export let HOM_EXPONENT: i32 = 0;
export let BETA_PER_VOLT: f32 = 0;
export let SURROGATE_FLOOR_VOLTS: f32 = 0;
export let PSP_RATE: f32 = 0;
export let DELTA_RANDOM: f32 = 0;
export let FILTER_RATE: f32 = 0;
export let EL_DECAY: f32 = 0;
export let UPDATE_STEPS: f32 = 0;
export let UPDATE_SCHEME: i32 = 0;
export let RMS_MUL: f32 = 0;
export let EPSILON: f32 = 0;
export let W_MAX: f32 = 0;

/** Binds the constants, in the order of `kernelConstantArgs` (src/model/kernels.ts). */
export function configure(
  kappa: f32, restVolts: f32, thresholdVolts: f32, alphaSyn: f32, refractorySteps: i32,
  avgDecay: f32, dtSeconds: f32, gamma: f32, homLambda: f32, homExponent: i32, betaPerVolt: f32, surrogateFloorVolts: f32,
  pspRate: f32, deltaRandom: f32, filterRate: f32, elDecay: f32,
  updateSteps: f32, updateScheme: i32, rmsMul: f32, epsilon: f32, wMax: f32,
): void {
  KAPPA_MEM = kappa;
  E_REST_VOLTS = restVolts;
  THRESHOLD_VOLTS = thresholdVolts;
  ALPHA_SYN = alphaSyn;
  REFRACTORY_STEPS = refractorySteps;
  AVG_DECAY = avgDecay;
  DT = dtSeconds;
  GAMMA = gamma;
  HOM_LAMBDA = homLambda;
  HOM_EXPONENT = homExponent;
  BETA_PER_VOLT = betaPerVolt;
  SURROGATE_FLOOR_VOLTS = surrogateFloorVolts;
  PSP_RATE = pspRate;
  DELTA_RANDOM = deltaRandom;
  FILTER_RATE = filterRate;
  EL_DECAY = elDecay;
  UPDATE_STEPS = updateSteps;
  UPDATE_SCHEME = updateScheme;
  RMS_MUL = rmsMul;
  EPSILON = epsilon;
  W_MAX = wMax;
}

// ---------------------------------------------------------------------------------------------
// Kernel regions: word indices (KERNEL_REGION of src/model/kernels.ts).

// @ts-ignore: decorator
@inline export const R_ERR_FILTERED = 0;
// @ts-ignore: decorator
@inline export const R_AVG_SQ_ERR = 1;
// @ts-ignore: decorator
@inline export const R_E_EFF = 2;
// @ts-ignore: decorator
@inline export const R_V = 3;
// @ts-ignore: decorator
@inline export const R_SIGMA_LINE = 4;
// @ts-ignore: decorator
@inline export const R_S_DELAYED = 5;
// @ts-ignore: decorator
@inline export const R_HOM = 6;
// @ts-ignore: decorator
@inline export const R_H4 = 7;
// @ts-ignore: decorator
@inline export const R_LOCAL = 8;
// @ts-ignore: decorator
@inline export const R_STRIDE = 9;
// @ts-ignore: decorator
@inline export const R_DELAY_STEPS = 10;
// @ts-ignore: decorator
@inline export const R_BATCH_PITCH = 11;
// @ts-ignore: decorator
@inline export const R_PSP = 12;
// @ts-ignore: decorator
@inline export const R_PSP_LINE = 13;
// @ts-ignore: decorator
@inline export const R_P_EFF = 14;
// @ts-ignore: decorator
@inline export const R_PRE = 15;
// @ts-ignore: decorator
@inline export const R_N_PRE = 16;
// @ts-ignore: decorator
@inline export const R_PRE_PITCH = 17;
// @ts-ignore: decorator
@inline export const R_EL = 18;
// @ts-ignore: decorator
@inline export const R_EL_FLT = 19;
// @ts-ignore: decorator
@inline export const R_EL_SUM = 20;
// @ts-ignore: decorator
@inline export const R_W = 21;
// @ts-ignore: decorator
@inline export const R_GRAD2 = 22;
// @ts-ignore: decorator
@inline export const R_SYNAPSES = 23;
// @ts-ignore: decorator
@inline export const R_BLOCK_BUF = 24;
// @ts-ignore: decorator
@inline export const R_BLOCK_ROWS = 25;
// @ts-ignore: decorator
@inline export const R_P_EFF_RING = 26;
// @ts-ignore: decorator
@inline export const R_P_EFF_RING_BYTES = 27;

/** Word `index` of the kernel region at `region` (a pointer or a size). */
// @ts-ignore: decorator
@inline export function word(region: usize, index: i32): usize {
  return <usize>load<u32>(region + (<usize>index << 2));
}

/** Row `row` of a batch buffer with rows of `pitch` floats (0 stays 0: an absent buffer). */
// @ts-ignore: decorator
@inline export function batchRowAt(buffer: usize, row: i32, pitch: usize): usize {
  return buffer == 0 ? 0 : buffer + ((<usize>row * pitch) << 2);
}

// Bits of the smallest normal float32 (FLT_MIN_NORMAL = 2^-126).
// @ts-ignore: decorator
@inline export const FLT_MIN_BITS: i32 = 0x00800000;
// @ts-ignore: decorator
@inline export const ABS_BITS: i32 = 0x7fffffff;

/**
 * flush(x) = |x| < FLT_MIN_NORMAL ? +0 : x, lane-wise. Done on the bits: |x| as a (non-negative)
 * int is below 0x00800000 exactly for zeros and subnormals; NaN (above 0x7f800000) is kept, as
 * in the reference.
 */
// @ts-ignore: decorator
@inline export function flush4(x: v128, absMask: v128, minBits: v128): v128 {
  return v128.andnot(x, i32x4.lt_s(v128.and(x, absMask), minBits));
}

// @ts-ignore: decorator
@inline export function flush1(x: f32): f32 {
  return (reinterpret<i32>(x) & ABS_BITS) < FLT_MIN_BITS ? <f32>0 : x;
}
