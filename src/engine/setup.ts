/**
 * From a validated config and its resolved task to what the engine builds besides the network's
 * shape (network/chain.ts): the protocol's schedule and each rank's slice of the replay tables.
 * Pure functions.
 */
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import type { EventTable } from '../model/replay.js';
import { ownerRank } from '../network/partition.js';
import { computeSchedule, type Schedule } from './schedule.js';

export function scheduleFor(config: ExperimentConfig, task: ResolvedTask): Schedule {
  const last = (t: EventTable) => (t.steps.length ? t.steps[t.steps.length - 1]! : 0);
  return computeSchedule({
    blockSeconds: config.blockSeconds,
    blocks: config.blocks,
    eta: config.eta,
    periodSteps: task.target.periodSteps || task.input.periodSteps,
    lastEventStep: Math.max(last(task.target), last(task.input)),
  });
}

/** Rank r's slice of a replay table: the events of the neurons it owns. */
export function partitionTable(table: EventTable, rank: number, ranks: number): EventTable {
  const keep: number[] = [];
  for (let e = 0; e < table.ids.length; e++) if (ownerRank(table.ids[e]!, ranks) === rank) keep.push(e);
  return {
    steps: Int32Array.from(keep, (e) => table.steps[e]!),
    ids: Uint32Array.from(keep, (e) => table.ids[e]!),
    periodSteps: table.periodSteps,
  };
}
