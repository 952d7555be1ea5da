/** `superspike inspect` — what a config builds: layers, synapses, partition, memory, files. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { resolveTask } from '../../config/task.js';
import { computeSchedule, networkShape } from '../../engine/coordinator.js';
import { computeLayout } from '../../engine/layout.js';
import { localCount } from '../../engine/partition.js';
import { buildTopology } from '../../engine/topology.js';
import { parsePositiveInt } from '../options.js';
import { checkNetworkMemory, checkWorkers, formatBytes, LIMITS } from '../../config/limits.js';

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
      const shape = networkShape(config, task);
      // The same limits as `run`, before laying anything out; only the adjustable memory limit is
      // reported rather than enforced, since inspecting allocates nothing.
      checkWorkers(opts.workers, null);
      const estimate = checkNetworkMemory(shape, opts.workers, task.input.steps.length + task.target.steps.length, Infinity);
      const topology = buildTopology(shape);
      const layout = computeLayout(topology, opts.workers);
      const schedule = computeSchedule(config, task);
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
      const limitGiB = config.maxMemoryGiB ?? LIMITS.defaultMaxMemoryGiB;
      out.push(`estimated memory of a run: ${formatBytes(estimate.totalBytes)} (limit ${limitGiB} GiB${estimate.totalBytes > limitGiB * 2 ** 30 ? ': run would refuse it, see --max-memory-gib' : ''})`);
      out.push(`schedule: burn-in ${schedule.burnInSteps / 1e4} s, ${schedule.blocks} blocks of ${schedule.blockSteps / 1e4} s, ` +
        `frozen replay to ${(schedule.endStep / 1e4).toFixed(4)} s (period ${schedule.periodSteps / 1e4} s)`);
      out.push('', 'files:');
      for (const g of topology.groups) out.push(`  ${Array.from({ length: R }, (_, r) => `${g.spkName}.${r}.spk`).join(' ')}`);
      out.push(`  ${config.name}.stats ${config.name}.netstate run.json`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
