/**
 * `run` with its output folder (issue 11 §2, §4, §5, §8): a checkpoint cannot be resumed into
 * another run's folder, a second run into a busy folder is refused, an incomplete folder is
 * refused by report/plot/animate, and a bad --out is one line. Nothing existing is changed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUT_LOCK_FILE } from '../src/io/out-lock.js';
import { writeRunStartMarker } from '../src/io/run-identity.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('run-safety');
const SMALL = ['--blocks', '2', '--block-seconds', '0.2', '--workers', '1', '-q'];

/** sha256 of every file in a folder, by name. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  return out;
}

describe('run identity', () => {
  it("refuses to resume one run's checkpoint into another run's folder, touching nothing", async () => {
    const a = path.join(cli.dir, 'A');
    const b = path.join(cli.dir, 'B');
    expect(await cli.run('run', '--hidden', '16', '--seed', '5', ...SMALL, '--stop-after-block', '1', '--out', a), cli.stderr).toBe(0);
    expect(await cli.run('run', '--hidden', '8', ...SMALL, '--out', b), cli.stderr).toBe(0);
    const before = snapshot(b);
    cli.stderr = '';
    expect(await cli.run('run', '--resume', path.join(a, 'superspike.checkpoint.netstate'), '--out', b, '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*B holds run [0-9a-f]{12}, but .*A\/superspike\.checkpoint\.netstate belongs to run [0-9a-f]{12}: resume into that run's own output folder/);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(b)).toEqual(before);
    // Its own folder still resumes.
    expect(await cli.run('run', '--resume', path.join(a, 'superspike.checkpoint.netstate'), '--out', a, '-q'), cli.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(a, 'run.json'), 'utf8'))).toMatchObject({ completed: true, interrupted: false });
  });

  it('a completed run says so in run.json, with its run id', async () => {
    const out = path.join(cli.dir, 'done');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', out), cli.stderr).toBe(0);
    const info = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(info.completed).toBe(true);
    expect(info.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(fs.existsSync(path.join(out, OUT_LOCK_FILE))).toBe(false);
  });
});

describe('a fresh run into a used folder', () => {
  it('removes the previous run\'s states and stray temp files before writing', async () => {
    const out = path.join(cli.dir, 'reused');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--blocks', '3', '--stop-after-block', '2', '--out', out), cli.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, 'superspike.checkpoint.netstate'))).toBe(true);
    fs.writeFileSync(path.join(out, '.superspike.netstate.0123456789abcdef.tmp'), 'left by kill -9');
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    // The interrupted run's checkpoint is the one way to continue it: deleted only with --force.
    const before = snapshot(out);
    cli.stderr = '';
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*superspike\.checkpoint\.netstate is the checkpoint of an interrupted run: continue it with --resume .* --out .*, or start afresh with --force \(deletes it\)/);
    expect(snapshot(out)).toEqual(before);
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', out, '--force'), cli.stderr).toBe(0);
    const names = fs.readdirSync(out);
    expect(names).not.toContain('superspike.checkpoint.netstate');
    expect(names.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(names).toContain('notes.txt');
    expect(names).toContain('superspike.netstate');
  });
});

describe('resume into a folder without the stats it needs', () => {
  it('is refused before run.json or anything else changes', async () => {
    const a = path.join(cli.dir, 'A');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--blocks', '3', '--stop-after-block', '2', '--out', a), cli.stderr).toBe(0);
    fs.writeFileSync(path.join(a, 'superspike.stats'), '');
    const before = snapshot(a);
    cli.stderr = '';
    expect(await cli.run('run', '--resume', path.join(a, 'superspike.checkpoint.netstate'), '--out', a, '-q')).toBe(1);
    expect(cli.stderr).toMatch(/superspike\.stats has 0 lines but the state was saved after 2: resume into the run's own output folder\n$/);
    expect(snapshot(a)).toEqual(before);
  });
});

describe('incomplete folders', () => {
  it('report, plot and animate refuse a folder whose run has not completed', async () => {
    const out = path.join(cli.dir, 'half');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', out), cli.stderr).toBe(0);
    writeRunStartMarker(out, 'ab'.repeat(16)); // as a run killed after it started
    for (const args of [['report', out], ['plot', out, '-o', path.join(cli.dir, 'p.png')], ['animate', out, '-o', path.join(cli.dir, 'a.gif')]]) {
      cli.stderr = '';
      expect(await cli.run(...args)).toBe(1);
      expect(cli.stderr).toMatch(/^superspike: .*half: the run in this folder has not completed/);
      expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(false);
  });
});

describe('busy and bad output folders', () => {
  it('a second run into a folder in use is refused naming the pid', async () => {
    const out = path.join(cli.dir, 'busy');
    const first = cli.run('run', '--hidden', '4', '--blocks', '1000', '--block-seconds', '0.2', '--workers', '1', '-q', '--out', out);
    const lock = path.join(out, OUT_LOCK_FILE);
    while (!fs.existsSync(lock)) await new Promise((r) => setTimeout(r, 20));
    const second = await cli.run('run', '--hidden', '4', ...SMALL, '--out', out);
    expect(second).toBe(1);
    expect(cli.stderr).toContain(`is in use by superspike process ${process.pid}`);
    process.emit('SIGINT');
    expect(await first).toBe(130);
  });

  it('--out naming a file, or below a file, is one line', async () => {
    const file = path.join(cli.dir, 'plain');
    fs.writeFileSync(file, 'x');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', file)).toBe(1);
    expect(cli.stderr).toBe(`superspike: ${file} is a file, not a folder: choose another --out\n`);
    cli.stderr = '';
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', path.join(file, 'sub'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: cannot (use|create) output folder .*: a part of the path is a file, not a folder \(ENOTDIR\)\n$/);
    cli.stderr = '';
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', path.join(cli.dir, 'n'.repeat(300)))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*the file name is too long \(ENAMETOOLONG\)\n$/);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('a resume checks everything before it cuts anything back', () => {
  it('without the run\'s --record it is refused and every file stays as it was', async () => {
    const out = path.join(cli.dir, 'monitored');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--blocks', '3', '--stop-after-block', '2', '--record', 'membrane:output', '--out', out), cli.stderr).toBe(0);
    const state = path.join(out, 'superspike.checkpoint.netstate');
    const before = snapshot(out);
    cli.stderr = '';
    expect(await cli.run('run', '--resume', state, '--out', out, '--workers', '1', '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*output\.membrane\.0 holds state recorded by this run: resume with the same --record options as the run/);
    expect(snapshot(out)).toEqual(before);
    // With them it continues.
    expect(await cli.run('run', '--resume', state, '--out', out, '--workers', '1', '--record', 'membrane:output', '-q'), cli.stderr).toBe(0);
  });

  it('a monitor file replaced by a symbolic link is not followed on resume', async () => {
    const out = path.join(cli.dir, 'monitor-link');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--blocks', '3', '--stop-after-block', '2', '--record', 'membrane:output', '--out', out), cli.stderr).toBe(0);
    const victim = path.join(cli.dir, 'victim.txt');
    fs.writeFileSync(victim, 'keep me\n');
    const monitor = path.join(out, 'output.membrane.0');
    fs.rmSync(monitor);
    fs.symlinkSync(victim, monitor);
    cli.stderr = '';
    expect(await cli.run('run', '--resume', path.join(out, 'superspike.checkpoint.netstate'), '--out', out, '--workers', '1', '--record', 'membrane:output', '-q')).toBe(1);
    expect(cli.stderr).toMatch(/output\.membrane\.0: it is a symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me\n');
  });

  it('a damaged rank file is named before anything changes; a 0-byte one (killed before its first write) resumes', async () => {
    const out = path.join(cli.dir, 'damaged');
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--blocks', '3', '--stop-after-block', '2', '--out', out), cli.stderr).toBe(0);
    const state = path.join(out, 'superspike.checkpoint.netstate');
    fs.writeFileSync(path.join(out, 'output.0.spk'), 'garbage!');
    const before = snapshot(out);
    cli.stderr = '';
    expect(await cli.run('run', '--resume', state, '--out', out, '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*output\.0\.spk: not an Auryn spike file/);
    expect(snapshot(out)).toEqual(before);
    fs.writeFileSync(path.join(out, 'output.0.spk'), '');
    expect(await cli.run('run', '--resume', state, '--out', out, '-q'), cli.stderr).toBe(0);
    expect(fs.statSync(path.join(out, 'output.0.spk')).size % 8).toBe(0);
    expect(fs.statSync(path.join(out, 'output.0.spk')).size).toBeGreaterThanOrEqual(8);
  });
});

describe('an empty output folder name', () => {
  it('--out "" is refused instead of writing into the working directory', async () => {
    cli.stderr = '';
    const cwd = process.cwd();
    const before = fs.readdirSync(cwd).sort();
    expect(await cli.run('run', '--hidden', '4', ...SMALL, '--out', '')).toBe(1);
    expect(cli.stderr.trim()).toBe('superspike: the output folder must be a non-empty path, got "" (an empty --out would write into the working directory)');
    expect(fs.readdirSync(cwd).sort()).toEqual(before);
  });
});
