/**
 * The package as a user gets it: `npm pack` (of the built tree), installed offline into an empty
 * folder (test/install-helpers.ts), imported as `superspike`, and `train()` run from there on a
 * tiny task. The declarations are checked by type-checking a small consumer against the
 * installed copy.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStatsFile } from '../src/io/stats.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { tempDir } from './helpers.js';
import { installPackedApp } from './install-helpers.js';

describe('npm package', () => {
  it('packs dist, kernels, configs and data; installs offline; train() runs from the installed copy', () => {
    const work = tempDir('package');
    const { app, files } = installPackedApp(work);
    for (const needed of [
      'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/workers/rank-worker.js',
      'build/kernels.wasm', 'config/default.json', 'data/ssbm/precise_timing/oxford/input.ras', 'docs/python.md', 'examples/train.mjs',
    ]) {
      expect(files, `npm pack leaves out ${needed}`).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('node_modules/'))).toEqual([]);

    expect(fs.existsSync(path.join(app, 'node_modules', 'superspike', 'build', 'kernels.wasm'))).toBe(true);

    fs.writeFileSync(
      path.join(app, 'run.mjs'),
      `import { train, loadRun, PACKAGE_ROOT } from 'superspike';
const r = await train({ hidden: [8], blocks: 2, blockSeconds: 0.1, seed: 2, task: { text: 'A', scale: 1, inputNeurons: 10, inputRateHz: 20 } },
  { workers: 2, out: 'out', quiet: true });
console.log(JSON.stringify({ root: PACKAGE_ROOT, mse: r.mse, outDir: r.outDir, statsFile: r.info.statsFile, groups: loadRun(r.outDir).groups.length }));
`,
    );
    const out = execFileSync(process.execPath, ['run.mjs'], { cwd: app, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { root: string; mse: number[]; outDir: string; statsFile: string; groups: number };
    expect(result.root).toBe(path.join(fs.realpathSync(app), 'node_modules', 'superspike')); // not this checkout
    expect(result.outDir).toBe(path.join(fs.realpathSync(app), 'out'));
    expect(result.mse).toHaveLength(3); // 2 blocks + the final line
    // The file holds 6 significant digits (C's %g); train() returns the values it printed from.
    const written = readStatsFile(path.join(result.outDir, result.statsFile)).map((l) => l.mse);
    expect(written).toHaveLength(3);
    result.mse.forEach((m, k) => expect(Math.abs(m - written[k]!) / written[k]!).toBeLessThan(5e-6));
    expect(result.groups).toBe(4); // input, hidden, output, target

    // The declarations are real types: a wrong use must be a type error.
    fs.writeFileSync(
      path.join(app, 'consumer.ts'),
      `import { train, decodeSpikes, type TrainResult } from 'superspike';
export async function f(): Promise<number> {
  const r: TrainResult = await train('config.json', { workers: 2, quiet: true });
  const s = await decodeSpikes(r.outDir + '/output', { from: 0, to: 1 });
  // @ts-expect-error mse is number[], not a string
  const wrong: string = r.mse;
  return r.mse[0]! + s.times[0]! + wrong.length;
}
`,
    );
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] }),
    );
    const tsc = path.join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8' });
    fs.rmSync(work, { recursive: true, force: true });
  });
});
