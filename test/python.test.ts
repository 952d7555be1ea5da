/**
 * The Python package (python/, docs/python.md) as a user installs it: a venv on the system's numpy
 * (`python3 -m venv --system-site-packages`), `pip install ./python` offline (no build isolation:
 * setuptools from the system), then a script that trains a tiny run through the CLI, loads the
 * folder and the `.npz` into named arrays, and checks them against what the Node side reads.
 * Needs python3 with numpy, venv, setuptools and wheel (Debian: python3-numpy python3-venv
 * python3-setuptools python3-pip; $SUPERSPIKE_PYTHON picks the interpreter); SUPERSPIKE_REQUIRE_NUMPY=1 (CI) makes their absence a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSpikes, loadRun } from '../src/index.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { tempDir } from './helpers.js';

/** The first python3 with what `pip install ./python` offline needs (a pyenv shim may lack wheel; Debian's has it). */
const CANDIDATES = [process.env.SUPERSPIKE_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
const probes = CANDIDATES.map((p) => ({ python: p, r: spawnSync(p, ['-c', 'import numpy, setuptools, wheel, ensurepip'], { encoding: 'utf8' }) }));
const chosen = probes.find((p) => p.r.status === 0);
const PYTHON = chosen !== undefined;
const probe = probes[0]!.r;
const ALLOW_MISSING = process.env.SUPERSPIKE_REQUIRE_NUMPY !== '1';
if (!PYTHON) {
  console.warn(
    `\n*** python.test: python3 with numpy, setuptools, wheel and venv is MISSING (apt-get install -y python3-numpy python3-venv python3-setuptools python3-pip): ${probe.stderr?.trim().split('\n').pop() ?? probe.error?.message}. ` +
      (ALLOW_MISSING ? 'The Python package is NOT tested (SUPERSPIKE_REQUIRE_NUMPY=1 makes this fail). ***\n' : 'SUPERSPIKE_REQUIRE_NUMPY=1: failing. ***\n'),
  );
}

/** Runs after docs/python.md's recipe, in the same process: checks the run it trained (`run`, folder py-run). */
const CHECKS = `
import json, os
import numpy as np
t, i = run.spikes("output")
again = superspike.load(os.path.join("py-run", "run.npz"))
tv, v, ids, unit = run.monitor("membrane", "output")
try:
    superspike.train({"hidden": [8], "blocks": -1}, out="bad-run", workers=1)
    bad = None
except superspike.SuperspikeError as err:
    bad = str(err)
try:
    import matplotlib
    matplotlib.use("Agg")
except ImportError:
    pass
try:
    ax = superspike.raster(run, "hidden")
    drawn = len(ax.collections[0].get_offsets())
except superspike.SuperspikeError as err:
    drawn = str(err)
print(json.dumps({
    "version": run.version, "dt": run.dt, "blocks": run.config["blocks"], "groups": run.groups,
    "t": t.tolist(), "i": i.tolist(), "dtypes": [t.dtype.str, i.dtype.str],
    "mse": run.mse.tolist(), "W": list(run.weights("hidden", "output").shape),
    "same": all(np.array_equal(run[k], again[k]) for k in run.arrays),
    "monitor": [len(tv), list(v.shape), ids.tolist(), unit],
    "bad": bad, "drawn": drawn, "hidden_spikes": len(run.spikes("hidden")[0]),
}))
`;

describe('python package', () => {
  it.skipIf(!PYTHON && ALLOW_MISSING)('pip installs ./python offline; train() drives the CLI, load() reads folder and .npz', async () => {
    expect(PYTHON, 'python3 with numpy, setuptools, wheel and venv is required (apt-get install -y python3-numpy python3-venv python3-setuptools python3-pip)').toBe(true);
    const work = tempDir('python');
    // A copy: setuptools writes build/ and *.egg-info next to the sources.
    const source = path.join(work, 'python');
    fs.cpSync(path.join(PACKAGE_ROOT, 'python'), source, { recursive: true, filter: (f) => !/__pycache__|egg-info|[/\\]build$/.test(f) });
    const venv = path.join(work, 'venv');
    execFileSync(chosen!.python, ['-m', 'venv', '--system-site-packages', venv], { stdio: 'pipe' });
    const python = path.join(venv, 'bin', 'python');
    execFileSync(python, ['-m', 'pip', 'install', '--no-index', '--no-build-isolation', '--disable-pip-version-check', '-q', source], { stdio: 'pipe' });

    // docs/python.md's recipe of the package runs as pasted (in the venv), then the checks on its run.
    const doc = fs.readFileSync(path.join(PACKAGE_ROOT, 'docs', 'python.md'), 'utf8');
    const recipe = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes('import superspike'));
    expect(recipe).toHaveLength(1);
    const cli = `${process.execPath} ${path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js')}`;
    const printed = execFileSync(python, ['-c', recipe[0]! + CHECKS], { cwd: work, encoding: 'utf8', env: { ...process.env, SUPERSPIKE_CLI: cli } });
    const lines = printed.trim().split('\n');
    expect(lines[0]).toMatch(/^Run\('py-run\/run\.npz', \d+ arrays, superspike \d+\.\d+\.\d+\)$/);
    expect(lines[1]).toMatch(/^0\.0001 \d+\.\d+\.\d+ 2 V$/);
    const got = JSON.parse(lines.pop()!) as {
      version: string; dt: number; blocks: number; groups: string[]; t: number[]; i: number[]; dtypes: string[]; mse: number[];
      W: number[]; same: boolean; monitor: [number, number[], number[], string]; bad: string | null; drawn: number | string; hidden_spikes: number;
    };

    const out = path.join(work, 'py-run');
    const run = loadRun(out);
    const spikes = await decodeSpikes(path.join(out, 'output'));
    expect(spikes.times.length).toBeGreaterThan(0);
    expect(got.t).toEqual([...spikes.times]);
    expect(got.i).toEqual([...spikes.ids]);
    expect(got.dtypes).toEqual(['<f8', '<i4']);
    expect(got.mse).toEqual(run.mse);
    expect(got.version).toBe(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version);
    expect(got.dt).toBe(1e-4);
    expect(got.blocks).toBe(2);
    expect(got.groups).toEqual(['multi_stim', 'multi_hidden', 'output', 'target']);
    expect(got.W).toEqual([run.groups.find((g) => g.role === 'output')!.size, 16]);
    expect(got.same).toBe(true);
    expect(got.monitor).toEqual([run.info.endStep / 10, [run.info.endStep / 10, 4], [0, 1, 2, 3], 'V']);
    expect(got.bad).toMatch(/^superspike: .*blocks/);
    expect(got.bad).not.toContain('\n');
    // matplotlib is optional: with it the raster holds every hidden spike, without it a clear message.
    // CI installs it (Debian's python3-matplotlib) and requires the drawn raster.
    if (process.env.SUPERSPIKE_REQUIRE_MATPLOTLIB === '1') {
      expect(got.drawn, `matplotlib is required here (SUPERSPIKE_REQUIRE_MATPLOTLIB=1) but ${chosen!.python} cannot import it`).toBeTypeOf('number');
    }
    if (typeof got.drawn === 'number') expect(got.drawn).toBe(got.hidden_spikes);
    else expect(got.drawn).toBe('superspike.raster needs matplotlib: pip install matplotlib');
    fs.rmSync(work, { recursive: true, force: true });
  });
});
