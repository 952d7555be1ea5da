/**
 * Where the package's own files are at run time. Code runs both from `src/` (vitest) and from
 * `dist/src/` (the built CLI and the worker threads), so paths are found from the package root.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'tsconfig.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`superspike: cannot find the package root above ${start}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The compiled AssemblyScript kernels (built by `npm run build:wasm`). */
export const KERNELS_WASM_PATH = path.join(PACKAGE_ROOT, 'build', 'kernels.wasm');
/** The piscina worker entry of one rank (built by `npm run build:ts`). */
export const RANK_WORKER_PATH = path.join(PACKAGE_ROOT, 'dist', 'workers', 'rank-worker.js');
/** The command-line entry (built by `npm run build:ts`): what mpirun starts in every process. */
export const CLI_PATH = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
