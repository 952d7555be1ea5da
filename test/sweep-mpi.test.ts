/**
 * Sweeps past one machine (issue 18.5): under `mpirun -np 2` every process of `superspike
 * experiment` runs its share of the runs and process 0 writes results.csv identical to a local
 * `--parallel` sweep; `--emit slurm` writes the run folders and a job-array script whose tasks
 * (`--only-run i`, run here one after another as Slurm would) followed by the same `experiment`
 * command give the same results.csv too. The MPI part follows test/mpi-helpers.ts: it fails where
 * SUPERSPIKE_REQUIRE_MPI=1 and MPI is missing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownsRun } from '../src/experiments/distribute.js';
import { SLURM_ANALYSE_FILE, SLURM_ARRAY_FILE } from '../src/experiments/slurm.js';
import { captureCli } from './cli-capture.js';
import { CLI, mpiGate, mpiProcessPid, mpirun } from './mpi-helpers.js';

const gate = mpiGate('sweep-mpi.test.ts');
const TINY = ['single-neuron', '--tiny', '--seeds', '3'];

describe('sweep sharing', () => {
  it('gives run i to process i mod P: every run to exactly one process', () => {
    for (const processes of [1, 2, 3, 5]) {
      for (let i = 0; i < 17; i++) {
        const owners = Array.from({ length: processes }, (_, p) => p).filter((p) => ownsRun(i, p, processes));
        expect(owners).toEqual([i % processes]);
      }
    }
  });
});

describe('sweeps on a cluster', () => {
  const cli = captureCli('sweep-cluster');

  async function localCsv(): Promise<string> {
    const out = path.join(cli.dir, 'local');
    expect(await cli.run('experiment', ...TINY, '--parallel', '2', '--out', out)).toBe(0);
    return fs.readFileSync(path.join(out, 'results.csv'), 'utf8');
  }

  it('--emit slurm writes the run folders and an array script; its tasks and a final experiment give the local results', async () => {
    const out = path.join(cli.dir, 'slurm');
    expect(await cli.run('experiment', ...TINY, '--emit', 'slurm', '--out', out)).toBe(0);
    expect(cli.stdout).toMatch(/wrote 3 run folders .* \(0 already complete\)/);
    const script = fs.readFileSync(path.join(out, SLURM_ARRAY_FILE), 'utf8');
    expect(script).toMatch(/^#SBATCH --array=0-2$/m);
    expect(script).toContain(`experiment single-neuron --tiny --seeds 3 --out ${out} --only-run "$SLURM_ARRAY_TASK_ID"`);
    expect(fs.readFileSync(path.join(out, SLURM_ANALYSE_FILE), 'utf8')).toMatch(/experiment single-neuron --tiny --seeds 3 --out \S+\n$/);
    for (const seed of [1, 2, 3]) {
      const dir = path.join(out, 'runs', 'single', `seed-${seed}`);
      expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'sweep.json']);
    }
    // The array's tasks, as Slurm would start them (any order), then the analysis.
    for (const task of ['2', '0', '1']) {
      const run = spawnSync('bash', [path.join(out, SLURM_ARRAY_FILE)], { env: { ...process.env, SLURM_ARRAY_TASK_ID: task }, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/1\/1 single seed \d: final cost/);
    }
    expect(fs.existsSync(path.join(out, 'results.csv'))).toBe(false);
    cli.stderr = '';
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    expect(cli.stderr.match(/reused: completed run of the same config/g)).toHaveLength(3);
    expect(fs.readFileSync(path.join(out, 'results.csv'), 'utf8')).toBe(await localCsv());
  });

  it('--only-run beyond the plan is a one-line error', async () => {
    expect(await cli.run('experiment', ...TINY, '--out', cli.dir, '--only-run', '3')).toBe(1);
    expect(cli.stderr).toMatch(/--only-run 3: single-neuron \(tiny\) has runs 0\.\.2/);
  });

  describe.skipIf(gate.skip)('under mpirun', () => {
    it('is available here', () => {
      expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
    });

    it('shares the runs among 2 processes and writes the results of a local --parallel sweep', async () => {
      const out = path.join(cli.dir, 'mpi');
      const job = await mpirun(2, [CLI, 'experiment', ...TINY, '--parallel', '1', '--out', out]);
      expect(job.code, job.stderr).toBe(0);
      expect(job.stderr).toMatch(/process 0 of 2: runs i with i mod 2 = 0/);
      expect(job.stderr).toMatch(/process 1 of 2: runs i with i mod 2 = 1/);
      // Process 1 ran seed 2 (run 1) alone; process 0 seeds 1 and 3.
      expect(job.stderr).toMatch(/1\/1 single seed 2: /);
      expect(job.stdout.match(/^wrote .*results\.csv/gm)).toHaveLength(1);
      expect(fs.readFileSync(path.join(out, 'results.csv'), 'utf8')).toBe(await localCsv());
    });

    it('a process frozen (SIGSTOP) during the sweep is named by the other and the job ends with exit 1', async () => {
      // The peer watch is on for the whole sweep (distribute.ts): process 0, done with its share
      // long before the frozen process 1 could be, names it at the barrier. Process 1 is stopped
      // from outside once it has joined the job and said which runs are its own (a process stopped
      // before or inside MPI_Init is the launcher's business: MPI_Init is unwatched), while its
      // one run (about 10 s) is still going.
      const out = path.join(cli.dir, 'mpi-frozen');
      let stopped = -1;
      let mpirunPid = -1;
      let stopping = false;
      const job = await mpirun(2, [CLI, 'experiment', 'single-neuron', '--quick', '--r0', '0.001', '--parallel', '1', '--out', out], {
        timeoutMs: 300_000,
        onSpawn: (pid) => { mpirunPid = pid; },
        onStderr: (stderr) => {
          if (stopping || !stderr.includes('process 1 of 2: runs i with i mod 2 = 1')) return;
          stopping = true;
          setTimeout(() => {
            const pid = mpiProcessPid(mpirunPid, 1);
            try { process.kill(pid, 'SIGSTOP'); stopped = pid; } catch { /* already gone: the test fails below */ }
          }, 1000);
        },
      });
      try { if (stopped > 0) process.kill(stopped, 'SIGKILL'); } catch { /* gone */ }
      expect(stopped, 'process 1 was stopped').toBeGreaterThan(0);
      expect(job.code, job.stderr).toBe(1);
      const lines = job.stderr.split('\n').filter((l) => l.includes('stopped answering'));
      expect(lines, job.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^superspike: process 1 on \S+ stopped answering while the others waited for its share of the runs: no sign of life from it for [\d.]+ s; waited [\d.]+ s for it in \w+ \(process 0 on [^)]+\)/);
      expect(fs.existsSync(path.join(out, 'results.csv')), 'no results from a sweep that did not finish').toBe(false);
    });
  });
});
