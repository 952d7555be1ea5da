/**
 * The SSBM benchmark stimuli shipped in `data/ssbm/precise_timing/` (MIT, see data/ssbm/README.md)
 * and the config fields the presets share. Paths are absolute so each run's config.json works
 * from any folder.
 */
import path from 'node:path';
import type { ConfigInput } from '../config/schema.js';
import { PACKAGE_ROOT } from '../paths.js';

export type SsbmTask = 'poisson' | 'auryn' | 'oxford' | 'seqgen';

export const SSBM_DIR = path.join(PACKAGE_ROOT, 'data', 'ssbm', 'precise_timing');

export function ssbmRasters(task: SsbmTask): { input: string; target: string } {
  return { input: path.join(SSBM_DIR, task, 'input.ras'), target: path.join(SSBM_DIR, task, 'target.ras') };
}

/** SSBM `poisson`: 100 frozen Poisson inputs, 0.5 s loop, one output with 5 target spikes. */
export function poissonTask(): Partial<ConfigInput> {
  return { ...ssbmRasters('poisson'), gridSeconds: 0.5, nInput: 100, nOutput: 1 };
}

/** SSBM `auryn`: 100 Poisson inputs, 100 outputs drawing the Auryn logo over 3.5 s. */
export function aurynTask(): Partial<ConfigInput> {
  return { ...ssbmRasters('auryn'), gridSeconds: 3.5, nInput: 100, nOutput: 100 };
}

/** Runs whose seed is the only difference: conditions × seeds, conditions outermost. */
export function cross<C>(conditions: readonly C[], seeds: readonly number[]): Array<{ condition: C; seed: number }> {
  return conditions.flatMap((condition) => seeds.map((seed) => ({ condition, seed })));
}
