/**
 * Resource limits (issue 11 §6): refused before allocation with one line that names the limit
 * and the cost; the memory estimate matches the engine's layout byte for byte.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkNetworkMemory, checkWorkers, estimateNetworkBytes, LimitError, LIMITS, MONITOR_BUFFER_BYTES, sharedMemoryBytes,
} from '../src/config/limits.js';
import { train } from '../src/api/train.js';
import { loadConfig } from '../src/config/load.js';
import { computeLayout } from '../src/network/layout.js';
import { buildTopology, type NetworkShape } from '../src/network/topology.js';
import { captureCli } from './cli-capture.js';
import { tempDir, testShape } from './helpers.js';

const cli = captureCli('limits');

/** One command with fresh captured output. */
function fresh(...args: string[]): Promise<number> {
  cli.stdout = '';
  cli.stderr = '';
  return cli.run(...args);
}

function shape(over: Partial<NetworkShape> = {}): NetworkShape {
  return testShape({ nInput: 100, hidden: [16], nOutput: 3, ...over });
}

function configFile(content: unknown): string {
  const file = path.join(tempDir('limits-config'), 'c.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('estimateNetworkBytes', () => {
  it('the shared memory equals computeLayout for many shapes and rank counts', () => {
    const shapes = [
      shape(), shape({ hidden: [] }), shape({ hidden: [7, 13, 5], feedback: 'random' }), shape({ hidden: [9, 4], feedback: 'uniform' }),
      shape({ hidden: [33], learnHidden: false }), shape({ nInput: 1, nOutput: 1, hidden: [1, 1], feedbackDelaySteps: 40 }),
    ];
    for (const s of shapes) {
      for (const ranks of [1, 2, 3, 5, 8, 40]) {
        expect(sharedMemoryBytes(s, ranks), JSON.stringify({ s, ranks })).toBe(computeLayout(buildTopology(s), ranks).totalBytes);
      }
    }
  });

  it('grows with synapses, ranks and delay lines', () => {
    const base = estimateNetworkBytes(shape(), 2).totalBytes;
    expect(estimateNetworkBytes(shape({ hidden: [160] }), 2).totalBytes).toBeGreaterThan(base);
    expect(estimateNetworkBytes(shape(), 8).totalBytes).toBeGreaterThan(base);
    expect(estimateNetworkBytes(shape({ feedbackDelaySteps: 800 }), 2).totalBytes).toBeGreaterThan(base);
  });
});

describe('limits', () => {
  it('a network beyond one WebAssembly memory is refused naming the cost', () => {
    expect(() => checkNetworkMemory(shape({ hidden: [25_000_000] }), 2, 0)).toThrow(LimitError);
    expect(() => checkNetworkMemory(shape({ hidden: [25_000_000] }), 2, 0)).toThrow(/needs \d+ GiB of shared memory, above the 4\.0 GiB/);
  });

  it('the memory limit is adjustable', () => {
    const big = shape({ nInput: 2000, hidden: [2000, 2000] });
    expect(() => checkNetworkMemory(big, 4, 0, 0.1)).toThrow(/would need about .* above the memory limit of 0\.1 GiB \(raise it with --max-memory-gib/);
    expect(checkNetworkMemory(big, 4, 0, 8).totalBytes).toBeGreaterThan(0.1 * 2 ** 30);
  });

  it('workers: a maximum, and a warning when ranks outnumber every layer', () => {
    expect(() => checkWorkers(1000, null)).toThrow(/--workers 1000 is above the limit of 256 .* would need 7\.8 GiB/);
    expect(checkWorkers(4, shape({ nInput: 3, hidden: [2], nOutput: 1 }))).toMatch(/more than the largest layer \(3 neurons\)/);
    expect(checkWorkers(2, shape())).toBeNull();
  });

  it('config files: too many layers, a huge layer, a huge feedback delay are refused at load', () => {
    const many = configFile({ hidden: Array(LIMITS.maxHiddenLayers + 1).fill(2), task: {} });
    expect(() => loadConfig(many)).toThrow(/65 hidden layers is above the limit of 64/);
    const millions = configFile({ hidden: Array(5_000_000).fill(1), task: {} });
    const started = performance.now();
    expect(() => loadConfig(millions)).toThrow(/5000000 hidden layers is above the limit of 64/);
    expect(performance.now() - started).toBeLessThan(3000);
    const huge = configFile({ hidden: [25_000_000], task: {} });
    expect(() => loadConfig(huge)).toThrow(/hidden\[0\] = 25000000 neurons is above the limit of 16777216/);
    const delay = configFile({ feedbackDelaySeconds: 1000, task: {} });
    expect(() => loadConfig(delay)).toThrow(/feedbackDelaySeconds 1000 is above the limit of 1 s .*10000000 steps/);
    const picture = configFile({ task: { text: 'A'.repeat(5000), scale: 1000 } });
    expect(() => loadConfig(picture)).toThrow(/built-in picture .* pixels is above the limit/);
    const bin = configFile({ task: { binSeconds: 0.00005 } });
    expect(() => loadConfig(bin)).toThrow(/task\.binSeconds 0\.00005 is shorter than the 0\.1 ms time step/);
  });
});

describe('run refuses before allocating', () => {
  it('--hidden 25000000: one line, exit 1, nothing written', async () => {
    expect(await cli.run('run', '--hidden', '25000000', '--out', path.join(cli.dir, 'o-huge'), '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*hidden\[0\] = 25000000 neurons is above the limit/);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(cli.dir, 'o-huge'))).toBe(false);
  });

  it('--workers 1000: one line, exit 1', async () => {
    expect(await cli.run('run', '--workers', '1000', '--hidden', '4', '--out', path.join(cli.dir, 'o'), '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: --workers 1000 is above the limit of 256/);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a network above --max-memory-gib: one line naming the way past', async () => {
    expect(await cli.run('run', '--hidden', '3000,3000', '--max-memory-gib', '0.05', '--workers', '2', '--out', path.join(cli.dir, 'o'), '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: the 100-3000-3000-23 network on 2 ranks would need about .* above the memory limit of 0\.05 GiB \(raise it with --max-memory-gib/);
  });

  it('a config or a state that is a device, or a huge config, is one line (run /dev/zero)', async () => {
    expect(await fresh('run', '/dev/zero', '--out', path.join(cli.dir, 'o'), '-q')).toBe(1);
    expect(cli.stderr.trim()).toBe('superspike: /dev/zero: not a regular file (a device, pipe or socket), not a config file');
    expect(await fresh('run', '--resume', '/dev/zero', '--out', path.join(cli.dir, 'o'), '-q')).toBe(1);
    expect(cli.stderr.trim()).toBe('superspike: /dev/zero: a device, not a network state file');
    const big = path.join(tempDir('limits-big'), 'big.json');
    writeFileSync(big, `{"name": "${'x'.repeat(17 * 2 ** 20)}"}`);
    expect(await fresh('run', big, '--out', path.join(cli.dir, 'o'), '-q')).toBe(1);
    expect(cli.stderr).toMatch(/big\.json: 17\.0 MiB is too large for a config file \(at most 16 MiB/);
  });

  it('bench, stress, input and experiment have limits too', async () => {
    expect(await fresh('bench', '--hidden', '8', '--workers', '1000')).toBe(2);
    expect(cli.stderr).toMatch(/expected worker counts from 1 to 256/);
    expect(await fresh('stress', '--workers', '1,1000')).toBe(2);
    expect(cli.stderr).toMatch(/expected worker counts from 1 to 256/);
    expect(await fresh('stress', '--layouts', '100x1')).toBe(2);
    expect(cli.stderr).toMatch(/layout 100x1: at most 64 processes/);
    expect(await fresh('input', '--neurons', '1000000', '--rate', '1000', '--duration', '1000', '-o', path.join(cli.dir, 'x.ras'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: superspike input would hold about 1000000000000 events .* above the limit of 50000000/);
    expect(existsSync(path.join(cli.dir, 'x.ras'))).toBe(false);
    expect(await fresh('experiment', 'single-neuron', '--seeds', '1000000000', '--out', path.join(cli.dir, 'e'))).toBe(2);
    expect(cli.stderr).toMatch(/expected a whole number of seeds from 1 to 10000/);
  });

  it('the library applies the limits of run: train({ workers: 300 }), train({ hidden: [3000000] })', async () => {
    const out = path.join(cli.dir, 'lib');
    await expect(train(undefined, { workers: 300, quiet: true, out })).rejects.toThrow(/^--workers 300 is above the limit of 256/);
    await expect(train({ hidden: [3000000] }, { workers: 1, quiet: true, out })).rejects.toThrow(LimitError);
    expect(existsSync(out)).toBe(false);
  });

  it('monitors count: their buffers in the memory estimate, their size on disk in inspect', async () => {
    const plain = estimateNetworkBytes(shape(), 2);
    expect(estimateNetworkBytes(shape(), 2, 0, undefined, 3 * MONITOR_BUFFER_BYTES).totalBytes).toBe(plain.totalBytes + 3 * MONITOR_BUFFER_BYTES);
    expect(await cli.run('inspect', '--workers', '2', '--record', 'membrane:output', '--record', 'rate:hidden')).toBe(0);
    expect(cli.stdout).toMatch(/monitors \(output\.membrane, multi_hidden\.rate\): about \d+ MiB on disk, 1 MiB of buffers per process/);
    expect(await cli.run('inspect', '--processes', '4', '--workers', '128')).toBe(0); // 512 ranks, 128 threads per process
  });

  it('inspect applies the same limits and reports the estimate', async () => {
    expect(await cli.run('inspect', '--workers', '100000')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: --workers 100000 is above the limit of 256/);
    expect(await cli.run('inspect', '--workers', '2')).toBe(0);
    expect(cli.stdout).toMatch(/estimated memory of a run: \d+ MiB \(limit 16 GiB\)/);
  });
});
