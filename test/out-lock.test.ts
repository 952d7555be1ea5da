/**
 * The lock on an output folder (issue 11 §5), tested with real processes: a live holder is
 * named and refused, a dead holder's lock is taken over with a warning, release removes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireOutLock, OUT_LOCK_FILE } from '../src/io/out-lock.js';
import { UserError } from '../src/errors.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { expectBuilt, tempDir } from './helpers.js';

const LOCK_JS = path.join(PACKAGE_ROOT, 'dist', 'src', 'io', 'out-lock.js');

/** A second node process that takes the lock, says "locked" and waits to be killed. */
function holder(dir: string): Promise<ChildProcess> {
  // The SIGTERM handler is in place before "locked" is said: a pipe write is synchronous, so the
  // parent may signal before the next line runs.
  const script = `import { acquireOutLock } from ${JSON.stringify(LOCK_JS)};
process.on('SIGTERM', () => process.exit(0));
acquireOutLock(${JSON.stringify(dir)});
setInterval(() => {}, 1000);
process.stdout.write('locked\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

describe('output folder lock', () => {
  it('needs the built module', () => expectBuilt(LOCK_JS));

  it('refuses a folder locked by a live process, naming its pid', async () => {
    const dir = tempDir('lock-live');
    const child = await holder(dir);
    try {
      expect(() => acquireOutLock(dir)).toThrow(UserError);
      expect(() => acquireOutLock(dir)).toThrow(new RegExp(`^${dir} is in use by superspike process ${child.pid} on ${os.hostname()}`));
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  it('the lock is released when its holder exits, and can then be taken', async () => {
    const dir = tempDir('lock-release');
    const child = await holder(dir);
    child.kill('SIGTERM');
    await exited(child);
    expect(fs.existsSync(path.join(dir, OUT_LOCK_FILE))).toBe(false);
    const lock = acquireOutLock(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, OUT_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(path.join(dir, OUT_LOCK_FILE))).toBe(false);
  });

  it('takes over the stale lock of a killed process with a warning', async () => {
    const dir = tempDir('lock-stale');
    const child = await holder(dir);
    const pid = child.pid;
    child.kill('SIGKILL');
    await exited(child);
    expect(fs.existsSync(path.join(dir, OUT_LOCK_FILE))).toBe(true);
    const warnings: string[] = [];
    const lock = acquireOutLock(dir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`stale lock of process ${pid} .*no longer running`))]);
    lock.release();
  });

  it('processes racing for one stale lock never hold it at the same time', async () => {
    const dir = tempDir('lock-race');
    const dead = spawn(process.execPath, ['-e', '0']);
    await exited(dead);
    fs.writeFileSync(path.join(dir, OUT_LOCK_FILE), `${JSON.stringify({ pid: dead.pid, host: os.hostname(), startedAt: 'then', token: 'stale0000000000' })}\n`);
    // Each racer takes the lock, holds it 300 ms and says when (or that it was refused).
    const racer = `import(${JSON.stringify(LOCK_JS)}).then(({ acquireOutLock }) => {
      let lock; try { lock = acquireOutLock(${JSON.stringify(dir)}, { onWarning: () => {} }); } catch (e) { console.log('refused'); return; }
      const from = Date.now(); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      console.log('held', from, Date.now()); lock.release(); })`;
    const outputs = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['-e', racer], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out.trim()));
    })));
    const held = outputs.filter((o) => o.startsWith('held')).map((o) => o.split(' ').slice(1).map(Number) as [number, number]).sort((a, b) => a[0] - b[0]);
    expect(held.length, outputs.join('\n')).toBeGreaterThanOrEqual(1);
    expect(held.length + outputs.filter((o) => o === 'refused').length).toBe(6);
    for (let i = 1; i < held.length; i++) expect(held[i]![0], 'two racers held the lock at once').toBeGreaterThanOrEqual(held[i - 1]![1]);
    expect(fs.existsSync(path.join(dir, `${OUT_LOCK_FILE}.takeover`))).toBe(false);
  });

  it('creates a missing folder, and refuses a file or an unwritable place as --out in one line', () => {
    const dir = tempDir('lock-mk');
    const sub = path.join(dir, 'a', 'b');
    acquireOutLock(sub).release();
    expect(fs.statSync(sub).isDirectory()).toBe(true);
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, '');
    expect(() => acquireOutLock(file)).toThrow(`${file} is a file, not a folder: choose another --out`);
    expect(() => acquireOutLock(path.join(file, 'x'))).toThrow(/^cannot (use|create) output folder .*: a part of the path is a file, not a folder \(ENOTDIR\)$/);
    expect(() => acquireOutLock(path.join(dir, 'n'.repeat(300)))).toThrow(/ENAMETOOLONG/);
  });

  it('a lock whose pid now belongs to an unrelated program is stale', () => {
    const dir = tempDir('lock-reused');
    const sleeper = spawn('sleep', ['30']);
    try {
      const info = { pid: sleeper.pid, host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z', token: 'feedfeedfeedfeed' };
      fs.writeFileSync(path.join(dir, OUT_LOCK_FILE), JSON.stringify(info));
      const warnings: string[] = [];
      acquireOutLock(dir, { onWarning: (m) => warnings.push(m) }).release();
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`stale lock of process ${sleeper.pid} `))]);
    } finally {
      sleeper.kill();
    }
  });

  it('refuses a symlinked lock file', () => {
    const dir = tempDir('lock-link');
    fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, OUT_LOCK_FILE));
    expect(() => acquireOutLock(dir)).toThrow(/symbolic link/);
  });
});
