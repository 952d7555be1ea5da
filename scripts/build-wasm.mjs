// Compiles the AssemblyScript kernels (assembly/*.ts) to build/kernels.wasm.
// Runs from `npm run build` (in a checkout: from `npm ci`, through scripts/install.mjs) so no opaque binary is ever committed.
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'assembly', 'kernels.ts');
if (!existsSync(entry)) {
  console.log('build-wasm: no assembly/kernels.ts yet, skipping');
  process.exit(0);
}
mkdirSync(path.join(root, 'build'), { recursive: true });
const asc = path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
execFileSync(process.execPath, [
  asc, entry,
  '--outFile', path.join(root, 'build', 'kernels.wasm'),
  '--textFile', path.join(root, 'build', 'kernels.wat'),
  '-O3', '--noAssert', '--runtime', 'stub',
  '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
  '--enable', 'simd', '--enable', 'threads',
  // No --memoryBase: without it asc tells Binaryen that memory below 1024 is never touched
  // ("low memory unused"), which lets it fold `ptr + constant` into load/store offset
  // immediates (the unrolled kernel loops rely on it). The kernels have no static data at all
  // (check build/kernels.wat: no `(data`; the only globals are the constants `configure` sets,
  // outside memory); the engine keeps [0, 65536) for the module.
], { stdio: 'inherit', cwd: root });

// Every worker instantiates the module on the same shared memory, so an active data segment would
// be rewritten by each of them; the kernels must not have any.
const wat = readFileSync(path.join(root, 'build', 'kernels.wat'), 'utf8');
if (/\(data\b/.test(wat)) {
  console.error('build-wasm: build/kernels.wat has a data segment; the kernels must have no static data');
  process.exit(1);
}
