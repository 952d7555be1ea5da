import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readRas } from '../src/io/ras.js';
import { darkBitmapToTargetEvents, imageToTargetEvents, pixelLuminance } from '../src/tasks/image-target.js';
import { captureCli } from './cli-capture.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const oxfordPng = path.resolve(repoRoot, 'data/ssbm/precise_timing/oxford/oxford.png');

const cli = captureCli('target');

type Rgba = [number, number, number, number];
const BLACK: Rgba = [0, 0, 0, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const GREY60: Rgba = [153, 153, 153, 255]; // luminance 0.6
const CLEAR_BLACK: Rgba = [0, 0, 0, 0]; // transparent: background, whatever the colour bytes

/**
 * A 4×3 picture (rows top to bottom):
 *   B . . B
 *   . G . .
 *   . c B .
 */
const PICTURE: Rgba[][] = [
  [BLACK, WHITE, WHITE, BLACK],
  [WHITE, GREY60, WHITE, WHITE],
  [WHITE, CLEAR_BLACK, BLACK, WHITE],
];

function pngFile(name: string, rows: Rgba[][]): string {
  const png = new PNG({ width: rows[0]!.length, height: rows.length });
  rows.forEach((row, y) => row.forEach((px, x) => png.data.set(px, (y * png.width + x) * 4)));
  const file = path.join(cli.dir, name);
  fs.writeFileSync(file, PNG.sync.write(png));
  return file;
}

/** (column, id) of every event, sorted, with 10 ms bins. */
function cells(times: ArrayLike<number>, ids: ArrayLike<number>, bin = 0.01): string[] {
  return Array.from({ length: times.length }, (_, i) => `${Math.floor(times[i]! / bin)}:${ids[i]}`).sort();
}

describe('imageToTargetEvents', () => {
  const rgba = Uint8Array.from(PICTURE.flat(2));

  it('one neuron per row (top row = highest id), one bin per column, one spike per dark pixel', () => {
    const r = imageToTargetEvents(rgba, 4, 3, { binSeconds: 0.01, seed: 3 });
    expect(r.neurons).toBe(3);
    expect(r.gridSeconds).toBeCloseTo(0.04, 12);
    // Column 0 row 0 → (0, id 2); column 3 row 0 → (3, 2); column 2 row 2 → (2, 0).
    expect(cells(r.times, r.ids)).toEqual(['0:2', '2:0', '3:2']);
  });

  it('the threshold decides about grey; transparent pixels are background', () => {
    const r = imageToTargetEvents(rgba, 4, 3, { threshold: 0.7 });
    expect(cells(r.times, r.ids)).toEqual(['0:2', '1:1', '2:0', '3:2']);
    expect(pixelLuminance(Uint8Array.from(CLEAR_BLACK), 0)).toBe(1);
    expect(pixelLuminance(Uint8Array.from([0, 0, 0, 128]), 0)).toBeCloseTo(127 / 255, 12);
  });

  it('jitter is seeded, inside the bin even after rounding to the 0.1 ms step, and output is time-sorted', () => {
    const big = new Uint8Array(50 * 40 * 4).fill(0); // all black, opaque below
    for (let i = 3; i < big.length; i += 4) big[i] = 255;
    const a = imageToTargetEvents(big, 50, 40, { binSeconds: 0.002, seed: 1 });
    const b = imageToTargetEvents(big, 50, 40, { binSeconds: 0.002, seed: 1 });
    const c = imageToTargetEvents(big, 50, 40, { binSeconds: 0.002, seed: 2 });
    expect(a.times).toEqual(b.times);
    expect(a.times).not.toEqual(c.times);
    expect(a.times.length).toBe(2000);
    for (let i = 0; i < a.times.length; i++) {
      const col = Math.floor(a.times[i]! / 0.002 + 1e-9);
      const step = Math.round(a.times[i]! / 1e-4);
      expect(step).toBeGreaterThanOrEqual(col * 20);
      expect(step).toBeLessThan((col + 1) * 20);
      if (i > 0) expect(a.times[i]!).toBeGreaterThanOrEqual(a.times[i - 1]!);
    }
    // Each column holds exactly one spike per row.
    const perColumn = new Map<number, Set<number>>();
    for (let i = 0; i < a.times.length; i++) {
      const col = Math.floor(a.times[i]! / 0.002 + 1e-9);
      if (!perColumn.has(col)) perColumn.set(col, new Set());
      perColumn.get(col)!.add(a.ids[i]!);
    }
    expect(perColumn.size).toBe(50);
    for (const ids of perColumn.values()) expect(ids.size).toBe(40);
  });

  it('the boolean-bitmap form gives the same raster', () => {
    const dark = PICTURE.map((row) => row.map((px) => px === BLACK));
    const fromBitmap = darkBitmapToTargetEvents(dark, { seed: 9 });
    const fromPixels = imageToTargetEvents(rgba, 4, 3, { seed: 9 });
    expect(fromBitmap).toEqual(fromPixels);
    expect(() => darkBitmapToTargetEvents([[true], [true, false]])).toThrow(/row 1 has 2 columns/);
  });
});

describe('superspike target', () => {
  it('writes the raster from a PNG and reports neurons, events and grid', async () => {
    const image = pngFile('pic.png', PICTURE);
    const out = path.join(cli.dir, 'pic.ras');
    expect(await cli.run('target', image, '-o', out, '--bin-seconds', '0.005', '--seed', '4')).toBe(0);
    expect(cli.stdout).toMatch(/^neurons 3 /m);
    expect(cli.stdout).toMatch(/^events 3 /m);
    expect(cli.stdout).toMatch(/^grid 0\.02 s /m);
    const ras = await readRas(out, { size: 3 });
    expect(cells(ras.times, ras.ids, 0.005)).toEqual(['0:2', '2:0', '3:2']);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^# target from .*pic\.png: neurons 3, bin 0\.005 s, time grid 0\.02 s, seed 4\n/);

    // Same seed, same file; another seed, other times.
    const again = path.join(cli.dir, 'again.ras');
    // The deprecated --bin-ms still works, with a warning.
    cli.stderr = '';
    await cli.run('target', image, '-o', again, '--bin-ms', '5', '--seed', '4');
    expect(cli.stderr).toBe('superspike: warning: --bin-ms is deprecated: use --bin-seconds 0.005\n');
    expect(fs.readFileSync(again, 'utf8')).toBe(fs.readFileSync(out, 'utf8'));
    await cli.run('target', image, '-o', again, '--bin-seconds', '0.005', '--seed', '5');
    expect(fs.readFileSync(again, 'utf8')).not.toBe(fs.readFileSync(out, 'utf8'));
  });

  it('exits 1 for a file that is not a PNG, 2 for usage errors', async () => {
    const notPng = path.join(cli.dir, 'x.png');
    fs.writeFileSync(notPng, 'hello');
    expect(await cli.run('target', notPng, '-o', path.join(cli.dir, 'x.ras'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*x\.png: not a readable PNG image/);
    expect(fs.existsSync(path.join(cli.dir, 'x.ras'))).toBe(false);
    expect(await cli.run('target', notPng)).toBe(2); // -o is required
    expect(await cli.run('target', notPng, '-o', 'y.ras', '--bin-seconds', '0')).toBe(2);
    expect(await cli.run('target', notPng, '-o', 'y.ras', '--threshold', '2')).toBe(2);
  });

  it('prints examples in --help', async () => {
    expect(await cli.run('target', '--help')).toBe(0);
    expect(cli.stdout).toMatch(/Examples:\n\s+superspike target/);
  });

  it('the paper’s picture: 200 neurons, grid 1.89 s, 10 367 dark pixels', async () => {
    const out = path.join(cli.dir, 'oxford-target.ras');
    expect(await cli.run('target', oxfordPng, '-o', out)).toBe(0);
    expect(cli.stdout).toMatch(/^neurons 200 /m);
    expect(cli.stdout).toMatch(/^grid 1\.89 s /m);
    expect(cli.stdout).toMatch(/^events 10367 /m);
    const ras = await readRas(out, { size: 200, strict: true });
    expect(ras.times.length).toBe(10_367);
    expect(ras.maxId).toBe(199);
    expect(Math.max(...ras.times)).toBeLessThan(1.89);
  });
});
