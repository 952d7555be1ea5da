/**
 * Continuing and reusing runs: what a resume, an extension by more blocks and a start from a
 * saved network's weights (`--init-from`) run, decided from a saved state before anything is
 * touched. Shared by `superspike run` and the library's `train()`.
 *
 * What equals what (tested in test/continuation.test.ts):
 * - resume: a run stopped at any checkpoint and resumed, on any layout, writes the same bytes as
 *   the run left alone;
 * - extend by N: the state saved when training ended (`<name>.trained.netstate`, before the frozen
 *   replay) resumed with N more blocks writes the same bytes as a fresh run of blocks + N — the
 *   η schedule goes on as in that run (η₀, then η₀/10 from block 20 on, counted from the first
 *   block), and the frozen replay follows the last of the new blocks;
 * - init-from: a fresh run (its own task, seed, schedule, η) whose plastic weights — and random
 *   feedback matrices, where both networks have them — are the saved network's.
 */
import path from 'node:path';
import { validateConfig } from '../config/load.js';
import type { ExperimentConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { NetworkState } from '../io/netstate.js';
import { AURYN_SURROGATE_FLOOR_VOLTS, DT_SECONDS, LEGACY_FEEDBACK_GATE, LEGACY_HIDDEN_ETA_SCALE, PAPER_REGULARISER } from '../model/constants.js';
import { networkShape } from '../network/chain.js';
import { scheduleFor } from './setup.js';
import type { NetworkShape } from '../network/topology.js';

/** The state a run saves when training ends, before the frozen replay: what `--extend` continues. */
export function trainedStateName(name: string): string {
  return `${name}.trained.netstate`;
}

/**
 * The config a resume of `state` (read from `file`) runs: the saved one, or with `extendBlocks`
 * more training blocks. An extension needs a state saved before the frozen replay began.
 */
export function resumedConfig(state: NetworkState, file: string, extendBlocks = 0): ExperimentConfig {
  const config = validateConfig(savedConfig(state), file);
  if (extendBlocks === 0) return config;
  const schedule = scheduleFor(config, state.task);
  if (state.clock > schedule.trainingEnd) {
    const trained = path.join(path.dirname(file), trainedStateName(config.name));
    throw new UserError(
      `${file} was saved in the frozen replay (at ${(state.clock * DT_SECONDS).toFixed(4)} s; training ended at ${(schedule.trainingEnd * DT_SECONDS).toFixed(4)} s): ` +
        `extend from the state saved when training ended, ${trained}`,
    );
  }
  const extended = validateConfig({ ...savedConfig(state), blocks: config.blocks + extendBlocks }, `${file} extended by ${extendBlocks} blocks`);
  scheduleFor(extended, state.task); // the longer run must still fit the clock
  return extended;
}

/**
 * The config a state was saved with. A state written before the keys `surrogateFloorVolts` and
 * `feedbackGate` existed (issue 17) ran with Auryn's −80 mV floor and ungated errors, one
 * written before the key `regulariser` existed with the paper's regulariser (ρ = 1), and one
 * written before `hiddenEtaScale` with η on every layer: it resumes with them, not with today's
 * defaults.
 */
function savedConfig(state: NetworkState): Record<string, unknown> {
  const saved = state.config;
  return {
    ...saved,
    regulariser: 'regulariser' in saved ? saved.regulariser : { ...PAPER_REGULARISER },
    surrogateFloorVolts: 'surrogateFloorVolts' in saved ? saved.surrogateFloorVolts : AURYN_SURROGATE_FLOOR_VOLTS,
    feedbackGate: 'feedbackGate' in saved ? saved.feedbackGate : LEGACY_FEEDBACK_GATE,
    hiddenEtaScale: 'hiddenEtaScale' in saved ? saved.hiddenEtaScale : LEGACY_HIDDEN_ETA_SCALE,
  };
}

function shapeText(shape: Pick<NetworkShape, 'nInput' | 'hidden' | 'nOutput'>): string {
  return [shape.nInput, ...shape.hidden, shape.nOutput].join('-');
}

/**
 * Refuses to take the weights of `state` (read from `file`) into a network of shape `shape`
 * unless every layer has the same size (every weight matrix the same dimensions).
 */
export function checkInitFrom(state: NetworkState, file: string, shape: NetworkShape): void {
  const saved = networkShape(validateConfig(state.config, file), state.task);
  if (shapeText(saved) !== shapeText(shape)) {
    throw new UserError(
      `${file} holds a ${shapeText(saved)} network but this run builds ${shapeText(shape)}: --init-from needs the same layer sizes (input, hidden, output; set --n-input/--n-output/--hidden to match)`,
    );
  }
}
