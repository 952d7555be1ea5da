/**
 * Errors a user can act on. The CLI prints their message on one line and exits with `exitCode`
 * (1 for bad input or a failed run); anything else is a bug and keeps its stack trace. The
 * message often quotes file content (a JSON parser's excerpt, a raster line): its control
 * characters are spelled out here, once for all, so it stays one line and harmless to print.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(printable(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.exitCode = options?.exitCode ?? 1;
  }
}

/**
 * `text` with every control character (C0, DEL, C1) spelled out JSON-style (`\n`, `\u001b`), so
 * a message that quotes file content stays on one line and cannot drive the terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
