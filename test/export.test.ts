/**
 * `superspike export` and the .npy encoder: numpy (python3-numpy, installed by .ci/run) loads the
 * .npz of a real small run, and its names, shapes and values must equal what the run wrote
 * (stats file, merged spike files, final network state, recorded monitors merged over ranks).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSpikes, loadRun, train } from '../src/index.js';
import { encodeNpy, npyPrefix, npyString } from '../src/export/npy.js';
import { weightsArrayName } from '../src/export/npz.js';
import { findMonitorRankFiles, mergeMonitorRankFiles, parseMergedMonitor } from '../src/io/monitor-files.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { captureCli } from './cli-capture.js';
import { tempDir } from './helpers.js';
/** The interpreter that loads the .npz: .ci/run points SUPERSPIKE_PYTHON at the one its packages went into. */
const PYTHON3 = process.env.SUPERSPIKE_PYTHON ?? 'python3';

const cli = captureCli('export', { onlyDuringRun: true });

function hasNumpy(): boolean {
  return spawnSync(PYTHON3, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}
const NUMPY = hasNumpy();
const ALLOW_NO_NUMPY = process.env.SUPERSPIKE_REQUIRE_NUMPY !== '1';
if (!NUMPY) {
  console.warn(
    '\n*** export.test: python3 with numpy is MISSING (apt-get install -y python3-numpy): the .npz is NOT checked with numpy. ' +
      (ALLOW_NO_NUMPY ? 'These tests are SKIPPED (SUPERSPIKE_REQUIRE_NUMPY=1 makes them fail). ***\n' : 'SUPERSPIKE_REQUIRE_NUMPY=1: failing. ***\n'),
  );
}

describe('npy encoder', () => {
  it('writes the v1.0 preamble and a 64-byte aligned header', () => {
    const bytes = encodeNpy({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] });
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3, 2\), \} *\n$/);
    expect(new Float64Array(bytes.slice(10 + headerLength).buffer)).toEqual(new Float64Array([1, 2, 3, 4, 5, 6]));
    expect(Buffer.from(npyPrefix({ data: new Uint32Array(7), shape: [7] })).toString('latin1')).toContain("'<u4'");
    expect(Buffer.from(npyPrefix({ data: new Float32Array(7), shape: [7] })).toString('latin1')).toContain("'shape': (7,)");
    const text = npyString('dt: 0.1 ms, µ');
    expect(Buffer.from(npyPrefix(text)).toString('latin1')).toMatch(/^\x93NUMPY\x01\x00..\{'descr': '<U13', 'fortran_order': False, 'shape': \(\), \}/s);
    expect(String.fromCodePoint(...text.data)).toBe('dt: 0.1 ms, µ');
    expect(() => npyPrefix({ data: new Float32Array(7), shape: [2, 3] })).toThrow(/does not hold 7/);
  });
});

describe('superspike export', () => {
  let runDir = '';
  beforeAll(async () => {
    runDir = tempDir('export-run');
    await train(
      {
        hidden: [14], blocks: 2, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed: 3,
        task: { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
        record: ['membrane:output:0-2@all', 'rate:hidden', 'weights:output'],
      },
      { workers: 2, out: runDir, quiet: true },
    );
  });

  /** A monitor merged by the io module (what the export must hold). */
  function monitor(key: string) {
    return parseMergedMonitor(mergeMonitorRankFiles(findMonitorRankFiles(runDir, ['membrane', 'rate', 'weights']).get(key)!), key);
  }

  it.skipIf(!NUMPY && ALLOW_NO_NUMPY)('numpy loads names, shapes and values equal to the run', async () => {
    expect(NUMPY, 'python3 with numpy is required for this test (apt-get install -y python3-numpy)').toBe(true);
    const out = path.join(cli.dir, 'run.npz');
    expect(await cli.run('export', runDir, '-o', out)).toBe(0);
    expect(cli.stdout).toContain('wrote');
    // Same run → same bytes (fixed zip timestamps).
    const again = path.join(cli.dir, 'again.npz');
    expect(await cli.run('export', runDir, '-o', again)).toBe(0);
    expect(fs.readFileSync(again).equals(fs.readFileSync(out))).toBe(true);

    const script = `
import json, sys, numpy as np
z = np.load(sys.argv[1])
res = {}
for k in z.files:
    a = z[k]
    if a.dtype.kind == "U":
        res[k] = {"dtype": a.dtype.str, "shape": list(a.shape), "text": str(a)}
        continue
    res[k] = {"dtype": a.dtype.str, "shape": list(a.shape), "sum": float(np.asarray(a, dtype=np.float64).sum()),
              "first": a.ravel()[:4].astype(np.float64).tolist(), "last": a.ravel()[-4:].astype(np.float64).tolist()}
print(json.dumps(res))
`;
    const got = JSON.parse(execFileSync(PYTHON3, ['-c', script, out], { encoding: 'utf8' })) as Record<
      string,
      { dtype: string; shape: number[]; sum: number; first: number[]; last: number[]; text: string }
    >;
    const run = loadRun(runDir);
    const expected = [
      'version', 'config', 'units', 'dt', 'mse',
      ...run.groups.flatMap((g) => [`t_spikes_${g.spkName}`, `i_spikes_${g.spkName}`]),
      weightsArrayName('multi_stim', 'multi_hidden'),
      weightsArrayName('multi_hidden', 'output'),
      'membrane_output', 't_membrane_output', 'ids_membrane_output', 'weights_output', 't_weights_output', 'ids_weights_output',
      'rate_multi_hidden', 't_rate_multi_hidden',
    ];
    expect(Object.keys(got).sort()).toEqual([...expected].sort());

    // Metadata: version, the config that ran, dt, a unit for every data array.
    expect(got.version!.text).toBe(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version);
    expect(JSON.parse(got.config!.text)).toEqual(run.info.config);
    expect(got.dt).toMatchObject({ dtype: '<f8', shape: [], first: [1e-4] });
    const units = JSON.parse(got.units!.text) as Record<string, string>;
    expect(units).toMatchObject({ dt: 's', t_spikes_output: 's', membrane_output: 'V', t_membrane_output: 's', rate_multi_hidden: 'Hz', weights_output: '1' });
    expect(Object.keys(got).filter((k) => !['version', 'config', 'units'].includes(k) && !k.startsWith('i_spikes_') && !k.startsWith('ids_') && !(k in units))).toEqual([]);

    expect(got.mse!.shape).toEqual([3]); // 2 blocks + the final line
    expect(got.mse!.dtype).toBe('<f8');
    expect(got.mse!.first).toEqual(run.mse.slice(0, 4));

    for (const g of run.groups) {
      const t = got[`t_spikes_${g.spkName}`]!;
      const i = got[`i_spikes_${g.spkName}`]!;
      const s = await decodeSpikes(g.spikePrefix);
      const n = s.times.length;
      expect(n, `${g.spkName} spiked`).toBeGreaterThan(0);
      expect(t, g.spkName).toMatchObject({ dtype: '<f8', shape: [n], first: [...s.times.slice(0, 4)], last: [...s.times.slice(-4)] });
      expect(i, g.spkName).toMatchObject({ dtype: '<i4', shape: [n], first: [...s.ids.slice(0, 4)], last: [...s.ids.slice(-4)] });
      expect(t.sum).toBeCloseTo(s.times.reduce((a, b) => a + b, 0), 6);
      expect(i.sum).toBe(s.ids.reduce((a, b) => a + b, 0));
    }

    const state = loadNetworkState(run.stateFile!);
    const sizes = Object.fromEntries(run.groups.map((g) => [g.spkName, g.size]));
    for (const [c, [pre, post]] of [['multi_stim', 'multi_hidden'], ['multi_hidden', 'output']].entries()) {
      const a = got[weightsArrayName(pre!, post!)]!;
      const nPre = sizes[pre!]!;
      const nPost = sizes[post!]!;
      expect(a.shape).toEqual([nPost, nPre]);
      expect(a.dtype).toBe('<f4');
      const w = state.connections[c]!.w; // j-major: w[j * nPost + i]
      // Row 0 of W[post, pre]: synapses from pre 0..3 onto post 0.
      expect(a.first).toEqual([0, 1, 2, 3].map((j) => w[j * nPost]!));
      expect(a.last).toEqual([nPre - 4, nPre - 3, nPre - 2, nPre - 1].map((j) => w[j * nPost + nPost - 1]!));
      expect(a.sum).toBeCloseTo(w.reduce((x, v) => x + v, 0), 3);
    }

    const steps = run.info.endStep;
    expect(got.membrane_output!.shape).toEqual([steps / 10, 3]); // every 1 ms of the whole run
    expect(got.membrane_output!.first).toEqual([-0.06, -0.06, -0.06, monitor('output.membrane').values[3]]);
    expect(got.t_membrane_output!.first).toEqual([0, 0.001, 0.002, 0.003]);
    const v = monitor('output.membrane').values;
    expect(got.membrane_output!.last).toEqual([...v.slice(-4)]);
    const rate = monitor('multi_hidden.rate');
    expect(got.rate_multi_hidden!.shape).toEqual([rate.times.length, 1]);
    expect(rate.times.length).toBeGreaterThan(0);
    expect(got.rate_multi_hidden!.sum).toBeCloseTo(rate.values.reduce((a, b) => a + b, 0), 9);
    expect(got.t_rate_multi_hidden!.first).toEqual([...rate.times.slice(0, 4)]);
    expect(got.ids_membrane_output).toMatchObject({ dtype: '<i4', shape: [3], first: [0, 1, 2] });
    // A monitor of every synapse is laid out as the weight arrays: (samples, post, pre).
    const w = monitor('output.weights');
    const nOut = run.groups.find((g) => g.role === 'output')!.size;
    expect(got.weights_output!.shape).toEqual([w.times.length, nOut, 14]);
    // File columns go pre-major (0-0, 0-1, …): [post 0, pre 0..3] are columns 0, nOut, 2 nOut, 3 nOut.
    expect(got.weights_output!.first).toEqual([0, 1, 2, 3].map((pre) => w.values[pre * nOut]));
    expect(got.ids_weights_output).toMatchObject({ dtype: '<i4', shape: [nOut, 14, 2], first: [0, 0, 0, 1] });
  });

  it('rejects a non-.npz name and a folder without run.json with one-line errors', async () => {
    expect(await cli.run('export', runDir, '-o', path.join(cli.dir, 'x.zip'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*x\.zip: the output must be a \.npz file[^\n]*\n$/);
    cli.stderr = '';
    expect(await cli.run('export', cli.dir, '-o', path.join(cli.dir, 'x.npz'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*run\.json[^\n]*\n$/);
    expect(fs.existsSync(path.join(cli.dir, 'x.npz.tmp'))).toBe(false);
  });

  it('writes through the atomic writer: a symlink at -o is refused, two exports at once give whole files, no .tmp is left', async () => {
    const victim = path.join(cli.dir, 'victim.txt');
    fs.writeFileSync(victim, 'keep me');
    const link = path.join(cli.dir, 'link.npz');
    fs.symlinkSync(victim, link);
    cli.stderr = '';
    expect(await cli.run('export', runDir, '-o', link)).toBe(1);
    expect(cli.stderr).toMatch(/link\.npz.*symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    const out = path.join(cli.dir, 'twice.npz');
    const codes = await Promise.all([cli.run('export', runDir, '-o', out), cli.run('export', runDir, '-o', out)]);
    expect(codes).toEqual([0, 0]);
    const alone = path.join(cli.dir, 'alone.npz');
    expect(await cli.run('export', runDir, '-o', alone)).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(alone))).toBe(true);
    expect(fs.readdirSync(cli.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!NUMPY && ALLOW_NO_NUMPY)('the recipes of docs/python.md run and read the same values', async () => {
    expect(NUMPY, 'python3 with numpy is required for this test (apt-get install -y python3-numpy)').toBe(true);
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'python.md'), 'utf8');
    // The Python package's recipe (import superspike) runs in test/python.test.ts.
    const blocks = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => !b.includes('import superspike'));
    expect(blocks.length).toBe(4);
    // The recipes use the paths of a default run: output/… and run.npz in the working folder.
    const work = cli.dir;
    fs.symlinkSync(runDir, path.join(work, 'output'));
    expect(await cli.run('export', runDir, '-o', path.join(work, 'run.npz'))).toBe(0);
    const script = `${blocks.join('\n')}

import json
print(json.dumps({"t": [float(x) for x in t], "i": [int(x) for x in i], "mse": [float(x) for x in mse],
                  "block": [int(x) for x in block], "W": list(W.shape), "v": v.tolist()}))
`;
    const printed = execFileSync(PYTHON3, ['-c', script], { cwd: work, encoding: 'utf8' }).trim().split('\n');
    const got = JSON.parse(printed[printed.length - 1]!) as {
      t: number[]; i: number[]; mse: number[]; block: number[]; W: number[]; v: number[][];
    };
    const run = loadRun(runDir);
    const out = await decodeSpikes(path.join(runDir, 'output'));
    expect(got.t).toEqual([...out.times]); // the .spk recipe (last assignment of t, i)
    expect(got.i).toEqual([...out.ids]);
    expect(got.mse).toEqual(run.mse); // the stats recipe
    expect(got.block).toEqual(run.stats.map((l) => l.block));
    expect(got.W).toEqual([run.groups.find((g) => g.role === 'output')!.size, 14]);
    const v = monitor('output.membrane');
    expect(got.v.length).toBe(v.times.length); // the monitor recipe: rank files merged by id
    expect(got.v[1]).toEqual([...v.values.slice(3, 6)]);
    expect(got.v[got.v.length - 1]).toEqual([...v.values.slice(-3)]);
  });
});
