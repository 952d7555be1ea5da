/**
 * The stats line of a block (docs/model.md §7.6, §11.4): cost and means of the output
 * connection's synaptic state, summed in ascending global order by the network view, so the
 * numbers do not depend on the partition.
 */
import type { StatsLine } from '../io/stats.js';
import { DT_SECONDS } from '../model/constants.js';
import { normalisedMse } from '../model/cost.js';
import type { NetworkView } from './snapshot.js';
import type { Topology } from '../network/topology.js';

export function statsLine(view: NetworkView, topology: Topology, block: number, clock: number): StatsLine {
  const c = topology.outputConnection;
  const info = topology.connections[c]!;
  const synapses = info.nPre * info.nPost;
  return {
    block,
    mse: normalisedMse(view.sumPost(c, 'avgSqErr') / info.nPost, clock * DT_SECONDS),
    meanW: view.sumSynapses(c, 'w') / synapses,
    meanEl: view.sumSynapses(c, 'el') / synapses,
    meanElFlt: view.sumSynapses(c, 'elFlt') / synapses,
    meanElSum: view.sumSynapses(c, 'elSum') / synapses,
    meanGrad2: view.sumSynapses(c, 'grad2') / synapses,
    meanErrFiltered: view.sumPost(c, 'errFiltered') / info.nPost,
  };
}
