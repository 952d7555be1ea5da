/**
 * A network state is validated in full against its own config before a resume uses it
 * (issue 11 §1): wrong sizes, clocks, ring ids and counts, missing keys and NaNs are one-line
 * errors naming the file and the key path; a valid state passes untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { decodeNetworkState, encodeNetworkState, NetstateError, type NetworkState } from '../src/io/netstate.js';
import { loadNetworkState, scheduleEndStep, validateNetworkState } from '../src/engine/state-validate.js';
import { scheduleFor } from '../src/engine/setup.js';
import { runIdOf } from '../src/io/run-identity.js';
import { smallConfig, taskFor, tempDir } from './helpers.js';

let bytes: Buffer;
const FILE = 'A/superspike.checkpoint.netstate';

beforeAll(async () => {
  const config = smallConfig({ blocks: 2, feedback: 'random' });
  const dir = tempDir('validate');
  const result = await runExperiment(config, await taskFor(config), { workers: 2, outDir: dir, stopAfterBlock: 1 });
  bytes = fs.readFileSync(result.stateFile!);
});

/** A fresh decoded copy to damage. */
function state(): NetworkState {
  return decodeNetworkState(bytes, FILE);
}

function problem(s: unknown): string {
  try {
    validateNetworkState(s, { file: FILE });
  } catch (err) {
    expect(err).toBeInstanceOf(NetstateError);
    const message = (err as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message.startsWith(`${FILE}: `)).toBe(true);
    return message.slice(FILE.length + 2);
  }
  throw new Error('the state was accepted');
}

describe('validateNetworkState', () => {
  it('accepts the state the engine wrote, with rings and error events in it', () => {
    const s = state();
    expect(validateNetworkState(s, { file: FILE })).toBe(s);
    expect(s.groups.some((g) => g.ring.steps.length > 0)).toBe(true);
  });

  it('the end step matches the coordinator schedule', async () => {
    const s = state();
    const config = smallConfig({ blocks: 2, feedback: 'random' });
    expect(scheduleEndStep(config, s.task)).toBe(scheduleFor(config, await taskFor(config)).endStep);
  });

  it('a config saying 16 hidden with arrays for 14 (run id forged to match, so the sizes are what is caught)', () => {
    const s = state();
    (s.config as { hidden: number[] }).hidden = [16, 9];
    s.runId = runIdOf({ config: s.config, task: s.task });
    expect(problem(s)).toMatch(/^groups\[1\]\.v: has 14 values, the hidden group \(multi_hidden\) has 16$/);
  });

  it('an edited η, blocks count or replay period is refused: the run id no longer matches', () => {
    const edits: Array<(s: NetworkState) => void> = [
      (s) => { (s.config as { eta: number }).eta *= 2; },
      (s) => { (s.config as { blocks: number }).blocks += 1; },
      (s) => { s.task.target.periodSteps += 10; },
    ];
    for (const edit of edits) {
      const s = state();
      edit(s);
      expect(problem(s)).toMatch(/^runId: [0-9a-f]{12} does not match the state's own config and replay tables: the state was edited/);
    }
  });

  it('a flipped bit anywhere in the file is refused by the checksum, naming the file', () => {
    expect(state().checksum).toMatch(/^[0-9a-f]{64}$/);
    for (const at of [20, Math.floor(bytes.length / 2), bytes.length - 100]) {
      const damaged = Buffer.from(bytes);
      damaged[at]! ^= 0x04;
      let message = '';
      try {
        decodeNetworkState(damaged, FILE);
      } catch (err) {
        message = (err as Error).message;
      }
      // A flip may also break the msgpack structure itself; either way a one-line refusal.
      expect(message, `bit flipped at byte ${at}`).toMatch(new RegExp(`^${FILE}: (checksum|not a readable msgpack file|not a superspike network state|state version)`));
    }
  });

  it('missing keys', () => {
    const s = state() as unknown as Record<string, unknown>;
    delete s.groups;
    expect(problem(s)).toBe('groups: missing');
    const t = state();
    delete (t.connections[1] as { el?: Float32Array }).el;
    expect(problem(t)).toBe('connections[1].el: missing');
    const u = state() as unknown as Record<string, unknown>;
    delete u.task;
    expect(problem(u)).toBe('task: missing');
  });

  it('5000 events in one ring slot, ids beyond the group, steps outside the last interval', () => {
    const s = state();
    const clock = s.clock;
    s.groups[1]!.ring = { steps: new Int32Array(5000).fill(clock - 1), ids: Uint32Array.from({ length: 5000 }, (_, i) => i % 14) };
    expect(problem(s)).toMatch(/^groups\[1\]\.ring\[14\]: events are not in strictly ascending \(step, id\) order/);
    const t = state();
    t.groups[1]!.ring = { steps: Int32Array.of(clock - 1), ids: Uint32Array.of(1_000_000) };
    expect(problem(t)).toBe('groups[1].ring.ids[0]: 1000000 is not below the group size 14');
    const u = state();
    u.groups[0]!.ring = { steps: Int32Array.of(clock + 5), ids: Uint32Array.of(1) };
    expect(problem(u)).toMatch(/^groups\[0\]\.ring\.steps\[0\]: \d+ is outside the last interval/);
  });

  it('replay ids out of range and unsorted replay tables', () => {
    const s = state();
    s.task.input.ids[0] = 1_000_000;
    expect(problem(s)).toMatch(/^task\.input\.ids\[0\]: 1000000 is not below the group size 24$/);
    const t = state();
    const steps = t.task.target.steps;
    [steps[0], steps[1]] = [steps[1]!, steps[0]!];
    if (steps[0] !== steps[1]) expect(problem(t)).toMatch(/^task\.target\[1\]: events are not in strictly ascending/);
  });

  it('clock and statsLines out of range, NaN weights, wrong array types', () => {
    const s = state();
    s.clock = 2 ** 31;
    expect(problem(s)).toMatch(/^clock: 2147483648 is outside 0\.\.\d+$/);
    const t = state();
    t.statsLines = 99;
    expect(problem(t)).toBe('statsLines: 99 is outside 0..3');
    const u = state();
    u.connections[0]!.w[3] = NaN;
    expect(problem(u)).toBe('connections[0].w[3]: NaN is not a finite number');
    const v = state();
    (v.connections[0] as unknown as { w: number[] }).w = Array.from(v.connections[0]!.w);
    expect(problem(v)).toBe('connections[0].w: must be a Float32Array');
  });

  it('a bad config inside the state names the file and the key', () => {
    const s = state();
    (s.config as { feedback: string }).feedback = 'sideways';
    expect(problem(s)).toMatch(/^config: feedback: /);
    const t = state();
    (t.config as { hidden: number[] }).hidden = [25_000_000];
    expect(problem(t)).toMatch(/hidden\[0\] = 25000000 neurons is above the limit/);
  });

  it('loadNetworkState validates, so a resume never sees a damaged state', () => {
    const s = state();
    s.groups[1]!.v = new Float32Array(8);
    const file = path.join(tempDir('validate-load'), 'bad.netstate');
    fs.writeFileSync(file, encodeNetworkState(s));
    expect(() => loadNetworkState(file)).toThrow(`${file}: groups[1].v: has 8 values, the hidden group (multi_hidden) has 14`);
  });
});
