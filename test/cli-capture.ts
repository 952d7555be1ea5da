/** Drives the `superspike` CLI in-process from tests: a temp folder per test and stdout/stderr caught into strings. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, vi, type TestContext } from 'vitest';
import { main } from '../src/cli/program.js';

export interface CliCapture {
  /** This test's temp folder (removed after the test). */
  dir: string;
  /** What was written to process.stdout so far in this test; assign '' to start over. */
  stdout: string;
  /** What was written to process.stderr so far in this test; assign '' to start over. */
  stderr: string;
  /** Runs `superspike ...args` and resolves to its exit code. */
  run(...args: string[]): Promise<number>;
}

export interface CaptureOptions {
  /**
   * Catch the output only while `run` runs (the rest of the test prints as usual) rather than
   * for the whole test. Default false.
   */
  onlyDuringRun?: boolean;
  /** Called after each test, before its folder is removed. */
  beforeCleanup?: (dir: string, ctx: TestContext) => void;
}

function catchOutput(cli: CliCapture): void {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    cli.stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    cli.stderr += String(chunk);
    return true;
  });
}

/**
 * Registers beforeEach/afterEach hooks in the calling test file (or describe block) that give
 * every test a fresh `superspike-<prefix>-` temp folder and empty output buffers.
 */
export function captureCli(prefix: string, options: CaptureOptions = {}): CliCapture {
  const cli: CliCapture = {
    dir: '',
    stdout: '',
    stderr: '',
    async run(...args: string[]): Promise<number> {
      if (!options.onlyDuringRun) return main(['node', 'superspike', ...args]);
      catchOutput(cli);
      try {
        return await main(['node', 'superspike', ...args]);
      } finally {
        vi.restoreAllMocks();
      }
    },
  };
  beforeEach(() => {
    cli.dir = fs.mkdtempSync(path.join(os.tmpdir(), `superspike-${prefix}-`));
    cli.stdout = '';
    cli.stderr = '';
    if (!options.onlyDuringRun) catchOutput(cli);
  });
  afterEach((ctx) => {
    vi.restoreAllMocks();
    options.beforeCleanup?.(cli.dir, ctx);
    fs.rmSync(cli.dir, { recursive: true, force: true });
  });
  return cli;
}
