/**
 * The `auryn` monitor set's files, as Auryn's SuperSpike example writes them (names from
 * `System::fn`, text from Auryn's monitors; docs/monitors.md): no header lines, one file per rank
 * named `<name>.<rank>.<ext>`. This module names and formats their lines (the ranks write them,
 * engine/monitors.ts) and recognises them in a folder (the tools merge them, export/monitors.ts).
 *
 *   multi<i>.<r>.mem  multi_hidden<i>.<r>.mem   VoltageMonitor: "%f %f", 0.020000 at a spike step
 *   ….err  ….par  multi<i>.<r>.syn              StateMonitor:   "%f %f" (error, σ′, current)
 *   hidden.<r>.prate                            PopulationRateMonitor: "%g %g", Hz at the bin end
 *   con.<r>.syn  hidden_con0.<r>.syn            WeightMonitor:  "%f " then "%e " per synapse
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DT_SECONDS } from '../model/constants.js';
import { formatE, formatF, formatG } from './c-format.js';

/** VoltageMonitor's VOLTAGEMONITOR_PASTED_SPIKE_HEIGHT: the membrane line of a spike step. */
export const AURYN_SPIKE_MARK_VOLTS = 20e-3;

/** `System::fn(name, ext)`: `<name>.<rank>.<ext>`. */
export function aurynRankFileName(name: string, rank: number, ext: string): string {
  return `${name}.${rank}.${ext}`;
}

/** Auryn's time of a step, `auryn_timestep * clock`. */
function aurynTime(step: number): number {
  return DT_SECONDS * step;
}

/** A state line: `sprintf("%f %f\n", sys->get_time(), value)`. */
export function aurynStateLine(step: number, value: number): string {
  return `${formatF(aurynTime(step))} ${formatF(value)}\n`;
}

/** A population rate line: `outfile << get_time() << " " << rate` (ostream default, %g), rate in Hz. */
export function aurynRateLine(step: number, count: number, rankNeurons: number, binSeconds: number): string {
  return `${formatG(aurynTime(step))} ${formatG(((1 / binSeconds) * count) / rankNeurons)}\n`;
}

/** A weight line: the time in fixed notation, then every weight in scientific, each followed by a space. */
export function aurynWeightLine(step: number, weights: ArrayLike<number>): string {
  let line = `${formatF(aurynTime(step))} `;
  for (let k = 0; k < weights.length; k++) line += `${formatE(weights[k]!)} `;
  return `${line}\n`;
}

/** One file of the set found in a folder. */
export interface AurynMonitorFile {
  file: string;
  /** `multi`, `multi_hidden`, `hidden`, `con` or `hidden_con`. */
  stem: string;
  /** The neuron (multi…) or connection (hidden_con…) number; -1 when the name has none. */
  index: number;
  rank: number;
  ext: string;
}

const PATTERN = /^(multi_hidden|multi|hidden_con|hidden|con)(\d*)\.(\d+)\.(mem|err|par|syn|prate)$/;

/** The `auryn` set's files in `dir`, sorted by name then rank. */
export function findAurynMonitorFiles(dir: string): AurynMonitorFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: AurynMonitorFile[] = [];
  for (const name of names) {
    const m = PATTERN.exec(name);
    if (!m) continue;
    const [, stem, index, rank, ext] = m as unknown as [string, string, string, string, string];
    // multi<i> and hidden_con<i> carry a number, hidden and con do not.
    if ((stem === 'multi' || stem === 'multi_hidden' || stem === 'hidden_con') !== (index !== '')) continue;
    if ((stem === 'hidden') !== (ext === 'prate') || ((stem === 'con' || stem === 'hidden_con') && ext !== 'syn')) continue;
    found.push({ file: path.join(dir, name), stem, index: index === '' ? -1 : Number(index), rank: Number(rank), ext });
  }
  return found.sort((a, b) => a.stem.localeCompare(b.stem) || a.index - b.index || a.ext.localeCompare(b.ext) || a.rank - b.rank);
}
