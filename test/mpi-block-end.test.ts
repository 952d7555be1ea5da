/**
 * The block-end watch (src/engine/block-end-watch.ts): a process frozen by SIGSTOP at a block end
 * — while every rank is parked and the processes' main threads meet in MPI collectives — ends the
 * job with exit status 1 and one line naming it, within a bounded time, and leaves no process
 * running; a live process that is merely slow there (its main thread blocked for several silence
 * limits, as by a large state written to a slow disk) does not trip the watch, and the run gives
 * the same bytes as one process. The freeze and the stall are made by the process itself
 * (`--block-end-fault`, test only), at a chosen block end: deterministic, not timed from outside.
 * Before any of that, MPI_Init: a process that never arrives there ends the job once the others'
 * deadline passes (deadline_watch.h), and one that arrives late but within it does not. After it,
 * MPI_Finalize: a process frozen between the run's last barrier and MPI_Finalize ends the job the
 * same way, its outputs complete; one merely late there is waited for.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectSameRun, tempDir } from './helpers.js';
import { CLI, mpiGate, mpiProcessPid, mpirun } from './mpi-helpers.js';

const gate = mpiGate('mpi-block-end.test.ts');
const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];
/** The silence limit of these runs (--hang-timeout): short, so a frozen process is named quickly. */
const LIMIT_SECONDS = 3;

function configFile(): string {
  const file = path.join(tempDir('mpi-block-end-config'), 'block-end.json');
  writeFileSync(file, JSON.stringify({
    hidden: [14, 9], blocks: 4, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed: 3, feedback: 'symmetric',
    task: { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
  }));
  return file;
}

/** 'T' for a stopped process, 'Z' for a zombie, null once it is gone. */
function processState(pid: number): string | null {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Runs a 2-process job in which process `stopped` freezes itself, watching both processes' pids
 * (to check that none is left) and when the frozen one stopped; a stopped process still there
 * afterwards is killed, so a failing test leaves nothing behind.
 */
async function frozenJob(args: string[], stopped: number) {
  const pids: number[] = [];
  let frozenAt = 0;
  let watching = true;
  const job = await mpirun(2, args, {
    timeoutMs: 300_000,
    onSpawn: (mpirunPid) => {
      void (async () => {
        while (watching) {
          for (const rank of [0, 1]) {
            if (pids[rank] === undefined || pids[rank]! < 0) pids[rank] = mpiProcessPid(mpirunPid, rank);
          }
          const pid = pids[stopped] ?? -1;
          if (frozenAt === 0 && pid > 0 && processState(pid) === 'T') frozenAt = performance.now();
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
    },
  });
  const endedAt = performance.now();
  watching = false;
  for (const pid of pids) if (pid > 0 && processState(pid) === 'T') try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  return { job, pids, frozenAt, endedAt };
}

/**
 * No process of the job is left running (a stopped one included): each is gone, or a zombie,
 * within seconds of mpirun's exit (a killed process may still be tearing down its memory).
 */
async function expectNoProcessLeft(pids: number[]): Promise<void> {
  expect(pids.filter((pid) => pid > 0)).toHaveLength(2);
  for (const pid of pids) {
    for (let waited = 0; waited < 20_000 && ![null, 'Z'].includes(processState(pid)); waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([null, 'Z'], `process ${pid}`).toContain(processState(pid));
  }
}

/** The same run in one process (the bytes every 2-process run here must match); its folder. */
function referenceRun(config: string): string {
  const reference = tempDir('mpi-block-end-ref');
  const plain = spawnSync(process.execPath, [CLI, 'run', config, '--workers', '1', '--out', reference, '-q'], { encoding: 'utf8' });
  expect(plain.status, plain.stderr).toBe(0);
  return reference;
}

/**
 * A 2-process run with `--hang-timeout 2` in which one process is slow (`fault`: P:where:stall:MS)
 * completes as one process does: exit 0, no watch or deadline tripped, the same bytes.
 */
async function expectSlowProcessTolerated(fault: string, stallMs: number, label: string): Promise<void> {
  const config = configFile();
  const reference = referenceRun(config);
  const dir = tempDir('mpi-block-end-stall');
  const job = await mpirun(2, [CLI, 'run', config, '--workers', '1', '--out', dir, '-q', '--hang-timeout', '2',
    '--block-end-fault', fault], { timeoutMs: 300_000 });
  expect(job.code, job.stderr).toBe(0);
  expect(job.stderr).not.toContain('stopped answering');
  expect(job.stderr).not.toContain('MPI_Init');
  expect(job.seconds, 'the stall happened').toBeGreaterThan(stallMs / 1000);
  expect(existsSync(path.join(dir, 'superspike.netstate'))).toBe(true);
  await expectSameRun(dir, reference, label, GROUPS);
}

describe.skipIf(gate.skip)('a process frozen at a block end (MPI)', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  // At a block end (block 2), and at the start of the job: right before the agreement on the run,
  // watched since the processes joined (mpi-session.ts).
  const cases = [
    { stopped: 1, at: '2', where: 'at the block end of step \\d+' },
    { stopped: 0, at: '2', where: 'at the block end of step \\d+' },
    { stopped: 1, at: 'start', where: 'at the start of the job' },
    { stopped: 0, at: 'start', where: 'at the start of the job' },
  ];
  for (const { stopped, at, where } of cases) {
    it(`process ${stopped} stopped by SIGSTOP ${at === 'start' ? 'at the start of the job' : 'at a block end'} ends the job with exit 1 and one line naming it`, async () => {
      const { job, pids, frozenAt, endedAt } = await frozenJob([CLI, 'run', configFile(), '--workers', '1', '--out', tempDir('mpi-block-end-stop'), '-q',
        '--hang-timeout', String(LIMIT_SECONDS), '--block-end-fault', `${stopped}:${at}:stop`], stopped);

      expect(job.code, job.stderr).toBe(1);
      const lines = job.stderr.split('\n').filter((l) => l.includes('stopped answering'));
      expect(lines, job.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^superspike: process ${stopped} on [^ ]+ stopped answering ${where}: ` +
        `no sign of life from it for \\d+(\\.\\d)? s; waited \\d+(\\.\\d)? s for it in \\w+ \\(process ${1 - stopped} on [^)]+\\)$`));
      // The freeze was seen, and the job ended within the limit plus generous slack for a loaded machine.
      expect(frozenAt, 'the process stopped itself').toBeGreaterThan(0);
      const seconds = (endedAt - frozenAt) / 1000;
      console.log(`SIGSTOP of process ${stopped} (${at}): the job ended ${seconds.toFixed(1)} s after the freeze (limit ${LIMIT_SECONDS} s)`);
      expect(seconds).toBeLessThan(LIMIT_SECONDS + 60);
      await expectNoProcessLeft(pids);
    });
  }

  for (const at of ['2', 'start']) {
    it(`a live process slow ${at === 'start' ? 'at the start of the job' : 'at a block end'} (stalled for several silence limits) does not trip the watch: same bytes`, async () => {
      // Process 0 (which writes the files) blocks its main thread for 4 limits at the block end of
      // block 2, as a large state written to a slow disk would (or at the start of the job, as
      // hashing large data for the agreement would), while process 1 waits at the next
      // collective: heartbeats from process 0's own thread keep the watch from tripping.
      const stallMs = 4 * 2000;
      await expectSlowProcessTolerated(`0:${at}:stall:${stallMs}`, stallMs, `2×1 with process 0 stalled (${at})`);
    });
  }
});

describe.skipIf(gate.skip)('a process that never joins the job (MPI_Init)', () => {
  it('process 1 stopped right before MPI_Init: process 0 gives up at its deadline with exit 1 and one line, nothing written, no process left', async () => {
    const out = path.join(tempDir('mpi-join-stop'), 'out');
    // --hang-timeout 3 is below MPI_Init's floor, so the deadline is MIN_JOIN_SECONDS (10 s).
    const { job, pids, frozenAt } = await frozenJob([CLI, 'run', configFile(), '--workers', '1', '--out', out, '-q',
      '--hang-timeout', String(LIMIT_SECONDS), '--block-end-fault', '1:join:stop'], 1);
    expect(frozenAt, 'process 1 stopped itself').toBeGreaterThan(0);
    expect(job.code, job.stderr).toBe(1);
    const lines = job.stderr.split('\n').filter((l) => l.startsWith('superspike:'));
    expect(lines, job.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^superspike: process 0 on \S+ waited 10 s in MPI_Init for the other process of the job: one did not start, or stopped before joining \(the limit: --hang-timeout, at least 10 s; 60 s under auto\)$/);
    expect(job.seconds, 'process 0 waited for its deadline').toBeGreaterThan(10);
    expect(existsSync(out), 'nothing is written before the processes have joined').toBe(false);
    await expectNoProcessLeft(pids);
  });

  it('process 1 late to MPI_Init by 4 s, within the deadline: the run completes with the same bytes as one process', async () => {
    await expectSlowProcessTolerated('1:join:stall:4000', 4000, '2×1 with process 1 late to MPI_Init');
  });
});

describe.skipIf(gate.skip)('a process frozen right before MPI_Finalize', () => {
  it('process 1 stopped after the last barrier: process 0 gives up at its deadline with exit 1 and one line, the outputs complete, no process left', async () => {
    const config = configFile();
    const reference = referenceRun(config);
    const out = tempDir('mpi-finalize-stop');
    const { job, pids, frozenAt, endedAt } = await frozenJob([CLI, 'run', config, '--workers', '1', '--out', out, '-q',
      '--hang-timeout', String(LIMIT_SECONDS), '--block-end-fault', '1:finalize:stop'], 1);
    expect(frozenAt, 'process 1 stopped itself').toBeGreaterThan(0);
    expect(job.code, job.stderr).toBe(1);
    const lines = job.stderr.split('\n').filter((l) => l.startsWith('superspike:'));
    expect(lines, job.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^superspike: process 0 on \\S+ waited ${LIMIT_SECONDS} s in MPI_Finalize for the other process of the job: ` +
      'one stopped after the run\'s last barrier \\(everything the run writes was written before it; the limit: --hang-timeout, 20 s under auto\\)$'));
    const seconds = (endedAt - frozenAt) / 1000;
    console.log(`SIGSTOP of process 1 before MPI_Finalize: the job ended ${seconds.toFixed(1)} s after the freeze (limit ${LIMIT_SECONDS} s)`);
    expect(seconds).toBeLessThan(LIMIT_SECONDS + 60);
    // The run was over before the freeze: its files are those of one process.
    await expectSameRun(out, reference, '2×1 with process 1 frozen before MPI_Finalize', GROUPS);
    await expectNoProcessLeft(pids);
  });

  it('process 1 late to MPI_Finalize by half the limit: the run completes with the same bytes as one process', async () => {
    await expectSlowProcessTolerated('1:finalize:stall:1000', 1000, '2×1 with process 1 late to MPI_Finalize');
  });
});
