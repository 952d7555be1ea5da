/**
 * `superspike export DIR -o run.npz`: a run as numpy's `.npz` (a zip of `.npy` files, stored
 * uncompressed as `numpy.savez` does), so `numpy.load('run.npz')` reads it with no superspike
 * code. Every weight array is `[post, pre]` (W @ x maps the presynaptic layer's activity to the
 * postsynaptic one). Arrays (docs/python.md):
 *
 *   version, config, units       text: package version, the run's config (JSON), unit per array (JSON)
 *   dt                           ()               float64, the time step in s
 *   mse                          (stats lines,)   float64, one per block then the final replay
 *   t_spikes_<group>             (spikes,)        float64 spike times (s), ordered by (time, id)
 *   i_spikes_<group>             (spikes,)        int32 neuron ids; <group> = file name
 *   weights_<pre>_to_<post>      (post, pre)      float32, from the final network state
 *   <kind>_<group>               (samples, columns), or (samples, post, pre) for a monitor of
 *                                every synapse of a connection
 *   t_<kind>_<group>             (samples,)       sample times (s)
 *   ids_<kind>_<group>           (columns,) neuron ids, or (columns, 2) synapses as [post, pre]
 *
 * The zip is written as a stream (fflate's `Zip`, one array in memory at a time) with a fixed
 * timestamp, so the same run always gives the same bytes.
 */
import { Zip, ZipPassThrough } from 'fflate';
import { UserError } from '../errors.js';
import { AtomicFile } from '../io/atomic.js';
import type { RunInfo } from '../io/run-info.js';
import { findGroup, loadRunInfo, loadSpikes, loadStats, loadWeights, wholeRun } from '../report/load.js';
import { PACKAGE_VERSION } from '../paths.js';
import { findMonitorFiles, readMonitorFile, type MonitorSeries } from './monitors.js';
import { npyBody, npyDtype, npyPrefix, npyString, type NpyArray } from './npy.js';

export interface ExportNpzOptions {
  /** Leave out the spike arrays (they are most of the file for long runs). */
  spikes?: boolean;
}

export interface ExportedArray {
  name: string;
  dtype: string;
  shape: number[];
}

export interface ExportNpzResult {
  file: string;
  arrays: ExportedArray[];
  bytes: number;
}

/** ZIP's DOS timestamps start in 1980; a fixed one keeps the output reproducible. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Name of the weights array of connection pre → post. */
export function weightsArrayName(pre: string, post: string): string {
  return `weights_${pre}_to_${post}`;
}

/** Reads the run in `dir` and writes `outFile`; returns what it wrote. */
export async function exportNpz(dir: string, outFile: string, opts: ExportNpzOptions = {}): Promise<ExportNpzResult> {
  const info = loadRunInfo(dir);
  // Through the project's atomic writer: an exclusive temp file of a random name that never
  // follows a symlink, renamed into place only when complete (two exports at once each write
  // their own temp file; the last rename wins with a whole .npz).
  const file = AtomicFile.create(outFile);
  const arrays: ExportedArray[] = [];
  let bytes = 0;
  let zipError: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) zipError = err;
    else {
      file.write(chunk);
      bytes += chunk.length;
    }
  });
  const add = (name: string, array: NpyArray): void => {
    const entry = new ZipPassThrough(`${name}.npy`);
    entry.mtime = FIXED_MTIME;
    zip.add(entry);
    entry.push(npyPrefix(array));
    entry.push(npyBody(array.data), true);
    arrays.push({ name, dtype: array.descr ?? npyDtype(array.data), shape: [...array.shape] });
  };
  const units: Record<string, string> = { dt: 's', mse: '1' };
  try {
    add('version', npyString(PACKAGE_VERSION));
    add('config', npyString(JSON.stringify(info.config)));
    add('dt', { data: Float64Array.of(1 / info.stepsPerSecond), shape: [] });
    const stats = loadStats(dir, info) ?? [];
    add('mse', { data: Float64Array.from(stats, (s) => s.mse), shape: [stats.length] });

    if (opts.spikes ?? true) {
      for (const group of info.groups) {
        const s = await loadSpikes(dir, group, wholeRun(info));
        add(`t_spikes_${group.spkName}`, { data: Float64Array.from(s.steps, (step) => step / info.stepsPerSecond), shape: [s.steps.length] });
        add(`i_spikes_${group.spkName}`, { data: Int32Array.from(s.ids), shape: [s.ids.length] });
        units[`t_spikes_${group.spkName}`] = 's';
      }
    }

    for (const c of loadWeights(dir, info) ?? []) {
      const nPre = findGroup(info, c.pre).size;
      const nPost = findGroup(info, c.post).size;
      if (c.w.length !== nPre * nPost) {
        throw new UserError(`${dir}: the state's connection ${c.pre} → ${c.post} has ${c.w.length} weights, run.json says ${nPre} × ${nPost}`);
      }
      // Saved j-major (pre × post); numpy users expect W[post, pre] so that W @ x works.
      const w = new Float32Array(c.w.length);
      for (let j = 0; j < nPre; j++) for (let i = 0; i < nPost; i++) w[i * nPre + j] = c.w[j * nPost + i]!;
      add(weightsArrayName(c.pre, c.post), { data: w, shape: [nPost, nPre] });
      units[weightsArrayName(c.pre, c.post)] = '1';
    }

    for (const m of findMonitorFiles(dir, info).map(readMonitorFile)) {
      const name = `${m.kind}_${m.group}`;
      const { values, shape, ids } = monitorArrays(m, info);
      add(name, { data: values, shape });
      add(`t_${name}`, { data: m.times, shape: [m.times.length] });
      if (ids) add(`ids_${name}`, ids);
      units[name] = m.unit;
      units[`t_${name}`] = 's';
    }
    add('units', npyString(JSON.stringify(units)));
    zip.end();
    if (zipError) throw zipError;
    file.commit();
  } finally {
    file.abort();
  }
  return { file: outFile, arrays, bytes };
}

/**
 * A monitor's values, shape and column ids for the `.npz`: neuron columns keep their id order;
 * synapse columns (files: PRE-POST, by pre then post) get ids `[post, pre]`, and a monitor of
 * every synapse of the connection is laid out as (samples, post, pre) like the weight arrays.
 */
function monitorArrays(m: MonitorSeries, info: RunInfo): { values: Float64Array; shape: number[]; ids: NpyArray | null } {
  const samples = m.times.length;
  const keys = m.columnIds ?? [];
  const plain = { values: m.values, shape: [samples, m.columns] };
  if (keys.length !== m.columns || keys.some((k) => !/^\d+(-\d+)?$/.test(k))) return { ...plain, ids: null }; // rate, unnamed columns
  if (!keys[0]!.includes('-')) return { ...plain, ids: { data: Int32Array.from(keys, Number), shape: [keys.length] } };
  const pairs = keys.map((k) => k.split('-').map(Number) as [number, number]);
  const ids = new Int32Array(pairs.length * 2);
  pairs.forEach(([pre, post], c) => {
    ids[2 * c] = post;
    ids[2 * c + 1] = pre;
  });
  const conn = info.connections.find((c) => c.post === m.group);
  const nPost = info.groups.find((g) => g.spkName === m.group)?.size ?? 0;
  const nPre = conn ? findGroup(info, conn.pre).size : 0;
  // Files list synapses by pre then post, so a full matrix has column pre * nPost + post.
  const full = nPre * nPost === pairs.length && pairs.every(([pre, post], c) => c === pre * nPost + post);
  if (!full) return { ...plain, ids: { data: ids, shape: [pairs.length, 2] } };
  const values = new Float64Array(m.values.length);
  for (let t = 0; t < samples; t++) {
    const row = t * pairs.length;
    for (let pre = 0; pre < nPre; pre++) for (let post = 0; post < nPost; post++) values[row + post * nPre + pre] = m.values[row + pre * nPost + post]!;
  }
  const postMajor = new Int32Array(pairs.length * 2);
  for (let post = 0, c = 0; post < nPost; post++) {
    for (let pre = 0; pre < nPre; pre++, c++) {
      postMajor[2 * c] = post;
      postMajor[2 * c + 1] = pre;
    }
  }
  return { values, shape: [samples, nPost, nPre], ids: { data: postMajor, shape: [nPost, nPre, 2] } };
}
