/**
 * What one rank thread does from start to finish, independent of how it is hosted (a piscina
 * worker in runs, or called directly in tests): build its view of the shared memory and its
 * transport, then for each rank it hosts (rank-thread.ts) open its spike files and initialise or
 * adopt its state, then obey the coordinator's segment commands until told to finish. It ends
 * with a RankOutcome (rank-errors.ts), plain data that survives the thread boundary: finished
 * with timings, aborted, or failed at a step; files are flushed first.
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
import { PresynapticWork } from './presynaptic-work.js';
import { RankThread } from './rank-thread.js';
import { rankFailure, type RankOutcome } from './rank-errors.js';
import { buildTopology, type NetworkShape } from '../network/topology.js';
import { SharedMemoryTransport } from './transport.js';
import { MpiLink } from './mpi-link.js';
import { localRanksOf, whereIs, type Collectives } from './process-group.js';
import { requireMpi } from '../mpi/binding.js';

export interface RankTaskData {
  /** The ranks this thread steps (one or more of the process's ranks). */
  hosted: number[];
  ranks: number;
  /** Rank threads of this process: the count every barrier waits for. */
  threads: number;
  /** Copies of the presynaptic side in this process (layout.ts; 1, or one per thread). */
  presynapticCopies: number;
  shape: NetworkShape;
  memory: WebAssembly.Memory;
  /** Replay tables of each hosted rank's input and target neurons, in `hosted` order. */
  inputReplay: EventTable[];
  targetReplay: EventTable[];
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

export { LIVE_TIMING_FIELDS } from './rank-thread.js';

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
  const layout = computeLayout(topology, data.ranks, localRanks, data.presynapticCopies);
  const outDir = data.outDir;
  const control = new ControlBlock(data.memory.buffer, layout, data.threads);
  // Several processes: this thread may be the one that drives an exchange (process-group.ts).
  const link = placement !== null && placement.processes > 1
    ? new MpiLink(requireMpi('ranks in several processes') as Collectives, placement, layout, topology, data.memory, data.settings.testHooks?.mpiInlineWords)
    : null;
  const transport = new SharedMemoryTransport(control, data.settings.barrierSpin, link);
  // Every rank binds the constants of the same shape: the config's knobs reach all kernels alike.
  const kernels = createKernels(data.settings.kernels, data.memory, kernelConstantsOf(data.shape));
  const engines = data.hosted.map((rank, k) => new RankEngine({
    rank,
    ranks: data.ranks,
    localRanks,
    topology,
    layout,
    memory: data.memory,
    kernels,
    transport,
    inputReplay: data.inputReplay[k]!,
    targetReplay: data.targetReplay[k]!,
    sinks: topology.groups.map((g) =>
      outDir === null
        ? null
        : new SpkSink(new SpkWriter(path.join(outDir, spkRankFileName(g.spkName, rank)), { append: data.appendSpikes, tag: data.settings.spkTag }))),
    settings: data.settings,
  }));
  const presynaptic = new PresynapticWork({
    topology, layout, memory: data.memory, kernels, threads: data.threads, spin: data.settings.barrierSpin,
    // Thread t hosts the t-th, (t+T)-th, … of the process's ranks (threads.ts, ranksOfThreads).
    thread: localRanks.indexOf(data.hosted[0]!),
  });
  const thread = new RankThread(engines, transport, presynaptic);
  const monitors: RankMonitors[] = [];
  try {
    for (const engine of engines) {
      engine.clock = data.startClock;
      if (outDir !== null && data.settings.monitors !== null) {
        const m = RankMonitors.create({
          plans: data.settings.monitors, rank: engine.rank, ranks: data.ranks, topology, region: layout.rankRegions[engine.rank]!,
          f32: new Float32Array(data.memory.buffer), i32: new Int32Array(data.memory.buffer), outDir,
          append: data.appendSpikes, startClock: data.startClock, flushEligibility: () => engine.flushAllEligibility(),
        });
        engine.monitors = m;
        if (m !== null) monitors.push(m);
      }
      if (data.initialise) engine.initialise(data.initialise.seed, data.initialise.w0);
    }
    thread.shareInitialWeights();
    for (let command = transport.awaitCommand(); !command.finish; command = transport.awaitCommand()) {
      thread.configure(command.eta, command.learning, command.frozen);
      thread.runUntil(command.targetStep);
      if (data.liveTimings) thread.writeLiveTimings(data.liveTimings);
      thread.flushSinks();
      for (const m of monitors) m.flush();
    }
  } catch (err) {
    safely(() => thread.flushSinks());
    for (const m of monitors) safely(() => m.flush());
    const rank = thread.current.rank;
    return err instanceof RankAbortedError ? { code: 'aborted', rank } : rankFailure(rank, thread.current.clock, err, whereIs(placement, rank));
  } finally {
    safely(() => thread.closeSinks());
    for (const m of monitors) safely(() => m.close());
  }
  const timings = thread.timings();
  if (placement !== null && placement.processes > 1) {
    // The thread's MPI work is reported on the first rank it hosts (the others drove none).
    timings.forEach((t, k) => Object.assign(t, {
      process: placement.process,
      host: placement.hosts[placement.process],
      mpiIntervals: k === 0 ? link?.stats.intervals ?? 0 : 0,
      mpiIntervalBytesSent: k === 0 ? link?.stats.intervalBytesSent ?? 0 : 0,
      mpiWeightExchanges: k === 0 ? link?.stats.weightExchanges ?? 0 : 0,
      mpiWeightBytesSent: k === 0 ? link?.stats.weightBytesSent ?? 0 : 0,
      mpiSeconds: k === 0 ? link?.stats.mpiSeconds ?? 0 : 0,
    }));
  }
  return { code: 'finished', timings };
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Already failing: the first error is the one worth reporting.
  }
}
