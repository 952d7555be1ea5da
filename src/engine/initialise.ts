/**
 * The fresh state of a new network (docs/model.md §3, §5.3): membranes at rest, no current, and
 * weights and random-feedback matrices drawn from counter-based normals. Every value is a pure
 * function of (seed, connection, pre id, post id), so a rank draws exactly the values the same
 * neurons get under any other partition.
 */
import { E_REST_VOLTS, W_MAX } from '../model/constants.js';
import { counterNormal } from '../model/rng.js';
import { clearSelfSynapses } from '../model/self-synapses.js';
import type { RankRegion } from '../network/layout.js';
import { globalId } from '../network/partition.js';
import type { Topology } from '../network/topology.js';

const f = Math.fround;

/** Streams of counterNormal: weights use the connection index, feedback matrices this offset. */
export const FEEDBACK_STREAM_OFFSET = 1000;

/** What the fan-in rule (docs/model.md §5.3) needs beyond w0; a plain chain's is { 1, nPre }. */
export interface FanIn {
  weightScale: number;
  /** Presynaptic neurons of the post group over all its connections. */
  fanIn: number;
}

/**
 * The initial weight of synapse pre j → post k of connection ci: N(0, σ²) with the fan-in rule's
 * σ = w0·scale/√fan-in (for a plain chain today's w0/√nPre, bit for bit), clipped at ±W_MAX.
 */
export function initialWeight(seed: number, w0: number, ci: number, nPre: number, j: number, k: number, rule?: FanIn): number {
  const sigma = rule === undefined ? w0 / Math.sqrt(nPre) : (w0 * rule.weightScale) / Math.sqrt(rule.fanIn);
  const z = f(sigma * counterNormal(seed, ci, j, k));
  return z > W_MAX ? W_MAX : z < -W_MAX ? -W_MAX : z;
}

/**
 * Every initial weight of connection ci, j-major nPre × nPost (the network state's order); a
 * recurrent connection (`recurrent`) has its self-synapses at 0.
 */
export function initialWeights(seed: number, w0: number, ci: number, nPre: number, nPost: number, rule?: FanIn, recurrent = false): Float32Array {
  const w = new Float32Array(nPre * nPost);
  for (let j = 0; j < nPre; j++) {
    for (let k = 0; k < nPost; k++) w[j * nPost + k] = recurrent && j === k ? 0 : initialWeight(seed, w0, ci, nPre, j, k, rule);
  }
  return w;
}

export function initialiseRank(
  f32: Float32Array, i32: Int32Array, topology: Topology, region: RankRegion,
  rank: number, ranks: number, seed: number, w0: number,
): void {
  topology.groups.forEach((g, gi) => {
    const at = region.groups[gi]!;
    if (g.kind === 'lif') {
      f32.fill(E_REST_VOLTS, at.v >> 2, (at.v >> 2) + at.localCount);
      f32.fill(0, at.i >> 2, (at.i >> 2) + at.stride);
      i32.fill(0, at.ref >> 2, (at.ref >> 2) + at.stride);
    }
  });
  topology.connections.forEach((c, ci) => {
    const at = region.connections[ci]!;
    const post = region.groups[c.postGroup]!;
    const w = at.w >> 2;
    for (let j = 0; j < c.nPre; j++) {
      for (let kl = 0; kl < at.stride; kl++) {
        f32[w + j * at.stride + kl] = kl < post.localCount ? initialWeight(seed, w0, ci, c.nPre, j, globalId(kl, rank, ranks), c) : 0;
      }
    }
    if (c.preGroup === c.postGroup) clearSelfSynapses(f32, w, at.stride, post.localCount, (kl) => globalId(kl, rank, ranks));
    if (at.feedbackB !== 0) {
      const b = at.feedbackB >> 2;
      const negatives = forcedNegatives(topology.shape.feedbackNegativeFraction, c.nPost);
      // Centred (config feedbackCentred, §5.3): each hidden neuron's weights minus their mean over
      // the outputs, summed in float64 in ascending k — a column lives whole on the rank that owns
      // its neuron, so every partition computes the same mean.
      const centred = topology.shape.feedbackCentred;
      const nOut = topology.shape.nOutput;
      const mean = new Float64Array(post.localCount);
      if (centred) {
        for (let kl = 0; kl < post.localCount; kl++) {
          const j = globalId(kl, rank, ranks);
          let sum = 0;
          for (let k = 0; k < nOut; k++) sum += f(counterNormal(seed, FEEDBACK_STREAM_OFFSET + ci, k, j));
          mean[kl] = sum / nOut;
        }
      }
      for (let k = 0; k < nOut; k++) {
        for (let kl = 0; kl < post.localCount; kl++) {
          const j = globalId(kl, rank, ranks);
          const value = f(counterNormal(seed, FEEDBACK_STREAM_OFFSET + ci, k, j));
          const drawn = centred ? f(value - mean[kl]!) : value;
          f32[b + k * at.stride + kl] = negatives === null ? drawn : j < negatives ? -Math.abs(drawn) : Math.abs(drawn);
        }
      }
    }
  });
}

/**
 * How many of a layer's hidden neurons (the lowest ids) get negative feedback weights when the
 * signs are forced (config `feedbackNegativeFraction`); null: signs as drawn. By global id, so
 * every partition forces the same weights.
 */
export function forcedNegatives(fraction: number | null, hiddenNeurons: number): number | null {
  return fraction === null ? null : Math.round(fraction * hiddenNeurons);
}
