/**
 * MPI processes agree on what makes the run before any of them starts (engine/run-agreement.ts):
 * a job whose processes were given different seeds, blocks, input files, monitors, output
 * folders or a fresh-vs-resume mix ends at once with exit ≠ 0 and one line naming the field and
 * what each process has — never a hybrid run that exits 0, an MPI_ERR_TRUNCATE or a hang — and
 * leaves no files behind. The pure comparison is tested without MPI.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstDifference } from '../src/engine/run-agreement.js';
import { tempDir } from './helpers.js';
import { CLI, mpiGate, mpirunApps } from './mpi-helpers.js';

const gate = mpiGate('mpi-agreement.test.ts');

function configFile(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify({
    hidden: [6], blocks: 2, blockSeconds: 0.1, seed: 3,
    task: { text: 'A', scale: 1, inputNeurons: 12, inputRateHz: 20, taskSeed: 5 },
    ...extra,
  }));
  return file;
}

/** Two processes of one job, each with its own extra flags. */
async function twoProcesses(first: string[], second: string[]) {
  const base = [CLI, 'run', '--workers', '1', '-q'];
  return mpirunApps([{ np: 1, args: [...base, ...first] }, { np: 1, args: [...base, ...second] }]);
}

describe('the comparison', () => {
  it('finds the first differing field and the first process that differs', () => {
    const P = 3;
    const fields = 4;
    const all = new Uint8Array(P * fields * 16);
    expect(firstDifference(all, P, fields)).toBeNull();
    all[2 * fields * 16 + 3 * 16 + 5] = 1; // process 2, field 3
    expect(firstDifference(all, P, fields)).toEqual({ field: 3, process: 2 });
    all[1 * fields * 16 + 1 * 16] = 7; // process 1, field 1: earlier field wins
    expect(firstDifference(all, P, fields)).toEqual({ field: 1, process: 1 });
  });
});

describe.skipIf(gate.skip)('processes of one MPI job that disagree', () => {
  it('is available here', () => {
    expect(gate.missing, 'MPI must be installed for these tests (see the warning above)').toBeNull();
  });

  it('a different --seed ends the job naming config.seed and both values; nothing is written', async () => {
    const dir = tempDir('agree-seed');
    const config = configFile(dir);
    const out = path.join(dir, 'out');
    const job = await twoProcesses([config, '--out', out, '--seed', '1'], [config, '--out', out, '--seed', '2']);
    expect(job.code, job.stderr).not.toBe(0);
    expect(job.stderr).toContain('superspike: MPI processes disagree on config.seed: process 0 has 1, process 1 has 2');
    expect(job.stderr.match(/disagree/g)).toHaveLength(1);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('different --blocks and different --hidden are named (no hang, no MPI_ERR_TRUNCATE)', async () => {
    const dir = tempDir('agree-blocks');
    const config = configFile(dir);
    const out = path.join(dir, 'out');
    const blocks = await twoProcesses([config, '--out', out, '--blocks', '2'], [config, '--out', out, '--blocks', '3']);
    expect(blocks.code).not.toBe(0);
    expect(blocks.stderr).toContain('disagree on config.blocks: process 0 has 2, process 1 has 3');
    const hidden = await twoProcesses([config, '--out', out, '--hidden', '6'], [config, '--out', out, '--hidden', '7']);
    expect(hidden.code).not.toBe(0);
    expect(hidden.stderr).toContain('disagree on config.hidden: process 0 has [6], process 1 has [7]');
    expect(hidden.stderr).not.toContain('MPI_ERR_TRUNCATE');
  });

  it('input files of the same name but different content are named', async () => {
    const a = tempDir('agree-input-a');
    const b = tempDir('agree-input-b');
    writeFileSync(path.join(a, 'in.ras'), '0.01 0\n0.02 1\n');
    writeFileSync(path.join(b, 'in.ras'), '0.01 0\n0.03 1\n');
    for (const d of [a, b]) {
      writeFileSync(path.join(d, 'target.ras'), '0.015 0\n0.025 1\n');
      configFile(d, { input: 'in.ras', target: 'target.ras', gridSeconds: 0.05, task: undefined });
    }
    const out = path.join(tempDir('agree-input-out'), 'out');
    const job = await twoProcesses([path.join(a, 'tiny.json'), '--out', out], [path.join(b, 'tiny.json'), '--out', out]);
    expect(job.code).not.toBe(0);
    // Paths may differ between hosts; the content may not.
    expect(job.stderr).toContain('disagree on input data: process 0 has "2 events, period 500 steps", process 1 has "2 events, period 500 steps"');
  });

  it('--record on one process only, and a different --out, are named', async () => {
    const dir = tempDir('agree-record');
    const config = configFile(dir);
    const out = path.join(dir, 'out');
    const record = await twoProcesses([config, '--out', out, '--record', 'rate:hidden'], [config, '--out', out]);
    expect(record.code).not.toBe(0);
    expect(record.stderr).toContain('disagree on --record: process 0 has ["rate:hidden"], process 1 has []');
    const outs = await twoProcesses([config, '--out', out], [config, '--out', path.join(dir, 'other')]);
    expect(outs.code).not.toBe(0);
    expect(outs.stderr).toMatch(/disagree on --out: process 0 has "[^"]+\/out", process 1 has "[^"]+\/other"/);
    expect(existsSync(path.join(dir, 'other'))).toBe(false);
  });

  it('a fresh run beside a resume is named, not a hang', async () => {
    const dir = tempDir('agree-resume');
    const config = configFile(dir, { blocks: 3 });
    const out = path.join(dir, 'out');
    const first = await mpirunApps([{ np: 2, args: [CLI, 'run', config, '--workers', '1', '-q', '--out', out, '--stop-after-block', '1'] }]);
    expect(first.code, first.stderr).toBe(0);
    const state = path.join(out, 'superspike.checkpoint.netstate');
    expect(existsSync(state)).toBe(true);
    const job = await twoProcesses(['--resume', state, '--out', out], [config, '--out', out]);
    expect(job.code).not.toBe(0);
    expect(job.stderr).toContain('MPI processes disagree on --resume: process 0 has "state of run ');
  });
});
