// The scaling model of ranks in several processes (run by hand: `node scripts/scaling-model.mjs`):
// predicted wall time per simulated second and speedup for 16, 64 and 256 ranks, from numbers
// measured on this project's machine and stated assumptions about the interconnect. Prints tables;
// every input is a flag, so other measurements can be plugged in.
//
// Model, per 0.8 ms exchange interval (8 steps):
//   compute(R)  = 8·[ S/(R·ν) + N·c_n/T + c_step ]   S synapses, ν synapse updates/s of one rank; the
//                                             presynaptic side (traces and psp of the N presynaptic
//                                             neurons) is computed once per process, split over its T
//                                             threads (src/engine/presynaptic-work.ts), at c_n per
//                                             neuron and step; c_step is the fixed cost of one rank's
//                                             step (the loop, kernel calls, merges), repeated by every rank
//   bytes(P, T) = 4·(2 + T·8·(G + E)) + 4·spikes/P + 8·events/P   (mpi-link.ts packs exactly this:
//                                             a count per group and emitting connection per rank and
//                                             step, then the ids and error values that fired)
//   exchange(P) = ⌈log₂P⌉·α + (P − 1)·inline/β   (one allgatherv of fixed inline blocks, mpi-link.ts: the counts
//                                             plus 1.5 KiB of lists, less beyond 32 processes; a second
//                                             collective only when the lists overflow;
//                                             recursive doubling for latency, ring for bandwidth)
//   block(P)    = b + s·W + (P − 1)/P·20·W/β       once per block of B simulated seconds, at the root
//                                             while every rank is parked (engine/statistics.ts): a
//                                             fixed b, then five fields of the W output synapses
//                                             gathered (4 bytes each) and summed at s per synapse
//   wall(R)     = compute(R) + exchange(P) + block(P)·0.8 ms/B     with P = R/T processes of T threads
// Weight exchanges (symmetric feedback, once per 5000 steps) add (P−1)·w·4/(P·β) per 625 intervals
// (w the shared weights): one gatherv per receiving process, each bringing it (P−1)/P² of them —
// only the rows its ranks read (engine/weight-mirror.ts) — one root after another. They are
// included; load imbalance and OS noise are not (the measured s absorbs some of them).
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    // Measured here (README, Scaling model): `superspike bench --network 200-1024-200 --workers 1`,
    // and `node scripts/measure-step-costs.mjs` for the two per-step costs.
    'synapse-rate': { type: 'string', default: '2.58e9' },   // 200-1024-200: synapse updates/s of one rank
    'step-us': { type: 'string', default: '0.56' },          // 10-8-1: wall per step of a rank of a network with no work
    'block-ms': { type: 'string', default: '19.1' },            // 10-8-1: fixed wall per block end
    'stat-ns': { type: 'string', default: '19.2' },             // a block end's statistics per output synapse (root)
    'block-seconds': { type: 'string', default: '6.1' },     // simulated seconds per block (config/default.json)
    'neuron-ns': { type: 'string', default: '0.82' },        // the presynaptic side alone, per neuron and step (4000 inputs)
    // Measured here (docs/mpi-binding.md, fastest batches): shared memory 1.8–3.3 µs, TCP loopback 13 µs.
    'alpha-us': { type: 'string', default: '1.5' },         // InfiniBand HDR, MPI small-message latency
    'beta-gbs': { type: 'string', default: '20' },           // InfiniBand HDR 200 Gb/s, achievable
    'threads': { type: 'string', default: '16' },            // rank threads per process (one process per 16-core host)
    'rates': { type: 'string', default: '10,10,5,5' },       // Hz: input, hidden, output, target
  },
});
const num = (k) => Number(o[k]);
const [rIn, rHid, rOut, rTgt] = o.rates.split(',').map(Number);
const alpha = num('alpha-us') * 1e-6;
const beta = num('beta-gbs') * 1e9;
const INTERVAL = 8e-4;

const networks = [[200, 1024, 200], [1000, 8192, 1000], [1000, 65536, 1000]];
const rankCounts = [16, 64, 256];

function model(sizes, R, T) {
  const [nIn, nHid, nOut] = sizes;
  const synapses = nIn * nHid + nHid * nOut;
  const presynaptic = (nIn + nHid) * num('neuron-ns') * 1e-9;     // once per process, per step
  const T1 = (synapses * 8) / num('synapse-rate') + 8 * (presynaptic + num('step-us') * 1e-6);   // wall seconds for 8 steps on one rank
  const compute = (synapses * 8) / (R * num('synapse-rate')) + 8 * (presynaptic / T + num('step-us') * 1e-6);
  const P = Math.max(1, R / T);
  const G = 4; // groups: input, hidden, output, target
  const E = 1; // emitting connections (symmetric, one hidden layer: the output connection)
  const spikes = (nIn * rIn + nHid * rHid + nOut * rOut + nOut * rTgt) * INTERVAL;
  const events = nOut * (rOut + rTgt) * INTERVAL;     // an output error is nonzero where a spike or target fell
  const bytes = 4 * (2 + T * 8 * (G + E)) + (4 * spikes) / P + (8 * events) / P;
  const inline = 4 * (2 + T * 8 * (G + E)) + 4 * Math.max(64, Math.min(384, Math.ceil(12288 / P)));    // the block every process sends (mpi-link.ts inlineWordsOf)
  const weightBytes = (nHid * nOut * 4) / P;          // every 625 intervals: P gathervs of (P−1)/P² of them each, in turn
  // A second collective only when the lists overflow the inline block.
  const overflow = bytes > inline ? Math.ceil(Math.log2(P)) * alpha + ((P - 1) * (bytes - inline)) / beta : 0;
  const exchange = P === 1 ? 0 : Math.ceil(Math.log2(P)) * alpha + ((P - 1) * inline) / beta + overflow + ((P - 1) * weightBytes) / beta / 625;
  const blockCost = (P) => num('block-ms') * 1e-3 + nHid * nOut * num('stat-ns') * 1e-9 + ((P - 1) / P) * (20 * nHid * nOut) / beta;
  const perInterval = (P) => (blockCost(P) * INTERVAL) / num('block-seconds');
  const wall = compute + exchange + perInterval(P);
  return { synapses, T1: T1 + perInterval(1), compute, exchange, bytes, P, wallPerSimSecond: wall / INTERVAL, speedup: (T1 + perInterval(1)) / wall };
}

console.log(`scaling model: α = ${o['alpha-us']} µs, β = ${o['beta-gbs']} GB/s (InfiniBand HDR), ` +
  `${o['synapse-rate']} synapse updates/s per rank, ${o['step-us']} µs per step, ${o['neuron-ns']} ns per presynaptic neuron per step, ` +
  `${o['block-ms']} ms + ${o['stat-ns']} ns per output synapse per block of ${o['block-seconds']} s, ` +
  `rates ${o.rates} Hz (input, hidden, output, target)\n`);
for (const T of [1, num('threads')]) {
  console.log(T === 1 ? '## one rank per process (P = R)' : `## hybrid: ${T} rank threads per process (P = R/${T} hosts)`);
  console.log('| network | synapses | ranks | processes | bytes/interval/process | compute µs/interval | exchange µs/interval | wall s / sim s | speedup | efficiency |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const sizes of networks) {
    const one = model(sizes, 1, 1);
    for (const R of rankCounts) {
      const m = model(sizes, R, Math.min(T, R));
      console.log(`| ${sizes.join('-')} | ${(m.synapses / 1e6).toFixed(1)} M | ${R} | ${m.P} | ${m.bytes.toFixed(0)} | ` +
        `${(m.compute * 1e6).toFixed(1)} | ${(m.exchange * 1e6).toFixed(1)} | ${m.wallPerSimSecond.toFixed(3)} (1 rank: ${one.wallPerSimSecond.toFixed(2)}) | ` +
        `${m.speedup.toFixed(1)}× | ${((m.speedup / R) * 100).toFixed(0)} % |`);
    }
  }
  console.log('');
}
