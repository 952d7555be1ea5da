// npm's `install` step, for this checkout and for an installed package alike.
//
// - In a checkout (src/ and tsconfig.json present, dev dependencies installed by `npm ci`): the
//   whole build — WASM kernels, the MPI addon where mpicxx exists, the TypeScript — as `prepare`
//   used to do, so `npm ci && npm start` and .ci/run keep working. A failure fails `npm ci`.
// - In a project that installed the tarball: only the MPI addon, compiled from the shipped
//   native/ source against the consumer's own MPI (the WASM and JavaScript ship built, by
//   `prepack`). No mpicxx, or a failed compile, is one line and exit 0: the install never fails
//   over MPI; the package then runs worker-thread ranks only. `npm rebuild superspike` runs it
//   again (after installing MPI). npm 11 lists it among dependency install scripts to approve.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const checkout = existsSync(path.join(root, 'tsconfig.json')) && existsSync(path.join(root, 'src'));

if (checkout) {
  const npm = process.env.npm_execpath;
  const [cmd, args] = npm ? [process.execPath, [npm, 'run', 'build']] : ['npm', ['run', 'build']];
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-mpi.mjs')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.log('superspike: the MPI addon was not built (see above); worker-thread ranks work without it');
}
process.exit(0);
