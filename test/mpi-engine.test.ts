/**
 * Ranks in several processes (mpirun) give the same bytes as one process: merged spikes of every
 * group, the stats file and the network state, for layouts processes × threads of 1×1, 1×4, 2×1,
 * 2×2 (also with two threads and a presynaptic copy per thread), 3×1 and 4×1 over shared memory, and 2×1 and 3×1 forced over TCP loopback; a checkpoint
 * saved on 2×2 resumes on 1×3 and on 3×1 and equals the uninterrupted run; a rank that throws or
 * hangs in one process ends the whole job within seconds, naming rank, process and host; a job
 * whose processes mostly wait for a late one says so once.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { findMonitorRankFiles, mergeMonitorRankFiles } from '../src/io/monitor-files.js';
import { findAurynMonitorFiles } from '../src/io/auryn-monitor-files.js';
import { findAurynMonitors, readAurynMonitor } from '../src/export/auryn-monitors.js';
import { readRunInfo } from '../src/io/run-info.js';
import { TEST_OTHERS_ENV } from '../src/engine/default-binding.js';
import { expectSameRun, runOutputs, tempDir } from './helpers.js';
import { CLI, TCP_ONLY, mpiGate, mpiProcessPid, mpirun, type JobOutput } from './mpi-helpers.js';

const gate = mpiGate('mpi-engine.test.ts');
const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

/** Small, active network: every layer spikes and learns; 2 hidden layers share weights across ranks. */
function configFile(feedback: 'symmetric' | 'random'): string {
  const file = path.join(tempDir(`mpi-config-${feedback}`), `${feedback}.json`);
  writeFileSync(file, JSON.stringify({
    hidden: [14, 9], blocks: 4, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed: 3, feedback,
    task: { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
  }));
  return file;
}

const outputsOf = (dir: string) => runOutputs(dir, GROUPS);
const expectSame = (dir: string, reference: string, label: string) => expectSameRun(dir, reference, label, GROUPS);

/** One process, no launcher: the plain CLI. */
function threads(args: string[]): void {
  const result = spawnSync(process.execPath, [CLI, 'run', ...args, '-q'], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

async function processes(np: number, args: string[], mca: string[] = []): Promise<JobOutput> {
  // A generous hang timeout: these compare bytes on oversubscribed cores; hangs have their own tests below.
  const job = await mpirun(np, [CLI, 'run', ...args, '-q', ...(args.includes('--hang-timeout') ? [] : ['--hang-timeout', '300'])], { mca });
  expect(job.code, `mpirun -np ${np} ${args.join(' ')}:\n${job.stderr}`).toBe(0);
  return job;
}

describe.skipIf(gate.skip)('ranks in several processes (MPI)', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  it('gives the same bytes for layouts 1×1, 1×4, 2×1, 2×2, 3×1 and 4×1', async () => {
    const config = configFile('symmetric');
    const reference = tempDir('mpi-ref');
    threads([config, '--workers', '1', '--out', reference]);
    const base = await outputsOf(reference);
    for (const g of GROUPS) expect(base.spikes[g]!.length, `${g} spiked`).toBeGreaterThan(0);

    const oneByFour = tempDir('mpi-1x4');
    threads([config, '--workers', '4', '--out', oneByFour]);
    await expectSame(oneByFour, reference, '1×4');
    for (const [np, t] of [[2, 1], [2, 2], [3, 1], [4, 1]] as const) {
      const dir = tempDir(`mpi-${np}x${t}`);
      await processes(np, [config, '--workers', String(t), '--out', dir]);
      await expectSame(dir, reference, `${np}×${t}`);
      // Rank files are numbered by global rank, one per rank and group.
      expect(readdirSync(dir).filter((f) => f.startsWith('output.')).sort())
        .toEqual(Array.from({ length: np * t }, (_, r) => `output.${r}.spk`).sort());
    }
    // 2×2 with two threads in each process and a copy of the presynaptic side per thread: the
    // copies lie after every array another process locates (network/layout.ts).
    const perThread = tempDir('mpi-2x2-per-thread');
    await processes(2, [config, '--workers', '2', '--threads', '2', '--presynaptic', 'per-thread', '--out', perThread]);
    expect(readRunInfo(perThread).layout?.presynapticCopies).toBe(2);
    await expectSame(perThread, reference, '2×2, a presynaptic copy per thread');
  });

  it('gives the same bytes when the interval lists overflow the inline block (the second collective, 2×2 and 3×1)', async () => {
    const config = configFile('symmetric');
    const reference = tempDir('mpi-inline-ref');
    threads([config, '--workers', '1', '--out', reference]);
    for (const [np, t] of [[2, 2], [3, 1]] as const) {
      // 4 words: the length, the stop flag and two more; every interval packs at least a count per
      // group and step (more than 4 words), so every exchange takes the second collective.
      const dir = tempDir(`mpi-inline-${np}x${t}`);
      await processes(np, [config, '--workers', String(t), '--out', dir, '--mpi-inline-words', '4']);
      await expectSame(dir, reference, `${np}×${t}, 4-word inline block`);
    }
  });

  it('gives the same bytes forced over TCP loopback (random feedback)', async () => {
    const config = configFile('random');
    const reference = tempDir('mpi-tcp-ref');
    threads([config, '--workers', '1', '--out', reference]);
    for (const np of [2, 3]) {
      const dir = tempDir(`mpi-tcp-${np}`);
      await processes(np, [config, '--workers', '1', '--out', dir], TCP_ONLY);
      await expectSame(dir, reference, `${np}×1 over TCP`);
    }
  });

  it('carries the model knobs, given as run flags, to the ranks of every process (random feedback)', async () => {
    // Non-default regulariser and RMSprop from the command line: every process parses them into
    // its config, and the knobs must change the run, equally on 1×1 and 2×2.
    const config = configFile('random');
    const knobs = ['--regulariser-strength', '10', '--regulariser-exponent', '2', '--regulariser-tau-ms', '50',
      '--learning-rate-scheme', 'rmsprop', '--tau-rms-seconds', '5'];
    const plain = tempDir('mpi-knobs-plain');
    threads([config, '--workers', '1', '--out', plain]);
    const reference = tempDir('mpi-knobs-ref');
    threads([config, ...knobs, '--workers', '1', '--out', reference]);
    const state = loadNetworkState(path.join(reference, 'superspike.netstate'));
    expect(state.config).toMatchObject({
      regulariser: { strength: 10, exponent: 2, tauSeconds: 0.05 }, learningRate: { scheme: 'rmsprop', tauRmsSeconds: 5, epsilon: 1e-12 },
    });
    const [a, b] = [await outputsOf(reference), await outputsOf(plain)];
    expect(a.spikes.multi_hidden!.equals(b.spikes.multi_hidden!), 'the knobs change the hidden spikes').toBe(false);
    const dir = tempDir('mpi-knobs-2x2');
    await processes(2, [config, ...knobs, '--workers', '2', '--out', dir]);
    await expectSame(dir, reference, '2×2 with knobs');
  });

  it('says once, from process 0, that the processes wait for a late one, with the layout that would be faster', async () => {
    // Rank 1 (process 1) sleeps 4 ms before every exchange of 0.8 ms simulated: process 0 waits
    // far more than half its loop whatever the machine's load, and is the one named.
    const out = tempDir('mpi-notice');
    const job = await processes(2, [configFile('symmetric'), '--workers', '1', '--out', out, '--slow-rank', '1:4000']);
    const notes = job.stderr.split('\n').filter((l) => l.startsWith('superspike: note:'));
    expect(notes, job.stderr).toHaveLength(1);
    expect(notes[0]).toMatch(/^superspike: note: the job's 2 processes waited up to (\d+) % of their loop for each other \(process 0\): .*; one process with --workers 2, without mpirun, would likely be faster/);
    expect(Number(/up to (\d+) %/.exec(notes[0]!)![1])).toBeGreaterThan(50);
  });

  // Open MPI binds each of two processes to a core of its own by default, given two cores.
  const twoCores = cpus().length >= 2;
  if (!twoCores) console.warn('!!! mpi-engine.test.ts: mpirun binds processes only where there are 2 cores: the default-binding test is SKIPPED here');
  it.skipIf(!twoCores)('leaves mpirun\'s default binding where other tasks would share the cores, and keeps it otherwise', async () => {
    const bound = /\(1 bound to this process\)/;
    const run = async (others: number, extra: string[] = []) => {
      const out = tempDir(`mpi-binding-${others}`);
      const job = await mpirun(2, [CLI, 'run', configFile('symmetric'), '--workers', '2', '--threads', 'auto', '--blocks', '1', '--out', out, '-q', ...extra],
        { defaultBinding: true, env: { [TEST_OTHERS_ENV]: String(others) } });
      expect(job.code, job.stderr).toBe(0);
      return { stderr: job.stderr, choice: readRunInfo(out).layout?.threadChoice ?? '' };
    };
    // Busy: more other tasks than cores, whatever this machine has.
    const busy = await run(cpus().length);
    expect(busy.stderr).toMatch(/^superspike: note: process 0 left mpirun's default binding \(1 of \d+ cores\) for all \d+: /m);
    expect(busy.choice).not.toMatch(bound);
    // Quiet: the binding stays (a little faster there), and nothing is said.
    const quiet = await run(0);
    expect(quiet.stderr).not.toMatch(/default binding/);
    expect(quiet.choice).toMatch(bound);
  });

  it('resumes a 2×2 checkpoint on 1×3 and on 3×1, equal to the uninterrupted run', async () => {
    const config = configFile('symmetric');
    const whole = tempDir('mpi-resume-whole');
    threads([config, '--workers', '2', '--out', whole]);
    const split = tempDir('mpi-resume-split');
    await processes(2, [config, '--workers', '2', '--out', split, '--stop-after-block', '2']);
    const again = tempDir('mpi-resume-split-3x1');
    cpSync(split, again, { recursive: true });
    threads(['--resume', path.join(split, 'superspike.checkpoint.netstate'), '--workers', '3', '--out', split]);
    await expectSame(split, whole, 'resumed on 1×3');
    await processes(3, ['--resume', path.join(again, 'superspike.checkpoint.netstate'), '--workers', '1', '--out', again]);
    await expectSame(again, whole, 'resumed on 3×1');
  });

  it('ends the whole job within seconds when a rank of one process throws, naming rank, process and host', async () => {
    const config = configFile('symmetric');
    const job = await mpirun(2, [CLI, 'run', config, '--workers', '1', '--out', tempDir('mpi-throw'), '-q', '--inject-fault', '1:700:throw']);
    expect(job.code).not.toBe(0);
    expect(job.stderr).toContain(`rank 1 (process 1 on ${hostname()}) failed at step 700: injected fault at step 700`);
    expect(job.seconds).toBeLessThan(30);
  });

  it('names a rank that hangs in another process and ends the job', async () => {
    const config = configFile('symmetric');
    const job = await mpirun(2, [CLI, 'run', config, '--workers', '1', '--out', tempDir('mpi-hang'), '-q',
      '--inject-fault', '1:700:hang', '--hang-timeout', '2']);
    expect(job.code).not.toBe(0);
    expect(job.stderr).toMatch(/rank 1 \(process 1 on [^)]+\) stopped answering after step \d+ \(no progress for 2 s\)/);
    expect(job.seconds).toBeLessThan(40);
  });

  for (const stopped of [1, 0]) {
    it(`a process frozen by SIGSTOP (process ${stopped}) ends the job within seconds, named by the other one`, async () => {
      const file = path.join(tempDir('mpi-sigstop-config'), 'long.json');
      // Long enough that the job is still running when the test freezes a process, however loaded the
      // machine; long blocks, so that the freeze lands inside a block's steps, the path this test is
      // about. (A freeze during a block end's collectives has its own tests: mpi-block-end.test.ts.)
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(configFile('symmetric'), 'utf8')), blocks: 200, blockSeconds: 30 }));
      const out = tempDir('mpi-sigstop');
      let frozen = -1;
      const job = await mpirun(2, [CLI, 'run', file, '--workers', '1', '--out', out, '-q', '--hang-timeout', '3'], {
        onSpawn: (pid) => {
          void (async () => {
            const stats = path.join(out, 'superspike.stats');
            // The first stats line is written as block 0 starts: the freeze then falls inside its 30 s.
            while (!existsSync(stats) || readFileSync(stats, 'utf8').split('\n').filter(Boolean).length < 1) {
              await new Promise((r) => setTimeout(r, 100));
            }
            // Past the block start's own collectives (timings, progress), well inside its steps.
            await new Promise((r) => setTimeout(r, 500));
            frozen = mpiProcessPid(pid, stopped);
            process.kill(frozen, 'SIGSTOP');
          })();
        },
      });
      if (frozen > 0) try { process.kill(frozen, 'SIGKILL'); } catch { /* ended with the job */ }
      expect(frozen).toBeGreaterThan(0);
      expect(job.code).not.toBe(0);
      expect(job.stderr).toMatch(new RegExp(`process ${stopped} on [^ ]+ stopped answering: ranks ${1 - stopped} \\(process ${1 - stopped} on [^)]+\\) waited \\d+(\\.\\d)? s for it at the exchange of step \\d+`));
    });
  }

  it('SIGTERM to mpirun (what Slurm and Ctrl-C on mpirun become) leaves a checkpoint that resumes', async () => {
    const file = path.join(tempDir('mpi-sigterm-config'), 'long.json');
    writeFileSync(file, JSON.stringify({
      hidden: [14, 9], blocks: 400, blockSeconds: 0.2, w0: 0.6, eta: 5e-3, seed: 3, feedback: 'symmetric',
      task: { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
    }));
    const dir = tempDir('mpi-sigterm');
    const stats = path.join(dir, 'superspike.stats');
    let mpirunPid = 0;
    const job = mpirun(2, [CLI, 'run', file, '--workers', '1', '--out', dir, '-q'], { onSpawn: (pid) => { mpirunPid = pid; } });
    // Signal once a few blocks have run.
    for (let waited = 0; waited < 60_000; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      if (existsSync(stats) && readFileSync(stats, 'utf8').split('\n').filter(Boolean).length >= 3) break;
    }
    process.kill(mpirunPid, 'SIGTERM');
    const done = await job;
    expect(done.stderr).toContain('SIGTERM: stopping at the next interval and writing a checkpoint');
    const checkpoint = path.join(dir, 'superspike.checkpoint.netstate');
    const state = loadNetworkState(checkpoint);
    expect(state.statsLines).toBeGreaterThanOrEqual(3);
    threads(['--resume', checkpoint, '--workers', '2', '--out', dir, '--stop-after-block', String(state.statsLines + 1)]);
    expect(readFileSync(stats, 'utf8').split('\n').filter(Boolean)).toHaveLength(state.statsLines + 1);
  });

  it('records state monitors in every process: merged monitor files equal the one-process run', async () => {
    const config = configFile('symmetric');
    const record = ['--record', 'membrane:hidden:0-5', '--record', 'rate:hidden', '--record', 'weights:output', '--record', 'error:output', '--record', 'auryn'];
    const reference = tempDir('mpi-monitors-ref');
    threads([config, '--workers', '1', '--out', reference, ...record]);
    const dir = tempDir('mpi-monitors-2x2');
    await processes(2, [config, '--workers', '2', '--out', dir, ...record]);
    const suffixes = ['membrane', 'rate', 'weights', 'error'];
    const ours = findMonitorRankFiles(dir, suffixes);
    const theirs = findMonitorRankFiles(reference, suffixes);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    expect(ours.size).toBe(4);
    for (const [key, files] of ours) {
      expect(files.length, key).toBeGreaterThan(1); // written by ranks of both processes
      expect(mergeMonitorRankFiles(files), key).toBe(mergeMonitorRankFiles(theirs.get(key)!));
    }
    // Auryn's files (no headers): the same series from the ranks of both processes.
    const series = (d: string) => {
      const info = readRunInfo(d);
      return new Map(findAurynMonitors(d, info).map((m) => [`${m.kind}.${m.group}`, readAurynMonitor(m, info)]));
    };
    const aurynOurs = series(dir);
    const aurynTheirs = series(reference);
    expect(aurynOurs.size).toBe(10); // output: membrane, sigma, error, current; hidden: the first three; rate; two weight files
    expect([...aurynOurs.keys()].sort()).toEqual([...aurynTheirs.keys()].sort());
    for (const [key, s] of aurynOurs) expect(s, key).toEqual(aurynTheirs.get(key));
    expect(findAurynMonitorFiles(dir).filter((f) => f.stem === 'con').map((f) => f.rank)).toEqual([0, 1, 2, 3]);
  });
});
