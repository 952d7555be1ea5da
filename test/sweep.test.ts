/**
 * Sweeps never destroy finished runs (issue 19.3): reuse keyed on content rather than absolute
 * paths, the run folder locked before anything is written in it, a reused run checked complete,
 * results written atomically and never through a symlink, SIGTERM forwarded to the runs (which
 * checkpoint; the sweep exits 143 and a rerun continues them to the same results), and no
 * finished run recomputed without --force. Real `superspike run` children of the built CLI.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireOutLock } from '../src/io/out-lock.js';
import { findPreset } from '../src/experiments/index.js';
import { runKey } from '../src/experiments/run-key.js';
import { runDir, runShare } from '../src/experiments/runner.js';
import { SweepStop } from '../src/experiments/sweep-stop.js';
import type { RunSpec } from '../src/experiments/types.js';
import { CLI_PATH, PACKAGE_ROOT } from '../src/paths.js';
import { captureCli } from './cli-capture.js';

const TINY = ['single-neuron', '--tiny', '--seeds', '2', '--parallel', '2'];

function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

/** Lines of a stats file; 0 while it does not exist. */
function statsLines(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

describe('run keys', () => {
  const cli = captureCli('sweep-key');

  it('name data by content: a copy of the rasters elsewhere gives the same key, other bytes another', () => {
    const spec = findPreset('single-neuron').plan({ size: 'tiny', seeds: 1 }).runs[0]!;
    const { input, target } = spec.config as { input: string; target: string };
    const copy = (file: string, name: string) => {
      const to = path.join(cli.dir, name);
      fs.copyFileSync(file, to);
      return to;
    };
    const moved = { ...spec.config, input: copy(input, 'in.ras'), target: copy(target, 'target.ras') };
    expect(moved.input).not.toBe(input);
    expect(runKey(moved)).toBe(runKey(spec.config));
    fs.appendFileSync(moved.target, '\n0.4 0\n');
    expect(runKey(moved)).not.toBe(runKey(spec.config));
    expect(runKey({ ...spec.config, seed: 2 })).not.toBe(runKey(spec.config));
  });
});

describe('superspike experiment keeps finished runs', () => {
  const cli = captureCli('sweep');

  it('reuses the runs another checkout made (same content, other absolute paths)', async () => {
    const out = path.join(cli.dir, 'a');
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    const csv = fs.readFileSync(path.join(out, 'results.csv'), 'utf8');
    // What another checkout writes: its own absolute paths to the same data.
    for (const seed of [1, 2]) {
      const file = path.join(out, 'runs', 'single', `seed-${seed}`, 'config.json');
      expect(fs.readFileSync(file, 'utf8')).toContain(PACKAGE_ROOT);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll(PACKAGE_ROOT, '/elsewhere/superspike'));
    }
    cli.stderr = '';
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    expect(cli.stderr.match(/reused: completed run of the same config/g)).toHaveLength(2);
    expect(fs.readFileSync(path.join(out, 'results.csv'), 'utf8')).toBe(csv);
  });

  it('takes the run folder\'s lock before writing anything in it', async () => {
    const out = path.join(cli.dir, 'locked');
    const dir = path.join(out, 'runs', 'single', 'seed-1');
    const lock = acquireOutLock(dir); // held by this (live) process, as by another sweep
    try {
      expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(1);
      expect(cli.stderr).toMatch(new RegExp(`${dir.replaceAll('/', '\\/')} is in use by superspike process ${process.pid}`));
      expect(fs.readdirSync(dir)).toEqual(['.superspike.lock']);
    } finally {
      lock.release();
    }
  });

  it('a lent lock is accepted only by a child of its holder', () => {
    const dir = path.join(cli.dir, 'lent');
    const lock = acquireOutLock(dir);
    try {
      // This process holds it: as its own "child" (ppid is not the holder) the token does not open it.
      expect(() => acquireOutLock(dir, { lentToken: lock.info.token })).toThrow(/is in use by superspike process/);
      expect(() => acquireOutLock(dir, { lentToken: 'not-the-token' })).toThrow(/is in use by superspike process/);
    } finally {
      lock.release();
    }
  });

  it('refuses a reused run with a file cut short, naming it, and recomputes it only with --force', async () => {
    const out = path.join(cli.dir, 'short');
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    const csv = fs.readFileSync(path.join(out, 'results.csv'), 'utf8');
    const spikes = path.join(out, 'runs', 'single', 'seed-2', 'output.0.spk');
    fs.truncateSync(spikes, fs.statSync(spikes).size - 8);
    fs.rmSync(path.join(out, 'results.csv'));
    cli.stderr = '';
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(/seed-2 holds a finished or foreign run .*output\.0\.spk is short: it holds \d+ spikes .*--force/);
    expect(fs.existsSync(path.join(out, 'results.csv'))).toBe(false);
    cli.stderr = '';
    expect(await cli.run('experiment', ...TINY, '--force', '--out', out)).toBe(0);
    expect(cli.stderr).toMatch(/single seed 1: .*reused/);
    expect(cli.stderr).not.toMatch(/single seed 2: .*reused/);
    expect(fs.readFileSync(path.join(out, 'results.csv'), 'utf8')).toBe(csv);
  });

  it('checks a run of an older build (no file records) by what its run.json implies', async () => {
    const out = path.join(cli.dir, 'legacy');
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    const dir = path.join(out, 'runs', 'single', 'seed-1');
    // What an older build left: no sweep.json, no `files` in run.json.
    fs.rmSync(path.join(dir, 'sweep.json'));
    const runJson = path.join(dir, 'run.json');
    const { files: _files, ...older } = JSON.parse(fs.readFileSync(runJson, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(runJson, JSON.stringify(older));
    cli.stderr = '';
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    expect(cli.stderr).toMatch(/single seed 1: .*reused/);
    const stats = path.join(dir, 'single.stats');
    const lines = fs.readFileSync(stats, 'utf8').split('\n').filter((l) => l !== '');
    fs.writeFileSync(stats, `${lines.slice(0, -1).join('\n')}\n`);
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(new RegExp(`single\\.stats has ${lines.length - 1} stats lines, a completed run of \\d+ blocks writes ${lines.length}.*--force`));
  });

  it('never recomputes over a finished run of another config without --force', async () => {
    const out = path.join(cli.dir, 'other');
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(0);
    const seed2 = path.join(out, 'runs', 'single', 'seed-2');
    // The preset changed since (another version's protocol): seed 2's folder holds another run.
    const sweepFile = path.join(seed2, 'sweep.json');
    fs.writeFileSync(sweepFile, fs.readFileSync(sweepFile, 'utf8').replace(/"key": "[0-9a-f]+"/, `"key": "${'0'.repeat(64)}"`));
    const before = fs.readFileSync(path.join(seed2, 'single.stats'));
    const mtime = fs.statSync(path.join(seed2, 'output.0.spk')).mtimeMs;
    cli.stderr = '';
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(/seed-2 holds a finished or foreign run that this sweep would overwrite \(it holds a run of a different config \(or data\)\): run with --force/);
    expect(fs.readFileSync(path.join(seed2, 'single.stats'))).toEqual(before);
    expect(fs.statSync(path.join(seed2, 'output.0.spk')).mtimeMs).toBe(mtime);
    expect(await cli.run('experiment', ...TINY, '--force', '--out', out)).toBe(0);
    expect(fs.readFileSync(sweepFile, 'utf8')).not.toContain('0'.repeat(64));
  });

  it('writes results atomically and refuses a symlink where a results file goes', async () => {
    const out = path.join(cli.dir, 'link');
    fs.mkdirSync(out);
    const victim = path.join(cli.dir, 'victim.txt');
    fs.writeFileSync(victim, 'precious\n');
    fs.symlinkSync(victim, path.join(out, 'results.md'));
    expect(await cli.run('experiment', ...TINY, '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(/refusing to write .*results\.md: it is a symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('stopping a sweep', () => {
  const cli = captureCli('sweep-stop');

  it('ends with the signal\'s exit code: 130 for SIGINT, 143 for SIGTERM; the first signal decides', () => {
    const int = new SweepStop();
    expect(int.stopped).toBe(false);
    int.request('SIGINT');
    int.request('SIGTERM');
    expect(int.error(1)).toMatchObject({ exitCode: 130, message: expect.stringMatching(/stopped by SIGINT: 1 run\(s\) not finished/) });
    const term = new SweepStop();
    term.request('SIGTERM');
    expect(term.exitCode).toBe(143);
  });

  it('SIGTERM reaches the running runs, which checkpoint; the sweep exits 143', async () => {
    const out = path.join(cli.dir, 'term');
    const child = spawn(process.execPath, [CLI_PATH, 'experiment', 'single-neuron', '--quick', '--seeds', '2', '--parallel', '2', '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const runJson = (seed: number) => path.join(out, 'runs', 'single', `seed-${seed}`, 'run.json');
    // Both runs are training (a stats line written: their signal handlers are in place).
    await waitFor(() => [1, 2].every((seed) => statsLines(path.join(out, 'runs', 'single', `seed-${seed}`, 'single.stats')) >= 1), 'both runs to train');
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(143);
    expect(stderr).toMatch(/experiment stopped by SIGTERM: 2 run\(s\) not finished; the running ones wrote checkpoints/);
    for (const seed of [1, 2]) {
      const info = JSON.parse(fs.readFileSync(runJson(seed), 'utf8')) as { interrupted: boolean; stateFile: string };
      expect(info.interrupted).toBe(true);
      expect(info.stateFile).toBe('single.checkpoint.netstate');
      expect(fs.existsSync(path.join(out, 'runs', 'single', `seed-${seed}`, 'single.checkpoint.netstate'))).toBe(true);
    }
    expect(fs.existsSync(path.join(out, 'results.csv'))).toBe(false);
  });

  it('a sweep killed with -9 leaves its running run locked by the run itself: a new sweep is refused', async () => {
    const out = path.join(cli.dir, 'killed');
    const args = ['experiment', 'single-neuron', '--quick', '--seeds', '1', '--parallel', '1', '--out', out];
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const dir = path.join(out, 'runs', 'single', 'seed-1');
    await waitFor(() => fs.existsSync(path.join(dir, 'run.json')), 'the run to start');
    const holder = JSON.parse(fs.readFileSync(path.join(dir, '.superspike.lock'), 'utf8')) as { pid: number };
    expect(holder.pid).not.toBe(child.pid); // the run took the lock over from the sweep
    child.kill('SIGKILL');
    await exited;
    try {
      expect(await cli.run(...args)).toBe(1);
      expect(cli.stderr).toMatch(new RegExp(`seed-1 is in use by superspike process ${holder.pid}`));
    } finally {
      process.kill(holder.pid, 'SIGKILL'); // the orphaned run this test started
      await waitFor(() => { try { process.kill(holder.pid, 0); return false; } catch { return true; } }, 'the orphaned run to end');
    }
  });

  it('a stopped sweep continues from the checkpoints to the results of an uninterrupted one', async () => {
    // One tiny run made longer, so that the stop lands inside it.
    const base = findPreset('single-neuron').plan({ size: 'tiny', seeds: 1 }).runs[0]!;
    const spec: RunSpec = { ...base, config: { ...base.config, blocks: 10 } };
    const reference = await runShare([spec], { outDir: path.join(cli.dir, 'whole'), parallel: 1 });

    const outDir = path.join(cli.dir, 'stopped');
    const stop = new SweepStop();
    const marker = path.join(runDir(outDir, spec), 'run.json');
    const first = runShare([spec], { outDir, parallel: 1, stop });
    await waitFor(() => statsLines(path.join(runDir(outDir, spec), 'single.stats')) >= 2, 'the run to train');
    stop.request('SIGTERM');
    await expect(first).rejects.toMatchObject({ exitCode: 143 });
    expect(JSON.parse(fs.readFileSync(marker, 'utf8'))).toMatchObject({ interrupted: true });

    const origins: string[] = [];
    const [again] = await runShare([spec], { outDir, parallel: 1, onRunDone: (_r, _d, _t, origin) => origins.push(origin) });
    expect(origins).toEqual(['resumed']);
    const strip = (r: typeof again) => ({ ...r!, dir: '', wallSeconds: 0 });
    expect(strip(again)).toEqual(strip(reference[0]));
    for (const f of ['single.stats', 'output.0.spk', 'single.netstate']) {
      expect(fs.readFileSync(path.join(runDir(outDir, spec), f)), f).toEqual(fs.readFileSync(path.join(runDir(path.join(cli.dir, 'whole'), spec), f)));
    }
  });
});
