/**
 * The content key of one run of a sweep: a SHA-256 of its config in which every file the config
 * names (input and target rasters, a trial task's stimulus rasters) is replaced by the digest of
 * the file's bytes. A run's config names its data by absolute path, so keying on the config text
 * would make another checkout, another install or a moved project recompute (and, before, write
 * over) runs that are exactly the same; the key instead says "same network, same data, same seed".
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** SHA-256 (hex) of a file's bytes; a missing data file is a one-line UserError. */
export function fileDigest(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch (err) {
    throw new UserError(`experiment data file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** True for a string that names an existing regular file by absolute path. */
function isDataFile(value: string): boolean {
  if (!path.isAbsolute(value)) return false;
  try {
    return statSync(value).isFile();
  } catch {
    return false;
  }
}

/** The config with every absolute file path replaced by `sha256:<digest of its bytes>`. */
export function contentOf(value: unknown, digests = new Map<string, string>()): unknown {
  if (typeof value === 'string') {
    if (!isDataFile(value)) return value;
    let digest = digests.get(value);
    if (digest === undefined) digests.set(value, (digest = fileDigest(value)));
    return `sha256:${digest}`;
  }
  if (Array.isArray(value)) return value.map((v) => contentOf(v, digests));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, contentOf(v, digests)]));
  }
  return value;
}

/** The run's key (hex); `digests` caches file digests across the runs of a sweep. */
export function runKey(config: unknown, digests?: Map<string, string>): string {
  return createHash('sha256').update(JSON.stringify(contentOf(config, digests))).digest('hex');
}
