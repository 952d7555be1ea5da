/**
 * Atomic writes (issue 11 §4, §9): outputs are replaced whole or not at all, never through a
 * symlink, never via a predictable temp name; write failures name the file in one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AtomicFile, writeFileAtomic } from '../src/io/atomic.js';
import { fsUserError } from '../src/io/fs-errors.js';
import { saveNetworkState, type NetworkState } from '../src/io/netstate.js';
import { writeRunInfo, type RunInfo } from '../src/io/run-info.js';
import { writeRas } from '../src/io/ras.js';
import { UserError } from '../src/errors.js';
import { tempDir } from './helpers.js';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, writeSync: vi.fn(real.writeSync) };
});

// A once-implementation left by a failing test must not leak into the next one.
beforeEach(() => {
  vi.mocked(fs.writeSync).mockReset();
});

function tinyState(): NetworkState {
  return {
    format: 'superspike-netstate', version: 1, config: {}, clock: 0, statsLines: 0, groups: [], connections: [],
    task: {
      input: { steps: new Int32Array(0), ids: new Uint32Array(0), periodSteps: 0 },
      target: { steps: new Int32Array(0), ids: new Uint32Array(0), periodSteps: 0 },
      nInput: 1, nOutput: 1, gridSteps: 0, description: 'x',
    },
  };
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', () => {
    const dir = tempDir('atomic');
    const file = path.join(dir, 'a.txt');
    fs.writeFileSync(file, 'old');
    writeFileAtomic(file, 'new contents');
    expect(fs.readFileSync(file, 'utf8')).toBe('new contents');
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
  });

  it('refuses a symlink at the destination and leaves its target untouched', () => {
    const dir = tempDir('atomic-link');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    const link = path.join(dir, 'out.txt');
    fs.symlinkSync(victim, link);
    expect(() => writeFileAtomic(link, 'x')).toThrow(UserError);
    expect(() => writeFileAtomic(link, 'x')).toThrow(/^refusing to write .*out\.txt: it is a symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['out.txt', 'victim']);
  });

  it('writes a device such as /dev/null directly, never replacing it', () => {
    writeFileAtomic('/dev/null', 'discarded');
    expect(fs.lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    const dir = tempDir('atomic-devlink');
    const link = path.join(dir, 'sink');
    fs.symlinkSync('/dev/null', link);
    writeFileAtomic(link, 'discarded');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['sink']);
  });

  it('uses an unpredictable temp name, created exclusively', () => {
    const dir = tempDir('atomic-temp');
    const file = path.join(dir, 'x.bin');
    const a = AtomicFile.create(file);
    const b = AtomicFile.create(file);
    expect(a.tempPath).not.toBe(b.tempPath);
    expect(path.dirname(a.tempPath)).toBe(dir);
    expect(a.tempPath).not.toBe(`${file}.tmp`);
    a.abort();
    b.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a full disk names the file in one line and leaves the old file and no temp', () => {
    const dir = tempDir('atomic-full');
    const file = path.join(dir, 'state.bin');
    fs.writeFileSync(file, 'old');
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw enospc();
    });
    let message = '';
    try {
      writeFileAtomic(file, 'new');
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      message = (err as Error).message;
    }
    expect(message).toBe(`cannot write ${file}: no space left on the device (ENOSPC)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['state.bin']);
  });

  it('a missing folder, a folder as destination and a long name are one-line user errors', () => {
    const dir = tempDir('atomic-errors');
    expect(() => writeFileAtomic(path.join(dir, 'no', 'such', 'f'), 'x')).toThrow(/^cannot write .*: no such file or folder \(ENOENT\)$/);
    expect(() => writeFileAtomic(dir, 'x')).toThrow(/^cannot write .*: it is a folder, not a file$/);
    expect(() => writeFileAtomic(path.join(dir, 'n'.repeat(300)), 'x')).toThrow(/the file name is too long \(ENAMETOOLONG\)$/);
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, '');
    expect(() => writeFileAtomic(path.join(file, 'sub'), 'x')).toThrow(/a part of the path is a file, not a folder \(ENOTDIR\)$/);
  });

  it('fsUserError describes the documented errno codes', () => {
    for (const [code, words] of [['ENOSPC', 'no space'], ['EACCES', 'permission denied'], ['EROFS', 'read-only'], ['EISDIR', 'folder']]) {
      const e = fsUserError('write', '/x/y', Object.assign(new Error('raw'), { code }));
      expect(e.message).toMatch(new RegExp(`^cannot write /x/y: .*${words}.*\\(${code}\\)$`));
    }
  });
});

describe('writers use atomic writes', () => {
  it('saveNetworkState never follows the old predictable .tmp symlink nor a symlinked destination', () => {
    const dir = tempDir('netstate-link');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    const file = path.join(dir, 'superspike.netstate');
    fs.symlinkSync(victim, `${file}.tmp`);
    saveNetworkState(file, tinyState());
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.lstatSync(file).isFile()).toBe(true);
    fs.rmSync(file);
    fs.symlinkSync(victim, file);
    expect(() => saveNetworkState(file, tinyState())).toThrow(/symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('saveNetworkState on a full disk keeps the old state and names the file', () => {
    const dir = tempDir('netstate-full');
    const file = path.join(dir, 'superspike.netstate');
    fs.writeFileSync(file, 'old state');
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw enospc();
    });
    expect(() => saveNetworkState(file, tinyState())).toThrow(`cannot write ${file}: no space left on the device (ENOSPC)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('old state');
    expect(fs.readdirSync(dir)).toEqual(['superspike.netstate']);
  });

  it('writeRunInfo refuses a symlinked run.json', () => {
    const dir = tempDir('runinfo-link');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, 'run.json'));
    expect(() => writeRunInfo(dir, { name: 'x' } as RunInfo)).toThrow(/symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('writeRas refuses a symlink and keeps the old file when the disk fills up', () => {
    const dir = tempDir('ras-write');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    const link = path.join(dir, 'link.ras');
    fs.symlinkSync(victim, link);
    expect(() => writeRas(link, [0.1], [1])).toThrow(/symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    const file = path.join(dir, 'out.ras');
    fs.writeFileSync(file, 'old');
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw enospc();
    });
    expect(() => writeRas(file, [0.1], [1])).toThrow(`cannot write ${file}: no space left on the device (ENOSPC)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
  });
});

describe('stats file writers', () => {
  it('appendStatsLine names the file on a full disk; writeStatsFile is atomic', async () => {
    const { appendStatsLine, writeStatsFile } = await import('../src/io/stats.js');
    const dir = tempDir('stats-write');
    const file = path.join(dir, 'superspike.stats');
    writeStatsFile(file, ['0 1 2', '1 3 4']);
    appendStatsLine(file, '2 5 6');
    expect(fs.readFileSync(file, 'utf8')).toBe('0 1 2\n1 3 4\n2 5 6\n');
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw enospc();
    });
    expect(() => appendStatsLine(file, '3 7 8')).toThrow(`cannot write ${file}: no space left on the device (ENOSPC)`);
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    const link = path.join(dir, 'link.stats');
    fs.symlinkSync(victim, link);
    expect(() => appendStatsLine(link, 'x')).toThrow(/symbolic link/);
    expect(() => writeStatsFile(link, ['x'])).toThrow(/symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });
});
