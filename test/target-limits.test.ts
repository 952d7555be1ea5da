/**
 * `superspike target` on hostile pictures (issue 11 §6, §8): the size is read from the PNG
 * header and a picture above the pixel limit is refused before decoding; a bin shorter than
 * the time step is one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { captureCli } from './cli-capture.js';

const cli = captureCli('target-limits');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid 8-bit greyscale PNG of black pixels: tiny on disk, huge when decoded. */
function blackPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc(height * (width + 1)); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('target limits', () => {
  it('refuses a 10000×10000 picture from its header, fast, leaving the output alone', async () => {
    const png = path.join(cli.dir, 'huge.png');
    fs.writeFileSync(png, blackPng(10000, 10000));
    expect(fs.statSync(png).size).toBeLessThan(1 << 20);
    const out = path.join(cli.dir, 'out.ras');
    fs.writeFileSync(out, 'precious\n');
    const started = performance.now();
    expect(await cli.run('target', png, '-o', out)).toBe(1);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(cli.stderr).toMatch(/^superspike: .*huge\.png: 10000×10000 = 100000000 pixels is above the limit of 25000000 pixels \(decoding it would take 381 MiB of RGBA/);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious\n');
  });

  it('a picture under the limit still converts', async () => {
    const png = path.join(cli.dir, 'small.png');
    fs.writeFileSync(png, blackPng(4, 3));
    expect(await cli.run('target', png, '-o', path.join(cli.dir, 's.ras')), cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/events 12 /);
  });

  it('a bin shorter than the 0.1 ms step is one line', async () => {
    const png = path.join(cli.dir, 'small.png');
    fs.writeFileSync(png, blackPng(4, 3));
    expect(await cli.run('target', png, '-o', path.join(cli.dir, 's.ras'), '--bin-seconds', '0.00005')).toBe(1);
    expect(cli.stderr).toBe('superspike: a bin of 0.00005 s is shorter than the 0.1 ms simulation time step: one pixel column needs at least one step\n');
  });

  it('a bin of exactly one time step works', async () => {
    const png = path.join(cli.dir, 'small.png');
    fs.writeFileSync(png, blackPng(4, 3));
    expect(await cli.run('target', png, '-o', path.join(cli.dir, 's.ras'), '--bin-seconds', '0.0001'), cli.stderr).toBe(0);
  });

  it('a file that is not a PNG is one line', async () => {
    const png = path.join(cli.dir, 'fake.png');
    fs.writeFileSync(png, 'GIF89a not a png');
    expect(await cli.run('target', png, '-o', path.join(cli.dir, 's.ras'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*fake\.png: not a readable PNG image/);
  });
});
