/**
 * The MPI binding (build/mpi.node) under real `mpirun` jobs of 2 and 3 processes, over shared
 * memory (OpenMPI's default) and forced over TCP loopback (`--mca btl tcp,self`). Each process runs
 * test/fixtures/mpi-collectives.mjs, which calls MPI from the main thread and from a worker thread
 * and prints what it received; the expected bytes are derived here, independently, from the
 * payload rules written at the top of the fixture.
 *
 * Where MPI is missing (no mpirun on PATH, or the package was built without MPI) they print a
 * loud warning and are reported as skipped, or fail where SUPERSPIKE_REQUIRE_MPI=1 (CI).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { loadMpi, requireMpi } from '../src/mpi/binding.js';
import { detectMpiLaunch } from '../src/mpi/launcher.js';
import { mpiGate } from './mpi-helpers.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'mpi-collectives.mjs');
const TCP_ONLY = ['--mca', 'btl', 'tcp,self'];


interface JobOutput { code: number | null; stdout: string; stderr: string; seconds: number; abortSeenSeconds: number | null }

/** Runs `mpirun -np N … node FIXTURE mode`, allowing root and oversubscription (2 cores here). */
function mpirun(np: number, mode: string, extra: string[] = [], timeoutMs = 300_000, script: string[] = [FIXTURE, mode]): Promise<JobOutput> {
  const args = ['-np', String(np), '--oversubscribe', '--bind-to', 'none', ...extra, process.execPath, ...script];
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let abortSeen: number | null = null;
    const child = spawn('mpirun', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (abortSeen === null && stdout.includes('ABORTING')) abortSeen = performance.now();
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mpirun ${args.join(' ')} hung:\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const now = performance.now();
      resolve({ code, stdout, stderr, seconds: (now - started) / 1000, abortSeenSeconds: abortSeen === null ? null : (now - abortSeen) / 1000 });
    });
  });
}

// ---- the expected values, re-derived from the fixture's stated rules ----
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function expectedAllgatherv(size: number): Uint8Array {
  const blocks: Array<{ displ: number; count: number }> = [];
  let at = 0;
  for (let r = 0; r < size; r++) {
    const count = r === 1 && size >= 3 ? 0 : 3 + r * 70001;
    at += 5;
    blocks.push({ displ: at, count });
    at += count;
  }
  const out = new Uint8Array(at + 7).fill(0xee);
  blocks.forEach(({ displ, count }, r) => { for (let i = 0; i < count; i++) out[displ + i] = (r * 89 + i * 13 + 7) & 255; });
  return out;
}

function expectedGatherv(size: number): number[] {
  const out: number[] = [];
  for (let r = size - 1; r >= 0; r--) for (let i = 0; i < 2 * r + 1; i++) out.push(r + 1);
  return out;
}

function expectedBcast(): Uint8Array {
  const out = new Uint8Array(4100);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7 + 1) & 255;
  return out;
}

interface FixtureResult {
  mode: string; rank: number; size: number; before: { initialized: boolean; finalized: boolean };
  mainInfo: unknown; info: { rank: number; size: number; providedThreadLevel: string; processorName: string };
  isThreadMain: boolean;
  worker: { info: unknown; isThreadMain: boolean; allgathervSha: string; allgathervLength: number; gatherv: number[] | null };
  sharedAllgathervSha: string; bcastSha: string; wasmBcastSha: string; mpiError: string | null; ints: number[]; reduce: { max: number; min: number; sum: number };
  barrierWaitMs: number; errors: string[]; concurrentCallError: string | null; finalizedByWorker: boolean | null; finalized: boolean;
}

function checkJob(job: JobOutput, np: number, mode: string): void {
  expect(job.code, `mpirun failed:\n${job.stderr}`).toBe(0);
  const results = job.stdout.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as FixtureResult);
  expect(results.map((r) => r.rank).sort()).toEqual([...Array(np).keys()]);
  const allgathervSha = sha(expectedAllgatherv(np));
  for (const r of results) {
    expect(r.size).toBe(np);
    expect(r.before).toEqual({ initialized: false, finalized: false });
    expect(r.info).toEqual({ rank: r.rank, size: np, providedThreadLevel: 'serialized', processorName: hostname() });
    // One process-wide MPI state: the worker's init and the main thread's see the same answer,
    // and MPI's "main thread" is whichever thread really called MPI_Init_thread.
    expect(r.worker.info).toEqual(r.info);
    if (mode === 'main-first') expect(r.mainInfo).toEqual(r.info);
    expect([r.isThreadMain, r.worker.isThreadMain]).toEqual(mode === 'main-first' ? [true, false] : [false, true]);
    expect(r.worker.allgathervLength).toBe(expectedAllgatherv(np).length);
    expect(r.worker.allgathervSha).toBe(allgathervSha);
    expect(r.sharedAllgathervSha).toBe(allgathervSha);
    expect(r.worker.gatherv).toEqual(r.rank === np - 1 ? expectedGatherv(np) : null);
    expect(r.bcastSha).toBe(sha(expectedBcast()));
    expect(r.wasmBcastSha).toBe(sha(expectedBcast()));
    expect(r.mpiError).toEqual(r.rank === 0 ? expect.stringMatching(/^superspike mpi: MPI_Gatherv: .*truncat/i) : null);
    expect(r.ints).toEqual([...Array(np).keys()].map((k) => k * k - 5));
    expect(r.reduce).toEqual({ max: 3 * (np - 1) + 1, min: 1, sum: [...Array(np).keys()].reduce((s, k) => s + 3 * k + 1, 0) });
    // Process 0 came to the barrier 300 ms late: the others waited for it.
    if (r.rank !== 0) expect(r.barrierWaitMs).toBeGreaterThan(200);
    expect(r.errors[0]).toMatch(/allgatherv: counts has \d+ elements, expected \d+/);
    expect(r.errors[1]).toMatch(/allgatherv: send has \d+ bytes but counts\[\d+\] is \d+/);
    expect(r.errors[2]).toMatch(/bcast: buf must be a TypedArray or DataView/);
    expect(r.errors[3]).toMatch(/bcast: root \d+ is not a rank of \d+/);
    expect(r.errors[4]).toMatch(/init: threadLevel must be/);
    // Only processes other than 0 are sure to see their worker blocked for long (process 0's comes last).
    if (r.rank !== 0) expect(r.concurrentCallError).toMatch(/wtime: another thread is inside an MPI call at the same time, but the provided thread level is serialized/);
    expect(r.finalizedByWorker).toBe(mode === 'worker-first' ? true : null);
    expect(r.finalized).toBe(true);
  }
}

describe('loadMpi / requireMpi', () => {
  it('returns null, or a UserError naming the fix, when the addon is missing', () => {
    const absent = '/nonexistent/superspike/mpi.node';
    expect(loadMpi(absent)).toBeNull();
    expect(() => requireMpi('run --layout 2x2', absent)).toThrow(UserError);
    expect(() => requireMpi('run --layout 2x2', absent)).toThrow(/built without MPI.*libopenmpi-dev.*npm run build:mpi/);
  });
});

const gate = mpiGate('MPI binding tests');

describe('MPI binding under mpirun', () => {
  if (gate.missing !== null) {
    if (gate.skip) it.skip(`needs MPI: ${gate.missing}`, () => {});
    else it('needs MPI (SUPERSPIKE_REQUIRE_MPI=1)', () => { throw new Error(`MPI binding tests cannot run: ${gate.missing}`); });
    return;
  }

  it('loads the built addon with every bound function', () => {
    const mpi = loadMpi()!;
    expect(mpi.threadLevelNames).toEqual(['single', 'funneled', 'serialized', 'multiple']);
    expect(mpi.libraryVersion).toMatch(/MPI/);
    for (const f of ['init', 'initialized', 'finalized', 'isThreadMain', 'rank', 'size', 'wtime', 'barrier', 'allgatherv',
      'gatherv', 'bcast', 'allgatherInt32', 'allreduceInt32', 'abort', 'finalize', 'setWaitPolicy', 'watchPeers', 'unwatchPeers',
      'watchingPeers'] as const) {
      expect(typeof mpi[f], f).toBe('function');
    }
    expect(mpi.initialized()).toBe(false);  // loading never initialises MPI
  });

  it('detectMpiLaunch recognises the environment mpirun really gives its processes', async () => {
    const job = await mpirun(2, '', [], 60_000, ['-e',
      // Only the launcher variables: a short line, so the processes' outputs cannot interleave.
      'console.log("ENV " + JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(OMPI_COMM_WORLD|PMIX?_|SLURM_)/.test(k)))))']);
    expect(job.code).toBe(0);
    const launches = job.stdout.split('\n').filter((l) => l.startsWith('ENV ')).map((l) => detectMpiLaunch(JSON.parse(l.slice(4))));
    expect(launches.map((l) => l.rank).sort()).toEqual([0, 1]);
    for (const l of launches) expect(l).toMatchObject({ launcher: 'mpirun', size: 2 });
  });

  // Both init orders and both transports, on 2 and 3 processes.
  const jobs: Array<[number, string, string[], string]> = [
    [2, 'main-first', [], 'shared memory'],
    [3, 'worker-first', [], 'shared memory'],
    [2, 'worker-first', TCP_ONLY, 'TCP'],
    [3, 'main-first', TCP_ONLY, 'TCP'],
  ];
  for (const [np, mode, extra, transport] of jobs) {
    it(`${np} processes over ${transport}, init ${mode}: every collective returns the expected bytes`, async () => {
      checkJob(await mpirun(np, mode, extra), np, mode);
    });
  }
  // The polite wait (nonblocking collectives, tested between sleeps) must deliver the same bytes.
  it('3 processes over shared memory with the polite wait policy: every collective returns the expected bytes', async () => {
    checkJob(await mpirun(3, 'main-first', [], 300_000, [FIXTURE, 'main-first', 'polite']), 3, 'main-first');
  });

  // The peer watch (nonblocking collectives completed between heartbeats) must deliver the same bytes.
  for (const [np, extra, transport] of [[3, [], 'shared memory'], [2, TCP_ONLY, 'TCP']] as const) {
    it(`${np} processes over ${transport} with the block-end peer watch on: every collective returns the expected bytes`, async () => {
      const job = await mpirun(np, 'main-first', [...extra], 300_000, [FIXTURE, 'main-first', 'watched']);
      checkJob(job, np, 'main-first');
      expect(job.stdout.match(/"watching":true/g) ?? [], 'the watch was on').toHaveLength(np);
    });
  }

  it('abort(3) in one process ends the whole job within seconds with a non-zero exit', async () => {
    const job = await mpirun(3, 'abort');
    console.log(`abort: job ended ${job.abortSeenSeconds?.toFixed(2)} s after the ABORTING line (exit ${job.code})`);
    expect(job.stdout).toContain('ABORTING rank 2');
    expect(job.stdout).not.toContain('NOT ABORTED');
    expect(job.code).not.toBe(0);
    expect(job.abortSeenSeconds).not.toBeNull();
    expect(job.abortSeenSeconds!).toBeLessThan(5);
  });
});
