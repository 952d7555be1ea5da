/**
 * The spiking XOR task of the paper (Zenke & Ganguli 2018, Fig. 5; docs/model.md §4.1): 100
 * inputs in three groups — a timing reference that fires in every trial and two "bit" groups —
 * each input neuron with one fixed random spike time inside a 10 ms window. A bit group fires its
 * pattern when its bit is 1 and stays silent when it is 0. Two outputs: 0 means "false", 1
 * "true"; the correct one should spike inside the window of opportunity (the stimulus window
 * plus 15 ms), the other stay silent. Pure: the stimuli follow from the task seed alone.
 *
 * Why one layer cannot solve it. Below threshold a LIF neuron is linear in its input, and every
 * input neuron fires at the same relative time in every trial that includes it, so an output's
 * membrane potential in trial (a, b) is V_ab(t) = R(t) + a·A(t) + b·B(t): the reference group's
 * contribution plus each active bit group's. The "true" output must reach threshold θ for 01 and
 * 10 but not for 00 and 11. At a moment t where the patterns have settled to one common drive,
 * R + A ≥ θ and R + B ≥ θ with R < θ force A > 0 and B > 0, hence R + A + B > θ: 11 fires too —
 * XOR is not linearly separable, and likewise "false" (XNOR). A spiking neuron escapes this only
 * through the time course (an OR over moments: A excitatory where B is inhibitory and vice
 * versa), and with every spike time inside one 10 ms window, as short as the membrane time
 * constant, there is almost no time course to use. A hidden layer supplies the nonlinearity:
 * e.g. one unit that fires for "A or B" and one that fires only for "A and B".
 */
import { Xoshiro128, hash32 } from '../model/rng.js';
import { DT_SECONDS } from '../model/constants.js';
import type { Stimulus } from './trials.js';

export const XOR_INPUTS = 100;
/** Input ids of each group: the timing reference, bit A and bit B. */
export const XOR_GROUPS = {
  reference: { first: 0, size: 34 },
  bitA: { first: 34, size: 33 },
  bitB: { first: 67, size: 33 },
} as const;
export const XOR_OUTPUTS = 2;
/** Every input spike lies in [0, this) after the trial onset. */
export const XOR_PATTERN_SECONDS = 0.01;
/** The window of opportunity: the stimulus window plus 15 ms. */
export const XOR_WINDOW_SECONDS = XOR_PATTERN_SECONDS + 0.015;
/**
 * The correct output's target spikes, after the onset: late enough for a spike to travel through
 * a hidden layer (the pattern ends at 10 ms; each layer adds a delay and a synaptic rise of a few
 * ms), early enough to lie inside the window.
 */
export const XOR_TARGET_SECONDS = [0.015, 0.02] as const;

// Domain-separation constant for hash32: "xor ".
const XOR_STREAM = 0x786f7220;

/** The fixed spike time of each input neuron, on the step grid, in [0, 10 ms). */
export function xorSpikeTimes(seed: number): Float64Array {
  const rng = new Xoshiro128(hash32(seed, XOR_STREAM, 0, 0));
  const steps = Math.round(XOR_PATTERN_SECONDS / DT_SECONDS);
  return Float64Array.from({ length: XOR_INPUTS }, () => Math.min(steps - 1, Math.floor(rng.nextUnit() * steps)) * DT_SECONDS);
}

/** The four stimuli, in the order (a, b) = 00, 01, 10, 11; label = a XOR b. */
export function xorStimuli(seed: number): Stimulus[] {
  const times = xorSpikeTimes(seed);
  const group = (g: { first: number; size: number }) => Array.from({ length: g.size }, (_, i) => g.first + i);
  const stimuli: Stimulus[] = [];
  for (const a of [0, 1]) {
    for (const b of [0, 1]) {
      const ids = [...group(XOR_GROUPS.reference), ...(a ? group(XOR_GROUPS.bitA) : []), ...(b ? group(XOR_GROUPS.bitB) : [])];
      const label = a ^ b;
      stimuli.push({
        inputTimes: Float64Array.from(ids, (id) => times[id]!),
        inputIds: Uint32Array.from(ids),
        targetTimes: Float64Array.from(XOR_TARGET_SECONDS),
        targetIds: Uint32Array.from(XOR_TARGET_SECONDS, () => label),
        label,
      });
    }
  }
  return stimuli;
}
