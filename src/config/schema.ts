/**
 * Experiment configuration (docs/model.md §8, §9): the schema, its documented defaults, and the error a
 * user sees for a bad file. Semantic options only: how a run is executed (workers, output
 * directory, kernels) is in `RunOptions` (engine/coordinator.ts) and never changes results.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** A task the project generates itself, so the default run needs no external data. */
export const BuiltinTaskSchema = z.strictObject({
  /** Text drawn in the built-in pixel font; the picture becomes the target raster. */
  text: z.string().min(1).default('SUPERSPIKE'),
  /** Vertical scale of the 5×7 font: output neurons = 7 × scale + 2 (one blank row above/below). */
  scale: positiveInt.default(2),
  /** Width of one pixel column in seconds. */
  binSeconds: z.number().positive().default(0.01),
  /** Frozen Poisson input: neurons and rate. */
  inputNeurons: positiveInt.default(100),
  inputRateHz: z.number().positive().default(5),
  /** Seed of the generated input and jitter (the network seed is `seed`). */
  taskSeed: z.number().int().nonnegative().default(7),
});

/** One stimulus of a user-made trial task: rasters with times relative to the trial onset. */
export const TrialStimulusSchema = z.strictObject({
  /** Input raster (.ras) of the stimulus; times in [0, windowSeconds). */
  input: z.string(),
  /** Target raster (.ras) of the stimulus (may be empty: silence); times in [0, windowSeconds). */
  target: z.string(),
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
  /** Poisson background on every input neuron, over the whole run. */
  backgroundRateHz: z.number().nonnegative().default(4),
  /** Seed of the stimuli (XOR spike times), the trial order, the gaps and the background. */
  taskSeed: z.number().int().nonnegative().default(7),
});

export const ConfigSchema = z.strictObject({
  /** Base name of the stats file `<name>.stats` and the state files. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('superspike'),
  /** Input raster (.ras). Relative paths are resolved against the config file's folder. */
  input: z.string().optional(),
  /** Target raster (.ras). */
  target: z.string().optional(),
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
  feedback: z.enum(['symmetric', 'random', 'uniform']).default('symmetric'),
  /** Surrogate partial derivative σ'(U) (true) or σ' ≡ 1 (false). */
  partial: z.boolean().default(true),
  /** Train the hidden layers too (false: only the readout learns). */
  learnHidden: z.boolean().default(true),
  /** Learning rate η₀; divided by 10 from block 20 on. */
  eta: z.number().positive().default(1e-3),
  /** Initial weight scale: w ~ N(0, (w0/√fan_in)²). */
  w0: z.number().nonnegative().default(0.05),
  /** Extra eligibility delay per hidden layer (docs/model.md §7.1). */
  feedbackDelaySeconds: z.number().nonnegative().default(0.8e-3),
  /** Block length in seconds (also the burn-in length). */
  blockSeconds: z.number().positive().default(20),
  blocks: z.number().int().nonnegative().default(50),
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
