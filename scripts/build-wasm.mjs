// Compiles the AssemblyScript kernels (assembly/*.ts) to build/kernels.wasm.
// Runs from `npm ci` (prepare) so no opaque binary is ever committed.
import { mkdirSync, existsSync } from 'node:fs';
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
  '--memoryBase', '0',
], { stdio: 'inherit', cwd: root });
