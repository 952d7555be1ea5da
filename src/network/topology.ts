/**
 * The shape of a SuperSpike network as the engine sees it: groups in creation order and the
 * all-to-all connections between consecutive layers, with their delays and feedback wiring
 * (docs/model.md §5, §7.1, §7.4, §9). Pure data derived from the run options; no memory, no threads.
 */
import { MIN_DELAY_STEPS, type EligibilityMode, type FeedbackGate, type LearningRateKnobs, type RegulariserKnobs } from '../model/constants.js';
import { connectionName, isChainPair, WiringError, type ConnectionWiring } from './graph.js';

export type FeedbackMode = 'symmetric' | 'random' | 'uniform';

export interface NetworkShape {
  nInput: number;
  hidden: readonly number[];
  nOutput: number;
  feedback: FeedbackMode;
  /** Surrogate derivative on (true) or σ' ≡ 1 (false). */
  partial: boolean;
  learnHidden: boolean;
  /** η's multiple on every connection into a hidden layer (the config's `hiddenEtaScale`, resolved). */
  hiddenEtaScale: number;
  /** Extra eligibility delay per hidden layer, in steps (default 8 = 0.8 ms). */
  feedbackDelaySteps: number;
  /** The random-feedback regulariser (docs/model.md §7.2 E3); strength 0 = none. */
  regulariser: RegulariserKnobs;
  /** The weight update's learning-rate scheme (docs/model.md §7.5). */
  learningRate: LearningRateKnobs;
  /** σ' = 0 below this membrane potential (docs/model.md §7.2); null: no floor. */
  surrogateFloorVolts: number | null;
  /** Symmetric feedback: whether hidden layers gate the errors they send down by min(1, σ'/σ'(E_L)) (§7.4). */
  feedbackGate: FeedbackGate;
  /**
   * The output error (docs/model.md §7.3): `target` spikes minus own spikes, or `classification`
   * (a trials task's window of opportunity; the target group's events then mark the windows).
   */
  outputError: OutputErrorMode;
  /** Random feedback: the fraction of each output's feedback weights forced negative (null: as drawn). */
  feedbackNegativeFraction: number | null;
  /** Random feedback: each hidden neuron's feedback weights centred over the outputs (docs/model.md §5.3). */
  feedbackCentred: boolean;
  /** How the eligibility pass is computed (docs/model.md §7.7). */
  eligibility: EligibilityMode;
  /** The config's `connections`, resolved (graph.ts): chain restatements and added connections. */
  wiring?: readonly ConnectionWiring[];
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
  /**
   * Steps of its past spikes that some reader still needs at a step's start: the longest spike
   * delay of the connections out of it, at least MIN_DELAY_STEPS (the output error reads own and
   * target spikes with that delay). Network states keep this many steps of its ring (§11.5).
   */
  historySteps: number;
}

export interface ConnectionInfo {
  index: number;
  /** Readable name (`input_to_hidden`, `hidden_to_hidden`): monitors, exports, inspect. */
  name: string;
  /** A chain connection (input → hidden 1 → … → output) or one the config added. */
  chain: boolean;
  preGroup: number;
  postGroup: number;
  nPre: number;
  nPost: number;
  plastic: boolean;
  /** Delay D of the σ' and psp delay lines (docs/model.md §7.1). */
  delaySteps: number;
  /**
   * Spike transmission delay in steps (docs/model.md §5.1): a spike of step t reaches the post
   * neurons, and this connection's `pre` trace, at t + spikeDelaySteps. MIN_DELAY_STEPS unless the
   * config's `delaySeconds` says; a longer one has its own merged list and `pre` trace (layout.ts).
   */
  spikeDelaySteps: number;
  /**
   * It keeps its own `pre` trace (one per process), bumped by the spikes of step n − spikeDelaySteps:
   * a plastic connection with a spike delay longer than the minimum. Layout, the presynaptic work,
   * network states (save, restore, validation) and the state-size estimate all ask here.
   */
  ownPreTrace: boolean;
  /** Its post layer's nonzero errors are events for some other connection's inbox. */
  emitsErrorEvents: boolean;
  /** Its events carry error·min(1, σ'/σ'(E_L)) of its post neurons (a hidden layer under symmetric feedback with `feedbackGate: surrogate`). */
  gateErrorEvents: boolean;
  /** Where its inbox errIn gets events from: none, or the emitting connection and how. */
  feedback: { source: number; mode: FeedbackMode } | null;
  /** Random feedback adds −ρ·w·hom^a to the gradient of hidden layers (not with strength ρ = 0). */
  regulariser: boolean;
  isOutput: boolean;
  /**
   * Added connections learn from the error of their post neurons, which the chain connection
   * into the same group computes: its index (null for chain connections, docs/model.md §7.4).
   */
  errorFrom: number | null;
  /** Multiplier of the fan-in rule's initial weight scale (§5.3); 1 unless the config says. */
  weightScale: number;
  /** Multiplier of η in its weight updates (§7.5); 1 unless the config says. */
  etaScale: number;
  /** Presynaptic neurons of all connections into the post group: the fan-in of §5.3. */
  fanIn: number;
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
  groups.push({ index: 0, role: 'input', kind: 'file', size: shape.nInput, spkName: 'multi_stim', presynaptic: true, historySteps: MIN_DELAY_STEPS });
  shape.hidden.forEach((size, h) => {
    groups.push({
      index: h + 1, role: 'hidden', kind: 'lif', size,
      spkName: h === 0 ? 'multi_hidden' : `multi_hidden${h + 1}`, presynaptic: true, historySteps: MIN_DELAY_STEPS,
    });
  });
  const outputGroup = L + 1;
  const targetGroup = L + 2;
  groups.push({ index: outputGroup, role: 'output', kind: 'lif', size: shape.nOutput, spkName: 'output', presynaptic: false, historySteps: MIN_DELAY_STEPS });
  groups.push({ index: targetGroup, role: 'target', kind: 'file', size: shape.nOutput, spkName: 'target', presynaptic: false, historySteps: MIN_DELAY_STEPS });

  const wiring = shape.wiring ?? [];
  const chainEntry = (c: number) => wiring.find((w) => w.pre === c && w.post === c + 1);
  const chainPlastic = Array.from({ length: L + 1 }, (_, c) => chainEntry(c)?.plastic ?? (c === L || shape.learnHidden));
  checkPlasticity(shape, chainPlastic, wiring);
  const fanIn = groups.map((g) => (g.index === 0 ? 0 : groups[g.index - 1]!.size));
  for (const w of wiring) if (!isChainPair(w.pre, w.post)) fanIn[w.post]! += groups[w.pre]!.size;

  // A hidden layer's error arrives as feedback only while it learns (§7.4).
  const hiddenFeedback = (c: number) => c < L && chainPlastic[c]!;
  const connections: ConnectionInfo[] = [];
  for (let c = 0; c <= L; c++) {
    const isOutput = c === L;
    const plastic = chainPlastic[c]!;
    // Hidden layer ℓ = c+1 of L: D = 8 + delaySteps·(L − ℓ + 1); the output uses D = 8.
    const delaySteps = isOutput ? MIN_DELAY_STEPS : MIN_DELAY_STEPS + shape.feedbackDelaySteps * (L - c);
    let feedback: ConnectionInfo['feedback'] = null;
    if (hiddenFeedback(c)) {
      feedback = shape.feedback === 'symmetric' ? { source: c + 1, mode: 'symmetric' } : { source: L, mode: shape.feedback };
    }
    // The output's errors feed random/uniform feedback; with symmetric feedback each layer above
    // a learning one sends its errors down.
    const emitsErrorEvents = c >= 1 && (shape.feedback === 'symmetric' ? hiddenFeedback(c - 1) : isOutput && chainPlastic.slice(0, L).some((p) => p));
    const spikeDelaySteps = chainEntry(c)?.delaySteps ?? MIN_DELAY_STEPS;
    connections.push({
      index: c, name: connectionName(c, c + 1, L), chain: true,
      preGroup: c, postGroup: c + 1, nPre: groups[c]!.size, nPost: groups[c + 1]!.size,
      plastic, delaySteps, spikeDelaySteps, ownPreTrace: plastic && spikeDelaySteps !== MIN_DELAY_STEPS, emitsErrorEvents, feedback,
      gateErrorEvents: emitsErrorEvents && !isOutput && shape.feedback === 'symmetric' && shape.feedbackGate === 'surrogate' && shape.partial,
      regulariser: !isOutput && plastic && shape.feedback === 'random' && shape.regulariser.strength > 0,
      isOutput, errorFrom: null, weightScale: chainEntry(c)?.weightScale ?? 1, etaScale: (chainEntry(c)?.etaScale ?? 1) * (isOutput ? 1 : shape.hiddenEtaScale), fanIn: fanIn[c + 1]!,
    });
  }
  // Added connections after the chain: each one's error source is computed earlier in the step.
  for (const w of wiring) {
    if (isChainPair(w.pre, w.post)) continue;
    const source = connections[w.post - 1]!;
    const plastic = w.plastic ?? source.plastic;
    connections.push({
      index: connections.length, name: connectionName(w.pre, w.post, L), chain: false,
      preGroup: w.pre, postGroup: w.post, nPre: groups[w.pre]!.size, nPost: groups[w.post]!.size,
      plastic, delaySteps: source.delaySteps, spikeDelaySteps: w.delaySteps, ownPreTrace: plastic && w.delaySteps !== MIN_DELAY_STEPS,
      emitsErrorEvents: false, gateErrorEvents: false, feedback: null,
      regulariser: !source.isOutput && plastic && shape.feedback === 'random' && shape.regulariser.strength > 0,
      isOutput: false, errorFrom: plastic ? source.index : null, weightScale: w.weightScale, etaScale: w.etaScale * (source.isOutput ? 1 : shape.hiddenEtaScale), fanIn: fanIn[w.post]!,
    });
  }
  for (const c of connections) {
    const pre = groups[c.preGroup]!;
    pre.historySteps = Math.max(pre.historySteps, c.spikeDelaySteps);
  }
  return { shape, groups, connections, inputGroup: 0, outputGroup, targetGroup, outputConnection: L };
}

/**
 * The error of a layer is computed by the chain connection into it, and reaches hidden layers
 * through the chain above them: a frozen chain connection cannot carry what a learning one needs.
 */
function checkPlasticity(shape: NetworkShape, chainPlastic: boolean[], wiring: readonly ConnectionWiring[]): void {
  const L = shape.hidden.length;
  const label = (c: number) => connectionName(c, c + 1, L);
  for (const w of wiring) {
    if (isChainPair(w.pre, w.post) || w.plastic !== true || chainPlastic[w.post - 1]) continue;
    throw new WiringError(`${connectionName(w.pre, w.post, L)} cannot learn while ${label(w.post - 1)} is static: the chain connection into a group computes the error its other connections learn from`);
  }
  const anyHidden = chainPlastic.slice(0, L).some((p) => p);
  if (anyHidden && !chainPlastic[L]) {
    throw new WiringError(`${label(L)} must stay plastic while a hidden layer learns: the output's error is where every hidden error comes from`);
  }
  if (shape.feedback !== 'symmetric') return;
  for (let c = 1; c < L; c++) {
    if (chainPlastic[c - 1] && !chainPlastic[c]) {
      throw new WiringError(`${label(c)} must be plastic while ${label(c - 1)} learns: with symmetric feedback a layer's error comes through the layer above`);
    }
  }
}
