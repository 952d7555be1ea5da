/**
 * Ranks as data partitions executed by fewer threads (engine/rank-thread.ts): for every feedback
 * mode, 5 ranks stepped by 1 or 2 threads (3 too for symmetric feedback) give the bytes of 5 ranks on 5 threads and of 1 rank
 * (spikes of every group, stats, state, and each rank's own spike files); a rank count that
 * outnumbers the threads keeps one spike file per rank, and every hosted rank publishes its clock. Plus the `auto` choice's arithmetic.
 */
import path from 'node:path';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment, type ProgressEvent } from '../src/engine/coordinator.js';
import { availableParallelism } from 'node:os';
import { MIN_SYNAPSES_PER_THREAD, NOTICE_AFTER_MS, autoThreads, fixedThreads, jobWaitShareNotice, processWaitShareWord, othersRunning, oversubscribed, ranksOfThreads, waitShareNotice } from '../src/engine/threads.js';
import { fileBytes, mergedSpikes, smallConfig, taskFor, tempDir } from './helpers.js';

const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

async function outputsOf(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const g of GROUPS) out[g] = await mergedSpikes(dir, g);
  out.stats = fileBytes(path.join(dir, 'superspike.stats'));
  out.state = fileBytes(path.join(dir, 'superspike.netstate'));
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.spk'))) out[f] = fileBytes(path.join(dir, f));
  return out;
}

describe.each(['symmetric', 'random', 'uniform'] as const)('ranks on fewer threads, %s feedback', (feedback) => {
  it('5 ranks on 1, 2 (3) and 5 threads give the same bytes, and those of 1 rank', async () => {
    const config = smallConfig({ feedback, blocks: 1 });
    const task = await taskFor(config);
    const one = tempDir(`thr-${feedback}-1`);
    await runExperiment(config, task, { workers: 1, outDir: one });
    const single = await outputsOf(one);
    const reference = tempDir(`thr-${feedback}-5x5`);
    const run = await runExperiment(config, task, { workers: 5, threads: 5, outDir: reference });
    expect(run.info.layout?.threadsPerProcess).toBe(5);
    const base = await outputsOf(reference);
    for (const g of [...GROUPS, 'stats', 'state']) expect(base[g]!.equals(single[g]!), `${g}: 5 ranks vs 1`).toBe(true);
    for (const threads of feedback === 'symmetric' ? [1, 2, 3] : [1, 2]) {
      const dir = tempDir(`thr-${feedback}-5x${threads}`);
      // Every rank publishes its own clock, also where one thread hosts several: the run's last
      // progress event (the slowest rank's clock) is at its end, not at a hosted rank's step 0.
      let last: ProgressEvent | null = null;
      const r = await runExperiment(config, task, { workers: 5, threads, outDir: dir, onProgress: (e) => { last = e; } });
      expect(r.info.layout?.threadsPerProcess).toBe(threads);
      expect((last as ProgressEvent | null)?.clock, `the last progress event, ${threads} threads`).toBe(r.info.endStep);
      expect(r.timings.map((t) => t.rank)).toEqual([0, 1, 2, 3, 4]);
      const other = await outputsOf(dir);
      expect(Object.keys(other).sort()).toEqual(Object.keys(base).sort());
      for (const [key, bytes] of Object.entries(base)) expect(other[key]!.equals(bytes), `${key}, ${threads} threads`).toBe(true);
    }
  });
});

describe('threads', () => {
  it('counts the runnable threads of other processes, not the job\'s own ones, from /proc', () => {
    // A fake /proc: the job's processes 10 and 20 (one running, one not), a neighbour 30 with a
    // running and a sleeping thread, and 40 whose command name holds spaces and a parenthesis.
    const proc = tempDir('fake-proc');
    const task = (pid: number, tid: number, state: string, comm = 'node') => {
      mkdirSync(path.join(proc, String(pid), 'task', String(tid)), { recursive: true });
      writeFileSync(path.join(proc, String(pid), 'task', String(tid), 'stat'), `${tid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1`);
    };
    task(10, 10, 'R');
    task(10, 11, 'R');
    task(20, 20, 'S');
    task(30, 30, 'R');
    task(30, 31, 'S');
    task(40, 40, 'R', 'odd (name) R');
    mkdirSync(path.join(proc, 'self'), { recursive: true }); // not a pid: skipped
    expect(othersRunning(2, [10, 20], proc)).toBe(2);
    expect(othersRunning(1, [10], proc)).toBe(2); // 20 sleeps: not counted either way
    expect(othersRunning(1, [30], proc)).toBe(3);
  });

  it('deals the ranks out round-robin and never makes more threads than ranks', () => {
    expect(ranksOfThreads([0, 1, 2, 3, 4], 2)).toEqual([[0, 2, 4], [1, 3]]);
    expect(ranksOfThreads([4, 5], 3)).toEqual([[4], [5]]);
    expect(ranksOfThreads([7], 1)).toEqual([[7]]);
  });

  it('auto takes the free cores, at most one per rank, at least one, fewer for a small network', () => {
    const big = 100 * MIN_SYNAPSES_PER_THREAD;
    expect(autoThreads(4, big, 1, 0).threads).toBeLessThanOrEqual(4);
    expect(autoThreads(1, big, 1, 0).threads).toBe(1);
    // Every core busy with other work: one thread, whatever the ranks.
    expect(autoThreads(8, big, 1, 10_000)).toMatchObject({ threads: 1 });
    expect(autoThreads(8, big, 1, 10_000).reason).toMatch(/other tasks running/);
    // A network too small to keep two threads busy between barriers.
    expect(autoThreads(8, MIN_SYNAPSES_PER_THREAD, 1, 0).threads).toBe(1);
  });

  it('calls the cores oversubscribed when the job threads here and the other tasks outnumber them (then nobody spins)', () => {
    const cores = availableParallelism();
    expect(oversubscribed(cores, 1, 0)).toBe(false);
    expect(oversubscribed(cores, 1, 1, { host: cores, own: cores })).toBe(true);
    expect(oversubscribed(1, cores + 1, 0, { host: cores, own: cores })).toBe(true);
    // Even auto's single thread per process is oversubscribed when the processes outnumber the cores.
    expect(autoThreads(2, 100 * MIN_SYNAPSES_PER_THREAD, cores + 1, 0, { host: cores, own: cores })).toMatchObject({ threads: 1, oversubscribed: true });
    expect(autoThreads(1, 100 * MIN_SYNAPSES_PER_THREAD, 1, 0)).toMatchObject({ threads: 1, oversubscribed: false });
    // A fixed count says so in its reason (run.json's threadChoice).
    expect(fixedThreads(cores, 'as asked', 1, 1, { host: cores, own: cores })).toMatchObject({ threads: cores, oversubscribed: true });
    expect(fixedThreads(cores, 'as asked', 1, 1, { host: cores, own: cores }).reason).toMatch(/^as asked; cores oversubscribed \(1 other task running\)$/);
    expect(fixedThreads(1, 'one per rank', 1, 0)).toEqual({ threads: 1, reason: 'one per rank', oversubscribed: false });
  });

  it('judges processes that a launcher bound to their own cores by the machine\'s cores, not by their own share', () => {
    const big = 100 * MIN_SYNAPSES_PER_THREAD;
    // mpirun -np 2 on 2 cores binds each process to one: together they fit, so their waits may spin.
    const bound = { host: 2, own: 1 };
    expect(oversubscribed(1, 2, 0, bound)).toBe(false);
    expect(autoThreads(2, big, 2, 0, bound)).toEqual({ threads: 1, reason: '2 cores (1 bound to this process), 0 other tasks running, 2 processes of the job here', oversubscribed: false });
    // A CPU-bound neighbour, or more threads than the process's own cores: oversubscribed.
    expect(oversubscribed(1, 2, 1, bound)).toBe(true);
    expect(autoThreads(2, big, 2, 1, bound)).toMatchObject({ threads: 1, oversubscribed: true });
    expect(oversubscribed(2, 1, 0, bound)).toBe(true);
    expect(fixedThreads(2, 'as asked', 1, 0, bound)).toMatchObject({ threads: 2, oversubscribed: true });
    // auto never gives a process more threads than its own cores, however many the machine has free.
    expect(autoThreads(8, big, 1, 0, { host: 16, own: 4 })).toMatchObject({ threads: 4, oversubscribed: false });
    expect(autoThreads(8, big, 2, 0, { host: 16, own: 8 })).toMatchObject({ threads: 8, oversubscribed: false });
    expect(autoThreads(8, big, 4, 0, { host: 16, own: 8 })).toMatchObject({ threads: 4, oversubscribed: false });
    // Unbound (own = host), the rule is the machine's alone, as before.
    expect(oversubscribed(1, 3, 0, { host: 2, own: 2 })).toBe(true);
    expect(autoThreads(2, big, 2, 0, { host: 2, own: 2 })).toMatchObject({ threads: 1, oversubscribed: false });
  });

  it('says once that threads mostly wait, with the thread count that would be faster', () => {
    const judged = NOTICE_AFTER_MS * 2;
    expect(waitShareNotice(2, judged - 1, judged - 1)).toBeNull();
    expect(waitShareNotice(1, 1e9, 0.9e9)).toBeNull();
    expect(waitShareNotice(2, judged, 0.4 * judged)).toBeNull();
    expect(waitShareNotice(2, judged, 0.8 * judged)).toMatch(/^the 2 rank threads waited 80 % of their loop at barriers: .* --threads 1 /);
    expect(waitShareNotice(8, 8 * judged, 0.6 * 8 * judged)).toMatch(/^the 8 rank threads waited 60 % .* --threads 3 /);
  });

  it('under MPI, says once that the processes mostly wait for each other, with the layout that would be faster', () => {
    const judged = NOTICE_AFTER_MS * 2;
    expect(processWaitShareWord(2, judged - 1, judged - 1, 0)).toBe(-1);
    const worst = Math.max(processWaitShareWord(2, judged, 0.2 * judged, 0), processWaitShareWord(2, judged, 0.65 * judged, 1), -1);
    expect(worst).toBe(650 * 65536 + 1);
    const free = { host: 2, own: 2 };
    const bound = { host: 2, own: 1 };
    expect(jobWaitShareNotice(-1, ['a', 'a'], 4, free)).toBeNull();
    expect(jobWaitShareNotice(processWaitShareWord(1, judged, 0.5 * judged, 1), ['a', 'a'], 4, free)).toBeNull();
    expect(jobWaitShareNotice(worst, ['a', 'a'], 4, free)).toMatch(/^the job's 2 processes waited up to 65 % of their loop for each other \(process 1\): .*; one process with --workers 4, without mpirun, would likely be faster \(.*\)$/);
    expect(jobWaitShareNotice(worst, ['a', 'a'], 4, bound)).toMatch(/; one process with --workers 4, without mpirun, would likely be faster \(.*\); so would mpirun --bind-to none, as the processes are bound to cores/);
    expect(jobWaitShareNotice(worst, ['a', 'a', 'b', 'b'], 8, free)).toMatch(/; one process per host, with --workers 4, would likely be faster$/);
    expect(jobWaitShareNotice(worst, ['a', 'b'], 8, free)).toMatch(/; a host whose cores are busy slows the whole job$/);
    expect(jobWaitShareNotice(worst, ['a', 'b'], 8, bound)).toMatch(/; a host whose cores are busy slows the whole job; unbound, it slows it less: mpirun --bind-to none, as the processes are bound/);
    // The process index survives the largest shares and process counts.
    expect(processWaitShareWord(1, judged, 2 * judged, 65535) % 65536).toBe(65535);
    expect(processWaitShareWord(1, judged, 2 * judged, 65535)).toBeLessThan(2 ** 31);
  });

  it('a run with threads: auto gives the bytes of one rank', async () => {
    const config = smallConfig({ blocks: 1 });
    const task = await taskFor(config);
    const one = tempDir('thr-auto-1');
    await runExperiment(config, task, { workers: 1, outDir: one });
    const dir = tempDir('thr-auto');
    const r = await runExperiment(config, task, { workers: 3, threads: 'auto', outDir: dir });
    expect(r.info.layout?.threadsPerProcess).toBeGreaterThanOrEqual(1);
    expect(r.info.layout?.threadChoice).toBeTruthy();
    const a = await outputsOf(one);
    const b = await outputsOf(dir);
    for (const g of [...GROUPS, 'stats', 'state']) expect(b[g]!.equals(a[g]!), g).toBe(true);
  });

  it('refuses a thread count that is not a positive integer', async () => {
    const config = smallConfig({ blocks: 0 });
    const task = await taskFor(config);
    await expect(runExperiment(config, task, { workers: 2, threads: 0, outDir: tempDir('thr-bad') })).rejects.toThrow(/threads must be a positive integer or auto/);
  });
});
