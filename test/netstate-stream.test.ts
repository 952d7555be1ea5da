/**
 * Streamed network states (io/netstate-stream.ts) are byte for byte what io/netstate.ts
 * `encodeNetworkState` writes for the whole state, checksum included, and load back: lazy arrays small and large (both msgpackr
 * headers), produced in any chunking, inside nested maps and arrays; a contributing process
 * (file null) produces every lazy array in the same order and writes nothing; a lazy array that
 * produces too few values fails and leaves no file.
 */
import path from 'node:path';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LazyFloat32, saveStreamedState, type StreamedState } from '../src/io/netstate-stream.js';
import { decodeNetworkState, encodeNetworkState, type NetworkState } from '../src/io/netstate.js';
import { Xoshiro128 } from '../src/model/rng.js';
import { tempDir } from './helpers.js';

function randomFloats(n: number, seed: number): Float32Array {
  const rng = new Xoshiro128(seed);
  return Float32Array.from({ length: n }, () => rng.nextUnit() - 0.5);
}

/** `whole` as a lazy array in chunks of `chunk` values; `log` records each production. */
function lazyOf(whole: Float32Array, chunk: number, log: string[], name: string): LazyFloat32 {
  return new LazyFloat32(whole.length, (sink) => {
    log.push(name);
    for (let at = 0; at < whole.length; at += chunk) sink?.(whole.subarray(at, Math.min(whole.length, at + chunk)));
  });
}

function states(sizes: number[], chunk: number, log: string[]): { whole: NetworkState; streamed: StreamedState } {
  const arrays = sizes.map((n, i) => randomFloats(n, i + 1));
  const base = {
    format: 'superspike-netstate' as const, version: 2, runId: 'abc',
    config: { hidden: [5, 7], name: 'x', eta: 1e-3 },
    task: { input: { steps: Int32Array.of(1, 2), ids: Uint32Array.of(0, 1), periodSteps: 0 }, target: { steps: new Int32Array(0), ids: new Uint32Array(0), periodSteps: 3 }, nInput: 2, nOutput: 1, gridSteps: 10, description: 'd' },
    clock: 1234, statsLines: 3,
    groups: [{ ring: { steps: Int32Array.of(5), ids: Uint32Array.of(9) }, pre: Float32Array.of(0.5) }],
  };
  const whole = { ...base, connections: arrays.map((w, i) => ({ w, el: w.map((x) => x * 2), err: Float32Array.of(i) })) } as unknown as NetworkState;
  const streamed = {
    ...base,
    connections: arrays.map((w, i) => ({ w: lazyOf(w, chunk, log, `w${i}`), el: lazyOf(w.map((x) => x * 2), chunk + 3, log, `el${i}`), err: Float32Array.of(i) })),
  } as unknown as StreamedState;
  return { whole, streamed };
}

describe('streamed network states', () => {
  it.each([
    ['small arrays (ext8/ext16 headers)', [3, 60, 2000], 7],
    ['large arrays (ext32 headers)', [20_000, 70_000], 4096],
    ['17 connections (an array16 header)', Array.from({ length: 17 }, (_, i) => 10 + i * 1000), 999],
  ])('writes the bytes of the whole state: %s', (_label, sizes, chunk) => {
    const log: string[] = [];
    const { whole, streamed } = states(sizes as number[], chunk as number, log);
    const file = path.join(tempDir('stream'), 'a.netstate');
    saveStreamedState(file, streamed);
    const bytes = readFileSync(file);
    expect(bytes.equals(encodeNetworkState(whole))).toBe(true);
    expect(decodeNetworkState(bytes, file).clock).toBe(1234);
    // A contributing process produces the same lazy arrays in the same order.
    const order = [...log];
    log.length = 0;
    saveStreamedState(null, streamed);
    expect(log).toEqual(order);
    expect(order.length).toBe(2 * (sizes as number[]).length);
  });

  it('a lazy array that produces too few values fails and leaves no file', () => {
    const dir = tempDir('stream-short');
    const file = path.join(dir, 'a.netstate');
    const short = new LazyFloat32(40_000, (sink) => sink?.(new Float32Array(100)));
    const { streamed } = states([5], 5, []);
    streamed.connections[0]!.w = short;
    expect(() => saveStreamedState(file, streamed)).toThrow(/produced 100 of its 40000 values/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
