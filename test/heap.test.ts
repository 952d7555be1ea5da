/**
 * The `superspike` process keeps V8's young generation at its initial size (src/cli/heap.ts), which
 * holds only if the flag is set before the program's modules load (src/cli/main.ts). A real
 * process, observed from a module preloaded with `--import` that reports the young generation's
 * committed size at exit; the control shows that loading the modules first does grow it, so the
 * bound below is not met by default.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_CLI as CLI, expectBuilt, tempDir } from './helpers.js';

const DIST = path.dirname(CLI);
/**
 * Committed young generation at most. Measured on Node 20 (4 Dec 2026): 2–4 MiB with heap.ts in
 * force, 16 MiB when V8 grows it freely; the bound sits between them.
 */
const YOUNG_BOUND_MIB = 8;

function youngAtExit(args: string[], cwd: string): Promise<{ mib: number; code: number | null; stderr: string }> {
  const hook = path.join(cwd, 'young-at-exit.mjs');
  fs.writeFileSync(hook, [
    "import { getHeapSpaceStatistics } from 'node:v8';",
    "process.on('exit', () => {",
    "  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');",
    "  process.stderr.write(`YOUNG ${young.space_size}\\n`);",
    '});',
  ].join('\n'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const m = /^YOUNG (\d+)$/m.exec(stderr);
      resolve({ mib: m ? Number(m[1]) / 2 ** 20 : NaN, code, stderr });
    });
  });
}

describe('the young generation of the superspike process', () => {
  it('needs the built CLI', () => expectBuilt(CLI));

  it('stays at its initial size through a run', async () => {
    const dir = tempDir('heap-run');
    const r = await youngAtExit([CLI, 'run', '--blocks', '1', '--block-seconds', '0.1', '--workers', '1', '-o', path.join(dir, 'out')], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.mib).toBeLessThanOrEqual(YOUNG_BOUND_MIB);
  });

  it('control: the same flag set after the program\'s modules have loaded does not hold it', async () => {
    const dir = tempDir('heap-control');
    const late = path.join(dir, 'late.mjs');
    fs.writeFileSync(late, `import '${pathToFileURL(path.join(DIST, 'program.js')).href}';\nimport '${pathToFileURL(path.join(DIST, 'heap.js')).href}';\n`);
    const r = await youngAtExit([late], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.mib).toBeGreaterThan(YOUNG_BOUND_MIB);
  });
});
