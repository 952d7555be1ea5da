// Micro-benchmark of the MPI binding (run by hand: `node scripts/bench-mpi.mjs`): latency of one
// allgatherv through build/mpi.node between 2 processes, each contributing N bytes (so each
// receives 2N), for N = 64 B, 1 KiB, 16 KiB, 256 KiB, over shared memory (OpenMPI's default
// transport on one host) and forced over TCP loopback (`--mca btl tcp,self`). This is the cost
// of the engine's per-interval spike exchange between processes, before any engine work.
//
// Run without a launcher it starts itself under `mpirun -np 2` once per transport and prints a
// table of µs per call: the median and the fastest of 21 timed batches of ~50 ms (on a shared
// machine the fastest batch is the closest to the uncontended latency). Extra arguments go to
// mpirun, e.g. `node scripts/bench-mpi.mjs --bind-to none`. Under mpirun it is one process of the benchmark.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addonPath = path.join(root, 'build', 'mpi.node');
const SIZES = [64, 1024, 16 * 1024, 256 * 1024];
const BATCHES = 21;
const BATCH_SECONDS = 0.05;

function benchProcess() {
  const mpi = createRequire(import.meta.url)(addonPath);
  const { rank, size } = mpi.init('single');
  const rows = [];
  for (const n of SIZES) {
    const send = new Uint8Array(n).fill(rank + 1);
    const recv = new Uint8Array(n * size);
    const counts = new Int32Array(size).fill(n);
    const displs = new Int32Array(size).map((_, r) => r * n);
    for (let i = 0; i < 200; i++) mpi.allgatherv(send, recv, counts, displs);  // warm-up (connections, caches)
    for (let r = 0; r < size; r++) {
      if (recv[r * n] !== r + 1 || recv[r * n + n - 1] !== r + 1) throw new Error(`bench-mpi: wrong bytes from process ${r}`);
    }
    // Calls per batch: agreed by all processes (collectives must match), sized to ~BATCH_SECONDS.
    const t0 = mpi.wtime();
    for (let i = 0; i < 50; i++) mpi.allgatherv(send, recv, counts, displs);
    const probeSeconds = mpi.allreduceInt32(Math.ceil(((mpi.wtime() - t0) / 50) * 1e9), 'max') / 1e9;
    const calls = Math.max(20, Math.min(200_000, Math.round(BATCH_SECONDS / probeSeconds)));
    const perCallUs = [];
    for (let b = 0; b < BATCHES; b++) {
      mpi.barrier();
      const start = mpi.wtime();
      for (let i = 0; i < calls; i++) mpi.allgatherv(send, recv, counts, displs);
      perCallUs.push(((mpi.wtime() - start) / calls) * 1e6);
    }
    perCallUs.sort((a, b) => a - b);
    rows.push({ bytes: n, calls, medianUs: perCallUs[BATCHES >> 1], minUs: perCallUs[0] });
  }
  if (rank === 0) console.log('BENCH ' + JSON.stringify({ size, library: mpi.libraryVersion, rows }));
  mpi.finalize();
}

function launchAll() {
  if (!existsSync(addonPath)) {
    console.error(`bench-mpi: ${addonPath} is missing (install libopenmpi-dev, then npm run build:mpi)`);
    process.exit(1);
  }
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  const transports = [['shared memory (default)', []], ['TCP loopback (--mca btl tcp,self)', ['--mca', 'btl', 'tcp,self']]];
  const results = [];
  let library = '';
  for (const [name, mca] of transports) {
    const args = ['-np', '2', '--oversubscribe', ...mca, ...process.argv.slice(2), process.execPath, fileURLToPath(import.meta.url)];
    const job = spawnSync('mpirun', args, { env, encoding: 'utf8', timeout: 300_000 });
    const line = job.stdout?.split('\n').find((l) => l.startsWith('BENCH '));
    if (job.status !== 0 || !line) {
      console.error(`bench-mpi: mpirun ${args.join(' ')} failed (exit ${job.status}):\n${job.stdout}\n${job.stderr}`);
      process.exit(1);
    }
    const parsed = JSON.parse(line.slice(6));
    library = parsed.library;
    results.push({ name, rows: parsed.rows });
  }
  console.log(`allgatherv between 2 processes, N bytes from each, µs per call (median of ${BATCHES} batches; fastest in brackets); ${library}`);
  const label = (n) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
  console.log(['transport'.padEnd(34), ...SIZES.map((n) => label(n).padStart(16))].join(''));
  for (const { name, rows } of results) {
    console.log([name.padEnd(34), ...rows.map((r) => `${r.medianUs.toFixed(2)} [${r.minUs.toFixed(2)}]`.padStart(16))].join(''));
  }
}

const underLauncher = process.env.OMPI_COMM_WORLD_SIZE !== undefined || process.env.PMI_RANK !== undefined || process.env.PMIX_RANK !== undefined;
if (underLauncher) benchProcess();
else launchAll();
