/** `superspike inspect` — what a config builds: layers, synapses, partition, memory, files. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { resolveTask } from '../../config/task.js';
import { networkShape, scheduleFor } from '../../engine/setup.js';
import { spkRankFileName } from '../../io/spk.js';
import { computeLayout } from '../../engine/layout.js';
import { localCount } from '../../engine/partition.js';
import { buildTopology } from '../../engine/topology.js';
import { STEPS_PER_SECOND } from '../../model/constants.js';
import { parsePositiveInt } from '../options.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show the network a config builds: layers, synapses, partition over ranks, memory, expected files')
    .argument('[config]', 'experiment config (JSON); default: the built-in task')
    .option('-w, --workers <n>', 'ranks to partition over', parsePositiveInt, availableParallelism())
    .addHelpText('after', `
Examples:
  superspike inspect
  superspike inspect config/oxford.json --input in.ras --target target.ras --workers 4`)
    .option('--input <file>', 'input raster (.ras)')
    .option('--target <file>', 'target raster (.ras)')
    .action(async (configFile: string | undefined, opts: { workers: number; input?: string; target?: string }) => {
      const { config } = loadConfig(configFile, { input: opts.input, target: opts.target });
      const task = await resolveTask(config);
      const topology = buildTopology(networkShape(config, task));
      const layout = computeLayout(topology, opts.workers);
      const schedule = scheduleFor(config, task);
      const R = opts.workers;
      const out: string[] = [];
      out.push(`task: ${task.description}`);
      out.push(`feedback ${config.feedback}, partial ${config.partial}, learnHidden ${config.learnHidden}, η ${config.eta}, w0 ${config.w0}, seed ${config.seed}`);
      out.push('', `groups (partitioned round-robin over ${R} rank${R > 1 ? 's' : ''}: id g on rank g mod ${R}):`);
      for (const g of topology.groups) {
        const parts = Array.from({ length: R }, (_, r) => localCount(g.size, r, R));
        out.push(`  ${g.spkName.padEnd(14)} ${g.role.padEnd(7)} ${String(g.size).padStart(6)} neurons  per rank: ${parts.join(' ')}`);
      }
      out.push('', 'connections (all-to-all):');
      let total = 0;
      for (const c of topology.connections) {
        const n = c.nPre * c.nPost;
        total += n;
        out.push(`  ${topology.groups[c.preGroup]!.spkName} → ${topology.groups[c.postGroup]!.spkName}: ${n.toLocaleString('en')} synapses, ` +
          `${c.plastic ? `plastic, eligibility delay ${c.delaySteps} steps` : 'static'}${c.feedback ? `, ${c.feedback.mode} feedback` : ''}`);
      }
      out.push(`  total ${total.toLocaleString('en')} synapses`);
      out.push('', `shared memory: ${(layout.totalBytes / 2 ** 20).toFixed(1)} MiB (${(layout.totalBytes / Math.max(1, total)).toFixed(1)} bytes per synapse)`);
      out.push(`schedule: burn-in ${schedule.burnInSteps / STEPS_PER_SECOND} s, ${schedule.blocks} blocks of ${schedule.blockSteps / STEPS_PER_SECOND} s, ` +
        `frozen replay to ${(schedule.endStep / STEPS_PER_SECOND).toFixed(4)} s (period ${schedule.periodSteps / STEPS_PER_SECOND} s)`);
      out.push('', 'files:');
      for (const g of topology.groups) out.push(`  ${Array.from({ length: R }, (_, r) => spkRankFileName(g.spkName, r)).join(' ')}`);
      out.push(`  ${config.name}.stats ${config.name}.netstate run.json`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
