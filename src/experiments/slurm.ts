/**
 * `superspike experiment NAME --emit slurm`: for clusters that prefer job arrays to one MPI job.
 * Writes every run folder's definition (config.json, sweep.json — runs already complete are left
 * as they are) and `DIR/slurm-array.sh`, an array job whose task i runs `superspike experiment
 * NAME <same options> --only-run i`: the same locking, reuse and checkpoint continuation as any
 * sweep, for one run. Once the array is done, the same `experiment` command without `--emit`
 * reuses every completed run and writes the results (`slurm-analyse.sh` does that as a job).
 */
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { acquireOutLock } from '../io/out-lock.js';
import { CLI_PATH } from '../paths.js';
import { runDir, runKeys } from './runner.js';
import { clearRunFolder, folderState, writeRunDefinition } from './sweep-folder.js';
import type { RunSpec } from './types.js';

export const SLURM_ARRAY_FILE = 'slurm-array.sh';
export const SLURM_ANALYSE_FILE = 'slurm-analyse.sh';

/** A shell word that survives any content. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SlurmEmit {
  files: string[];
  /** Runs already complete (they are not in the array's work, though their tasks are harmless). */
  complete: number;
}

/**
 * `experimentArgs`: the experiment's own arguments (name, size, seeds, --out as an absolute path),
 * repeated verbatim in the scripts so the plan is the same.
 */
export function emitSlurm(specs: readonly RunSpec[], outDir: string, experimentArgs: readonly string[], force: boolean): SlurmEmit {
  const keys = runKeys(specs);
  let complete = 0;
  for (const [i, spec] of specs.entries()) {
    const dir = runDir(outDir, spec);
    const lock = acquireOutLock(dir);
    try {
      const state = folderState(dir, spec, keys[i]!);
      if (state.kind === 'done') {
        complete++;
        continue;
      }
      if (state.kind === 'other') {
        if (!force) throw new UserError(`${dir} holds a finished or foreign run that this sweep would overwrite (${state.why}): run with --force to recompute it, or choose another --out`);
        clearRunFolder(dir);
      }
      writeRunDefinition(dir, spec, keys[i]!);
    } finally {
      lock.release();
    }
  }
  const command = [process.execPath, CLI_PATH, 'experiment', ...experimentArgs].map(quote).join(' ');
  const header = (name: string, log: string) => [
    '#!/bin/bash',
    `# Written by superspike experiment --emit slurm (${specs.length} runs). Submit with: sbatch ${quote(path.join(outDir, name))}`,
    `#SBATCH --output=${quote(path.join(outDir, log))}`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
  ];
  const array = [
    ...header(SLURM_ARRAY_FILE, 'slurm-%A_%a.out'),
    '#SBATCH --job-name=superspike-runs',
    `#SBATCH --array=0-${specs.length - 1}`,
    '# SIGTERM 120 s before the time limit, to the batch shell only: the run checkpoints, and',
    '# resubmitting the array continues it.',
    '#SBATCH --signal=B:TERM@120',
    'set -eu',
    `exec ${command} --only-run "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
  const analyse = [
    ...header(SLURM_ANALYSE_FILE, 'slurm-%j.out'),
    '#SBATCH --job-name=superspike-results',
    '# Submit after the array: sbatch --dependency=afterok:<array job id> slurm-analyse.sh',
    'set -eu',
    `exec ${command}`,
    '',
  ].join('\n');
  const files = [path.join(outDir, SLURM_ARRAY_FILE), path.join(outDir, SLURM_ANALYSE_FILE)];
  writeFileAtomic(files[0]!, array);
  writeFileAtomic(files[1]!, analyse);
  return { files, complete };
}
