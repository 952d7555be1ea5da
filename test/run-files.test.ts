/**
 * Folders that say "completed" are complete (issue 19.5): run.json records every output file
 * with its size and what it holds (spikes, monitor samples, stats lines), and `report`, `export`,
 * `loadRun` refuse a folder with a file missing or short, naming the file. Under MPI the records
 * of every process's rank files reach run.json (gated as in test/mpi-helpers.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun } from '../src/api/run-folder.js';
import type { RunFileRecord } from '../src/io/run-files.js';
import { readSpkAll } from '../src/io/spk-read.js';
import { captureCli } from './cli-capture.js';
import { CLI, mpiGate, mpirun } from './mpi-helpers.js';

const gate = mpiGate('run-files.test.ts');

describe('run.json file records', () => {
  const cli = captureCli('run-files');

  async function makeRun(): Promise<{ out: string; files: RunFileRecord[] }> {
    const out = path.join(cli.dir, 'run');
    const args = ['run', '--hidden', '4', '--blocks', '2', '--block-seconds', '0.2', '--workers', '2', '--record', 'membrane:output', '--out', out, '-q'];
    expect(await cli.run(...args), cli.stderr).toBe(0);
    const info = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as { files: RunFileRecord[] };
    return { out, files: info.files };
  }

  it('records each file with its size and the spikes, samples and stats lines it holds', async () => {
    const { out, files } = await makeRun();
    const names = files.map((f) => f.file);
    expect(names).toContain('output.0.spk');
    expect(names).toContain('output.1.spk');
    expect(names).toContain('superspike.stats');
    expect(names).toContain('superspike.netstate');
    for (const r of files) {
      const file = path.join(out, r.file);
      expect(fs.statSync(file).size, r.file).toBe(r.bytes);
      if (r.kind === 'spikes') expect(r.count, r.file).toBe(readSpkAll(file).steps.length);
      if (r.kind === 'stats') expect(r.count).toBe(3); // block 0 … blocks
      if (r.kind === 'samples') {
        const data = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
        expect(r.count, r.file).toBe(data.length);
        expect(r.count).toBeGreaterThan(0);
      }
    }
    expect(files.filter((f) => f.kind === 'samples').map((f) => f.file).sort()).toEqual(['output.membrane.0', 'output.membrane.1']);
  });

  it('report, export and loadRun refuse a folder with a file short or missing, naming it', async () => {
    const { out } = await makeRun();
    expect(loadRun(out).stats).toHaveLength(3);
    const spikes = path.join(out, 'output.1.spk');
    const full = fs.statSync(spikes).size;
    fs.truncateSync(spikes, full - 16);
    const short = new RegExp(`${out} is incomplete: output\\.1\\.spk is short: it holds ${full / 8 - 3} spikes \\(${full - 16} bytes\\), run\\.json says ${full / 8 - 1} spikes`);
    expect(() => loadRun(out)).toThrow(short);
    expect(await cli.run('report', out)).toBe(1);
    expect(cli.stderr).toMatch(short);
    cli.stderr = '';
    expect(await cli.run('export', out, '-o', path.join(cli.dir, 'x.npz'))).toBe(1);
    expect(cli.stderr).toMatch(short);
    expect(fs.existsSync(path.join(cli.dir, 'x.npz'))).toBe(false);

    fs.rmSync(spikes);
    expect(() => loadRun(out)).toThrow(/is incomplete: output\.1\.spk is missing \(run\.json says it holds \d+ spikes/);
  });

  it('a stats file cut back or a monitor file cut short is named in its own terms', async () => {
    const { out } = await makeRun();
    const stats = path.join(out, 'superspike.stats');
    const lines = fs.readFileSync(stats, 'utf8').split('\n').filter((l) => l !== '');
    fs.writeFileSync(stats, `${lines.slice(0, 2).join('\n')}\n`);
    expect(() => loadRun(out)).toThrow(/superspike\.stats is short: .* run\.json says 3 stats lines/);
    fs.writeFileSync(stats, `${lines.join('\n')}\n`);
    expect(loadRun(out).stats).toHaveLength(3);
    const monitor = path.join(out, 'output.membrane.0');
    fs.truncateSync(monitor, fs.statSync(monitor).size - 3);
    expect(() => loadRun(out)).toThrow(/output\.membrane\.0 is short: .* run\.json says \d+ samples/);
  });
});

describe.skipIf(gate.skip)('run.json file records under MPI', () => {
  const cli = captureCli('run-files-mpi');

  it('lists the rank and monitor files of every process (2 processes × 2 ranks)', async () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
    const out = path.join(cli.dir, 'mpi');
    const job = await mpirun(2, [CLI, 'run', '--hidden', '4', '--blocks', '1', '--block-seconds', '0.2', '--workers', '2', '--record', 'membrane:output', '--out', out, '-q']);
    expect(job.code, job.stderr).toBe(0);
    const { files } = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as { files: RunFileRecord[] };
    for (const rank of [0, 1, 2, 3]) {
      expect(files.map((f) => f.file)).toContain(`output.${rank}.spk`);
      expect(files.map((f) => f.file)).toContain(`output.membrane.${rank}`);
    }
    for (const r of files) expect(fs.statSync(path.join(out, r.file)).size, r.file).toBe(r.bytes);
    expect(loadRun(out).stats).toHaveLength(2);
  });
});
