/**
 * The chain builder: the network keys of a config (hidden layer sizes, feedback, learning knobs)
 * and the task's input and output sizes to the NetworkShape that topology.ts expands into groups
 * and connections (the config's `connections` list resolved by the graph builder, graph.ts, on
 * top of the chain). It reads a structural subset of the config, so this floor imports nothing
 * from config/ (docs: ../../README.md "Layout"; config, io and engine all read the shape here).
 */
import {
  DEFAULT_ELIGIBILITY_MODE, DEFAULT_FEEDBACK_CENTRED, DEFAULT_HIDDEN_ETA_SCALE, hiddenEtaScaleOf, type HiddenEtaScaleSetting, DEFAULT_FEEDBACK_GATE, DEFAULT_SURROGATE_FLOOR_VOLTS, secondsToSteps, type FeedbackGate, type EligibilityMode, type LearningRateKnobs, type RegulariserKnobs,
} from '../model/constants.js';
import { resolveWiring, type ConnectionSpec } from './graph.js';
import type { FeedbackMode, NetworkShape, OutputErrorMode } from './topology.js';

/** The keys of a validated config that decide the network's shape (ExperimentConfig has them). */
export interface ChainSpec {
  hidden: readonly number[];
  feedback: FeedbackMode;
  partial: boolean;
  learnHidden: boolean;
  /** η's multiple on connections into hidden layers; absent: DEFAULT_HIDDEN_ETA_SCALE. */
  hiddenEtaScale?: HiddenEtaScaleSetting | undefined;
  feedbackDelaySeconds: number;
  regulariser: RegulariserKnobs;
  learningRate: LearningRateKnobs;
  /** σ' = 0 below this potential, null: no floor; absent: DEFAULT_SURROGATE_FLOOR_VOLTS. */
  surrogateFloorVolts?: number | null | undefined;
  /** Absent: DEFAULT_FEEDBACK_GATE. */
  feedbackGate?: FeedbackGate | undefined;
  /** Random feedback: force this fraction of the feedback weights negative (absent: as drawn). */
  feedbackNegativeFraction?: number;
  /** Random feedback: centre B over the outputs; absent: DEFAULT_FEEDBACK_CENTRED. */
  feedbackCentred?: boolean | undefined;
  /** A trials task's output error (absent: no trials task, target spikes). */
  trials?: { outputError: OutputErrorMode };
  /** Absent: DEFAULT_ELIGIBILITY_MODE. */
  eligibility?: EligibilityMode | undefined;
  /** Connections beyond the chain, or chain restatements (graph.ts); absent: the plain chain. */
  connections?: readonly ConnectionSpec[] | undefined;
}

/** The network a config builds for a task of `nInput` inputs and `nOutput` outputs. */
export function networkShape(spec: ChainSpec, sizes: { nInput: number; nOutput: number }): NetworkShape {
  return {
    nInput: sizes.nInput,
    hidden: spec.hidden,
    nOutput: sizes.nOutput,
    feedback: spec.feedback,
    partial: spec.partial,
    learnHidden: spec.learnHidden,
    hiddenEtaScale: hiddenEtaScaleOf(spec.hiddenEtaScale ?? DEFAULT_HIDDEN_ETA_SCALE, spec.feedback, spec.hidden.length),
    feedbackDelaySteps: secondsToSteps(spec.feedbackDelaySeconds),
    regulariser: { ...spec.regulariser },
    learningRate: { ...spec.learningRate },
    feedbackGate: spec.feedbackGate ?? DEFAULT_FEEDBACK_GATE,
    surrogateFloorVolts: spec.surrogateFloorVolts === undefined ? DEFAULT_SURROGATE_FLOOR_VOLTS : spec.surrogateFloorVolts,
    outputError: spec.trials?.outputError ?? 'target',
    feedbackNegativeFraction: spec.feedbackNegativeFraction ?? null,
    feedbackCentred: spec.feedbackCentred ?? DEFAULT_FEEDBACK_CENTRED,
    eligibility: spec.eligibility ?? DEFAULT_ELIGIBILITY_MODE,
    ...(spec.connections === undefined ? {} : { wiring: resolveWiring(spec.connections, spec.hidden.length) }),
  };
}
