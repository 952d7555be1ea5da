import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRas } from '../src/io/ras.js';
import { poissonEvents } from '../src/tasks/poisson.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('poisson');

function trainOf(ev: { times: Float64Array; ids: Uint32Array }, id: number): number[] {
  return Array.from(ev.times).filter((_, i) => ev.ids[i] === id);
}

describe('poissonEvents', () => {
  const ev = poissonEvents({ neurons: 200, rateHz: 5, durationSeconds: 10, seed: 1 });

  it('has the rate within statistical bounds (200 neurons × 10 s × 5 Hz: 10 000 ± 4σ, σ = 100)', () => {
    expect(ev.times.length).toBeGreaterThan(10_000 - 400);
    expect(ev.times.length).toBeLessThan(10_000 + 400);
  });

  it('has exponential inter-spike intervals (coefficient of variation near 1)', () => {
    const isis: number[] = [];
    for (let n = 0; n < 200; n++) {
      const t = trainOf(ev, n);
      for (let i = 1; i < t.length; i++) isis.push(t[i]! - t[i - 1]!);
    }
    const mean = isis.reduce((a, b) => a + b, 0) / isis.length;
    const sd = Math.sqrt(isis.reduce((a, b) => a + (b - mean) ** 2, 0) / isis.length);
    expect(mean).toBeGreaterThan(0.18);
    expect(mean).toBeLessThan(0.22);
    expect(sd / mean).toBeGreaterThan(0.93); // a regular train would be near 0
    expect(sd / mean).toBeLessThan(1.07);
  });

  it('every neuron fires, ids are in range, times on the 0.1 ms grid in [0, duration), sorted by (time, id)', () => {
    expect(new Set(ev.ids).size).toBe(200);
    for (let i = 0; i < ev.times.length; i++) {
      const t = ev.times[i]!;
      expect(ev.ids[i]).toBeLessThan(200);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(10);
      expect(Math.abs(t * 1e4 - Math.round(t * 1e4))).toBeLessThan(1e-6);
      if (i > 0) {
        const prev = ev.times[i - 1]!;
        expect(t > prev || (t === prev && ev.ids[i]! > ev.ids[i - 1]!)).toBe(true);
      }
    }
  });

  it('a neuron gets the same train whatever the number of neurons; seeds matter', () => {
    const small = poissonEvents({ neurons: 5, rateHz: 5, durationSeconds: 10, seed: 1 });
    expect(trainOf(small, 3)).toEqual(trainOf(ev, 3));
    expect(trainOf(small, 3).length).toBeGreaterThan(10);
    const other = poissonEvents({ neurons: 5, rateHz: 5, durationSeconds: 10, seed: 2 });
    expect(trainOf(other, 3)).not.toEqual(trainOf(ev, 3));
  });

  it('edge cases: rate 0, no neurons, bad arguments', () => {
    expect(poissonEvents({ neurons: 10, rateHz: 0, durationSeconds: 5 }).times.length).toBe(0);
    expect(poissonEvents({ neurons: 0, rateHz: 5, durationSeconds: 5 }).times.length).toBe(0);
    expect(() => poissonEvents({ neurons: 1.5, rateHz: 5, durationSeconds: 5 })).toThrow(RangeError);
    expect(() => poissonEvents({ neurons: 1, rateHz: -1, durationSeconds: 5 })).toThrow(RangeError);
  });

  it('without step rounding, times are continuous', () => {
    const raw = poissonEvents({ neurons: 3, rateHz: 50, durationSeconds: 1, seed: 1, stepSeconds: 0 });
    expect(Array.from(raw.times).some((t) => Math.abs(t * 1e4 - Math.round(t * 1e4)) > 1e-3)).toBe(true);
  });
});

describe('superspike input', () => {
  it('writes the same events as poissonEvents and reports them', async () => {
    const out = path.join(cli.dir, 'input.ras');
    expect(await cli.run('input', '--neurons', '20', '--rate', '8', '--duration', '1.89', '--seed', '3', '-o', out)).toBe(0);
    const ev = poissonEvents({ neurons: 20, rateHz: 8, durationSeconds: 1.89, seed: 3 });
    const ras = await readRas(out, { size: 20, strict: true });
    expect(Array.from(ras.ids)).toEqual(Array.from(ev.ids));
    expect(Array.from(ras.times, (t) => Math.round(t * 1e4))).toEqual(Array.from(ev.times, (t) => Math.round(t * 1e4)));
    expect(cli.stdout).toMatch(new RegExp(`neurons 20, events ${ev.times.length} `));
  });

  it('exits 2 on usage errors and prints examples in --help', async () => {
    expect(await cli.run('input', '--neurons', '20', '--duration', '1', '-o', path.join(cli.dir, 'x.ras'))).toBe(2);
    expect(await cli.run('input', '--neurons', '-3', '--rate', '5', '--duration', '1', '-o', path.join(cli.dir, 'x.ras'))).toBe(2);
    expect(await cli.run('input', '--help')).toBe(0);
    expect(cli.stdout).toMatch(/Examples:\n\s+superspike input/);
  });
});
