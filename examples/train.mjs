// Train the built-in SUPERSPIKE task from a script through the library API, then read the
// output spikes of the final frozen replay back as typed arrays.
//
//   node examples/train.mjs [blocks] [out]      (default: 3 blocks into output/example)
//
// From an installed copy the import is the same: `npm install superspike`, then this file.
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, decodeSpikes, loadRun, train } from 'superspike';

const blocks = Number(process.argv[2] ?? 3);
const out = process.argv[3] ?? 'output/example';
const config = { ...JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')), blocks };

const run = await train(config, {
  workers: 2,
  out,
  quiet: true,
  onProgress: (e) => process.stderr.write(`\r${e.simulatedSeconds.toFixed(1)} of ${(e.endStep / 1e4).toFixed(1)} s simulated`),
});
process.stderr.write('\n');
console.log(`MSE per block: ${run.mse.map((m) => m.toFixed(3)).join(' ')}`);
console.log(`${run.simulatedSeconds.toFixed(1)} s simulated in ${run.wallSeconds.toFixed(1)} s; files in ${run.outDir}`);

const { info } = loadRun(run.outDir);
const final = info.finalWindow;
const spikes = await decodeSpikes(`${run.outDir}/output`, {
  from: final.fromStep / info.stepsPerSecond,
  to: final.toStep / info.stepsPerSecond,
});
console.log(`final replay: ${spikes.times.length} output spikes, first at ${spikes.times[0]?.toFixed(4)} s by neuron ${spikes.ids[0]}`);
