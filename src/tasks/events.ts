/**
 * Event lists as the task generators and the .ras writer keep them: parallel arrays of times
 * (seconds) and neuron ids in (time, id) order. Pure; no files.
 */

/**
 * Sorts parallel event arrays by (time, id) and returns new arrays; used by the generators so
 * that their files are ordered and deterministic.
 */
export function sortEvents(times: Float64Array, ids: Uint32Array): { times: Float64Array; ids: Uint32Array } {
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]! || ids[a]! - ids[b]!);
  const t = new Float64Array(times.length);
  const d = new Uint32Array(ids.length);
  for (let i = 0; i < order.length; i++) {
    t[i] = times[order[i]!]!;
    d[i] = ids[order[i]!]!;
  }
  return { times: t, ids: d };
}
