/**
 * Starting superspike itself as an MPI job of P processes × T rank threads, for the tools that
 * compare layouts (`stress --layouts`, `bench --layouts`). mpirun runs the command-line entry in
 * every process; root is allowed (containers), oversubscription too (more ranks than cores), and
 * idle processes yield their core rather than spin.
 */
import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import { CLI_PATH } from '../paths.js';

export interface Layout {
  processes: number;
  threads: number;
  /** Force MPI over TCP loopback instead of shared memory (`--mca btl tcp,self`). */
  tcp: boolean;
}

/**
 * How mpirun binds the job's processes: `none` (the tools' default: the OS may move a process off
 * a core it shares with a busy neighbour) or `core` (what `mpirun -np 2` does by default).
 */
export type MpiBinding = 'none' | 'core';
export const MPI_BINDINGS: readonly MpiBinding[] = ['none', 'core'];

export function formatLayout(l: Layout): string {
  return `${l.processes}x${l.threads}${l.tcp ? '/tcp' : ''}`;
}

export interface JobResult {
  code: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}

/**
 * `mpirun -np P node CLI ARGS…` (ARGS must carry `--workers T`); resolves when the job ends.
 * Unbound (`--bind-to none`) unless asked: a process bound to a core cannot leave it to a busy
 * neighbour (docs/mpi.md, "Processes bound to cores").
 */
export function runUnderMpirun(layout: Layout, args: string[], timeoutSeconds = 3600, bindTo: MpiBinding = 'none'): Promise<JobResult> {
  const full = [
    '-np', String(layout.processes), '--oversubscribe', '--bind-to', bindTo, '--mca', 'mpi_yield_when_idle', '1',
    ...(layout.tcp ? ['--mca', 'btl', 'tcp,self'] : []),
    process.execPath, CLI_PATH, ...args,
  ];
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  return runJob('mpirun', full, env, timeoutSeconds);
}

/**
 * The same command in one new process without MPI (a one-process layout, measured alone); `cwd`:
 * its working folder (default this process's), e.g. so that copies run at once write apart.
 */
export function runInNewProcess(_layout: Layout, args: string[], timeoutSeconds = 3600, cwd?: string): Promise<JobResult> {
  return runJob(process.execPath, ['--expose-gc', CLI_PATH, ...args], process.env, timeoutSeconds, cwd);
}

function runJob(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutSeconds: number, cwd?: string): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new UserError(`cannot start ${command === 'mpirun' ? 'mpirun (install openmpi-bin)' : command}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallSeconds: (performance.now() - started) / 1000 });
    });
  });
}
