/**
 * Failures end the run quickly with the rank named, and leave valid files behind: a throwing
 * rank, a hanging rank (watchdog), and Ctrl-C (checkpoint, exit 130, resumable).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { readSpkAll } from '../src/io/spk.js';
import { BUILT_CLI as CLI, smallConfig, taskFor, tempDir } from './helpers.js';


function expectDecodableSpikeFiles(dir: string): number {
  const files = readdirSync(dir).filter((f) => f.endsWith('.spk'));
  expect(files.length).toBeGreaterThan(0);
  let records = 0;
  for (const f of files) records += readSpkAll(path.join(dir, f)).steps.length;
  return records;
}

describe('failing ranks', () => {
  it('a rank that throws stops the run within seconds, naming rank and step', async () => {
    const config = smallConfig({ blocks: 20 });
    const dir = tempDir('throw');
    const started = performance.now();
    await expect(runExperiment(config, await taskFor(config), {
      workers: 3, outDir: dir, testHooks: { fault: { rank: 1, step: 3005, kind: 'throw' } },
    })).rejects.toThrow(/rank 1 failed at step 3005: injected fault/);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(expectDecodableSpikeFiles(dir)).toBeGreaterThan(0);
  });

  it('a rank that hangs is named by the watchdog and terminated', async () => {
    const config = smallConfig({ blocks: 20 });
    const dir = tempDir('hang');
    const started = performance.now();
    await expect(runExperiment(config, await taskFor(config), {
      workers: 2, outDir: dir, hangTimeoutSeconds: 2, testHooks: { fault: { rank: 0, step: 2500, kind: 'hang' } },
    })).rejects.toThrow(/rank 0 stopped answering after step 2496/);
    expect(performance.now() - started).toBeLessThan(10_000);
    expectDecodableSpikeFiles(dir);
  });

  it('at default settings (automatic hang timeout) a hung rank is named within seconds', async () => {
    const config = smallConfig({ blocks: 20 });
    const dir = tempDir('hang-auto');
    const started = performance.now();
    await expect(runExperiment(config, await taskFor(config), {
      workers: 2, outDir: dir, testHooks: { fault: { rank: 1, step: 2500, kind: 'hang' } },
    })).rejects.toThrow(/rank 1 stopped answering after step 2496 \(no progress for \d+(\.\d)? s; the others wait/);
    // Progress of this network is quick, so the floor of 5 s applies (plus start-up and the grace).
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('a blocked eligibility pass longer than the hang timeout is progress, not a hang', async () => {
    // One worker, so nobody helps; one presynaptic row per chunk (chunkSynapses 1), each chunk then
    // sleeping 40 ms: a block end's pass over the 24 + 14 + 9 presynaptic rows lasts ≥ 1.9 s without
    // a clock tick, against a hang timeout of 1 s. Only the chunks' progress keeps the run alive.
    const config = smallConfig({ blocks: 1, blockSeconds: 0.1, eligibility: 'blocked' });
    const dir = tempDir('long-pass');
    const started = performance.now();
    const result = await runExperiment(config, await taskFor(config), {
      workers: 1, outDir: dir, hangTimeoutSeconds: 1, chunkSynapses: 1, testHooks: { chunkDelayMs: 40 },
    });
    expect(result.interrupted).toBe(false);
    expect(result.stats.length).toBeGreaterThan(0);
    // Not vacuous: at least one pass of ≥ 47 chunks × 40 ms ran (load only makes it longer).
    expect(performance.now() - started).toBeGreaterThan(47 * 40);
  });

  it('the CLI exits 1 with a one-line message naming the rank', async () => {
    const dir = tempDir('cli-fault');
    const result = await runCli(['run', '--workers', '2', '--out', dir, '--blocks', '2', '--block-seconds', '0.2', '--hidden', '10',
      '--inject-fault', '1:700:throw', '-q']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^superspike: rank 1 failed at step 700: injected fault at step 700\n/);
  });
});

describe('Ctrl-C', () => {
  it('stops at the next interval, writes a checkpoint, exits 130, and the run resumes', async () => {
    const dir = tempDir('sigint');
    const args = ['run', '--workers', '2', '--out', dir, '--blocks', '200', '--block-seconds', '0.2', '--hidden', '20'];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Wait until training has visibly started, then interrupt.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (/stats block=1 /.test(stderr)) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const checkpoint = path.join(dir, 'superspike.checkpoint.netstate');
    expect(existsSync(checkpoint)).toBe(true);
    expectDecodableSpikeFiles(dir);
    const resumed = await runCli(['run', '--resume', checkpoint, '--out', dir, '--workers', '1', '--stop-after-block', '3', '-q']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
