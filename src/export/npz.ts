/**
 * `superspike export DIR -o run.npz`: a run as numpy's `.npz` (a zip of `.npy` files, stored
 * uncompressed as `numpy.savez` does), so `numpy.load('run.npz')` reads it with no superspike
 * code. Arrays:
 *
 *   mse                          (stats lines,)   float64, one per block then the final replay
 *   spikes_<group>               (spikes, 2)      float64, columns time (s) and neuron id,
 *                                                 ordered by (time, id); <group> = file name
 *                                                 (multi_stim, multi_hidden, …, output, target)
 *   weights_<pre>_to_<post>      (post, pre)      float32, from the final network state
 *   <kind>_<group>, t_<kind>_<group>              recorded state monitors (see monitors.ts)
 *
 * The zip is written as a stream (fflate's `Zip`, one array in memory at a time) with a fixed
 * timestamp, so the same run always gives the same bytes.
 */
import { Zip, ZipPassThrough } from 'fflate';
import { UserError } from '../errors.js';
import { AtomicFile } from '../io/atomic.js';
import { findGroup, loadRunInfo, loadSpikes, loadStats, loadWeights, wholeRun } from '../report/load.js';
import { findMonitorFiles, readMonitorFile } from './monitors.js';
import { npyBody, npyDtype, npyPrefix, type NpyArray } from './npy.js';

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
    arrays.push({ name, dtype: npyDtype(array.data), shape: [...array.shape] });
  };
  try {
    const stats = loadStats(dir, info) ?? [];
    add('mse', { data: Float64Array.from(stats, (s) => s.mse), shape: [stats.length] });

    if (opts.spikes ?? true) {
      for (const group of info.groups) {
        const s = await loadSpikes(dir, group, wholeRun(info));
        const pairs = new Float64Array(s.steps.length * 2);
        for (let i = 0; i < s.steps.length; i++) {
          pairs[2 * i] = s.steps[i]! / info.stepsPerSecond;
          pairs[2 * i + 1] = s.ids[i]!;
        }
        add(`spikes_${group.spkName}`, { data: pairs, shape: [s.steps.length, 2] });
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
    }

    for (const m of findMonitorFiles(dir, info).map(readMonitorFile)) {
      add(`${m.kind}_${m.group}`, { data: m.values, shape: [m.times.length, m.columns] });
      add(`t_${m.kind}_${m.group}`, { data: m.times, shape: [m.times.length] });
    }
    zip.end();
    if (zipError) throw zipError;
    file.commit();
  } finally {
    file.abort();
  }
  return { file: outFile, arrays, bytes };
}
