/**
 * A recurrent connection of a group onto itself has no self-synapse (docs/model.md §5.4): the
 * diagonal weight w[j→j] is held at zero, at initialisation and after every weight update, so the
 * kernels (which update every synapse of a connection alike) need no special case.
 */

/**
 * Zeroes w[j][kl] where j is the global id of local post kl on this rank (`globalOf`): rows are
 * presynaptic neurons, `stride` floats apart, starting at float index `wAt`.
 */
export function clearSelfSynapses(f32: Float32Array, wAt: number, stride: number, local: number, globalOf: (local: number) => number): void {
  for (let kl = 0; kl < local; kl++) f32[wAt + globalOf(kl) * stride + kl] = 0;
}
