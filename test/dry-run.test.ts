/**
 * `--dry-run` of run, experiment and bench: every check the command makes, the plan printed, exit 0
 * — and nothing touched. A refusal is the command's own refusal (the same one line, exit 1), so
 * a job checked with --dry-run before it is queued fails the same way it would have.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from './cli-capture.js';

const cli = captureCli('dry-run');

/** Every file under dir with its size and modification time (what "touched nothing" compares). */
function snapshot(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.join(e.parentPath, e.name))
    .map((f) => { const st = fs.statSync(f); return `${f} ${st.size} ${st.mtimeMs}`; })
    .sort();
}

describe('run --dry-run', () => {
  it('prints the plan of the built-in task and creates nothing', async () => {
    const out = path.join(cli.dir, 'new', 'output');
    expect(await cli.run('run', '--dry-run', '--workers', '2', '--out', out, '--report', '--serve', '0'), cli.stderr).toBe(0);
    expect(cli.stdout).toContain('superspike run --dry-run: every check passed; nothing was written');
    expect(cli.stdout).toContain('network: 100-256-23');
    expect(cli.stdout).toMatch(/burn-in 6\.1 s, 30 blocks of 6\.1 s, frozen replay to 189\.71 s: 189\.71 s simulated/);
    expect(cli.stdout).toMatch(/ranks: 2; [12] threads? /);
    expect(cli.stdout).toContain(`output folder: ${out} (the run creates it)`);
    expect(cli.stdout).toContain('multi_stim.0.spk … multi_stim.1.spk');
    expect(cli.stdout).toContain('superspike.trained.netstate, superspike.netstate, run.json, report.html');
    expect(cli.stdout).toContain('live page: on a free port of 127.0.0.1 while it runs (--serve)');
    expect(fs.existsSync(path.join(cli.dir, 'new'))).toBe(false);
  });

  it('refuses what the run refuses, with the same line, and leaves the folder as it was', async () => {
    const out = path.join(cli.dir, 'interrupted');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'superspike.checkpoint.netstate'), 'x');
    const before = snapshot(out);
    expect(await cli.run('run', '--dry-run', '--hidden', '4', '--out', out)).toBe(1);
    const dry = cli.stderr;
    expect(dry).toMatch(/is the checkpoint of an interrupted run: continue it with --resume/);
    expect(snapshot(out)).toEqual(before);
    cli.stderr = '';
    expect(await cli.run('run', '--hidden', '4', '--out', out, '-q')).toBe(1);
    expect(cli.stderr).toBe(dry);
    expect(snapshot(out)).toEqual(before);
    // --force would delete it: the dry run says the run would go ahead.
    cli.stdout = '';
    expect(await cli.run('run', '--dry-run', '--hidden', '4', '--out', out, '--force')).toBe(0);
    expect(snapshot(out)).toEqual(before);
  });

  it('refuses a folder a live run holds, a file as --out, and a network over the memory limit', async () => {
    const out = path.join(cli.dir, 'locked');
    fs.mkdirSync(out);
    // This (node) process as the holder: alive, on this host.
    fs.writeFileSync(path.join(out, '.superspike.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: 'now', token: 'abc' }));
    expect(await cli.run('run', '--dry-run', '--hidden', '4', '--out', out)).toBe(1);
    expect(cli.stderr).toMatch(/is in use by superspike process \d+/);
    cli.stderr = '';
    const file = path.join(cli.dir, 'a-file');
    fs.writeFileSync(file, '');
    expect(await cli.run('run', '--dry-run', '--hidden', '4', '--out', file)).toBe(1);
    expect(cli.stderr).toMatch(/is a file, not a folder/);
    cli.stderr = '';
    expect(await cli.run('run', '--dry-run', '--hidden', '4096', '--max-memory-gib', '0.01', '--out', path.join(cli.dir, 'big'))).toBe(1);
    expect(cli.stderr).toMatch(/max-memory-gib/);
    expect(fs.existsSync(path.join(cli.dir, 'big'))).toBe(false);
  });
});

describe('experiment --dry-run and bench --dry-run', () => {
  it('experiment: the plan with its runs and simulated seconds, and no folder', async () => {
    const out = path.join(cli.dir, 'sweep');
    expect(await cli.run('experiment', 'single-neuron', '--quick', '--parallel', '2', '--out', out, '--dry-run'), cli.stderr).toBe(0);
    expect(cli.stdout).toContain('superspike experiment single-neuron --dry-run: every check passed; nothing was written');
    expect(cli.stdout).toMatch(/runs: (\d+) runs into .* — \1 to run, 0 to resume from checkpoints, 0 complete \(reused\); [\d.]+ simulated s in all, 2 at a time/);
    expect(cli.stdout).toContain(path.join(out, 'results.csv'));
    cli.stdout = '';
    expect(await cli.run('experiment', 'single-neuron', '--quick', '--emit', 'slurm', '--out', out, '--dry-run'), cli.stderr).toBe(0);
    expect(cli.stdout).toContain('slurm-array.sh (one array task per run)');
    expect(fs.existsSync(out)).toBe(false);
    // A plan the sweep refuses is refused here too.
    expect(await cli.run('experiment', 'single-neuron', '--quick', '--only-run', '999', '--out', out, '--dry-run')).toBe(1);
    expect(cli.stderr).toMatch(/--only-run 999: single-neuron \(quick\) has runs 0\.\./);
  });

  it('bench: one checked line per case, nothing run', async () => {
    expect(await cli.run('bench', '--hidden', '64', '--workers', '1,2', '--busy', '1', '--repeat', '2', '--dry-run'), cli.stderr).toBe(0);
    expect(cli.stdout).toContain('superspike bench --dry-run: every check passed; nothing was run');
    expect(cli.stdout).toContain('2 cases × 2 runs (4 runs), each: 2 simulated s measured per run after 2 warm-up blocks as long (the burn-in, then a first learning block), beside 1 CPU-bound process');
    expect(cli.stdout).toMatch(/200-64-200 symmetric, 1 worker: 25,600 synapses/);
    expect(cli.stdout).toMatch(/200-64-200 symmetric, 2 workers: 25,600 synapses/);
    cli.stdout = '';
    expect(await cli.run('bench', '--hidden', '64', '--workers', '1,2', '--copies', '--repeat', '2', '--dry-run'), cli.stderr).toBe(0);
    expect(cli.stdout).toContain('then --copies: each case of W > 1 workers again as W one-worker processes at once (2 runs each)');
    expect(await cli.run('bench', '--layouts', '1x2', '--dry-run')).toBe(1);
    expect(cli.stderr).toMatch(/--layouts needs one network/);
    // --bind-to binds mpirun's processes: refused where no layout has more than one.
    for (const without of [[], ['--layouts', '1x2']]) {
      cli.stderr = '';
      expect(await cli.run('bench', '--hidden', '64', ...without, '--bind-to', 'core', '--dry-run')).toBe(1);
      expect(cli.stderr).toMatch(/bench --bind-to says how mpirun binds the processes of --layouts; give a layout of more than one process/);
    }
    expect(await cli.run('bench', '--hidden', '64', '--layouts', '1x2,2x1', '--bind-to', 'socket', '--dry-run')).toBe(2); // a usage error, as every bad choice
    expect(cli.stderr).toMatch(/--bind-to.*socket.*(none|core)/);
  });
});
