/**
 * `superspike input` — frozen Poisson input raster (see src/tasks/poisson.ts).
 */
import type { Command } from 'commander';
import { checkPoissonEvents } from '../../config/limits.js';
import { writeRas } from '../../io/ras.js';
import { poissonEvents } from '../../tasks/poisson.js';
import { parseCount, parseNonNegative, parseSeed } from '../options.js';

interface InputCliOptions {
  neurons: number;
  rate: number;
  duration: number;
  seed: number;
  output: string;
}

export function register(program: Command): void {
  program
    .command('input')
    .description('write frozen Poisson input: every neuron an independent Poisson train at one rate, replayed identically each loop')
    .requiredOption('--neurons <n>', 'number of input neurons (ids 0..n-1)', parseCount)
    .requiredOption('--rate <hz>', 'firing rate of every neuron in Hz', parseNonNegative)
    .requiredOption('--duration <seconds>', 'length of the raster; use the loop grid of the target', parseNonNegative)
    .option('--seed <n>', 'seed; neuron i gets the same train for a given seed whatever --neurons is', parseSeed, 1)
    .requiredOption('-o, --output <file>', 'input raster to write (.ras)')
    .addHelpText(
      'after',
      `
Times are rounded to the 0.1 ms simulation step, so the file holds exactly what is replayed.

Examples:
  superspike input --neurons 200 --rate 5 --duration 1.89 --seed 1 -o config/oxford-input.ras
  superspike input --neurons 1000 --rate 10 --duration 2 -o input.ras`,
    )
    .action((opts: InputCliOptions) => {
      checkPoissonEvents('superspike input', opts.neurons, opts.rate, opts.duration);
      const { times, ids } = poissonEvents({
        neurons: opts.neurons,
        rateHz: opts.rate,
        durationSeconds: opts.duration,
        seed: opts.seed,
      });
      writeRas(opts.output, times, ids, {
        comments: [`frozen Poisson input: neurons ${opts.neurons}, rate ${opts.rate} Hz, duration ${opts.duration} s, seed ${opts.seed}`],
      });
      const mean = opts.neurons > 0 && opts.duration > 0 ? times.length / opts.neurons / opts.duration : 0;
      process.stdout.write(
        `neurons ${opts.neurons}, events ${times.length} (mean rate ${mean.toFixed(2)} Hz), duration ${opts.duration} s\n` +
          `wrote ${opts.output}\n`,
      );
    });
}
