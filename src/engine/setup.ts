/**
 * From a validated config and its resolved task to what the engine builds: the network shape,
 * the protocol's schedule, and each rank's slice of the replay tables. Pure functions.
 */
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import { secondsToSteps } from '../model/constants.js';
import type { EventTable } from '../model/replay.js';
import { ownerRank } from './partition.js';
import { computeSchedule, type Schedule } from './schedule.js';
import type { NetworkShape } from './topology.js';

/** The network a config builds for a task of `nInput` inputs and `nOutput` outputs. */
export function networkShape(config: ExperimentConfig, task: Pick<ResolvedTask, 'nInput' | 'nOutput'>): NetworkShape {
  return {
    nInput: task.nInput,
    hidden: config.hidden,
    nOutput: task.nOutput,
    feedback: config.feedback,
    partial: config.partial,
    learnHidden: config.learnHidden,
    feedbackDelaySteps: secondsToSteps(config.feedbackDelaySeconds),
    regulariser: { ...config.regulariser },
    learningRate: { ...config.learningRate },
    outputError: config.trials?.outputError ?? 'target',
    feedbackNegativeFraction: config.feedbackNegativeFraction ?? null,
  };
}

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
