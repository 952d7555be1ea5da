/**
 * How a rank's end crosses the thread (or process) boundary: as plain data with a typed code,
 * never as an Error whose class and fields a structured clone would drop. The coordinator turns a
 * failure into a RunFailedError that names the rank and the step.
 */
import { UserError } from '../errors.js';
import type { RankTiming } from './wait-log.js';

export type RankOutcome =
  | { code: 'finished'; timings: RankTiming[] }
  /** The rank stopped because the run was aborted elsewhere (not the cause of anything). */
  | { code: 'aborted'; rank: number }
  | { code: 'failed'; rank: number; step: number; message: string; where: string };

/** `where`: ` (process p on host h)` with several processes, else empty. */
export function rankFailure(rank: number, step: number, cause: unknown, where = ''): RankOutcome {
  return { code: 'failed', rank, step, message: (cause as Error)?.message ?? String(cause), where };
}

export class RunFailedError extends UserError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'RunFailedError';
  }
}

/** The one-line message of a rank failure, naming process and host with several processes. */
export function describeRankFailure(outcome: Extract<RankOutcome, { code: 'failed' }>): string {
  return `rank ${outcome.rank}${outcome.where} failed at step ${outcome.step}: ${outcome.message}`;
}
