/**
 * `superspike export DIR -o run.npz` — a run as numpy's .npz (see src/export/npz.ts).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { exportNpz } from '../../export/npz.js';

export function register(program: Command): void {
  program
    .command('export')
    .description("write a run's MSE, spikes, final weights and recorded monitors as numpy's .npz")
    .argument('<dir>', "a run's output folder (holds run.json)")
    .option('-o, --output <file>', 'file to write, .npz (default: DIR/run.npz)')
    .option('--no-spikes', 'leave out the spike arrays')
    .addHelpText(
      'after',
      `
Arrays (numpy.load(file)[name]):
  mse                        one MSE per stats line (block), then the final replay
  spikes_<group>             n × 2 float64: time (s), neuron id; group = multi_stim,
                             multi_hidden, …, output, target
  weights_<pre>_to_<post>    post × pre float32 from the final network state
  <kind>_<group>, t_<kind>_<group>   recorded monitors: samples × columns, sample times (s)
See docs/python.md for reading it (and the raw files) with numpy.

Examples:
  superspike export output -o run.npz
  superspike export output/oxford -o oxford-weights.npz --no-spikes`,
    )
    .action(async (dir: string, opts: { output?: string; spikes: boolean }) => {
      const output = opts.output ?? path.join(dir, 'run.npz');
      if (path.extname(output).toLowerCase() !== '.npz') {
        throw new UserError(`${output}: the output must be a .npz file (numpy.load tells the format by the zip inside, but savez names end in .npz)`);
      }
      const r = await exportNpz(dir, output, { spikes: opts.spikes });
      process.stdout.write(`wrote ${r.file} (${r.arrays.length} arrays, ${(r.bytes / 2 ** 20).toFixed(1)} MiB)\n`);
      for (const a of r.arrays) process.stdout.write(`  ${a.name} ${a.dtype} (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''})\n`);
    });
}
