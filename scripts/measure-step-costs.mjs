// Measures the two per-step costs the scaling model (scripts/scaling-model.mjs) needs, on this
// machine, from the built package (run by hand: `npm run build && node scripts/measure-step-costs.mjs`):
//
//   neuron-ns  the presynaptic side per presynaptic neuron and step (pre trace, psp, psp delay
//              line and pEff row of one plastic connection: src/engine/presynaptic-work.ts), timed
//              on its own over a 4000-neuron input layer with 10 Hz of spikes in the rings;
//   step-us    the fixed cost of one step of one rank: `bench --network 10-8-1 --workers 1`
//              (18 neurons, 88 synapses: the loop, the kernel calls, the merges and the replay).
//
// Prints the medians of --repeat runs and the machine's load average: pass them to the model as
// `--neuron-ns` and `--step-us`.
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
  const work = new PresynapticWork({ topology, layout, memory, kernels, threads: 1, spin: 0 });
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

/** µs per step of a rank of a network with almost no work (bench --network 10-8-1 --workers 1). */
function stepUs() {
  const runs = [];
  const cwd = mkdtempSync(path.join(tmpdir(), 'superspike-step-'));
  for (let r = 0; r < repeat; r++) {
    const out = execFileSync(process.execPath, ['--expose-gc', path.join(root, 'dist', 'src', 'cli', 'main.js'), 'bench',
      '--network', '10-8-1', '--workers', '1', '--repeat', '1', '--json'], { encoding: 'utf8', cwd });
    const json = JSON.parse(out);
    const wall = json[0].wallSecondsPerSimSecond;
    runs.push((wall / 1e4) * 1e6);
  }
  rmSync(cwd, { recursive: true, force: true });
  return runs;
}

console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const n = neuronNs();
console.log(`neuron-ns (presynaptic side per neuron and step, 4000 inputs, ${intervals} intervals × ${repeat}): median ${median(n).toFixed(2)} (runs ${n.map((x) => x.toFixed(2)).join(', ')})`);
const s = stepUs();
console.log(`step-us (bench --network 10-8-1 --workers 1, ${repeat} runs): median ${median(s).toFixed(2)} (runs ${s.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
