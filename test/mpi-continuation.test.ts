/**
 * Continuing and reusing runs across MPI layouts: a run extended with --extend on 2 processes
 * equals the same extension on one process of threads, and --init-from (the coordinator
 * initialises its own ranks and takes the saved weights into every region, mirrors included,
 * which symmetric feedback reads across processes) gives the same bytes on 2 processes as on one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes, mergedSpikes, tempDir } from './helpers.js';
import { CLI, mpiGate, mpirun } from './mpi-helpers.js';

const gate = mpiGate('mpi-continuation.test.ts');
const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

function configFile(text: string, seed: number): string {
  const file = path.join(tempDir('mpi-cont-config'), `${text}.json`);
  writeFileSync(file, JSON.stringify({
    hidden: [14, 9], blocks: 2, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed, feedback: 'symmetric',
    task: { text, scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
  }));
  return file;
}

async function expectSame(dir: string, reference: string, label: string): Promise<void> {
  for (const g of GROUPS) {
    const a = await mergedSpikes(dir, g);
    expect(a.length, `${g} spiked`).toBeGreaterThan(0);
    expect(a.equals(await mergedSpikes(reference, g)), `${g} spikes, ${label}`).toBe(true);
  }
  for (const f of ['superspike.stats', 'superspike.netstate']) {
    expect(fileBytes(path.join(dir, f)).equals(fileBytes(path.join(reference, f))), `${f}, ${label}`).toBe(true);
  }
}

function threads(args: string[]): void {
  const result = spawnSync(process.execPath, [CLI, 'run', ...args, '-q'], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

async function processes(np: number, args: string[]): Promise<void> {
  const job = await mpirun(np, [CLI, 'run', ...args, '-q']);
  expect(job.code, `mpirun -np ${np} ${args.join(' ')}:\n${job.stderr}`).toBe(0);
}

describe.skipIf(gate.skip)('continuing and reusing runs under MPI', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  it('--extend on 2×1 equals --extend on 1×2; --init-from on 2×1 equals 1×1', async () => {
    const threadsRun = tempDir('mpi-cont-threads');
    threads([configFile('AB', 3), '--workers', '1', '--out', threadsRun]);
    const mpiRun = tempDir('mpi-cont-mpi');
    cpSync(threadsRun, mpiRun, { recursive: true });
    const saved = path.join(tempDir('mpi-cont-saved'), 'saved.netstate');
    cpSync(path.join(threadsRun, 'superspike.netstate'), saved);

    threads(['--resume', path.join(threadsRun, 'superspike.trained.netstate'), '--extend', '1', '--workers', '2', '--out', threadsRun]);
    await processes(2, ['--resume', path.join(mpiRun, 'superspike.trained.netstate'), '--extend', '1', '--workers', '1', '--out', mpiRun]);
    await expectSame(mpiRun, threadsRun, 'extended on 2×1 vs 1×2');

    const reuse = configFile('BA', 9);
    const one = tempDir('mpi-cont-init-1');
    threads([reuse, '--init-from', saved, '--workers', '1', '--out', one]);
    const two = tempDir('mpi-cont-init-2');
    await processes(2, [reuse, '--init-from', saved, '--workers', '1', '--out', two]);
    await expectSame(two, one, 'init-from on 2×1 vs 1×1');
  });
});
