// Compiles the MPI binding (native/mpi/mpi_addon.cc, with its headers js_args.h, peer_watch.h and deadline_watch.h) to build/mpi.node with the system's MPI
// C++ wrapper compiler. Runs from `npm run build` (so from `npm ci` via scripts/install.mjs) and, in a project that installed the package, from its install script.
//
// MPI support is optional: where no MPI compiler is found this prints one line and exits 0, so
// `npm ci` works on machines without MPI (the CLI then runs worker-thread ranks only). Nothing is
// downloaded: Node's Node-API headers come from the `node-api-headers` package and the C++
// wrapper from `node-addon-api`, both plain dependencies. No node-gyp: one compiler call.
// The same flags work with OpenMPI's and MPICH's mpicxx. The compile (~10 s) is skipped when
// build/mpi.node is newer than every input, to keep `npm run build` fast.
import { existsSync, mkdirSync, readdirSync, statSync, renameSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const source = path.join(root, 'native', 'mpi', 'mpi_addon.cc');
const output = path.join(root, 'build', 'mpi.node');

/** `$MPICXX` (may carry extra words, e.g. "mpicxx -cxx=clang++"), else `mpicxx` on PATH. */
function findCompiler() {
  const fromEnv = process.env.MPICXX?.trim();
  const words = fromEnv ? fromEnv.split(/\s+/) : ['mpicxx'];
  const probe = spawnSync(words[0], [...words.slice(1), '--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    if (fromEnv) {
      // An explicit MPICXX that does not work is a mistake worth stopping for.
      console.error(`superspike: MPICXX=${fromEnv} does not run (${probe.error?.message ?? `exit ${probe.status}`})`);
      process.exit(1);
    }
    return null;
  }
  return words;
}

const compiler = findCompiler();
if (compiler === null) {
  console.log('superspike: mpicxx not found — MPI support not built; threads only');
  process.exit(0);
}

// include_dir may be relative to the current directory: resolve it now.
const addonDir = path.resolve(require('node-addon-api').include_dir);          // napi.h, napi-inl.h
const nodeApiInclude = path.resolve(require('node-api-headers').include_dir);  // node_api.h, js_native_api.h
const nativeDir = path.dirname(source);
const inputs = [...readdirSync(nativeDir).map((f) => path.join(nativeDir, f)),
  path.join(addonDir, 'napi.h'), path.join(addonDir, 'napi-inl.h'),
  path.join(nodeApiInclude, 'node_api.h'), fileURLToPath(import.meta.url)];

const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
if (existsSync(output) && statSync(output).mtimeMs >= newestInput && !process.argv.includes('--force')) {
  console.log('build-mpi: build/mpi.node is up to date');
  process.exit(0);
}

mkdirSync(path.dirname(output), { recursive: true });
const partial = `${output}.${process.pid}.tmp`;
const args = [
  ...compiler.slice(1),
  '-shared', '-fPIC', '-O2', '-std=c++17', '-Wall',
  `-I${nodeApiInclude}`, `-I${addonDir}`,
  '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-pthread',
  source, '-o', partial, '-ldl',
];
console.log(`build-mpi: ${compiler[0]} ${args.join(' ')}`);
try {
  execFileSync(compiler[0], args, { stdio: 'inherit', cwd: root });
} catch {
  rmSync(partial, { force: true });
  console.error('build-mpi: compiling native/mpi/mpi_addon.cc failed (see above)');
  process.exit(1);
}
// Rename last so an interrupted build never leaves a half-written build/mpi.node behind.
renameSync(partial, output);
