/**
 * What one rank does from start to finish, independent of how it is hosted (a piscina worker in
 * runs, or called directly in tests): build its view of the shared memory and its transport, open
 * its spike files, initialise or adopt its state, then obey the coordinator's segment commands
 * until told to finish. It ends with a RankOutcome (rank-errors.ts), plain data that survives
 * the thread boundary: finished with timings, aborted, or failed at a step; files are flushed first.
 */
import path from 'node:path';
import { SpkWriter, spkRankFileName } from '../io/spk.js';
import { kernelConstantsOf } from '../model/kernels.js';
import { createKernels } from '../model/kernels-wasm.js';
import type { EventTable } from '../model/replay.js';
import { ControlBlock, RankAbortedError } from './exchange.js';
import { computeLayout } from '../network/layout.js';
import { RankMonitors } from './monitors.js';
import type { RankSettings } from './options.js';
import { RankEngine, type SpikeSink } from './rank.js';
import { rankFailure, type RankOutcome } from './rank-errors.js';
import { buildTopology, type NetworkShape } from '../network/topology.js';
import { SharedMemoryTransport } from './transport.js';
import { MpiLink } from './mpi-link.js';
import { localRanksOf, whereIs, type Collectives } from './process-group.js';
import { requireMpi } from '../mpi/binding.js';

export interface RankTaskData {
  rank: number;
  ranks: number;
  shape: NetworkShape;
  memory: WebAssembly.Memory;
  inputReplay: EventTable;
  targetReplay: EventTable;
  /** Folder for `<group>.<rank>.spk`, or null to record nothing. */
  outDir: string | null;
  appendSpikes: boolean;
  startClock: number;
  /** Fresh network: draw the initial state from this seed. Null when the coordinator restored one. */
  initialise: { seed: number; w0: number } | null;
  settings: RankSettings;
  /**
   * Shared with the coordinator: LIVE_TIMING_FIELDS numbers per rank (global rank index), written
   * before every park, read by the coordinator while the ranks are parked (the live run.json).
   */
  liveTimings?: Float64Array;
}

/** steps, loop seconds, barrier-wait seconds, barrier waits. */
export const LIVE_TIMING_FIELDS = 4;

class SpkSink implements SpikeSink {
  constructor(private readonly writer: SpkWriter) {}
  write(step: number, ids: Uint32Array, start: number, count: number): void {
    for (let s = 0; s < count; s++) this.writer.push(step, ids[start + s]!);
  }
  flush(): void {
    this.writer.flush();
  }
  close(): void {
    this.writer.close();
  }
}

export function runRankTask(data: RankTaskData): RankOutcome {
  const topology = buildTopology(data.shape);
  const placement = data.settings.placement;
  const localRanks = localRanksOf(placement, data.ranks);
  const layout = computeLayout(topology, data.ranks, localRanks);
  const outDir = data.outDir;
  const sinks = topology.groups.map((g) =>
    outDir === null
      ? null
      : new SpkSink(new SpkWriter(path.join(outDir, spkRankFileName(g.spkName, data.rank)), { append: data.appendSpikes, tag: data.settings.spkTag })));
  const control = new ControlBlock(data.memory.buffer, layout);
  // Several processes: this thread may be the one that drives an exchange (process-group.ts).
  const link = placement !== null && placement.processes > 1
    ? new MpiLink(requireMpi('ranks in several processes') as Collectives, placement, layout, topology, data.memory)
    : null;
  const transport = new SharedMemoryTransport(data.rank, control, data.settings.barrierSpin, link);
  const engine = new RankEngine({
    rank: data.rank,
    ranks: data.ranks,
    localRanks,
    topology,
    layout,
    memory: data.memory,
    // Every rank binds the constants of the same shape: the config's knobs reach all kernels alike.
    kernels: createKernels(data.settings.kernels, data.memory, kernelConstantsOf(data.shape)),
    transport,
    inputReplay: data.inputReplay,
    targetReplay: data.targetReplay,
    sinks,
    settings: data.settings,
  });
  engine.clock = data.startClock;
  let monitors: RankMonitors | null = null;
  try {
    if (outDir !== null && data.settings.monitors !== null) {
      monitors = RankMonitors.create({
        plans: data.settings.monitors, rank: data.rank, ranks: data.ranks, topology, region: layout.rankRegions[data.rank]!,
        f32: new Float32Array(data.memory.buffer), i32: new Int32Array(data.memory.buffer), outDir,
        append: data.appendSpikes, startClock: data.startClock, flushEligibility: () => engine.flushAllEligibility(),
      });
      engine.monitors = monitors;
    }
    if (data.initialise) engine.initialise(data.initialise.seed, data.initialise.w0);
    engine.shareInitialWeights();
    for (let command = transport.awaitCommand(); !command.finish; command = transport.awaitCommand()) {
      engine.eta = command.eta;
      engine.learning = command.learning;
      engine.frozen = command.frozen;
      engine.runUntil(command.targetStep);
      if (data.liveTimings) {
        const t = engine.liveTiming();
        data.liveTimings.set([t.steps, t.loopSeconds, t.waitSeconds, t.waits], data.rank * LIVE_TIMING_FIELDS);
      }
      engine.flushSinks();
      monitors?.flush();
    }
  } catch (err) {
    safely(() => engine.flushSinks());
    safely(() => monitors?.flush());
    return err instanceof RankAbortedError ? { code: 'aborted', rank: data.rank } : rankFailure(data.rank, engine.clock, err, whereIs(placement, data.rank));
  } finally {
    safely(() => engine.closeSinks());
    safely(() => monitors?.close());
  }
  const timing = engine.timing();
  if (placement !== null && placement.processes > 1) {
    Object.assign(timing, {
      process: placement.process,
      host: placement.hosts[placement.process],
      mpiIntervals: link?.stats.intervals ?? 0,
      mpiIntervalBytesSent: link?.stats.intervalBytesSent ?? 0,
      mpiWeightExchanges: link?.stats.weightExchanges ?? 0,
      mpiWeightBytesSent: link?.stats.weightBytesSent ?? 0,
      mpiSeconds: link?.stats.mpiSeconds ?? 0,
    });
  }
  return { code: 'finished', timing };
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Already failing: the first error is the one worth reporting.
  }
}
