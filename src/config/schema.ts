/**
 * Experiment configuration (SPEC §8, §9): the schema, its documented defaults, and the error a
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

export const ConfigSchema = z.strictObject({
  /** Base name of the stats file `<name>.stats` and the state files. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('superspike'),
  /** Input raster (.ras). Relative paths are resolved against the config file's folder. */
  input: z.string().optional(),
  /** Target raster (.ras). */
  target: z.string().optional(),
  /** Built-in generated task, used when no input/target files are given. */
  task: BuiltinTaskSchema.optional(),
  /** Loop grid in seconds shared by input and target (SPEC §4); null plays the files once. */
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
  /** Extra eligibility delay per hidden layer (SPEC §7.1). */
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
