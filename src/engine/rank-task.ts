/**
 * What one rank does from start to finish, independent of how it is hosted (a piscina worker in
 * runs, or called directly in tests): build its view of the shared memory and its transport, open
 * its spike files, initialise or adopt its state, then obey the coordinator's segment commands
 * until told to finish. It ends with a RankOutcome (rank-errors.ts), plain data that survives
 * the thread boundary: finished with timings, aborted, or failed at a step; files are flushed first.
 */
import path from 'node:path';
import { SpkWriter, spkRankFileName } from '../io/spk.js';
import { createKernels } from '../model/kernels-wasm.js';
import type { EventTable } from '../model/replay.js';
import { ControlBlock, RankAbortedError } from './exchange.js';
import { computeLayout } from './layout.js';
import type { RankSettings } from './options.js';
import { RankEngine, type SpikeSink } from './rank.js';
import { rankFailure, type RankOutcome } from './rank-errors.js';
import { buildTopology, type NetworkShape } from './topology.js';
import { SharedMemoryTransport } from './transport.js';

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
}

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
  const layout = computeLayout(topology, data.ranks);
  const outDir = data.outDir;
  const sinks = topology.groups.map((g) =>
    outDir === null
      ? null
      : new SpkSink(new SpkWriter(path.join(outDir, spkRankFileName(g.spkName, data.rank)), { append: data.appendSpikes })));
  const control = new ControlBlock(data.memory.buffer, layout);
  const transport = new SharedMemoryTransport(data.rank, control, data.settings.barrierSpin);
  const engine = new RankEngine({
    rank: data.rank,
    ranks: data.ranks,
    localRanks: Array.from({ length: data.ranks }, (_, r) => r),
    topology,
    layout,
    memory: data.memory,
    kernels: createKernels(data.settings.kernels, data.memory),
    transport,
    inputReplay: data.inputReplay,
    targetReplay: data.targetReplay,
    sinks,
    settings: data.settings,
  });
  engine.clock = data.startClock;
  try {
    if (data.initialise) engine.initialise(data.initialise.seed, data.initialise.w0);
    for (let command = transport.awaitCommand(); !command.finish; command = transport.awaitCommand()) {
      engine.eta = command.eta;
      engine.learning = command.learning;
      engine.frozen = command.frozen;
      engine.runUntil(command.targetStep);
      engine.flushSinks();
    }
  } catch (err) {
    safely(() => engine.flushSinks());
    return err instanceof RankAbortedError ? { code: 'aborted', rank: data.rank } : rankFailure(data.rank, engine.clock, err);
  } finally {
    safely(() => engine.closeSinks());
  }
  return { code: 'finished', timing: engine.timing() };
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Already failing: the first error is the one worth reporting.
  }
}
