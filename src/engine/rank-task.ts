/**
 * What one rank does from start to finish, independent of how it is hosted (a piscina worker in
 * runs, or called directly in tests): build its view of the shared memory, open its spike files,
 * initialise or adopt its state, then obey the coordinator's segment commands until told to
 * finish. Errors leave with the rank and the step in their message; files are flushed first.
 */
import path from 'node:path';
import { SpkWriter } from '../io/spk.js';
import { createKernels } from '../model/kernels-wasm.js';
import { RankAbortedError } from './exchange.js';
import { computeLayout } from './layout.js';
import { RankEngine, type RankTiming, type SpikeSink } from './rank.js';
import { buildTopology, type NetworkShape } from './topology.js';
import type { EventTable } from '../config/task.js';

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
  kernels: 'wasm' | 'reference';
  barrierSpin: number;
  startClock: number;
  /** Fresh network: draw the initial state from this seed. Null when the coordinator restored one. */
  initialise: { seed: number; w0: number } | null;
  rankOrderMerge: boolean;
  fault: { step: number; kind: 'throw' | 'hang' } | null;
  jitterMicros: number;
  jitterSeed: number;
  shareWork: boolean;
  chunkSynapses: number;
}

export class RankFailedError extends Error {
  constructor(readonly rank: number, readonly step: number, cause: unknown) {
    super(`rank ${rank} failed at step ${step}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RankFailedError';
  }
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

export function runRankTask(data: RankTaskData): RankTiming {
  const topology = buildTopology(data.shape);
  const layout = computeLayout(topology, data.ranks);
  const sinks = topology.groups.map((g) =>
    data.outDir === null
      ? null
      : new SpkSink(new SpkWriter(path.join(data.outDir, `${g.spkName}.${data.rank}.spk`), { append: data.appendSpikes })));
  const engine = new RankEngine({
    rank: data.rank,
    ranks: data.ranks,
    topology,
    layout,
    memory: data.memory,
    kernels: createKernels(data.kernels, data.memory),
    inputReplay: data.inputReplay,
    targetReplay: data.targetReplay,
    sinks,
    rankOrderMerge: data.rankOrderMerge,
    barrierSpin: data.barrierSpin,
    fault: data.fault,
    jitterMicros: data.jitterMicros,
    jitterSeed: data.jitterSeed,
    shareWork: data.shareWork,
    chunkSynapses: data.chunkSynapses,
  });
  engine.clock = data.startClock;
  const control = engine.control;
  try {
    if (data.initialise) engine.initialise(data.initialise.seed, data.initialise.w0);
    let seen = control.park(0);
    for (;;) {
      const command = control.readCommand();
      if (command.finish) break;
      engine.eta = command.eta;
      engine.learning = command.learning;
      engine.frozen = command.frozen;
      engine.runUntil(command.targetStep);
      engine.flushSinks();
      seen = control.park(seen);
    }
  } catch (err) {
    safely(() => engine.flushSinks());
    if (err instanceof RankAbortedError) throw err;
    throw new RankFailedError(data.rank, engine.clock, err);
  } finally {
    safely(() => engine.closeSinks());
  }
  return engine.timing();
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Already failing: the first error is the one worth reporting.
  }
}
