import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeSpkFiles, secondsToStep, timeFormatter } from '../src/cli/commands/decode.js';
import { expandSpkArgs } from '../src/io/spk.js';
import { SpkWriter } from '../src/io/spk.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('decode');

/** Rank files `<prefix>.<r>.spk` with round-robin ownership; returns all events, sorted. */
function writeRanks(prefix: string, ranks: number, events: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...events].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const writers = Array.from({ length: ranks }, (_, r) => new SpkWriter(`${prefix}.${r}.spk`));
  for (const [step, id] of sorted) writers[id % ranks]!.push(step, id);
  for (const w of writers) w.close();
  return sorted;
}

/** Reference formatting, independent of the decoder's integer fast path. */
const line = ([step, id]: [number, number], decimals = 6): string => `${(step / 10000).toFixed(decimals)} ${id}`;

function someEvents(): Array<[number, number]> {
  const events: Array<[number, number]> = [];
  for (let step = 0; step < 40_000; step += 7) {
    events.push([step, (step * 31) % 13]);
    if (step % 3 === 0) events.push([step, 12 - ((step * 31) % 13 === 12 ? 1 : (step * 31) % 13)]);
  }
  // Deduplicate (step, id) pairs.
  return [...new Map(events.map((e) => [`${e[0]}:${e[1]}`, e])).values()];
}

describe('superspike decode', () => {
  it('merges all rank files of a prefix and prints time id lines', async () => {
    const prefix = path.join(cli.dir, 'out');
    const all = writeRanks(prefix, 3, someEvents());
    const out = path.join(cli.dir, 'all.ras');
    expect(await cli.run('decode', prefix, '-o', out)).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(all.map((e) => `${line(e)}\n`).join(''));
    // The status line goes to stderr: stdout (and so `-o /dev/stdout`) carries only events.
    expect(cli.stderr).toMatch(`wrote ${all.length} events from 3 files to ${out}`);
    expect(cli.stdout).toBe('');
  });

  it('applies --from (inclusive), --to (exclusive) and --max-id (inclusive)', async () => {
    const prefix = path.join(cli.dir, 'w');
    const all = writeRanks(prefix, 3, someEvents());
    const out = path.join(cli.dir, 'window.ras');
    // 0.7 s = step 7000 and 2.1 s = step 21000 both hold events (multiples of 7).
    expect(all.some(([s]) => s === 7000) && all.some(([s]) => s === 21000)).toBe(true);
    const code = await cli.run('decode', `${prefix}.0.spk`, `${prefix}.1.spk`, `${prefix}.2.spk`,
      '--from', '0.7', '--to', '2.1', '--max-id', '5', '-o', out);
    expect(code).toBe(0);
    const expected = all.filter(([s, id]) => s >= 7000 && s < 21000 && id <= 5);
    expect(expected.length).toBeGreaterThan(100);
    const text = fs.readFileSync(out, 'utf8');
    expect(text).toBe(expected.map((e) => `${line(e)}\n`).join(''));
    expect(text.startsWith('0.700000 ')).toBe(true);
    expect(text).not.toContain('2.100000 ');
  });

  it('formats with --decimals, falling back to toFixed below the step resolution', async () => {
    const prefix = path.join(cli.dir, 'd');
    writeRanks(prefix, 1, [[12345, 1], [19999, 2]]);
    const out = path.join(cli.dir, 'd.ras');
    expect(await cli.run('decode', `${prefix}.0.spk`, '--decimals', '2', '-o', out)).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('1.23 1\n2.00 2\n');
    expect(await cli.run('decode', prefix, '--decimals', '8', '-o', out)).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('1.23450000 1\n1.99990000 2\n');
  });

  it('writes to stdout without -o', async () => {
    const prefix = path.join(cli.dir, 's');
    writeRanks(prefix, 2, [[3, 1], [3, 0], [10, 1]]);
    expect(await cli.run('decode', prefix)).toBe(0);
    expect(cli.stdout).toBe('0.000300 0\n0.000300 1\n0.001000 1\n');
  });

  it('exits 1 with a one-line message for a missing or damaged file', async () => {
    expect(await cli.run('decode', path.join(cli.dir, 'nothing'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: no such spike file: .*nothing \(nor .*nothing\.<rank>\.spk\)\n$/);
    cli.stderr = '';
    const bad = path.join(cli.dir, 'bad.spk');
    fs.writeFileSync(bad, Buffer.alloc(12));
    expect(await cli.run('decode', bad)).toBe(1);
    expect(cli.stderr).toMatch(/bad\.spk: not an Auryn spike file/);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 on usage errors', async () => {
    expect(await cli.run('decode')).toBe(2);
    expect(await cli.run('decode', 'x.spk', '--from', 'soon')).toBe(2);
    expect(await cli.run('decode', 'x.spk', '--max-id', '-1')).toBe(2);
    expect(await cli.run('decode', 'x.spk', '--decimals', '40')).toBe(2);
  });

  it('rejects --to before --from', async () => {
    const prefix = path.join(cli.dir, 'o');
    writeRanks(prefix, 1, [[1, 1]]);
    expect(await cli.run('decode', prefix, '--from', '2', '--to', '1')).toBe(1);
    expect(cli.stderr).toMatch(/--to 1 is before --from 2/);
  });

  it('prints examples in --help and exits 0', async () => {
    expect(await cli.run('decode', '--help')).toBe(0);
    expect(cli.stdout).toMatch(/Examples:\n\s+superspike decode/);
  });
});

describe('decode helpers', () => {
  it('expands a prefix to its rank files in rank order (10 after 9)', () => {
    const prefix = path.join(cli.dir, 'net');
    for (const r of [0, 1, 2, 9, 10]) fs.writeFileSync(`${prefix}.${r}.spk`, '');
    fs.writeFileSync(`${prefix}.x.spk`, '');
    fs.writeFileSync(path.join(cli.dir, 'network.0.spk'), '');
    expect(expandSpkArgs([prefix])).toEqual([0, 1, 2, 9, 10].map((r) => `${prefix}.${r}.spk`));
    expect(expandSpkArgs([`${prefix}.9.spk`])).toEqual([`${prefix}.9.spk`]);
  });

  it('converts seconds to steps without float artefacts', () => {
    expect(0.57 * 10000).not.toBe(5700); // the artefact this guards against
    expect(secondsToStep(0.57, 10000)).toBe(5700);
    expect(secondsToStep(1.005, 10000)).toBe(10050);
    expect(secondsToStep(1.89, 10000)).toBe(18900);
    expect(secondsToStep(0.00015, 10000)).toBe(2); // between steps: the next one
    expect(secondsToStep(0, 10000)).toBe(0);
  });

  it('the integer time formatter agrees with toFixed', () => {
    for (const decimals of [4, 6, 9]) {
      const f = timeFormatter(10000, decimals);
      for (const step of [0, 1, 9, 10, 999, 1000, 9999, 10000, 18899, 123456789, 4294967295]) {
        expect(f(step)).toBe((step / 10000).toFixed(decimals));
      }
    }
    expect(timeFormatter(3000, 3)(4500)).toBe('1.500');
  });

  it('respects backpressure of a slow output stream', async () => {
    const prefix = path.join(cli.dir, 'bp');
    const events: Array<[number, number]> = [];
    for (let s = 0; s < 300_000; s++) events.push([s, s % 50]);
    writeRanks(prefix, 2, events);
    let received = '';
    const hwm = 1024;
    const queuedBeforeWrite: number[] = [];
    const slow = new Writable({
      highWaterMark: hwm,
      write(chunk: Buffer, _enc, cb) {
        received += chunk.toString();
        setImmediate(cb);
      },
    });
    const origWrite = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      queuedBeforeWrite.push(slow.writableLength);
      return origWrite(chunk);
    }) as typeof slow.write;
    const count = await decodeSpkFiles(expandSpkArgs([prefix]), slow);
    await new Promise((r) => slow.end(r));
    expect(count).toBe(300_000);
    expect(received.split('\n')).toHaveLength(300_001);
    expect(received.endsWith('29.999900 49\n')).toBe(true);
    // Several large pieces, and each was written only once the previous one had drained.
    expect(queuedBeforeWrite.length).toBeGreaterThan(3);
    expect(Math.max(...queuedBeforeWrite)).toBeLessThan(hwm);
  });
});
