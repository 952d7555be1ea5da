/**
 * The package as a user gets it: `npm pack` (of the built tree), installed offline into an empty
 * folder, imported as `superspike`, and `train()` run from there on a tiny task. The tarball
 * carries the licence, changelog and citation, the MPI addon's source and build script (not a
 * binary built against the packer's MPI), and source maps that resolve (sources embedded); the
 * install compiles the addon where mpicxx exists and skips it in one line where it does not. The install
 * uses the project's npm cache through a lock file made from ours (npm ci keeps the tarballs in
 * the cache but not the registry metadata an unlocked install would ask for), so it needs no
 * network and gets exactly the versions the project is tested with. The declarations are
 * checked by type-checking a small consumer against the installed copy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStatsFile } from '../src/io/stats.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { tempDir } from './helpers.js';
import { appLock } from './install-helpers.js';


/** Every source map in the tarball resolves: each source is in the tarball or embedded in the map. */
function expectMapsResolve(files: string[]): void {
  const packed = new Set(files);
  const maps = files.filter((f) => f.endsWith('.js.map'));
  expect(maps.length).toBeGreaterThan(0);
  for (const map of maps) {
    const m = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
    m.sources.forEach((source, k) => {
      const inTarball = packed.has(path.posix.normalize(path.posix.join(path.posix.dirname(map), source)));
      expect(inTarball || typeof m.sourcesContent?.[k] === 'string', `${map}: source ${source} neither shipped nor embedded`).toBe(true);
    });
  }
  for (const js of files.filter((f) => f.endsWith('.js'))) {
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(PACKAGE_ROOT, js), 'utf8'))?.[1];
    if (url !== undefined) expect(packed.has(path.posix.join(path.posix.dirname(js), url)), `${js} points at ${url}, not shipped`).toBe(true);
  }
}

function hasMpicxx(): boolean {
  return spawnSync('mpicxx', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * PATH with a folder of links to what npm needs (node, npm, sh) in place of every folder that holds
 * `tool`, so the install runs as on a machine without it.
 */
function pathWithout(tool: string): string {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const shadowed = dirs.filter((d) => fs.existsSync(path.join(d, tool)));
  const links = tempDir('path');
  for (const bin of ['node', 'npm', 'sh']) {
    const from = dirs.map((d) => path.join(d, bin)).find((f) => fs.existsSync(f));
    if (from) fs.symlinkSync(fs.realpathSync(from), path.join(links, bin));
  }
  return [links, ...dirs.filter((d) => !shadowed.includes(d))].join(path.delimiter);
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
    for (const needed of ['LICENSE', 'CHANGELOG.md', 'CITATION.cff', 'native/mpi/mpi_addon.cc', 'scripts/build-mpi.mjs', 'scripts/install.mjs']) {
      expect(files, `npm pack leaves out ${needed}`).toContain(needed);
    }
    expect(files.filter((f) => f.endsWith('.node')), 'an addon built against the packer\'s MPI').toEqual([]);
    expectMapsResolve(files);
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      license: string; repository?: { url?: string }; scripts: Record<string, string>;
    };
    // No `repository` until the project has a public address: an invented one would mislead.
    expect(manifest.repository).toBeUndefined();
    expect(manifest.scripts.prepare, 'prepare runs for consumers; the build belongs in prepack').toBeUndefined();
    expect(manifest.scripts.prepack).toBeDefined();
    expect(fs.readFileSync(path.join(PACKAGE_ROOT, 'LICENSE'), 'utf8')).toMatch(new RegExp(`^${manifest.license} License`));
    const citation = fs.readFileSync(path.join(PACKAGE_ROOT, 'CITATION.cff'), 'utf8');
    expect(citation).toMatch(/^cff-version: 1\.2\.0$/m);
    expect(citation).toMatch(/doi: "10\.1162\/neco_a_01086"/);
    expect(citation).toContain(`version: ${(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
    expect(fs.readFileSync(path.join(PACKAGE_ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/m);

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    const tarball = path.join('..', path.basename(packed[0]!.filename));
    // npm 11 asks projects to approve dependencies' install scripts (allowScripts).
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'app', private: true, type: 'module', dependencies: { superspike: `file:${tarball}` }, allowScripts: { superspike: true },
    }));
    const registry = npm(['config', 'get', 'registry'], app).trim();
    fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(appLock(tarball, registry), null, 1));
    npm(['ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], app);
    const installed = path.join(app, 'node_modules', 'superspike');
    expect(fs.existsSync(path.join(installed, 'build', 'kernels.wasm'))).toBe(true);
    // The addon is compiled at install from the shipped source, against this machine's MPI.
    const addon = path.join(installed, 'build', 'mpi.node');
    if (hasMpicxx() || process.env.SUPERSPIKE_REQUIRE_MPI === '1') expect(fs.existsSync(addon), 'install did not build build/mpi.node').toBe(true);
    // Without mpicxx the install script says so in one line and succeeds.
    fs.rmSync(addon, { force: true });
    const rebuild = execFileSync('npm', ['rebuild', 'superspike', '--foreground-scripts'], {
      cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: pathWithout('mpicxx') },
    });
    expect(rebuild).toContain('mpicxx not found');
    expect(fs.existsSync(addon)).toBe(false);

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
