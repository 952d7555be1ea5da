/**
 * Model constants of docs/model.md §1, all in SI units (seconds, volts). Values that enter float32
 * arithmetic are rounded to float32 once, here, so that every kernel (TypeScript reference or
 * WASM) multiplies by exactly the same numbers.
 */
const f = Math.fround;

export const DT_SECONDS = 1e-4;
/** Axonal delay of every spike and the exchange interval between ranks (docs/model.md §1, §10). */
export const MIN_DELAY_STEPS = 8;
/**
 * Longest spike transmission delay a connection may have (`connections[].delaySeconds`, docs/model.md
 * §5.1): 100 ms. Spike rings keep that many steps of history per neuron slot, in memory and in network
 * states, so the bound keeps both small; no published SuperSpike task needs more.
 */
export const MAX_DELAY_STEPS = 1000;
/** Steps per second (10 000), also the `time` field of the .spk header: derived, never re-typed. */
export const STEPS_PER_SECOND = Math.round(1 / DT_SECONDS);

export const E_REST_VOLTS = f(-0.06);
export const THRESHOLD_VOLTS = f(-0.05);
export const TAU_MEM_SECONDS = 10e-3;
export const TAU_SYN_SECONDS = 5e-3;
export const REFRACTORY_STEPS = 50;
/** κ = dt/τ_mem */
export const KAPPA_MEM = f(DT_SECONDS / TAU_MEM_SECONDS);
/** α_syn = exp(−dt/τ_syn) */
export const ALPHA_SYN = f(Math.exp(-DT_SECONDS / TAU_SYN_SECONDS));

/** Surrogate steepness β in 1/V. */
export const BETA_PER_VOLT = f(1000);
/**
 * σ' is zero below this membrane potential (docs/model.md §7.2, §12): the config key
 * `surrogateFloorVolts`. Default null: no floor, σ' > 0 everywhere, as in the paper, so a layer
 * pushed far below rest can still learn its way back (issue 17, docs/model.md §14.1). Auryn's
 * code (and superspike before issue 17) zeroes σ' below −80 mV: AURYN_SURROGATE_FLOOR_VOLTS.
 */
export const DEFAULT_SURROGATE_FLOOR_VOLTS: number | null = null;
/** Auryn's floor, what a network state saved without the key `surrogateFloorVolts` ran with. */
export const AURYN_SURROGATE_FLOOR_VOLTS = -0.08;
/** The default floor in float32 (−∞ where there is none). */
export const SURROGATE_FLOOR_VOLTS = surrogateFloorOf(DEFAULT_SURROGATE_FLOOR_VOLTS);
/** The kernels' floor for a config's `surrogateFloorVolts`: float32, −∞ for null (no floor). */
export function surrogateFloorOf(volts: number | null): number {
  return volts === null ? -Infinity : f(volts);
}

/** Eligibility and error filters: rise τ_syn, decay τ_mem. */
export const RISE_DECAY = f(Math.exp(-DT_SECONDS / TAU_SYN_SECONDS));
export const RISE_RATE = f(DT_SECONDS / TAU_SYN_SECONDS);
export const DECAY_RATE = f(DT_SECONDS / TAU_MEM_SECONDS);

/** Presynaptic `pre` trace decays with τ_syn. */
export const PRE_DECAY = RISE_DECAY;

/**
 * The random-feedback regulariser of docs/model.md §7.2 E3, `−ρ·w·hom^a` on the gradient of hidden
 * layers: strength ρ (0 = no regulariser), integer exponent a, and the time constant of the
 * postsynaptic rate trace `hom`. The exponent and τ_hom are the paper's (a = 4, τ_hom = 100 ms); the
 * default strength is ρ = 1000, not the paper's ρ = 1 (issue 17, docs/model.md §14.1): random
 * feedback hands each hidden neuron a fixed-sign share of the output's common error, which with
 * ρ = 1 splits config/default.json's hidden layers (30–60 Hz from the start) into silent and
 * 50–100 Hz neurons and leaves the network at the silent cost; ρ = 1000 holds them near 8 Hz and
 * 1 and 2 hidden layers learn within 8 blocks. It changes nothing under symmetric or uniform
 * feedback. The config schema (config/schema.ts) takes its defaults from here.
 */
export interface RegulariserKnobs {
  strength: number;
  exponent: number;
  tauSeconds: number;
}
export const DEFAULT_REGULARISER: Readonly<RegulariserKnobs> = Object.freeze({ strength: 1000, exponent: 4, tauSeconds: 100e-3 });
/**
 * The paper's regulariser (ρ = 1, a = 4, τ_hom = 100 ms): the default before issue 17, what a network
 * state saved without the key `regulariser` ran with, and what the presets that reproduce the paper
 * or Auryn's curves (`oxford`, `pattern`, `xor`; config/oxford.json) set explicitly.
 */
export const PAPER_REGULARISER: Readonly<RegulariserKnobs> = Object.freeze({ strength: 1, exponent: 4, tauSeconds: 100e-3 });
/** Largest regulariser exponent a (hom^8 stays finite in float32 up to hom ≈ 6·10⁴). */
export const MAX_REGULARISER_EXPONENT = 8;
/** Per-step decay of the `hom` trace for a time constant τ_hom: exp(−dt/τ_hom) in float32. */
export function homDecayOf(tauSeconds: number): number {
  return f(Math.exp(-DT_SECONDS / tauSeconds));
}
/** The default `hom` decay (τ_hom = 100 ms). */
export const HOM_DECAY = homDecayOf(DEFAULT_REGULARISER.tauSeconds);

/**
 * What a hidden layer's error events carry down to the layer below under symmetric feedback
 * (docs/model.md §7.4; config key `feedbackGate`): `surrogate` passes each error through the
 * sender's gate — unchanged while its delayed σ' is at least σ'(E_L) (membrane between rest and
 * threshold), times σ'/σ'(E_L) below rest: the chain rule's factor of the layer it passes through,
 * relative to rest — and `none` sends the error as it is. The output's errors are never gated, so
 * one hidden layer is unaffected.
 */
export const FEEDBACK_GATES = ['surrogate', 'none'] as const;
export type FeedbackGate = (typeof FEEDBACK_GATES)[number];
export const DEFAULT_FEEDBACK_GATE: FeedbackGate = 'surrogate';
/** What a network state saved without the key `feedbackGate` ran with (errors passed down ungated). */
export const LEGACY_FEEDBACK_GATE: FeedbackGate = 'none';

/**
 * Random feedback (docs/model.md §5.3, §7.4; config key `feedbackCentred`): `true` subtracts from
 * each hidden neuron's drawn feedback weights B[·,j] their mean over the outputs, so Σ_k B[k,j] = 0
 * and an error shared by every output (all too active, or all too quiet) reaches no hidden neuron;
 * `false` keeps B as drawn, the paper's i.i.d. N(0, 1) (the default).
 */
export const DEFAULT_FEEDBACK_CENTRED = false;

/**
 * The learning rate of the connections into hidden layers, as a multiple of η (config key
 * `hiddenEtaScale`, on top of each connection's own `etaScale`; docs/model.md §7.5). `auto`, the
 * default, is DEEP_RANDOM_HIDDEN_ETA_SCALE under random feedback with two or more hidden layers
 * and 1 everywhere else — the paper's single η for one hidden layer and for symmetric and uniform
 * feedback (issue 17, docs/model.md §14.1, eighth round). Under random feedback a hidden layer's
 * updates follow a fixed random projection of the output's error, not its gradient; with several
 * such layers learning as fast as the readout they keep lowering their rates, and the readout
 * chases them: config/default.json with 256-128-64 ended at 134.9 / 126.5 / 136.3 after the
 * `depth` preset's 30 blocks (seeds 1–3) at η everywhere, 112.1 / 104.4 / 105.8 with the hidden
 * layers at η/10 (one hidden layer: 37.6 mean at η, 44.7 at η/10, seed 1 — so not there).
 */
export type HiddenEtaScaleSetting = number | 'auto';
export const DEFAULT_HIDDEN_ETA_SCALE: HiddenEtaScaleSetting = 'auto';
export const DEEP_RANDOM_HIDDEN_ETA_SCALE = 0.1;
/** What a network state saved without the key `hiddenEtaScale` ran with: η on every layer. */
export const LEGACY_HIDDEN_ETA_SCALE = 1;

/** The multiple of η for connections into hidden layers that `setting` gives this network. */
export function hiddenEtaScaleOf(setting: HiddenEtaScaleSetting, feedback: 'symmetric' | 'random' | 'uniform', hiddenLayers: number): number {
  if (setting !== 'auto') return setting;
  return feedback === 'random' && hiddenLayers >= 2 ? DEEP_RANDOM_HIDDEN_ETA_SCALE : 1;
}

/** Quasi-zero thresholds: γ for symmetric/uniform skips, δ for the random-feedback psp skip. */
export const GAMMA = f(1e-7);
export const DELTA_RANDOM = f(1e-5);

export const WEIGHT_UPDATE_STEPS = 5000;
/**
 * Steps of eligibility input collected before one pass over the synapses (kernels.ts,
 * eligibilityBatch). Only weight updates and snapshots read the synaptic traces, so the pass can
 * wait; batching cuts its memory traffic by this factor.
 */
export const ELIGIBILITY_BATCH = 8;

/**
 * How E3 of docs/model.md §7.2 is computed: `recursive`, the per-step filters of every synapse
 * (the reference, Auryn's order of operations), or `blocked` (§7.7), the same linear filter as
 * dot products over blocks of BLOCK_STEPS steps — faster, rounded differently. Config key
 * `eligibility`; absent means recursive.
 */
export const ELIGIBILITY_MODES = ['recursive', 'blocked'] as const;
export type EligibilityMode = (typeof ELIGIBILITY_MODES)[number];
export const DEFAULT_ELIGIBILITY_MODE: EligibilityMode = 'recursive';
/**
 * Steps per block of the blocked eligibility pass (§7.7): the batch buffers' rows in that mode. It
 * divides WEIGHT_UPDATE_STEPS, so weight updates fall on block ends; its per-synapse cost per
 * block (the state terms) is then paid once per BLOCK_STEPS steps.
 */
export const BLOCK_STEPS = 1000;

/**
 * How a weight update turns the gradient into a step (docs/model.md §7.5), in the order of the
 * kernels' `updateScheme` numbers: RMaxProp (the default, superspike's and Auryn's), RMSprop, or
 * a fixed rate.
 */
export const LEARNING_RATE_SCHEMES = ['rmaxprop', 'rmsprop', 'fixed'] as const;
export type LearningRateScheme = (typeof LEARNING_RATE_SCHEMES)[number];
/** The learning-rate scheme with the normaliser's memory τ_rms and guard ε (unused by `fixed`). */
export interface LearningRateKnobs {
  scheme: LearningRateScheme;
  tauRmsSeconds: number;
  epsilon: number;
}
export const DEFAULT_LEARNING_RATE: Readonly<LearningRateKnobs> = Object.freeze({
  scheme: 'rmaxprop', tauRmsSeconds: 30, epsilon: 1e-12,
});
/** The normaliser's decay per weight update for a memory τ_rms: exp(−updateSteps·dt/τ_rms) in float32. */
export function rmsMulOf(tauRmsSeconds: number): number {
  return f(Math.exp(-(WEIGHT_UPDATE_STEPS * DT_SECONDS) / tauRmsSeconds));
}

/** The model knobs a config chooses (config keys `regulariser`, `learningRate`, `surrogateFloorVolts`). */
export interface ModelKnobs {
  regulariser: RegulariserKnobs;
  learningRate: LearningRateKnobs;
  /** σ' = 0 below this potential; null: no floor. */
  surrogateFloorVolts: number | null;
  /** Symmetric feedback between hidden layers: gated by the sender's σ' relative to rest, or not. */
  feedbackGate: FeedbackGate;
}
export const DEFAULT_MODEL_KNOBS: Readonly<ModelKnobs> = Object.freeze({
  regulariser: DEFAULT_REGULARISER, learningRate: DEFAULT_LEARNING_RATE, surrogateFloorVolts: DEFAULT_SURROGATE_FLOOR_VOLTS,
  feedbackGate: DEFAULT_FEEDBACK_GATE,
});

export const W_MAX = f(0.1);

export const TAU_AVG_SECONDS = 10;
export const AVG_DECAY = f(Math.exp(-DT_SECONDS / TAU_AVG_SECONDS));
export const DT_F32 = f(DT_SECONDS);

/** Default hidden feedback delay per layer (docs/model.md §7.1): 0.8 ms. */
export const DEFAULT_FEEDBACK_DELAY_SECONDS = 0.8e-3;

/**
 * Smallest normal float32. Decaying values below it are flushed to +0: subnormal arithmetic
 * costs ~100× on x86 (V8 sets no FTZ/DAZ), and every implementation flushes at the same points,
 * so results stay identical across kernels and partitions.
 */
export const FLT_MIN_NORMAL = 1.1754943508222875e-38;

/** MSE normaliser c of docs/model.md §7.6 (≈ 1.2e6). */
export const MSE_SCALE = (() => {
  const a = 10e-3;
  const b = 5e-3;
  const amp = (a * b) / (a - b);
  return 1 / (amp * amp * (a / 2 + b / 2 - (2 * a * b) / (a + b))) / TAU_AVG_SECONDS;
})();


/** Steps for a duration in seconds, rounded (docs/model.md §4, §12). */
export function secondsToSteps(seconds: number): number {
  return Math.round(seconds / DT_SECONDS);
}
