/**
 * What an experiment of the paper is made of (`superspike experiment`): a preset names its
 * conditions and independent runs (one config and seed each), and judges the paper's claims
 * from the measured results. Presets are plain data plus two pure functions, so the runner,
 * the files and the tests treat every figure of the paper the same way.
 */
import type { ConfigInput } from '../config/schema.js';
import type { R0Search } from './r0-search.js';

/** full: the paper's protocol as far as this machine allows; quick: < 2 min here; tiny: tests. */
export type ExperimentSize = 'full' | 'quick' | 'tiny';

export interface Condition {
  /** Short id used in file names, results.csv and claim numbers (e.g. `nh8-random`). */
  id: string;
  /** Human label for tables and plot legends. */
  label: string;
  /** The learning-curve plot this condition is drawn in (one plot per panel). */
  panel: string;
  /** Hidden neurons in total (0: output layer only). */
  hiddenNeurons: number;
}

/** What to measure from a run's output folder besides its stats file. */
export interface RunAnalysis {
  /** Compare output and target spikes presentation by presentation (precise-timing tasks). */
  timing?: boolean;
  /** Read the fixed random feedback weights from the network state (random feedback). */
  feedbackSigns?: boolean;
  /** Score every trial of a trial-based task by the window-of-opportunity readout (readout.ts). */
  trials?: boolean;
  /** Sequence tasks: score the output's recall from this many seconds after the cue (sequence-recall.ts). */
  recallAfterSeconds?: number;
}

export interface RunSpec {
  condition: string;
  seed: number;
  /** A complete run config; raster paths absolute. */
  config: ConfigInput;
  analysis: RunAnalysis;
}

/** A reference learning curve drawn beside ours (e.g. Auryn's Oxford run). */
export interface ReferenceCurve {
  panel: string;
  label: string;
  points: Array<{ block: number; mse: number }>;
}

export interface Plan {
  conditions: Condition[];
  runs: RunSpec[];
  /** One line each on what was run (sizes, durations), for results.md and report.html. */
  notes: string[];
  references: ReferenceCurve[];
  /** Runs that choose each condition's r0 first; their outcome replaces this plan (r0-search.ts). */
  r0Search?: R0Search;
}

export interface RunResult {
  spec: RunSpec;
  dir: string;
  /** MSE per stats line (block 0 … blocks; the last line is the final one). */
  curve: Array<{ block: number; mse: number }>;
  initialCost: number;
  finalCost: number;
  /**
   * Timing tasks: mean fraction of matched spikes over the last presentations of training.
   * Trial tasks: fraction of correct trials in the frozen replay after training (readout.ts).
   */
  accuracy: number | null;
  /** Trial tasks: fraction of correct trials per block (−1: burn-in), for the report's accuracy curves. */
  accuracyCurve?: Array<{ block: number; accuracy: number }>;
  /** Timing tasks: first training presentation that starts 10 perfect ones in a row (0-based). */
  learnedAtPresentation: number | null;
  /** Mean firing rate of all hidden neurons in the last training block. */
  hiddenRateHz: number | null;
  /** Mean coefficient of variation of the hidden neurons' inter-spike intervals there (1: Poisson-like). */
  hiddenIsiCv: number | null;
  /** Sequence tasks: late-recall score over the presentations of the last training block. */
  lateRecall?: number | null;
  /** Random feedback: every fixed feedback weight is negative. */
  feedbackAllNegative: boolean | null;
  wallSeconds: number;
}

export type ClaimStatus = 'holds' | 'fails' | 'not tested';

export interface ClaimResult {
  id: string;
  status: ClaimStatus;
  /** The measured numbers behind the verdict, one line. */
  numbers: string;
}

/** The paper's own words, verbatim: a sentence or a clause of it (paper.ts holds the passages). */
export interface PaperQuote {
  words: string;
  /** Where they stand: section or figure caption (e.g. "§4.1", "Fig. 8 caption"). */
  where: string;
}

export interface PaperClaim {
  id: string;
  /**
   * The claim as this project states and tests it, in a sentence: a paraphrase of the paper
   * (`quote`, where present, gives the paper's own words beside it).
   */
  text: string;
  /** Where the paper says it: figure and section. */
  source: string;
  /**
   * The paper's words, verbatim (paper.ts), beside `text`, which states the claim as tested; every
   * claim of the paper has one (test/paper-quotes.test.ts). Absent: `text` is shown as our paraphrase.
   */
  quote?: PaperQuote;
  /** Whose claim it is: the paper's (default), a check against the public code, or this project's own question. */
  origin?: 'paper' | 'public code' | 'this project';
  /** The test this project applies to its numbers. */
  test: string;
  /** The paper's own number, where its text gives one (paper.ts holds the sentence). */
  paperNumber?: string;
}

export interface PlanOptions {
  size: ExperimentSize;
  /** Seeds 1..seeds; default: the preset's for this size. */
  seeds?: number;
  /** One base learning rate r0 (`eta`) for every condition: no grid search (r0-search.ts). */
  r0?: number;
  /** Grid-search r0 whatever the size (default: only the full form searches). */
  searchR0?: boolean;
}

export interface Preset {
  name: string;
  /** The paper's figure(s). */
  figure: string;
  summary: string;
  claims: PaperClaim[];
  /** Why this preset keeps its own r0 (then --r0 is refused); absent: r0 follows r0-search.ts. */
  fixedR0?: string;
  plan(opts: PlanOptions): Plan;
  judge(results: RunResult[], plan: Plan): ClaimResult[];
}
