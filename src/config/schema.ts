/**
 * Experiment configuration (docs/model.md §8, §9): the schema, its documented defaults, and the error a
 * user sees for a bad file. The defaults here are the only ones: they are the built-in task that a
 * bare `superspike run`, `npm start`, `superspike inspect`, `train()` and config/default.json
 * (`{"task": {}}`) all run, and every config file or object starts from them.
 * A paper's setting differs from them only where its config says so (config/oxford.json: η 1e-3,
 * w0 0.05, 20 s blocks, 50 blocks). Semantic options only: how a run is executed (workers, output
 * directory, kernels) is in `RunOptions` (engine/coordinator.ts) and never changes results.
 */
import { z } from 'zod';
import {
  DEFAULT_FEEDBACK_GATE, DEFAULT_HIDDEN_ETA_SCALE, DEFAULT_LEARNING_RATE, DEFAULT_REGULARISER, DEFAULT_SURROGATE_FLOOR_VOLTS, ELIGIBILITY_MODES, FEEDBACK_GATES, LEARNING_RATE_SCHEMES, MAX_REGULARISER_EXPONENT,
} from '../model/constants.js';

const positiveInt = z.number().int().positive();

/** A task the project generates itself, so the default run needs no external data. */
export const BuiltinTaskSchema = z.strictObject({
  /** Text drawn in the built-in pixel font; the picture becomes the target raster. */
  text: z.string().min(1).default('SUPERSPIKE'),
  /** Vertical scale of the 5×7 font: output neurons = 7 × scale + 2 (one blank row above/below). */
  scale: positiveInt.default(3),
  /** Width of one pixel column in seconds. */
  binSeconds: z.number().positive().default(0.01),
  /** Frozen Poisson input: neurons and rate. */
  inputNeurons: positiveInt.default(100),
  inputRateHz: z.number().positive().default(10),
  /** Seed of the generated input and jitter (the network seed is `seed`). */
  taskSeed: z.number().int().nonnegative().default(7),
});

/** Largest finite float32: the kernels multiply by the strength in float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** The random-feedback regulariser −ρ·w·hom^a of docs/model.md §7.2 E3 (defaults: model/constants.ts). */
export const RegulariserSchema = z.strictObject({
  /** ρ; 0 turns the regulariser off (random feedback without it). */
  strength: z.number().nonnegative('must be >= 0').max(FLOAT32_MAX, 'must be a finite float32 (<= 3.4e38)')
    .default(DEFAULT_REGULARISER.strength),
  /** a, an integer; 0 makes the term ρ·w wherever the error is not quasi-zero. */
  exponent: z.number().int(`must be an integer from 0 to ${MAX_REGULARISER_EXPONENT}`)
    .min(0, `must be an integer from 0 to ${MAX_REGULARISER_EXPONENT}`)
    .max(MAX_REGULARISER_EXPONENT, `must be an integer from 0 to ${MAX_REGULARISER_EXPONENT}`)
    .default(DEFAULT_REGULARISER.exponent),
  /** τ_hom of the postsynaptic rate trace `hom`, in seconds. */
  tauSeconds: z.number().positive('must be > 0').default(DEFAULT_REGULARISER.tauSeconds),
});

/** The weight update's learning-rate scheme of docs/model.md §7.5 (defaults: model/constants.ts). */
export const LearningRateSchema = z.strictObject({
  /** `rmaxprop` (decaying maximum of g²), `rmsprop` (running mean of g²) or `fixed` (w += η·g). */
  scheme: z.enum(LEARNING_RATE_SCHEMES).default(DEFAULT_LEARNING_RATE.scheme),
  /** Memory τ_rms of the normaliser grad2, in seconds (unused by `fixed`). */
  tauRmsSeconds: z.number().positive('must be > 0').default(DEFAULT_LEARNING_RATE.tauRmsSeconds),
  /** Guard ε of √grad2 + ε (unused by `fixed`). */
  epsilon: z.number().nonnegative('must be >= 0').default(DEFAULT_LEARNING_RATE.epsilon),
}).refine((lr) => lr.scheme === 'fixed' || !(lr.epsilon >= 0) || Math.fround(lr.epsilon) > 0, {
  // A synapse that never sees a gradient (a padding column) has g = grad2 = 0: 0/(0 + ε) needs ε > 0.
  path: ['epsilon'],
  message: 'must be > 0 in float32 (at least 1.4e-45) for rmsprop and rmaxprop',
});

/** A list of numbers given in code: a plain array or a typed array, kept as a plain array (JSON in run.json). */
const numberList = z.custom<ArrayLike<number>>(
  (v) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)),
  'expected an array of numbers',
).transform((v) => Array.from(v as ArrayLike<number>));

/**
 * A spike train given in code instead of a .ras file (Brian2's `SpikeGeneratorGroup(N, indices,
 * times)`, NEST's `spike_generator`): event i is neuron `ids[i]` at `times[i]` seconds. Read with
 * exactly the rules of a .ras file (config/spike-source.ts), so the same events give the same run.
 */
export const SpikeArraysSchema = z.strictObject({
  /** Event times in seconds, >= 0. */
  times: numberList,
  /** Neuron ids, whole numbers >= 0, one per time. */
  ids: numberList,
}).superRefine((train, ctx) => {
  if (train.times.length !== train.ids.length) {
    ctx.addIssue({ code: 'custom', path: ['ids'], message: `has ${train.ids.length} entries but times has ${train.times.length}: give one id per time` });
    return;
  }
  const badTime = train.times.findIndex((t) => typeof t !== 'number' || !Number.isFinite(t) || t < 0);
  if (badTime >= 0) ctx.addIssue({ code: 'custom', path: ['times', badTime], message: `${String(train.times[badTime])} is not a time in seconds >= 0` });
  const badId = train.ids.findIndex((id) => typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff);
  if (badId >= 0) ctx.addIssue({ code: 'custom', path: ['ids', badId], message: `${String(train.ids[badId])} is not a neuron id (a whole number >= 0)` });
});

/** A spike raster: a .ras file's path, or the events themselves as arrays. */
const SpikeSourceSchema = z.union([z.string(), SpikeArraysSchema]);

/** One stimulus of a user-made trial task: rasters with times relative to the trial onset. */
export const TrialStimulusSchema = z.strictObject({
  /** Input raster (.ras path or `{ times, ids }`) of the stimulus; times in [0, windowSeconds). */
  input: SpikeSourceSchema,
  /** Target raster (.ras path or `{ times, ids }`) of the stimulus (may be empty: silence); times in [0, windowSeconds). */
  target: SpikeSourceSchema,
  /** The output neuron that should win the trial (window-of-opportunity readout). */
  label: z.number().int().nonnegative(),
});

/**
 * A trial-based task (docs/model.md §4.1): stimuli in random order with random gaps over a
 * Poisson background, generated for the whole run.
 */
export const TrialsSchema = z.strictObject({
  /** "xor": the paper's spiking XOR (Fig. 5); or the user's own stimuli. */
  stimuli: z.union([z.literal('xor'), z.array(TrialStimulusSchema).min(1)]).default('xor'),
  /** Length of one trial = its window of opportunity (XOR: 10 ms pattern + 15 ms). */
  windowSeconds: z.number().positive().default(0.025),
  /** Silence between one window's end and the next onset: uniform in [min, max] seconds. */
  gapSeconds: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).default([0.1, 0.3])
    .refine(([min, max]) => min <= max, 'the gap range [min, max] needs min <= max'),
  /** Poisson background on every input neuron. */
  backgroundRateHz: z.number().nonnegative().default(4),
  /** Where the background fires: `throughout` the run, or only in the `gaps` between trial windows. */
  background: z.enum(['throughout', 'gaps']).default('throughout'),
  /**
   * The output error (docs/model.md §7.3): `target` trains the stimuli's target spikes;
   * `classification` is the window of opportunity — −1 for every spike of an output outside a
   * window of its own label, +1 at a window's end when its labelled output stayed silent.
   */
  outputError: z.enum(['target', 'classification']).default('target'),
  /** Seed of the stimuli (XOR spike times), the trial order, the gaps and the background. */
  taskSeed: z.number().int().nonnegative().default(7),
});

/**
 * A connection beyond the chain (or a restatement of a chain connection): docs/model.md §5.4.
 * Groups: input, hidden (one hidden layer) or hidden1…hiddenL, output.
 */
export const ConnectionSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  /** Multiplier of the fan-in rule's initial weight scale (default 1). */
  weightScale: z.number().nonnegative('must be >= 0').optional(),
  /** Whether it learns (default: as the chain connection into the same group). */
  plastic: z.boolean().optional(),
  /** Multiplier of the learning rate η of its weight updates (default 1). */
  etaScale: z.number().nonnegative('must be >= 0').optional(),
  /** Spike transmission delay in seconds: a whole number of 0.1 ms steps from the 0.8 ms minimum delay to 100 ms (graph.ts checks). */
  delaySeconds: z.number().positive('must be > 0').optional(),
});

export const ConfigSchema = z.strictObject({
  /** Base name of the stats file `<name>.stats` and the state files. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('superspike'),
  /** Input raster: a .ras path (relative paths: against the config file's folder) or `{ times, ids }` arrays. */
  input: SpikeSourceSchema.optional(),
  /** Target raster: a .ras path or `{ times, ids }` arrays. */
  target: SpikeSourceSchema.optional(),
  /** Built-in generated task, used when no input/target files are given. */
  task: BuiltinTaskSchema.optional(),
  /** Trial-based task (stimuli in random order, random gaps, background); excludes input/target/task. */
  trials: TrialsSchema.optional(),
  /** Loop grid in seconds shared by input and target (docs/model.md §4); null plays the files once. */
  gridSeconds: z.number().positive().nullable().default(null),
  /** Input neurons; default: the input file's largest id + 1. */
  nInput: positiveInt.optional(),
  /** Output neurons; default: the target file's largest id + 1. */
  nOutput: positiveInt.optional(),
  /** Hidden layer sizes, input side first; [] trains the output layer only. */
  hidden: z.array(positiveInt).default([256]),
  /** Connections beyond the input → hidden → … → output chain (recurrent, skip); absent: the chain. */
  connections: z.array(ConnectionSchema).optional(),
  feedback: z.enum(['symmetric', 'random', 'uniform']).default('symmetric'),
  /** Surrogate partial derivative σ'(U) (true) or σ' ≡ 1 (false). */
  partial: z.boolean().default(true),
  /**
   * Random feedback only: force the signs of the fixed feedback weights B (magnitudes as drawn).
   * For each output, the first round(f · n) of a layer's n hidden neurons get −|B|, the rest +|B|;
   * absent: signs as drawn. The paper's Fig. 4 compares all-negative, 3-of-4 and mixed signs.
   */
  feedbackNegativeFraction: z.number().min(0).max(1).optional(),
  /**
   * Random feedback only: centre each hidden neuron's feedback weights over the outputs
   * (docs/model.md §5.3), so an error common to all outputs reaches no hidden neuron. Absent: the
   * default of model/constants.ts (false, B as drawn, the paper's); absent unless given, so
   * configs without it keep their run.json bytes. Needs two or more outputs.
   */
  feedbackCentred: z.boolean().optional(),
  /** Train the hidden layers too (false: only the readout learns). */
  learnHidden: z.boolean().default(true),
  /**
   * The learning rate of the connections into hidden layers as a multiple of η, on top of each
   * connection's `etaScale` (docs/model.md §7.5): a number, or `auto` (the default,
   * model/constants.ts): η/10 under random feedback with two or more hidden layers, else η.
   */
  hiddenEtaScale: z.union([z.literal('auto'), z.number().nonnegative('must be >= 0')]).default(DEFAULT_HIDDEN_ETA_SCALE),
  /** Learning rate η₀; divided by 10 from block 20 on. 0: the network never changes (evaluation). */
  eta: z.number().nonnegative().default(5e-3),
  /** Initial weight scale: w ~ N(0, (w0/√fan_in)²). */
  w0: z.number().nonnegative().default(0.2),
  /** Extra eligibility delay per hidden layer (docs/model.md §7.1). */
  feedbackDelaySeconds: z.number().nonnegative().default(0.8e-3),
  /** Random-feedback regulariser of the hidden layers: { strength ρ, exponent a, tauSeconds τ_hom }. */
  regulariser: RegulariserSchema.prefault({}),
  /**
   * σ'(U) = 0 below this membrane potential in volts (docs/model.md §7.2, §12); null (the
   * default, model/constants.ts): no floor, as in the paper; Auryn's code uses −0.08.
   */
  surrogateFloorVolts: z.number().nullable().default(DEFAULT_SURROGATE_FLOOR_VOLTS),
  /**
   * Symmetric feedback between hidden layers (docs/model.md §7.4): `surrogate` (the default,
   * model/constants.ts) multiplies the error a hidden layer sends down by min(1, σ'/σ'(E_L)) of
   * the sender (the chain rule's factor, relative to rest); `none` sends it ungated. Only matters
   * with 2 or more learning hidden layers.
   */
  feedbackGate: z.enum(FEEDBACK_GATES).default(DEFAULT_FEEDBACK_GATE),
  /** Learning-rate scheme of the weight update: { scheme, tauRmsSeconds, epsilon }. */
  learningRate: LearningRateSchema.prefault({}),
  /**
   * How the eligibility pass is computed: `recursive` (the reference, per-step filters) or
   * `blocked` (docs/model.md §7.7: faster, rounded differently). Absent unless given, so configs
   * without it keep their run.json bytes; absent means recursive.
   */
  eligibility: z.enum(ELIGIBILITY_MODES).optional(),
  /** Block length in seconds (also the burn-in length); 6.1 s = 10 presentations of the built-in 0.61 s picture. */
  blockSeconds: z.number().positive().default(6.1),
  blocks: z.number().int().nonnegative().default(30),
  seed: z.number().int().nonnegative().max(0xffffffff).default(1),
  /** State monitors, as `run --record` takes them (docs/monitors.md); never changes a result. */
  record: z.array(z.string()).optional(),
  /** Out-of-range ids in .ras files are an error instead of a warning. */
  strict: z.boolean().default(false),
  /**
   * Refuse networks whose estimated memory exceeds this many GiB (default 16, config/limits.ts).
   * A safety limit, not a semantic option: absent unless given, so it never changes outputs.
   */
  maxMemoryGiB: z.number().positive().optional(),
});

export type ExperimentConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type BuiltinTask = z.infer<typeof BuiltinTaskSchema>;
export type TrialsConfig = z.infer<typeof TrialsSchema>;
export type SpikeSource = z.infer<typeof SpikeSourceSchema>;
export type SpikeArrays = z.input<typeof SpikeArraysSchema>;
