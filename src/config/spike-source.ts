/**
 * A raster of a config — a .ras file, or `{ times, ids }` arrays given in code — read into events
 * with the rules of the .ras reader (io/ras.ts): ids beyond the group size dropped with one
 * warning (an error with `strict`), the same doubles, the same order. Arrays are fed to the same
 * parser line by line (`String(x)` writes a double that parses back to the same double), so a
 * run from arrays writes the same bytes as a run from the equivalent file.
 */
import { RasParser, readRas, type RasData, type RasReadOptions } from '../io/ras.js';
import type { SpikeSource } from './schema.js';

/** How a source is named in messages and task descriptions: the path, or `<key> (N spikes from arrays)`. */
export function spikeSourceName(source: SpikeSource, key: string): string {
  return typeof source === 'string' ? source : `${key} (${source.times.length} spikes from arrays)`;
}

export async function readSpikeSource(source: SpikeSource, key: string, opts: RasReadOptions): Promise<RasData> {
  if (typeof source === 'string') return readRas(source, opts);
  const parser = new RasParser(spikeSourceName(source, key), opts);
  for (let i = 0; i < source.times.length; i++) parser.line(`${source.times[i]} ${source.ids[i]}`);
  return parser.finish();
}
