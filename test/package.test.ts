/**
 * The package as a user gets it: `npm pack` (of the built tree), installed offline into an empty
 * folder, imported as `superspike`, and `train()` run from there on a tiny task. The install
 * uses the project's npm cache through a lock file made from ours (npm ci keeps the tarballs in
 * the cache but not the registry metadata an unlocked install would ask for), so it needs no
 * network and gets exactly the versions the project is tested with. The declarations are
 * checked by type-checking a small consumer against the installed copy.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStatsFile } from '../src/io/stats.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { tempDir } from './helpers.js';

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * A lock file for an app that depends on the tarball only: superspike's production entries of
 * our lock, with tarball addresses filled in where npm left them out (it omits the default
 * registry's), so that `npm ci --offline` finds every package in the cache by address and hash.
 */
function appLock(tarball: string, registry: string): object {
  const lock = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', dependencies: { superspike: `file:${tarball}` } },
    'node_modules/superspike': {
      version: pkg.version as string, resolved: `file:${tarball}`, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev || !key.startsWith('node_modules/')) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `${base}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[key] = { ...entry, resolved };
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

describe('npm package', () => {
  it('packs dist, kernels, configs and data; installs offline; train() runs from the installed copy', () => {
    const work = tempDir('package');
    const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

    // --ignore-scripts: `prepare` would rebuild; the test checks the tree `npm test` just built.
    const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], PACKAGE_ROOT)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0]!.files.map((f) => f.path);
    for (const needed of [
      'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/workers/rank-worker.js',
      'build/kernels.wasm', 'config/default.json', 'data/ssbm/precise_timing/oxford/input.ras', 'docs/python.md', 'examples/train.mjs',
    ]) {
      expect(files, `npm pack leaves out ${needed}`).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('node_modules/'))).toEqual([]);

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    const tarball = path.join('..', path.basename(packed[0]!.filename));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { superspike: `file:${tarball}` } }));
    const registry = npm(['config', 'get', 'registry'], app).trim();
    fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(appLock(tarball, registry), null, 1));
    npm(['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
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
