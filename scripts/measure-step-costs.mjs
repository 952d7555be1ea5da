// Measures the two per-step costs the scaling model (scripts/scaling-model.mjs) needs, on this
// machine, from the built package (run by hand: `npm run build && node scripts/measure-step-costs.mjs`):
//
//   neuron-ns  the presynaptic side per presynaptic neuron and step (pre trace, psp, psp delay
//              line and pEff row of one plastic connection: src/engine/presynaptic-work.ts), timed
//              on its own over a 4000-neuron input layer with 10 Hz of spikes in the rings;
//   step-us    the fixed cost of one step of one rank: `bench --network 10-8-1 --workers 1`
//              (18 neurons, 88 synapses: the loop, the kernel calls, the merges and the replay);
//   block-ms   the fixed cost of one block end (ranks parked: statistics, outputs), paid once per
//              block whatever the ranks (the trained state's save, once per run, was part of it
//              until bench timed its block from park to park, 4 Dec 2026);
//   stat-ns    the part of a block end that grows with the network: the root sums five synaptic
//              fields of the output connection in global order (engine/statistics.ts), per synapse
//              (timed on its own on 200-4096-200, one process, so without the gather).
// bench times one measured block, from one park of the ranks to the next, so its wall time is
// steps·c_step + block; two block lengths (4 s and 24 s) give both as slope and intercept. (A
// single 2 s block, as this script used to time, put the block end into c_step: 2.44 µs.)
//
// Prints the medians of --repeat runs and the machine's load average: pass them to the model as
// `--neuron-ns`, `--step-us`, `--block-ms` and `--stat-ns`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', 'src', p));
const { values: o } = parseArgs({ options: { repeat: { type: 'string', default: '5' }, intervals: { type: 'string', default: '4000' } } });
const repeat = Number(o.repeat);
const intervals = Number(o.intervals);

const { loadConfig } = await dist('config/load.js');
const { networkShape } = await dist('network/chain.js');
const { buildTopology } = await dist('network/topology.js');
const { computeLayout, createSharedMemory } = await dist('network/layout.js');
const { createKernels } = await dist('model/kernels-wasm.js');
const { kernelConstantsOf } = await dist('model/kernels.js');
const { PresynapticWork, writePresynapticRegions } = await dist('engine/presynaptic-work.js');
const { MIN_DELAY_STEPS } = await dist('model/constants.js');
const { NetworkView } = await dist('engine/snapshot.js');
const { statsLine } = await dist('engine/statistics.js');

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** ns per presynaptic neuron and step of the presynaptic side, one thread, one plastic connection out of the layer. */
function neuronNs() {
  const nInput = 4000;
  const { config } = loadConfig(path.join(root, 'config', 'default.json'));
  const shape = { ...networkShape({ ...config, hidden: [8] }, { nInput, nOutput: 1 }), learnHidden: true };
  const topology = buildTopology(shape);
  const layout = computeLayout(topology, 1);
  const memory = createSharedMemory(layout);
  const u32 = new Uint32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  writePresynapticRegions(u32, layout, topology);
  const kernels = createKernels('wasm', memory, kernelConstantsOf(shape));
  const work = new PresynapticWork({ topology, layout, memory, kernels, threads: 1, thread: 0, spin: 0 });
  // 10 Hz on every input: 0.4 spikes per step, written into the input group's ring slots.
  const g = layout.rankRegions[0].groups[0];
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let slot = 0; slot < 2 * MIN_DELAY_STEPS; slot++) {
    const ids = [];
    for (let j = 0; j < nInput; j++) if (rand() < 10 * 1e-4) ids.push(j);
    i32[(g.ringCounts >> 2) + slot] = ids.length;
    u32.set(ids, (g.ringIds >> 2) + slot * g.localCap);
  }
  // Both presynaptic groups count (the input and the 8 hidden neurons); the input dominates.
  const neurons = nInput + 8;
  const runs = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < intervals; k++) work.prepare(k * MIN_DELAY_STEPS, (k + 1) * MIN_DELAY_STEPS, false);
    const ns = Number(process.hrtime.bigint() - t0);
    runs.push(ns / (intervals * MIN_DELAY_STEPS * neurons));
  }
  return runs;
}

/** ns per output synapse of one block end's statistics (statsLine over 200-4096-200, one process). */
function statNs() {
  const { config } = loadConfig(path.join(root, 'config', 'default.json'));
  const topology = buildTopology(networkShape({ ...config, hidden: [4096] }, { nInput: 200, nOutput: 200 }));
  const layout = computeLayout(topology, 1);
  const view = new NetworkView(createSharedMemory(layout), layout, topology);
  const synapses = 4096 * 200;
  statsLine(view, topology, 0, 1); // compiled before it is timed
  const runs = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = process.hrtime.bigint();
    statsLine(view, topology, 0, 1);
    runs.push(Number(process.hrtime.bigint() - t0) / synapses);
  }
  return runs;
}

/** Wall seconds of one measured block of `seconds` (bench --network 10-8-1 --workers 1). */
function blockWall(cwd, seconds) {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(root, 'dist', 'src', 'cli', 'main.js'), 'bench',
    '--network', '10-8-1', '--workers', '1', '--repeat', '1', '--seconds', String(seconds), '--json'], { encoding: 'utf8', cwd });
  return JSON.parse(out)[0].wallSecondsPerSimSecond * seconds;
}

/** Per run: µs per step of a rank with almost no work, and ms per block end (slope and intercept of two block lengths). */
function stepAndBlock() {
  const runs = [];
  const cwd = mkdtempSync(path.join(tmpdir(), 'superspike-step-'));
  const [short, long] = [4, 24];
  for (let r = 0; r < repeat; r++) {
    const a = blockWall(cwd, short);
    const b = blockWall(cwd, long);
    const stepSeconds = (b - a) / ((long - short) * 1e4);
    runs.push({ stepUs: stepSeconds * 1e6, blockMs: (a - short * 1e4 * stepSeconds) * 1e3 });
  }
  rmSync(cwd, { recursive: true, force: true });
  return runs;
}

console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const n = neuronNs();
console.log(`neuron-ns (presynaptic side per neuron and step, 4000 inputs, ${intervals} intervals × ${repeat}): median ${median(n).toFixed(2)} (runs ${n.map((x) => x.toFixed(2)).join(', ')})`);
const st = statNs();
console.log(`stat-ns (a block end's statistics per output synapse, 200-4096-200, ${repeat} runs): median ${median(st).toFixed(2)} (runs ${st.map((x) => x.toFixed(2)).join(', ')})`);
const sb = stepAndBlock();
const steps = sb.map((x) => x.stepUs);
const blocks = sb.map((x) => x.blockMs);
console.log(`step-us (bench --network 10-8-1 --workers 1, blocks of 4 s and 24 s, ${repeat} pairs): median ${median(steps).toFixed(2)} (runs ${steps.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`block-ms (the same pairs' intercept): median ${median(blocks).toFixed(1)} (runs ${blocks.map((x) => x.toFixed(1)).join(', ')})`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
