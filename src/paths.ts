/**
 * Where the package's own files are at run time. Code runs from `src/` (vitest), from
 * `dist/src/` (the built CLI and the worker threads) and from an installed copy under some
 * `node_modules/superspike/` (library users, which has no tsconfig.json), so paths are found from
 * the package root: the nearest folder above whose package.json is named "superspike".
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (packageName(path.join(dir, 'package.json')) === 'superspike') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`superspike: cannot find the package root above ${start}`);
    dir = parent;
  }
}

function packageName(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name ?? null;
  } catch {
    return null;
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The compiled AssemblyScript kernels (built by `npm run build:wasm`). */
export const KERNELS_WASM_PATH = path.join(PACKAGE_ROOT, 'build', 'kernels.wasm');
/** The piscina worker entry of one rank (built by `npm run build:ts`). */
export const RANK_WORKER_PATH = path.join(PACKAGE_ROOT, 'dist', 'workers', 'rank-worker.js');
/** The command-line entry (built by `npm run build:ts`): what mpirun starts in every process. */
export const CLI_PATH = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
/** The built-in task that `npm start` and a bare `superspike run` train. */
export const DEFAULT_CONFIG_PATH = path.join(PACKAGE_ROOT, 'config', 'default.json');

/** The package version from package.json (for `--version` and the library). */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
