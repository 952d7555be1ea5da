/**
 * `decode -o` never damages an existing file (issue 11 §3): the output is written to a temp
 * file and renamed only on success; an output that is one of the inputs is refused; a folder
 * as input is one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpkWriter } from '../src/io/spk.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('decode-safety');

function spk(file: string, n = 50): string {
  const w = new SpkWriter(file);
  for (let s = 0; s < n; s++) w.push(s * 3, s % 7);
  w.close();
  return file;
}

describe('decode -o safety', () => {
  it('refuses to write over one of its inputs, and the input is untouched', async () => {
    const file = spk(path.join(cli.dir, 'x.spk'));
    const before = fs.readFileSync(file);
    expect(await cli.run('decode', file, '-o', file)).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*x\.spk is one of the inputs: choose another output file\n$/);
    expect(fs.readFileSync(file)).toEqual(before);
  });

  it('refuses the same input reached through another name (a hard link)', async () => {
    const file = spk(path.join(cli.dir, 'y.spk'));
    const other = path.join(cli.dir, 'alias.ras');
    fs.linkSync(file, other);
    const before = fs.readFileSync(file);
    expect(await cli.run('decode', file, '-o', other)).toBe(1);
    expect(fs.readFileSync(file)).toEqual(before);
  });

  it('a bad input leaves an existing output untouched', async () => {
    const bad = path.join(cli.dir, 'bad.spk');
    fs.writeFileSync(bad, 'not a spike file at all');
    const out = path.join(cli.dir, 'keep.ras');
    fs.writeFileSync(out, 'precious\n');
    expect(await cli.run('decode', bad, '-o', out)).toBe(1);
    expect(cli.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious\n');
    expect(fs.readdirSync(cli.dir).sort()).toEqual(['bad.spk', 'keep.ras']);
  });

  it('an error mid-file leaves the old output, not a partial one', async () => {
    const good = spk(path.join(cli.dir, 'g.spk'), 100_000);
    // Out of order after the header check passed: found while streaming.
    const bad = path.join(cli.dir, 'late.spk');
    const w = new SpkWriter(bad);
    for (let s = 0; s < 100_000; s++) w.push(s, 1);
    w.close();
    const fd = fs.openSync(bad, 'r+');
    const rec = Buffer.alloc(8);
    rec.writeUInt32LE(0, 0);
    fs.writeSync(fd, rec, 0, 8, 8 * 99_000);
    fs.closeSync(fd);
    const out = path.join(cli.dir, 'out.ras');
    fs.writeFileSync(out, 'precious\n');
    expect(await cli.run('decode', good, bad, '-o', out)).toBe(1);
    expect(cli.stderr).toMatch(/time-ordered/);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious\n');
    expect(fs.readdirSync(cli.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('decode of a folder is one line', async () => {
    const sub = path.join(cli.dir, 'folder');
    fs.mkdirSync(sub);
    expect(await cli.run('decode', sub)).toBe(1);
    expect(cli.stderr).toBe(`superspike: ${sub} is a folder, not a spike file\n`);
  });

  it('an output that is a folder is one line and nothing is written', async () => {
    const file = spk(path.join(cli.dir, 'z.spk'));
    expect(await cli.run('decode', file, '-o', cli.dir)).toBe(1);
    expect(cli.stderr).toBe(`superspike: cannot write ${cli.dir}: it is a folder, not a file\n`);
  });

  it('-o /dev/null writes to the device and leaves it a device', async () => {
    const file = spk(path.join(cli.dir, 'n.spk'), 3);
    expect(await cli.run('decode', file, '-o', '/dev/null'), cli.stderr).toBe(0);
    expect(fs.lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a good decode still replaces the output', async () => {
    const file = spk(path.join(cli.dir, 'ok.spk'), 3);
    const out = path.join(cli.dir, 'ok.ras');
    fs.writeFileSync(out, 'old');
    expect(await cli.run('decode', file, '-o', out), cli.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('0.000000 0\n0.000300 1\n0.000600 2\n');
  });
});
