/**
 * The CLI under predictable faults (issue 11 §8, §10, §11), as a user sees it — a real process:
 * one line and exit 1 (no "internal error", no --debug hint), a quiet exit when stdout is
 * closed, SIGTERM treated as Ctrl-C, and a second signal telling the truth about the checkpoint.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointTruth } from '../src/cli/signals.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { BUILT_CLI as CLI, expectBuilt, tempDir } from './helpers.js';

interface Result { code: number | null; signal: string | null; stdout: string; stderr: string }

function runCli(args: string[], opts: { cwd?: string; closeStdout?: boolean } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function expectOneLine(r: Result, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/internal error|--debug/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

describe('predictable conditions are one line', () => {
  it('needs the built CLI', () => expectBuilt(CLI));

  it('a folder as config, a missing config', async () => {
    const dir = tempDir('cli-config');
    expectOneLine(await runCli(['run', dir]), /^superspike: .* is a folder, not a config file \(give a \.json config; to look at a finished run there: superspike report .*\)$/m);
    expectOneLine(await runCli(['run', path.join(dir, 'nope.json')]), /^superspike: no such config file: .*nope\.json$/m);
  });

  it('a bin width below the time step in target', async () => {
    const r = await runCli(['target', path.join(PACKAGE_ROOT, 'docs', 'default-target.png'), '-o', path.join(tempDir('cli-bin'), 't.ras'), '--bin-seconds', '0.00005']);
    expectOneLine(r, /^superspike: a bin of 0\.00005 s is shorter than the 0\.1 ms simulation time step/);
  });

  it('decode of a folder', async () => {
    const dir = tempDir('cli-decode');
    expectOneLine(await runCli(['decode', dir]), new RegExp(`^superspike: ${dir} is a folder, not a spike file$`, 'm'));
  });

  it('control bytes of a bad .ras line never reach the terminal raw', async () => {
    const dir = tempDir('cli-ctl');
    const ras = path.join(dir, 'in.ras');
    fs.writeFileSync(ras, '0.1 1\n0.2 \u001b]0;pwned\u0007\n');
    const r = await runCli(['run', '--input', ras, '--target', ras, '--hidden', '2', '--blocks', '0', '-q', '--out', path.join(dir, 'o')]);
    expectOneLine(r, /^superspike: .*in\.ras:2: /);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  });
});

describe('closed stdout', () => {
  it('run --help with stdout closed exits quietly', async () => {
    const r = await runCli(['run', '--help'], { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('input with stdout closed exits quietly', async () => {
    const r = await runCli(['input', '--neurons', '3', '--rate', '1', '--duration', '1', '-o', path.join(tempDir('cli-epipe'), 'x.ras')], { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

/** Starts a long run and resolves once training has visibly started. */
function startLongRun(dir: string) {
  const args = ['run', '--workers', '2', '--out', dir, '--blocks', '200', '--block-seconds', '0.2', '--hidden', '20'];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stderr: '' };
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const started = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (/stats block=1 /.test(out.stderr)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out, started, closed };
}

describe('signals', () => {
  it('SIGTERM writes a checkpoint and exits 143, like Ctrl-C', async () => {
    const dir = tempDir('sigterm');
    const run = startLongRun(dir);
    await run.started;
    run.child.kill('SIGTERM');
    expect(await run.closed).toBe(143);
    expect(fs.existsSync(path.join(dir, 'superspike.checkpoint.netstate'))).toBe(true);
    expect(run.out.stderr).toMatch(/SIGTERM: stopping at the next interval and writing a checkpoint/);
    expect(fs.existsSync(path.join(dir, '.superspike.lock'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'))).toMatchObject({ completed: true, interrupted: true });
  });

  it('a second signal says truthfully whether a checkpoint was written', async () => {
    const dir = tempDir('double');
    const run = startLongRun(dir);
    await run.started;
    run.child.kill('SIGINT');
    // Signals sent back to back may merge into one: the second goes after the first was handled.
    while (!/stopping at the next interval/.test(run.out.stderr)) await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGINT');
    const code = await run.closed;
    expect(code).toBe(130);
    const exists = fs.existsSync(path.join(dir, 'superspike.checkpoint.netstate'));
    const line = run.out.stderr.split('\n').find((l) => l.includes('aborted by a second')) ?? '';
    if (line.includes('no checkpoint was written')) expect(exists).toBe(false);
    else if (line.includes('checkpoint of this stop was written') || line.includes('earlier checkpoint')) expect(exists).toBe(true);
    else {
      // The stop finished before the second signal was handled: then its checkpoint is there.
      expect(line).toBe('');
      expect(exists).toBe(true);
    }
    expect(run.out.stderr).not.toMatch(/aborted without checkpoint/);
  });
});

describe('more signals, and streams that cannot be written', () => {
  it('SIGHUP (a closed terminal) is SIGTERM: checkpoint, lock released, exit 129', async () => {
    const dir = tempDir('sighup');
    const run = startLongRun(dir);
    await run.started;
    run.child.kill('SIGHUP');
    expect(await run.closed).toBe(129);
    expect(fs.existsSync(path.join(dir, 'superspike.checkpoint.netstate'))).toBe(true);
    expect(run.out.stderr).toMatch(/SIGHUP: stopping at the next interval and writing a checkpoint/);
    expect(fs.existsSync(path.join(dir, '.superspike.lock'))).toBe(false);
  });

  it('a signal before the run started exits 75 and writes nothing', async () => {
    const dir = path.join(tempDir('early-signal'), 'out');
    const child = spawn(process.execPath, [CLI, 'run', '--blocks', '1', '--out', dir, '--test-wait-before-start'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const waiting = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('waiting for a signal before the run starts')) resolve();
    }));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waiting;
    child.kill('SIGTERM');
    expect(await closed).toBe(75);
    expect(stderr).toContain('SIGTERM before the run started: stopping; nothing is written');
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a run whose stderr cannot be written (2>/dev/full) goes on and exits 0 with all its files', async () => {
    if (!fs.existsSync('/dev/full')) throw new Error('this test needs /dev/full (Linux)');
    const dir = tempDir('dev-full');
    const full = fs.openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [CLI, 'run', '--blocks', '1', '--block-seconds', '0.3', '--hidden', '8', '--out', dir], { stdio: ['ignore', 'pipe', full] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    fs.closeSync(full);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/at .*\.js:\d+/); // no stack trace anywhere
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'))).toMatchObject({ completed: true });
    expect(fs.existsSync(path.join(dir, 'superspike.netstate'))).toBe(true);
  });
});

describe('what a second signal says', () => {
  it('tells this stop\'s checkpoint, an earlier one and none apart', () => {
    const dir = tempDir('truth');
    const file = path.join(dir, 'superspike.checkpoint.netstate');
    expect(checkpointTruth(file, Date.now())).toBe('no checkpoint was written');
    fs.writeFileSync(file, 'x');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    expect(checkpointTruth(file, Date.now())).toMatch(/^this stop's checkpoint was not written; .* is an earlier checkpoint \(saved .*\); continue it with: superspike run --resume \S+ --out \S+$/);
    const stopAt = Date.now() - 5000;
    fs.utimesSync(file, new Date(), new Date());
    const rel = (p: string) => path.relative(process.cwd(), p);
    expect(checkpointTruth(file, stopAt)).toBe(`the checkpoint of this stop was written: continue with: superspike run --resume ${rel(file)} --out ${rel(dir)}`);
  });
});
