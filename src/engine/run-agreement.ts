/**
 * MPI processes agree on what makes the run before any of them starts it.
 *
 * Every process of an MPI job parses its own command line, so nothing but this check stops
 * `mpirun -np 1 superspike run --seed 1 : -np 1 superspike run --seed 2` from training a hybrid
 * network labelled seed 1, or processes with different `--blocks` from waiting for each other
 * for ever. Right after joining the job, each process digests every setting that decides the
 * run's bytes or its protocol (each config key, the task's data, the resume state, checkpoint
 * cadence, monitors, the output folder) as a list of named fields; one allgather compares the
 * digests, and on a difference a second one fetches the first differing field's value from every
 * process, so the message names the field and what each process has. Every process then holds
 * the same verdict: the caller (run.ts) lets process 0 say it and ends the job.
 */
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import type { ResolvedRunOptions } from './options.js';
import { allgatherStrings, displacements, type ProcessRuntime } from './process-group.js';

/** One setting: its name in messages, a short printable value, and what is compared. */
export interface RunField {
  name: string;
  /** Shown when processes differ; long values are cut. */
  shown: string;
  /** Compared across processes: the shown value unless the data behind it is larger. */
  digest: Buffer;
}

/** Thrown on every process when the processes of a job disagree; only process 0 should print it. */
export class RunDisagreementError extends UserError {
  constructor(message: string, readonly process: number) {
    super(message);
  }
}

const DIGEST_BYTES = 16;
const SHOWN_CHARS = 80;

/** The settings every process must share, in a fixed order (the same list on every process). */
export function runFields(config: ExperimentConfig, task: ResolvedTask, options: ResolvedRunOptions): RunField[] {
  const fields: RunField[] = [];
  const add = (name: string, value: unknown, data?: (hash: Hash) => void) => {
    const shown = value === undefined ? 'unset' : JSON.stringify(value) ?? String(value);
    const hash = createHash('sha256').update(name).update('\0').update(shown);
    data?.(hash);
    fields.push({ name, shown: shown.length > SHOWN_CHARS ? `${shown.slice(0, SHOWN_CHARS - 1)}…` : shown, digest: hash.digest().subarray(0, DIGEST_BYTES) });
  };
  // The config key by key, so the message names the key (`config.seed`), not "the config". Paths
  // of input and target files may differ between hosts (other mounts): their content is compared
  // below instead.
  for (const key of Object.keys(config).sort()) {
    if (key !== 'input' && key !== 'target') add(`config.${key}`, (config as Record<string, unknown>)[key]);
  }
  // The data the task was resolved from: two processes reading different files of the same name.
  for (const [name, table] of [['input data', task.input], ['target data', task.target]] as const) {
    add(name, `${table.steps.length} events, period ${table.periodSteps} steps`, (hash) => {
      hash.update(bytesOf(table.steps)).update(bytesOf(table.ids));
    });
  }
  add('task sizes', { nInput: task.nInput, nOutput: task.nOutput });
  const resume = options.resume;
  add('--resume', resume === undefined ? 'fresh run' : `state of run ${resume.runId ?? '?'} at step ${resume.clock}`, (hash) => {
    if (resume !== undefined) digestValue(hash, resume);
  });
  const initFrom = options.initFrom;
  add('--init-from', initFrom === undefined ? 'fresh weights' : `weights of run ${initFrom.runId ?? '?'} at step ${initFrom.clock}`, (hash) => {
    if (initFrom !== undefined) digestValue(hash, initFrom.connections);
  });
  add('--out', path.resolve(options.outDir));
  add('--kernels', options.kernels);
  add('--stop-after-block', options.stopAfterBlock);
  add('--checkpoint-every', options.checkpointEveryBlocks);
  add('--record', options.record);
  add('--record-every-ms', options.recordEveryMs);
  add('--record-rate-bin-ms', options.recordRateBinMs);
  add('spike files', options.recordSpikes);
  return fields;
}

/**
 * Compares this process's fields with every other's (collective: every process calls it at the
 * same point). Returns normally when all agree; otherwise throws RunDisagreementError on every
 * process, naming the first differing field and each process's value of it.
 */
export function agreeOnRun(runtime: ProcessRuntime, fields: readonly RunField[]): void {
  const { placement, comm } = runtime;
  const P = placement.processes;
  if (P <= 1) return;
  const counts = new Int32Array(P);
  comm.allgatherInt32(fields.length, counts);
  const odd = counts.findIndex((n) => n !== counts[0]);
  if (odd >= 0) {
    throw new RunDisagreementError(`MPI processes disagree on the run's settings (process 0 compares ${counts[0]}, process ${odd} ${counts[odd]}): every process must run the same superspike version and command`, placement.process);
  }
  const mine = Buffer.concat(fields.map((f) => f.digest));
  const all = new Uint8Array(mine.length * P);
  comm.allgatherv(mine, all, new Int32Array(P).fill(mine.length), displacements(new Int32Array(P).fill(mine.length)));
  const first = firstDifference(all, P, fields.length);
  if (first === null) return;
  const values = allgatherStrings(comm, P, fields[first.field]!.shown);
  const differs = values.map((v, p) => `process ${p} has ${v}`).filter((_, p) => p === 0 || p === first.process);
  throw new RunDisagreementError(
    `MPI processes disagree on ${fields[first.field]!.name}: ${differs.join(', ')} — every process of the job must run the same command on the same files`,
    placement.process,
  );
}

/** The first field (in list order) whose digest differs from process 0's, and the first such process. */
export function firstDifference(all: Uint8Array, processes: number, fieldCount: number): { field: number; process: number } | null {
  const stride = fieldCount * DIGEST_BYTES;
  for (let f = 0; f < fieldCount; f++) {
    const at = f * DIGEST_BYTES;
    for (let p = 1; p < processes; p++) {
      for (let b = 0; b < DIGEST_BYTES; b++) {
        if (all[p * stride + at + b] !== all[at + b]) return { field: f, process: p };
      }
    }
  }
  return null;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A structural digest: keys in sorted order, typed arrays by their bytes, the rest as JSON. */
function digestValue(hash: Hash, value: unknown): void {
  if (ArrayBuffer.isView(value)) {
    hash.update(`<${value.constructor.name}:${value.byteLength}>`).update(bytesOf(value));
  } else if (Array.isArray(value)) {
    hash.update('[');
    for (const v of value) digestValue(hash, v);
    hash.update(']');
  } else if (value !== null && typeof value === 'object') {
    hash.update('{');
    for (const key of Object.keys(value).sort()) {
      hash.update(`${key}:`);
      digestValue(hash, (value as Record<string, unknown>)[key]);
    }
    hash.update('}');
  } else {
    hash.update(JSON.stringify(value) ?? 'undefined');
  }
}
