/**
 * Launching real `mpirun` jobs from tests (root allowed, oversubscribed: this machine has 2
 * cores), and the one rule for machines without MPI: a loud warning always; the tests are
 * reported as skipped (with the reason) on a threads-only machine, so `npm test` passes there, and
 * they FAIL where SUPERSPIKE_REQUIRE_MPI=1 says MPI must be present (.ci/run sets it after
 * installing OpenMPI, so CI cannot pass by skipping them).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MPI_ADDON_PATH } from '../src/mpi/binding.js';
import { PACKAGE_ROOT } from '../src/paths.js';

export const TCP_ONLY = ['--mca', 'btl', 'tcp,self'];
export const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

export function mpiMissingReason(): string | null {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'mpirun is not on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)';
  if (!existsSync(MPI_ADDON_PATH)) return `${MPI_ADDON_PATH} was not built (install libopenmpi-dev, then npm run build:mpi)`;
  return null;
}

/** The reason MPI tests cannot run here, printed loudly; null when they can. */
export function mpiGate(what: string): { skip: boolean; missing: string | null } {
  const missing = mpiMissingReason();
  if (missing !== null) {
    const required = process.env.SUPERSPIKE_REQUIRE_MPI === '1';
    console.warn(`\n${'!'.repeat(78)}\n!!! ${what}: MPI is missing: ${missing}.\n!!! ${required
      ? 'SUPERSPIKE_REQUIRE_MPI=1: these tests FAIL.'
      : 'These tests are SKIPPED (set SUPERSPIKE_REQUIRE_MPI=1 where MPI must be present).'}\n${'!'.repeat(78)}\n`);
    return { skip: !required, missing };
  }
  return { skip: false, missing: null };
}

export interface JobOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface MpirunOptions {
  /** Extra mpirun arguments (e.g. TCP_ONLY). */
  mca?: string[];
  timeoutMs?: number;
  /** Called once the job has started (e.g. to send it a signal later). */
  onSpawn?: (pid: number) => void;
}

/** `mpirun -np N … node ARGS`; rejects only when the job outlives its time limit. */
export function mpirun(np: number, args: string[], options: MpirunOptions = {}): Promise<JobOutput> {
  return mpirunApps([{ np, args }], options);
}

/**
 * One job of several command lines (MPMD: `mpirun -np 1 node A : -np 1 node B`), as a user who
 * gives processes different flags makes it; rejects only when the job outlives its time limit.
 */
export function mpirunApps(apps: { np: number; args: string[] }[], options: MpirunOptions = {}): Promise<JobOutput> {
  const full = ['--oversubscribe', '--bind-to', 'none', '--mca', 'mpi_yield_when_idle', '1', ...(options.mca ?? []),
    ...apps.flatMap((app, i) => [...(i > 0 ? [':'] : []), '-np', String(app.np), process.execPath, ...app.args])];
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('mpirun', full, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mpirun ${full.join(' ')} hung:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}
