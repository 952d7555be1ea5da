// `npm start`'s build step: rebuilds only what is older than its sources, so a second `npm start`
// (or one right after `npm ci`, which builds everything) starts training at once instead of
// spending ~40 s in the TypeScript and AssemblyScript compilers. Each part is compared on its own:
//   TypeScript  src/**, workers/**, tsconfig.json  → dist/src/index.js   (npm run build:ts)
//   WASM        assembly/**, scripts/build-wasm.mjs → build/kernels.wasm (npm run build:wasm)
//   MPI addon   build:mpi checks its own inputs and skips an up-to-date or impossible build.
// `--dry-run` prints what would be rebuilt and exits.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time of the files under `entries` (folders walked), 0 when none exist. */
function newest(entries) {
  let latest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
    else latest = Math.max(latest, st.mtimeMs);
  };
  for (const e of entries) visit(path.join(root, e));
  return latest;
}

const parts = [
  { script: 'build:ts', sources: ['src', 'workers', 'tsconfig.json'], output: 'dist/src/index.js' },
  { script: 'build:wasm', sources: ['assembly', 'scripts/build-wasm.mjs'], output: 'build/kernels.wasm' },
];
const stale = parts.filter((p) => {
  const out = path.join(root, p.output);
  return !existsSync(out) || statSync(out).mtimeMs < newest(p.sources);
});
if (process.argv.includes('--dry-run')) {
  console.log(stale.length ? `stale: ${stale.map((p) => p.script).join(' ')}` : 'up to date');
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const p of [...stale, { script: 'build:mpi' }]) execFileSync(npm, ['run', '--silent', p.script], { cwd: root, stdio: 'inherit' });
