import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { RasFormatError, parseRasText, readRas, sortEvents, writeRas } from '../src/io/ras.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// The paper's Oxford target, shipped with the SSBM stimuli (data/ssbm/README.md).
const oxfordTarget = path.resolve(repoRoot, 'data/ssbm/precise_timing/oxford/target.ras');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superspike-ras-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function parseError(text: string, opts = {}): RasFormatError {
  try {
    parseRasText(text, 'in.ras', opts);
  } catch (err) {
    expect(err).toBeInstanceOf(RasFormatError);
    expect(err).toBeInstanceOf(UserError);
    return err as RasFormatError;
  }
  throw new Error('expected a RasFormatError');
}

describe('parseRasText', () => {
  it('reads events in file order, skipping blank and comment lines, tolerating CRLF and tabs', () => {
    const r = parseRasText('# header\n\n0.5 3\r\n  0.25\t1  \n# more\n0.75 2\n', 'x.ras');
    expect(Array.from(r.times)).toEqual([0.5, 0.25, 0.75]);
    expect(Array.from(r.ids)).toEqual([3, 1, 2]);
    expect(r.maxId).toBe(3);
    expect(r.dropped).toBe(0);
  });

  it('accepts exponents, integral float ids and an empty file', () => {
    const r = parseRasText('1e-3 4.0\n', 'x.ras');
    expect(r.times[0]).toBe(0.001);
    expect(r.ids[0]).toBe(4);
    const empty = parseRasText('', 'x.ras');
    expect(empty.times.length).toBe(0);
    expect(empty.maxId).toBe(-1);
  });

  it.each([
    ['abc 1', /time "abc" is not a number/],
    ['0x10 1', /time "0x10" is not a number/],
    ['0.5', /expected 2 fields/],
    ['0.5 1 2', /expected 2 fields .* found 3/],
    ['-0.5 3', /time -0.5 is negative/],
    ['nan 3', /time is NaN/],
    ['NaN 3', /time is NaN/],
    ['inf 3', /time is infinite/],
    ['-Infinity 3', /time is infinite/],
    ['1e999 3', /infinite/],
    ['0.1 1.5', /neuron id 1.5 is not an integer/],
    ['0.1 -2', /neuron id -2 is negative/],
    ['0.1 abc', /neuron id "abc" is not a number/],
    ['0.1 5000000000', /too large/],
  ])('reports %j with file, line number, content and problem', (bad, problem) => {
    const err = parseError(`# comment\n0.1 1\n\n${bad}\n0.2 2\n`);
    expect(err.line).toBe(4);
    expect(err.file).toBe('in.ras');
    expect(err.content).toBe(bad);
    expect(err.message).toMatch(problem);
    expect(err.message.startsWith('in.ras:4: ')).toBe(true);
    expect(err.message).toContain(`"${bad}"`);
  });

  it('drops out-of-range ids with one warning giving the count and the first line', () => {
    const warnings: string[] = [];
    const r = parseRasText('0.1 0\n0.2 3\n0.3 2\n0.4 7\n0.5 3\n', 'x.ras', {
      size: 3,
      onWarning: (m) => warnings.push(m),
    });
    expect(Array.from(r.ids)).toEqual([0, 2]);
    expect(Array.from(r.times)).toEqual([0.1, 0.3]);
    expect(r.dropped).toBe(3);
    expect(r.maxId).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/x\.ras: dropped 3 events with neuron id >= 3/);
    expect(warnings[0]).toMatch(/first at line 2: "0.2 3"/);
  });

  it('gives no warning when every id is in range', () => {
    const warnings: string[] = [];
    parseRasText('0.1 2\n', 'x.ras', { size: 3, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });

  it('rejects the first out-of-range id with --strict', () => {
    const err = parseError('0.1 0\n0.2 1\n0.3 5\n0.4 6\n', { size: 2, strict: true });
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/neuron id 5 out of range \(group size 2/);
  });
});

describe('readRas (streaming)', () => {
  it('gives the same result as the in-memory parser across chunk boundaries', async () => {
    // ~2.6 MB: several 1 MiB chunks, so lines are split between chunks.
    const lines: string[] = ['# big file'];
    for (let i = 0; i < 200_000; i++) lines.push(`${((i * 7919) % 100_000) / 10_000} ${i % 1234}`);
    const text = `${lines.join('\n')}\n0.5 1`; // no final newline
    const file = path.join(dir, 'big.ras');
    fs.writeFileSync(file, text);
    const streamed = await readRas(file);
    const inMemory = parseRasText(text, file);
    expect(streamed.times.length).toBe(200_001);
    // Byte comparison: a deep equal of 200k elements is slow.
    expect(Buffer.from(streamed.times.buffer).equals(Buffer.from(inMemory.times.buffer))).toBe(true);
    expect(Buffer.from(streamed.ids.buffer).equals(Buffer.from(inMemory.ids.buffer))).toBe(true);
    expect(streamed.ids[200_000]).toBe(1);
  });

  it('names the file and line of an error deep in the file', async () => {
    const file = path.join(dir, 'bad.ras');
    fs.writeFileSync(file, `${'0.1 1\n'.repeat(300_000)}0.2 x\n`);
    await expect(readRas(file)).rejects.toThrow(`${file}:300001: neuron id "x" is not a number: "0.2 x"`);
  });

  it('reports a missing file as a user error', async () => {
    const err = await readRas(path.join(dir, 'missing.ras')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/cannot read spike raster .*missing\.ras/);
  });
});

describe('writeRas', () => {
  it('round-trips times on the 0.1 ms grid exactly and writes comments', async () => {
    const steps = [0, 1, 9, 10_000, 18_899, 123_456_789];
    const times = Float64Array.from(steps, (s) => s * 1e-4);
    const ids = Uint32Array.from([5, 0, 7, 7, 199, 3]);
    const file = path.join(dir, 'out.ras');
    writeRas(file, times, ids, { comments: ['made by a test'] });
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('# made by a test');
    expect(text.split('\n')[2]).toBe('0.000100 0');
    const back = await readRas(file);
    expect(Array.from(back.ids)).toEqual(Array.from(ids));
    expect(Array.from(back.times, (t) => Math.round(t * 1e4))).toEqual(steps);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => writeRas(path.join(dir, 'x.ras'), [1, 2], [1])).toThrow(/2 times but 1 ids/);
  });
});

describe('sortEvents', () => {
  it('orders by time, then id', () => {
    const s = sortEvents(Float64Array.from([0.2, 0.1, 0.2, 0.1]), Uint32Array.from([5, 9, 1, 2]));
    expect(Array.from(s.times)).toEqual([0.1, 0.1, 0.2, 0.2]);
    expect(Array.from(s.ids)).toEqual([2, 9, 1, 5]);
  });
});

describe('the paper’s oxford target.ras (data/ssbm)', () => {
  it('has 10 357 in-range events for 200 neurons and one warning for the 10 with id 200', async () => {
    const warnings: string[] = [];
    const r = await readRas(oxfordTarget, { size: 200, onWarning: (m) => warnings.push(m) });
    expect(r.times.length).toBe(10_357);
    expect(r.dropped).toBe(10);
    expect(r.maxId).toBe(199);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dropped 10 events with neuron id >= 200/);
    expect(warnings[0]).toMatch(/first at line 27: "0.017731 200"/);
  });

  it('is rejected with --strict at line 27', async () => {
    await expect(readRas(oxfordTarget, { size: 200, strict: true })).rejects.toThrow(/:27: neuron id 200 out of range/);
  });
});
