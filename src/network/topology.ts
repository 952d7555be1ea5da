/**
 * The shape of a SuperSpike network as the engine sees it: groups in creation order and the
 * all-to-all connections between consecutive layers, with their delays and feedback wiring
 * (docs/model.md §5, §7.1, §7.4, §9). Pure data derived from the run options; no memory, no threads.
 */
import { MIN_DELAY_STEPS, type LearningRateKnobs, type RegulariserKnobs } from '../model/constants.js';

export type FeedbackMode = 'symmetric' | 'random' | 'uniform';

export interface NetworkShape {
  nInput: number;
  hidden: readonly number[];
  nOutput: number;
  feedback: FeedbackMode;
  /** Surrogate derivative on (true) or σ' ≡ 1 (false). */
  partial: boolean;
  learnHidden: boolean;
  /** Extra eligibility delay per hidden layer, in steps (default 8 = 0.8 ms). */
  feedbackDelaySteps: number;
  /** The random-feedback regulariser (docs/model.md §7.2 E3); strength 0 = none. */
  regulariser: RegulariserKnobs;
  /** The weight update's learning-rate scheme (docs/model.md §7.5). */
  learningRate: LearningRateKnobs;
  /**
   * The output error (docs/model.md §7.3): `target` spikes minus own spikes, or `classification`
   * (a trials task's window of opportunity; the target group's events then mark the windows).
   */
  outputError: OutputErrorMode;
  /** Random feedback: the fraction of each output's feedback weights forced negative (null: as drawn). */
  feedbackNegativeFraction: number | null;
}

export type OutputErrorMode = 'target' | 'classification';

export interface GroupInfo {
  index: number;
  role: 'input' | 'hidden' | 'output' | 'target';
  kind: 'file' | 'lif';
  size: number;
  /** Base name of its rank files: `<spkName>.<rank>.spk` (Auryn's example names). */
  spkName: string;
  /** Some connection reads its spikes as presynaptic input. */
  presynaptic: boolean;
}

export interface ConnectionInfo {
  index: number;
  preGroup: number;
  postGroup: number;
  nPre: number;
  nPost: number;
  plastic: boolean;
  /** Delay D of the σ' and psp delay lines (docs/model.md §7.1). */
  delaySteps: number;
  /** Its post layer's nonzero errors are events for some other connection's inbox. */
  emitsErrorEvents: boolean;
  /** Where its inbox errIn gets events from: none, or the emitting connection and how. */
  feedback: { source: number; mode: FeedbackMode } | null;
  /** Random feedback adds −ρ·w·hom^a to the gradient of hidden layers (not with strength ρ = 0). */
  regulariser: boolean;
  isOutput: boolean;
}

export interface Topology {
  shape: NetworkShape;
  groups: GroupInfo[];
  connections: ConnectionInfo[];
  inputGroup: number;
  outputGroup: number;
  targetGroup: number;
  outputConnection: number;
}

export function buildTopology(shape: NetworkShape): Topology {
  const L = shape.hidden.length;
  const groups: GroupInfo[] = [];
  groups.push({ index: 0, role: 'input', kind: 'file', size: shape.nInput, spkName: 'multi_stim', presynaptic: true });
  shape.hidden.forEach((size, h) => {
    groups.push({
      index: h + 1, role: 'hidden', kind: 'lif', size,
      spkName: h === 0 ? 'multi_hidden' : `multi_hidden${h + 1}`, presynaptic: true,
    });
  });
  const outputGroup = L + 1;
  const targetGroup = L + 2;
  groups.push({ index: outputGroup, role: 'output', kind: 'lif', size: shape.nOutput, spkName: 'output', presynaptic: false });
  groups.push({ index: targetGroup, role: 'target', kind: 'file', size: shape.nOutput, spkName: 'target', presynaptic: false });

  const hiddenFeedback = shape.learnHidden && L > 0;
  const connections: ConnectionInfo[] = [];
  for (let c = 0; c <= L; c++) {
    const isOutput = c === L;
    const plastic = isOutput || shape.learnHidden;
    // Hidden layer ℓ = c+1 of L: D = 8 + delaySteps·(L − ℓ + 1); the output uses D = 8.
    const delaySteps = isOutput ? MIN_DELAY_STEPS : MIN_DELAY_STEPS + shape.feedbackDelaySteps * (L - c);
    let feedback: ConnectionInfo['feedback'] = null;
    if (!isOutput && hiddenFeedback) {
      feedback = shape.feedback === 'symmetric' ? { source: c + 1, mode: 'symmetric' } : { source: L, mode: shape.feedback };
    }
    const emitsErrorEvents = hiddenFeedback && (isOutput || (shape.feedback === 'symmetric' && c >= 1));
    connections.push({
      index: c, preGroup: c, postGroup: c + 1, nPre: groups[c]!.size, nPost: groups[c + 1]!.size,
      plastic, delaySteps, emitsErrorEvents, feedback,
      regulariser: !isOutput && plastic && shape.feedback === 'random' && shape.regulariser.strength > 0,
      isOutput,
    });
  }
  return { shape, groups, connections, inputGroup: 0, outputGroup, targetGroup, outputConnection: L };
}
