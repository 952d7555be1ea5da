import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import {
  SPK_TAG,
  SpkFormatError,
  SpkReader,
  SpkWriter,
  mergeSpkFiles,
  readSpkAll,
  readSpkHeader,
  truncateSpkAfter,
} from '../src/io/spk.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superspike-spk-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Raw little-endian records, header included: [step, id, step, id, ...]. */
function rawFile(name: string, words: number[], extraBytes = 0): string {
  const buf = Buffer.alloc(words.length * 4 + extraBytes);
  words.forEach((w, i) => buf.writeUInt32LE(w, i * 4));
  const file = path.join(dir, name);
  fs.writeFileSync(file, buf);
  return file;
}

function pairs(steps: Uint32Array, ids: Uint32Array): Array<[number, number]> {
  return Array.from(steps, (s, i) => [s, ids[i]!]);
}

/** Deterministic little generator for test data (not the simulator's RNG on purpose). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SpkWriter / SpkReader round trip', () => {
  it('writes the Auryn header and little-endian records, and reads them back', () => {
    const file = path.join(dir, 'a.spk');
    const w = new SpkWriter(file, { bufferBytes: 24 }); // 3 records: forces many flushes
    w.push(0, 7);
    w.pushMany(3, Uint32Array.from([1, 2, 5, 99]), 3); // only the first 3
    w.push(3, 0xffffffff);
    w.pushMany(10, [4, 4], 2);
    expect(w.records).toBe(7);
    w.close();
    w.close(); // idempotent

    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(8 * 8);
    expect(bytes.readUInt32LE(0)).toBe(10000);
    expect(bytes.readUInt32LE(4)).toBe(287960084);
    expect(bytes.readUInt32LE(8)).toBe(0);
    expect(bytes.readUInt32LE(12)).toBe(7);

    const all = readSpkAll(file);
    expect(all.header).toEqual({ stepsPerSecond: 10000, tag: SPK_TAG, records: 7, bytes: 64 });
    expect(pairs(all.steps, all.ids)).toEqual([
      [0, 7],
      [3, 1],
      [3, 2],
      [3, 5],
      [3, 0xffffffff],
      [10, 4],
      [10, 4],
    ]);
  });

  it('an empty run is a header-only file', () => {
    const file = path.join(dir, 'empty.spk');
    new SpkWriter(file).close();
    expect(fs.statSync(file).size).toBe(8);
    expect(readSpkAll(file).steps.length).toBe(0);
  });

  it('buffers: only the header reaches the file until the buffer is full or flushed, and only whole records', () => {
    const file = path.join(dir, 'b.spk');
    const w = new SpkWriter(file, { bufferBytes: 8 * 100 + 5 }); // rounded down to 100 records
    // The header is on disk at creation: a run killed now leaves a valid, empty file.
    expect(fs.statSync(file).size).toBe(8);
    expect(readSpkAll(file).header.records).toBe(0);
    for (let i = 0; i < 100; i++) w.push(i, i); // 100 records: still buffered
    expect(fs.statSync(file).size).toBe(8);
    w.push(100, 100); // buffer full: the first 100 records go out, this one waits
    expect(fs.statSync(file).size).toBe(8 * 101);
    w.push(101, 1);
    w.flush();
    expect(fs.statSync(file).size).toBe(8 * 103); // header + 102 records
    w.flush(true); // durable flush of an empty buffer is fine
    w.close();
    expect(readSpkAll(file).header.records).toBe(102);
  });

  it('a full disk is one line naming the file (ENOSPC, via /dev/full)', () => {
    if (!fs.existsSync('/dev/full')) throw new Error('this test needs /dev/full (Linux)');
    expect(() => new SpkWriter('/dev/full')).toThrow(new UserError('cannot write /dev/full: no space left on the device (ENOSPC)'));
  });

  it('a 0-byte rank file (an older build killed before its first write) reads as empty and resumes', () => {
    const file = path.join(dir, 'empty.spk');
    fs.writeFileSync(file, '');
    expect(readSpkAll(file).header.records).toBe(0);
    expect(truncateSpkAfter(file, 1000)).toBe(0);
    expect(fs.statSync(file).size).toBe(8); // given its header
    const w = new SpkWriter(file, { append: true });
    w.push(1000, 3);
    w.close();
    expect(Array.from(readSpkAll(file).ids)).toEqual([3]);
  });

  it('streams a file larger than one chunk, chunk by chunk', () => {
    const file = path.join(dir, 'c.spk');
    const w = new SpkWriter(file);
    const n = 50_000;
    for (let i = 0; i < n; i++) w.push(i >> 2, i & 3);
    w.close();
    const reader = new SpkReader(file, { chunkRecords: 4096 });
    let count = 0;
    let chunks = 0;
    let ok = true;
    for (const c of reader) {
      chunks++;
      expect(c.length).toBeLessThanOrEqual(4096);
      for (let i = 0; i < c.length; i++, count++) {
        if (c.steps[i] !== count >> 2 || c.ids[i] !== (count & 3)) ok = false;
      }
    }
    expect(ok).toBe(true);
    expect(count).toBe(n);
    expect(chunks).toBe(Math.ceil(n / 4096));
  });

  it('seekStep enters the file at the first record of a step', () => {
    const file = path.join(dir, 'd.spk');
    const w = new SpkWriter(file);
    for (const s of [1, 1, 4, 4, 4, 9]) w.push(s, s * 10);
    w.close();
    const r = new SpkReader(file);
    r.seekStep(2);
    expect(Array.from(r.read()!.steps)).toEqual([4, 4, 4, 9]);
    r.seekStep(10);
    expect(r.read()).toBeNull();
    r.close();
  });

  it('refuses decreasing steps when writing', () => {
    const w = new SpkWriter(path.join(dir, 'e.spk'));
    w.push(5, 1);
    expect(() => w.push(4, 1)).toThrow(/step 4 after step 5/);
    expect(() => w.pushMany(3, [1], 1)).toThrow(/time-ordered/);
    w.close();
  });
});

describe('appending and truncating (resume)', () => {
  it('appends after the existing records without a second header', () => {
    const file = path.join(dir, 'r.spk');
    const w1 = new SpkWriter(file);
    w1.push(1, 1);
    w1.push(2, 2);
    w1.close();
    const w2 = new SpkWriter(file, { append: true, bufferBytes: 8 });
    expect(w2.records).toBe(2);
    expect(() => w2.push(1, 9)).toThrow(/step 1 after step 2/); // continues the order check
    w2.push(2, 3);
    w2.push(5, 0);
    expect(w2.records).toBe(4);
    w2.close();
    const all = readSpkAll(file);
    expect(pairs(all.steps, all.ids)).toEqual([
      [1, 1],
      [2, 2],
      [2, 3],
      [5, 0],
    ]);
  });

  it('append to a missing file creates it with a header', () => {
    const file = path.join(dir, 'new.spk');
    const w = new SpkWriter(file, { append: true });
    w.push(3, 3);
    w.close();
    expect(readSpkHeader(file).records).toBe(1);
  });

  it('append refuses a foreign file', () => {
    const file = rawFile('foreign.spk', [10000, 12345]);
    expect(() => new SpkWriter(file, { append: true })).toThrow(SpkFormatError);
  });

  it('truncateSpkAfter keeps exactly the records before a step, and cuts a partial record', () => {
    const file = path.join(dir, 't.spk');
    const w = new SpkWriter(file);
    for (const s of [0, 2, 2, 5, 5, 5, 8]) w.push(s, s);
    w.close();
    fs.appendFileSync(file, Buffer.from([1, 2, 3])); // an interrupted write
    expect(truncateSpkAfter(file, 5)).toBe(3);
    expect(Array.from(readSpkAll(file).steps)).toEqual([0, 2, 2]);
    expect(truncateSpkAfter(file, 100)).toBe(3); // nothing at or after: unchanged
    expect(truncateSpkAfter(file, 0)).toBe(0);
    expect(fs.statSync(file).size).toBe(8);
  });
});

describe('header and damage checks', () => {
  it('accepts any Auryn tag of the 287960xxx family', () => {
    const file = rawFile('old.spk', [10000, 287960052, 3, 1]);
    expect(readSpkHeader(file)).toMatchObject({ tag: 287960052, records: 1 });
  });

  it.each([
    ['a foreign tag', [10000, 287961000, 1, 1], /not an Auryn spike file: header tag 287961000/],
    ['a text file', [0x2e302030, 0x0a312030], /not an Auryn spike file/],
    ['zero steps per second', [0, SPK_TAG], /0 steps per second/],
  ])('rejects %s, naming the file', (_what, words, problem) => {
    const file = rawFile('bad.spk', words);
    const err = (() => {
      try {
        new SpkReader(file);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SpkFormatError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(problem);
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
  });

  it('rejects a file too short for a header', () => {
    const file = rawFile('short.spk', [], 5);
    expect(() => readSpkHeader(file)).toThrow(/5 bytes, too short for the 8-byte header/);
  });

  it('reports a truncated final record with the byte counts', () => {
    const file = rawFile('trunc.spk', [10000, SPK_TAG, 1, 1, 2, 2], 3);
    expect(() => new SpkReader(file)).toThrow(SpkFormatError);
    expect(() => readSpkAll(file)).toThrow(
      `${file}: truncated final record: file is 27 bytes, not a multiple of 8; the last 3 bytes are a partial record`,
    );
  });

  it('reports decreasing times with the record number', () => {
    const file = rawFile('order.spk', [10000, SPK_TAG, 5, 1, 6, 1, 4, 2]);
    expect(() => readSpkAll(file)).toThrow(/record 3 \(byte 24\) has time step 4, earlier than the previous record's 6/);
  });

  it('reports a missing file as a user error', () => {
    expect(() => new SpkReader(path.join(dir, 'none.spk'))).toThrow(/cannot open spike file/);
  });
});

describe('mergeSpkFiles', () => {
  /** Three rank files with round-robin ownership, like the simulator writes them. */
  function makeRanks(n: number, seed: number): { files: string[]; union: Array<[number, number]> } {
    const rnd = lcg(seed);
    const union: Array<[number, number]> = [];
    const files = [0, 1, 2].map((r) => path.join(dir, `m.${r}.spk`));
    const writers = files.map((f) => new SpkWriter(f, { bufferBytes: 64 }));
    let step = 0;
    for (let i = 0; i < n; i++) {
      step += rnd() < 0.5 ? 0 : Math.floor(rnd() * 3);
      // A few neurons fire per step; each id belongs to rank id % 3.
      const ids = new Set<number>();
      const k = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < k; j++) ids.add(Math.floor(rnd() * 30));
      for (const id of [...ids].sort((a, b) => a - b)) {
        writers[id % 3]!.push(step, id);
        union.push([step, id]);
      }
    }
    for (const w of writers) w.close();
    union.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { files, union };
  }

  async function collect(files: string[], opts = {}): Promise<Array<[number, number]>> {
    const out: Array<[number, number]> = [];
    for await (const c of mergeSpkFiles(files, opts)) {
      for (let i = 0; i < c.length; i++) out.push([c.steps[i]!, c.ids[i]!]);
    }
    return out;
  }

  it('merging 3 rank files gives the sorted union', async () => {
    const { files, union } = makeRanks(3000, 42);
    expect(union.length).toBeGreaterThan(5000);
    // Small chunks and batches so that every boundary case is crossed.
    const merged = await collect(files, { chunkRecords: 7, batchRecords: 13 });
    expect(merged).toEqual(union);
    // The file order does not matter.
    expect(await collect([files[2]!, files[0]!, files[1]!])).toEqual(union);
  });

  it('applies a step window [fromStep, toStep)', async () => {
    const { files, union } = makeRanks(500, 7);
    const merged = await collect(files, { fromStep: 100, toStep: 300, chunkRecords: 5 });
    expect(merged).toEqual(union.filter(([s]) => s >= 100 && s < 300));
    expect(merged.length).toBeGreaterThan(0);
  });

  it('sorts ids within a step even when a file lists them out of order', async () => {
    const a = rawFile('x.0.spk', [10000, SPK_TAG, 1, 9, 1, 3, 2, 1]);
    const b = rawFile('x.1.spk', [10000, SPK_TAG, 1, 4, 3, 0]);
    expect(await collect([a, b])).toEqual([
      [1, 3],
      [1, 4],
      [1, 9],
      [2, 1],
      [3, 0],
    ]);
  });

  it('validates every header before yielding anything', async () => {
    const good = rawFile('g.spk', [10000, SPK_TAG, 1, 1]);
    const bad = rawFile('b.spk', [10000, SPK_TAG, 1, 1], 1);
    await expect(collect([good, bad])).rejects.toThrow(/b\.spk: truncated final record/);
    const other = rawFile('o.spk', [1000, SPK_TAG, 1, 1]);
    await expect(collect([good, other])).rejects.toThrow(/cannot merge/);
  });
});
