/**
 * Property-based tests (fast-check) of the readers a user can feed anything (issue 11): .ras,
 * .spk, config and network-state files. Arbitrary input never fails with anything but a
 * one-line UserError, and valid input round-trips. Runs are kept modest (~200) for speed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../src/config/load.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { UserError } from '../src/errors.js';
import { decodeNetworkState, encodeNetworkState, type NetworkState } from '../src/io/netstate.js';
import { validateNetworkState } from '../src/engine/state-validate.js';
import { parseRasText, readRas, writeRas } from '../src/io/ras.js';
import { readSpkAll, SpkWriter } from '../src/io/spk.js';
import { smallConfig, taskFor, tempDir } from './helpers.js';

const RUNS = 200;

/** Runs `f`; a throw must be a UserError with a one-line message. */
function onlyUserErrors(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof UserError)) throw new Error(`not a UserError: ${(err as Error)?.stack ?? String(err)}`);
    expect(err.message).not.toMatch(/[\n\r]/);
  }
}

async function onlyUserErrorsAsync(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (err) {
    if (!(err instanceof UserError)) throw new Error(`not a UserError: ${(err as Error)?.stack ?? String(err)}`);
    expect(err.message).not.toMatch(/[\n\r]/);
  }
}

/** Text that looks a bit like a raster, with arbitrary junk mixed in. */
const rasLike = fc.array(
  fc.oneof(
    fc.tuple(fc.double({ noNaN: false }), fc.integer()).map(([t, i]) => `${t} ${i}`),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('# comment', '', '  ', '1e400 3', '0x10 1', '1 2 3', '-0 0', '0.5 4294967296', '\t0.25\t7\r'),
  ),
  { maxLength: 30 },
).map((lines) => lines.join('\n'));

describe('.ras reader', () => {
  it('arbitrary text: events or a one-line UserError', () => {
    fc.assert(fc.property(rasLike, fc.option(fc.nat(50)), fc.boolean(), (text, size, strict) => {
      onlyUserErrors(() => parseRasText(text, 'x.ras', { size: size ?? undefined, strict, onWarning: () => {} }));
    }), { numRuns: RUNS });
  });

  it('arbitrary bytes from a file: the same', async () => {
    const dir = tempDir('prop-ras');
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      const file = path.join(dir, 'x.ras');
      fs.writeFileSync(file, bytes);
      await onlyUserErrorsAsync(() => readRas(file, { onWarning: () => {} }));
    }), { numRuns: RUNS });
  });

  it('written events read back exactly (6 decimals)', async () => {
    const dir = tempDir('prop-ras-rt');
    const events = fc.array(fc.tuple(fc.integer({ min: 0, max: 10 ** 9 }), fc.nat()), { maxLength: 50 });
    await fc.assert(fc.asyncProperty(events, async (ev) => {
      const times = ev.map(([micros]) => micros / 1e6);
      const ids = ev.map(([, id]) => id);
      const file = path.join(dir, 'rt.ras');
      writeRas(file, times, ids, { comments: ['round trip'] });
      const back = await readRas(file);
      expect(Array.from(back.ids)).toEqual(ids);
      expect(Array.from(back.times)).toEqual(times.map((t) => Number(t.toFixed(6))));
    }), { numRuns: RUNS });
  });
});

describe('.spk reader', () => {
  it('arbitrary bytes: records or a one-line UserError', () => {
    const dir = tempDir('prop-spk');
    const header = Buffer.from([0x10, 0x27, 0, 0, 0x14, 0x30, 0x2a, 0x11]); // 10000, tag 287960084
    fc.assert(fc.property(fc.boolean(), fc.uint8Array({ maxLength: 200 }), (withHeader, body) => {
      const file = path.join(dir, 'x.spk');
      fs.writeFileSync(file, withHeader ? Buffer.concat([header, body]) : body);
      onlyUserErrors(() => readSpkAll(file));
    }), { numRuns: RUNS });
  });

  it('written spikes read back exactly', () => {
    const dir = tempDir('prop-spk-rt');
    const spikes = fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 100 }).map((a) => a.sort((x, y) => x[0] - y[0]));
    fc.assert(fc.property(spikes, fc.integer({ min: 8, max: 64 }), (ev, bufferBytes) => {
      const file = path.join(dir, 'rt.spk');
      const w = new SpkWriter(file, { bufferBytes });
      for (const [s, id] of ev) w.push(s, id);
      w.close();
      const back = readSpkAll(file);
      expect(Array.from(back.steps)).toEqual(ev.map((e) => e[0]));
      expect(Array.from(back.ids)).toEqual(ev.map((e) => e[1]));
    }), { numRuns: RUNS });
  });
});

describe('config reader', () => {
  it('arbitrary JSON and arbitrary text: a config or a one-line UserError', () => {
    const dir = tempDir('prop-config');
    const file = path.join(dir, 'c.json');
    const keys = fc.constantFrom('hidden', 'blocks', 'feedback', 'task', 'eta', 'name', 'seed', 'feedbackDelaySeconds', 'nInput', 'maxMemoryGiB', 'gridSeconds');
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.array(fc.integer({ min: -3, max: 30_000_000 }), { maxLength: 70 }), fc.double());
    const configLike = fc.dictionary(keys, value, { maxKeys: 5 });
    fc.assert(fc.property(fc.oneof(configLike.map((o) => JSON.stringify(o)), fc.string({ unit: 'binary', maxLength: 60 }), fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null')), (text) => {
      fs.writeFileSync(file, text);
      onlyUserErrors(() => loadConfig(file));
    }), { numRuns: RUNS });
  });

  it('a valid config round-trips through its file', () => {
    const dir = tempDir('prop-config-rt');
    const file = path.join(dir, 'c.json');
    const valid = fc.record({
      hidden: fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 4 }),
      blocks: fc.nat(100),
      feedback: fc.constantFrom('symmetric', 'random', 'uniform'),
      eta: fc.double({ min: 1e-6, max: 1, noNaN: true }),
      seed: fc.nat(),
      name: fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
      task: fc.record({ text: fc.constantFrom('AB', 'HELLO 1'), scale: fc.integer({ min: 1, max: 4 }) }),
    });
    fc.assert(fc.property(valid, (raw) => {
      fs.writeFileSync(file, JSON.stringify(raw));
      expect(loadConfig(file).config).toEqual(validateConfig(raw, 'x'));
    }), { numRuns: RUNS });
  });
});

describe('network-state reader', () => {
  let valid: Buffer;
  beforeAll(async () => {
    const config = smallConfig({ blocks: 1, hidden: [5], task: { text: 'A', scale: 1, inputNeurons: 6, inputRateHz: 20, taskSeed: 5 } });
    const result = await runExperiment(config, await taskFor(config), { workers: 1, outDir: tempDir('prop-state'), stopAfterBlock: 1 });
    valid = fs.readFileSync(result.stateFile!);
  });

  const read = (bytes: Uint8Array) => validateNetworkState(decodeNetworkState(bytes, 's.netstate'), { file: 's.netstate' });

  it('a valid state round-trips byte for byte', () => {
    const state = read(valid);
    expect(Buffer.compare(encodeNetworkState(state), valid)).toBe(0);
  });

  it('arbitrary bytes and arbitrary msgpack values: a state or a one-line UserError', () => {
    const packr = new Packr({ useRecords: false, moreTypes: true, structuredClone: false });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.anything({ maxDepth: 3 }).map((v) => new Uint8Array(packr.pack(v)))), (bytes) => {
      onlyUserErrors(() => read(bytes));
    }), { numRuns: RUNS });
  });

  it('flipped bytes and damaged fields of a valid state: a state or a one-line UserError', () => {
    const fields = ['clock', 'statsLines', 'groups', 'connections', 'task', 'config'] as const;
    const damage = fc.oneof(
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }).map((flips) => (b: Buffer) => {
        const c = Buffer.from(b);
        for (const [at, v] of flips) c[at % c.length] = v;
        return c;
      }),
      fc.tuple(fc.constantFrom(...fields), fc.anything({ maxDepth: 2 })).map(([key, v]) => (b: Buffer) => {
        const s = decodeNetworkState(b) as unknown as Record<string, unknown>;
        s[key] = v;
        return encodeNetworkState(s as unknown as NetworkState);
      }),
      fc.tuple(fc.nat(), fc.nat(), fc.double()).map(([ci, at, x]) => (b: Buffer) => {
        const s = decodeNetworkState(b);
        const conn = s.connections[ci % s.connections.length]!;
        conn.w[at % conn.w.length] = x;
        return encodeNetworkState(s);
      }),
    );
    fc.assert(fc.property(damage, (f) => {
      onlyUserErrors(() => read(f(valid)));
    }), { numRuns: RUNS });
  });
});
