/**
 * Errors a user can act on. The CLI prints their message on one line and exits with `exitCode`
 * (1 for bad input or a failed run); anything else is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.exitCode = options?.exitCode ?? 1;
  }
}
