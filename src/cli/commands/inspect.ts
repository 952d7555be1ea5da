/** `superspike inspect` — what a config builds: layers, synapses, partition, memory, files. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { resolveTask } from '../../config/task.js';
import { networkShape } from '../../network/chain.js';
import { scheduleFor } from '../../engine/setup.js';
import { trainedStateName } from '../../engine/continuation.js';
import { STEPS_PER_SECOND, WEIGHT_UPDATE_STEPS } from '../../model/constants.js';
import { spkRankFileName } from '../../io/spk.js';
import { computeLayout, sharedWeightConnections } from '../../network/layout.js';
import { mirrorSpanBounds, spanBytes } from '../../engine/weight-mirror.js';
import { maxIntervalWords } from '../../engine/mpi-link.js';
import { localCount, ranksOfProcess } from '../../network/partition.js';
import { buildTopology } from '../../network/topology.js';
import { deprecatedMsOption, parsePositive, parsePositiveInt, secondsFlag } from '../options.js';
import { DEFAULT_RUN_OPTIONS } from '../../engine/options.js';
import { monitorDiskBytes, msToSteps, planMonitors } from '../../engine/monitor-plan.js';
import { checkNetworkMemory, checkWorkers, formatBytes, LIMITS, MONITOR_BUFFER_BYTES, stateBytes } from '../../config/limits.js';

/** A spike delay in steps as milliseconds: 8 → "0.8 ms", 30 → "3 ms" (a whole number of 0.1 ms steps). */
function formatDelay(steps: number): string {
  return `${Number((steps * 1000 / STEPS_PER_SECOND).toFixed(1))} ms`;
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show the network a config builds: layers, synapses, partition over ranks, memory, expected files')
    .argument('[config]', 'experiment config (JSON); default: the built-in task (config/default.json, as run)')
    .option('-w, --workers <n>', 'ranks to partition over', parsePositiveInt, availableParallelism())
    .addHelpText('after', `
Examples:
  superspike inspect
  superspike inspect config/oxford.json --input in.ras --target target.ras --workers 4
  superspike inspect --processes 4 --workers 2          # as under mpirun -np 4 … --workers 2`)
    .option('--input <file>', 'input raster (.ras)')
    .option('--target <file>', 'target raster (.ras)')
    .option('--processes <p>', 'MPI processes, each with --workers rank threads (mpirun -np P)', parsePositiveInt, 1)
    .option('--record <monitor>', 'state monitors as for run (repeatable): their size on disk', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--record-every-seconds <s>', 'sampling interval of recorded state, as for run', parsePositive)
    .option('--record-rate-bin-seconds <s>', 'bin of recorded population rates, as for run', parsePositive)
    .addOption(deprecatedMsOption('--record-every-ms', '--record-every-seconds', parsePositive))
    .addOption(deprecatedMsOption('--record-rate-bin-ms', '--record-rate-bin-seconds', parsePositive))
    .action(async (configFile: string | undefined, opts: {
      workers: number; processes: number; input?: string; target?: string; record: string[]; recordEverySeconds?: number; recordRateBinSeconds?: number; recordEveryMs?: number; recordRateBinMs?: number;
    }) => {
      const { config } = loadConfig(configFile, { input: opts.input, target: opts.target });
      const task = await resolveTask(config);
      const shape = networkShape(config, task);
      const R = opts.workers * opts.processes;
      const P = opts.processes;
      // The same limits as `run`, before laying anything out; only the adjustable memory limit is
      // reported rather than enforced, since inspecting allocates nothing.
      checkWorkers(R, null, opts.workers); // the limit bounds the threads of one process
      const estimate = checkNetworkMemory(shape, R, task.input.steps.length + task.target.steps.length, Infinity);
      const topology = buildTopology(shape);
      const layouts = Array.from({ length: P }, (_, p) => computeLayout(topology, R, ranksOfProcess(p, opts.workers)));
      const schedule = scheduleFor(config, task);
      const out: string[] = [];
      out.push(`task: ${task.description}`);
      out.push(`feedback ${config.feedback}, partial ${config.partial}, learnHidden ${config.learnHidden}, η ${config.eta}, w0 ${config.w0}, seed ${config.seed}, ` +
        `σ' floor ${config.surrogateFloorVolts === null ? 'none' : `${config.surrogateFloorVolts} V`}, feedbackGate ${config.feedbackGate}, ` +
        `hidden η scale ${config.hiddenEtaScale === 'auto' ? `auto (${topology.shape.hiddenEtaScale})` : config.hiddenEtaScale}`);
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
        const kind = c.chain ? '' : c.preGroup === c.postGroup ? ' (recurrent, self-synapses held at 0)' : ' (added)';
        const error = c.errorFrom === null ? '' : `, error of ${topology.connections[c.errorFrom]!.name}`;
        const scale = (c.weightScale === 1 ? '' : `, weight scale ${c.weightScale}`) + (c.etaScale === 1 ? '' : `, η scale ${c.etaScale}`);
        const gate = c.gateErrorEvents ? `, sends its errors × min(1, σ'/σ'(E_L))` : '';
        out.push(`  ${topology.groups[c.preGroup]!.spkName} → ${topology.groups[c.postGroup]!.spkName}: ${n.toLocaleString('en')} synapses, ` +
          `${c.plastic ? `plastic, eligibility delay ${c.delaySteps} steps` : 'static'}${c.feedback ? `, ${c.feedback.mode} feedback` : ''}${error}${gate}${scale}, ` +
          `spike delay ${formatDelay(c.spikeDelaySteps)}, ` +
          `initial σ = w0${c.weightScale === 1 ? '' : `·${c.weightScale}`}/√${c.fanIn} — ${c.name}${kind}`);
      }
      out.push(`  total ${total.toLocaleString('en')} synapses`);
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      if (P === 1) {
        const bytes = layouts[0]!.totalBytes;
        out.push('', `shared memory: ${mib(bytes)} MiB (${(bytes / Math.max(1, total)).toFixed(1)} bytes per synapse)`);
      } else {
        out.push('', `layout: ${P} processes × ${opts.workers} rank threads = ${R} ranks (rank r in process ⌊r/${opts.workers}⌋)`);
        out.push(`shared memory per process: ${layouts.map((l) => mib(l.totalBytes)).join(' / ')} MiB (mirrors of other processes' ranks hold only rings and shared weights)`);
        out.push(`largest interval exchange per process: ${layouts.map((l) => 4 * maxIntervalWords(l, topology, l.localRanks)).map((b) => `${(b / 1024).toFixed(1)} KiB`).join(' / ')} ` +
          '(every spike and error event of 8 steps; real exchanges carry only what fired)');
        const shared = sharedWeightConnections(topology);
        if (shared.length > 0) {
          // What each process sends: the rows every other process's ranks read (engine/weight-mirror.ts).
          const sent = layouts.map((l, p) => layouts.reduce((sum, to, q) => sum + (q === p ? 0 : spanBytes(mirrorSpanBounds(topology, to, l.localRanks))), 0));
          out.push(`weight exchange after each update (every ${WEIGHT_UPDATE_STEPS} steps): ${sent.map((b) => (b < 2 ** 20 ? `${(b / 1024).toFixed(1)} KiB` : `${mib(b)} MiB`)).join(' / ')} sent per process (the rows of the shared weights the other processes' ranks read)`);
        }
      }
      const limitGiB = config.maxMemoryGiB ?? LIMITS.defaultMaxMemoryGiB;
      out.push(`estimated memory of a run: ${formatBytes(estimate.totalBytes)} (limit ${limitGiB} GiB${estimate.totalBytes > limitGiB * 2 ** 30 ? ': run would refuse it, see --max-memory-gib' : ''})`);
      out.push(`schedule: burn-in ${schedule.burnInSteps / STEPS_PER_SECOND} s, ${schedule.blocks} blocks of ${schedule.blockSteps / STEPS_PER_SECOND} s, ` +
        `frozen replay to ${(schedule.endStep / STEPS_PER_SECOND).toFixed(4)} s (period ${schedule.periodSteps / STEPS_PER_SECOND} s)`);
      out.push('', 'files:');
      for (const g of topology.groups) out.push(`  ${Array.from({ length: R }, (_, r) => spkRankFileName(g.spkName, r)).join(' ')}`);
      out.push(`  ${config.name}.stats ${trainedStateName(config.name)} ${config.name}.netstate run.json`);
      out.push(`  ${config.name}.netstate: about ${formatBytes(stateBytes(shape))} (a checkpoint as much again)`);
      const record = [...(config.record ?? []), ...opts.record];
      if (record.length > 0) {
        const plans = planMonitors(record, topology, schedule, {
          everySteps: msToSteps(1000 * (secondsFlag(opts, 'recordEverySeconds', 'recordEveryMs', '--record-every') ?? DEFAULT_RUN_OPTIONS.recordEveryMs / 1000), '--record-every-seconds'),
          rateBinSteps: msToSteps(1000 * (secondsFlag(opts, 'recordRateBinSeconds', 'recordRateBinMs', '--record-rate-bin') ?? DEFAULT_RUN_OPTIONS.recordRateBinMs / 1000), '--record-rate-bin-seconds'),
        });
        out.push(`  monitors (${plans.map((p) => `${p.spkName}.${p.suffix}`).join(', ')}): about ${formatBytes(monitorDiskBytes(plans))} on disk, ` +
          `${formatBytes(plans.length * opts.workers * MONITOR_BUFFER_BYTES)} of buffers per process`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}

