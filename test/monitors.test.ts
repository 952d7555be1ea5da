/**
 * State monitors (`run --record`, docs/monitors.md): the syntax and its one-line errors, merged
 * files byte-identical for 1, 2 and 3 workers and after a resume, and values that agree with the
 * model and with the spike files (rest potential before any input, σ′ = surrogate of V, rate
 * bins = spike counts, weights after training = the saved state).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../src/engine/coordinator.js';
import { planMonitors } from '../src/engine/monitor-plan.js';
import { computeSchedule } from '../src/engine/schedule.js';
import { buildTopology } from '../src/network/topology.js';
import { UserError } from '../src/errors.js';
import { decodeSpikes } from '../src/index.js';
import { findMonitorRankFiles, mergeMonitorRankFiles, parseMergedMonitor } from '../src/io/monitor-files.js';
import { findAurynMonitors, readAurynMonitor } from '../src/export/auryn-monitors.js';
import { readRunInfo } from '../src/io/run-info.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { E_REST_VOLTS, STEPS_PER_SECOND } from '../src/model/constants.js';
import { surrogateDerivative } from '../src/model/surrogate.js';
import { captureCli } from './cli-capture.js';
import { mergedSpikes, smallConfig, taskFor, tempDir, testShape } from './helpers.js';

const cli = captureCli('monitors', { onlyDuringRun: true });

const RECORD = [
  'membrane:hidden:0-13@all', 'current:output', 'sigma:hidden:0-13@all', 'error:multi_hidden2:0-8', 'eligibility:output:0-0,3-1,8-5,2-2',
  'rate:hidden@all', 'rate:multi_stim@all', 'weights:output@all', 'auryn',
];
const SUFFIXES = ['membrane', 'current', 'sigma', 'error', 'eligibility', 'rate', 'weights'];

/** Every monitor merged: superspike's rank files as text, the auryn set's series (no headers) as their numbers. */
function mergedAll(dir: string): Map<string, string> {
  const sets = findMonitorRankFiles(dir, SUFFIXES);
  const merged = new Map([...sets].sort(([a], [b]) => a.localeCompare(b)).map(([key, files]) => [key, mergeMonitorRankFiles(files)]));
  if (!fs.existsSync(path.join(dir, 'run.json'))) return merged;
  const info = readRunInfo(dir);
  for (const m of findAurynMonitors(dir, info).sort((a, b) => `${a.kind}.${a.group}`.localeCompare(`${b.kind}.${b.group}`))) {
    const s = readAurynMonitor(m, info);
    merged.set(`auryn ${m.kind}.${m.group}`, `${s.unit} ${s.columnIds.join(' ')}\n${[...s.times].join(' ')}\n${[...s.values].join(' ')}\n`);
  }
  return merged;
}

describe('--record syntax', () => {
  const topology = buildTopology(testShape({ nInput: 24, hidden: [14, 9], nOutput: 9 }));
  const schedule = computeSchedule({ blockSeconds: 2, blocks: 3, eta: 1e-3, periodSteps: 1000, lastEventStep: 900 });
  const plan = (...specs: string[]) => planMonitors(specs, topology, schedule, { everySteps: 10, rateBinSteps: 100 });

  it('resolves groups by name or role, ids, pairs and windows', () => {
    const [m] = plan('membrane:hidden:0-2,7');
    expect(m).toMatchObject({ kind: 'membrane', spkName: 'multi_hidden', ids: [0, 1, 2, 7], everySteps: 10 });
    // tests: the first second of each block after the burn-in, and the final loop period.
    expect(m!.windows).toEqual([[20000, 30000], [40000, 50000], [60000, 70000], [80000, 81000]]);
    expect(schedule.endStep).toBe(81000);
    expect(plan('current:output')[0]!.ids).toEqual([0, 1, 2, 3]);
    expect(plan('eligibility:output:3-1,0-0')[0]!.pairs).toEqual([[0, 0], [3, 1]]);
    expect(plan('weights:multi_hidden2@all')[0]!).toMatchObject({ connection: 1, windows: [[0, schedule.endStep]] });
    expect(plan('weights:multi_hidden2')[0]!.pairs.length).toBe(14 * 9);
    expect(plan('rate:target@0.1-0.25')[0]!).toMatchObject({ everySteps: 100, windows: [[1000, 2500]] });
    // Auryn's SuperSpike example: its file names, output neurons 0-1 and hidden neurons 0-7, every step
    // of the first second of the run and of each block; rate and 20 weights of each connection every 0.1 s.
    const auryn = plan('auryn');
    const neuron = (prefix: string, i: number, current: boolean) => [
      `${prefix}${i}.err`, `${prefix}${i}.par`, ...(current ? [`${prefix}${i}.syn`] : []), `${prefix}${i}.mem`,
    ];
    expect(auryn.map((p) => `${p.aurynName}.${p.suffix}`)).toEqual([
      'hidden.prate', ...neuron('multi', 0, true), ...neuron('multi', 1, true),
      ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => neuron('multi_hidden', i, false)), 'hidden_con0.syn', 'con.syn',
    ]);
    const mem = auryn.find((p) => p.aurynName === 'multi_hidden7' && p.suffix === 'mem')!;
    expect(mem).toMatchObject({ kind: 'membrane', spkName: 'multi_hidden', ids: [7], everySteps: 1 });
    expect(mem.windows).toEqual([[0, 10000], [20000, 30000], [40000, 50000], [60000, 70000]]);
    expect(auryn[0]).toMatchObject({ kind: 'rate', spkName: 'multi_hidden', everySteps: 1000, windows: [[0, schedule.endStep]] });
    const con = auryn.find((p) => p.aurynName === 'con')!;
    expect(con).toMatchObject({ kind: 'weights', spkName: 'output', connection: 2, everySteps: 1000, windows: [[0, schedule.endStep]] });
    // add_equally_spaced(20) over the 9 × 9 matrix stored by pre: data indices ⌊i · 81 / 20⌋.
    expect(con.pairs).toEqual(Array.from({ length: 20 }, (_, i) => Math.floor((i * 81) / 20)).map((k) => [Math.floor(k / 9), k % 9]));
    expect(auryn.find((p) => p.aurynName === 'hidden_con0')!.pairs.length).toBe(20);
    expect(plan('auryn@all')[1]!.windows).toEqual([[0, schedule.endStep]]);
  });

  it.each([
    ['voltage:output', /unknown kind "voltage"/],
    ['membrane', /expected KIND:GROUP/],
    ['membrane:nowhere', /no group "nowhere"/],
    ['membrane:input', /replayed from a file/],
    ['membrane:output:9', /id 9 is outside the group \(size 9\)/],
    ['membrane:output:3-1', /runs backwards/],
    ['membrane:output:a', /not N or N-M/],
    ['eligibility:output:1', /not PRE-POST/],
    ['eligibility:output:9-0', /presynaptic id 9 is outside/],
    ['rate:output:1', /no ids/],
    ['membrane:output@sometimes', /window "sometimes"/],
    ['membrane:output@2-1', /is empty/],
  ])('%s is a one-line UserError', (spec, message) => {
    let error: unknown;
    try {
      plan(spec);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(JSON.stringify(spec));
    expect((error as Error).message).not.toContain('\n');
  });

  it('the same kind twice in a group is an error', () => {
    expect(() => plan('membrane:output:1', 'membrane:output:2')).toThrow(/recorded twice/);
  });

  it('the CLI exits 1 with one line for a bad --record', async () => {
    expect(await cli.run('run', '--record', 'membrane:output:99', '--blocks', '1', '--block-seconds', '0.1', '-q', '-o', path.join(cli.dir, 'bad'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: --record "membrane:output:99": id 99 is outside the group \(size \d+\)\n$/);
  });
});

describe('recorded state', () => {
  const config = smallConfig({ record: RECORD });
  const dirs: Record<number, string> = {};
  beforeAll(async () => {
    const task = await taskFor(config);
    for (const workers of [1, 2, 3]) {
      dirs[workers] = tempDir(`monitors-w${workers}`);
      await runExperiment(config, task, { workers, outDir: dirs[workers] });
    }
  }, 120_000);

  it('merges to the same bytes for 1, 2 and 3 workers', () => {
    const one = mergedAll(dirs[1]!);
    expect([...one.keys()]).toEqual([
      'multi_hidden.membrane', 'multi_hidden.rate', 'multi_hidden.sigma', 'multi_hidden2.error', 'multi_stim.rate', 'output.current',
      'output.eligibility', 'output.weights',
      'auryn current.output', 'auryn error.multi_hidden', 'auryn error.output', 'auryn membrane.multi_hidden', 'auryn membrane.output',
      'auryn rate.multi_hidden', 'auryn sigma.multi_hidden', 'auryn sigma.output', 'auryn weights.multi_hidden', 'auryn weights.output',
    ]);
    for (const text of one.values()) expect(text.split('\n').length).toBeGreaterThan(3);
    for (const workers of [2, 3]) {
      const many = mergedAll(dirs[workers]!);
      expect([...many.keys()]).toEqual([...one.keys()]);
      for (const [key, text] of one) expect(many.get(key), `${key} with ${workers} workers`).toBe(text);
      // Each rank wrote only what it owns.
      expect(fs.readFileSync(path.join(dirs[workers]!, 'multi_hidden.membrane.1'), 'utf8').split('\n')[1]).toBe(
        `# columns ${Array.from({ length: 14 }, (_, k) => k).filter((k) => k % workers === 1).join(' ')}`,
      );
    }
  });

  it('membrane starts at rest, σ′ is the surrogate of V', () => {
    const dir = dirs[2]!;
    const v = parseMergedMonitor(mergeMonitorRankFiles(findMonitorRankFiles(dir, SUFFIXES).get('multi_hidden.membrane')!), 'v');
    const s = parseMergedMonitor(mergeMonitorRankFiles(findMonitorRankFiles(dir, SUFFIXES).get('multi_hidden.sigma')!), 's');
    expect(v.columns).toEqual(Array.from({ length: 14 }, (_, k) => String(k)));
    expect(v.times[0]).toBe(0);
    // Files hold the shortest decimal of each float32: reading back through fround gives the bits.
    for (let k = 0; k < 14; k++) expect(Math.fround(v.values[k]!)).toBe(E_REST_VOLTS); // nothing has arrived at step 0
    expect(new Set(v.values).size).toBeGreaterThan(100); // and then it moves
    expect([...s.times]).toEqual([...v.times]);
    for (let k = 0; k < v.values.length; k++) expect(Math.fround(s.values[k]!)).toBe(surrogateDerivative(Math.fround(v.values[k]!)));
  });

  it('rate bins hold the spike counts of the .spk files', async () => {
    for (const group of ['multi_hidden', 'multi_stim']) {
      const dir = dirs[3]!;
      const r = parseMergedMonitor(mergeMonitorRankFiles(findMonitorRankFiles(dir, SUFFIXES).get(`${group}.rate`)!), group);
      const size = group === 'multi_hidden' ? 14 : 24;
      const spikes = await decodeSpikes(path.join(dir, group));
      const steps = Array.from(spikes.times, (t) => Math.round(t * STEPS_PER_SECOND));
      let total = 0;
      for (let b = 0; b < r.times.length; b++) {
        const from = Math.round(r.times[b]! * STEPS_PER_SECOND);
        const count = steps.filter((n) => n >= from && n < from + 100).length;
        expect(r.values[b]! * size * 0.01, `${group} bin at ${r.times[b]} s`).toBeCloseTo(count, 9);
        total += count;
      }
      expect(total).toBeGreaterThan(0);
      // Bins tile the whole run from 0 up to the last complete one.
      expect(r.times[0]).toBe(0);
      expect(total).toBe(steps.filter((n) => n < Math.round(r.times[r.times.length - 1]! * STEPS_PER_SECOND) + 100).length);
    }
  });

  it('weights sampled after training equal the saved weights', () => {
    const dir = dirs[2]!;
    const w = parseMergedMonitor(mergeMonitorRankFiles(findMonitorRankFiles(dir, SUFFIXES).get('output.weights')!), 'w');
    const state = loadNetworkState(path.join(dir, 'superspike.netstate'));
    const trainingEnd = 0.2 + 3 * 0.2;
    const last = w.times.length - 1;
    expect(w.times[last]).toBeGreaterThanOrEqual(trainingEnd); // frozen replay: no update since
    const saved = state.connections[2]!.w; // pre-major: w[pre * nPost + post]
    expect(w.columns.length).toBe(9 * 9);
    w.columns.forEach((key, c) => {
      const [pre, post] = key.split('-').map(Number);
      expect(Math.fround(w.values[last * 81 + c]!)).toBe(saved[pre! * 9 + post!]);
    });
  });

  it('recording changes no result: spikes and final state equal those of a run without monitors', async () => {
    const task = await taskFor(config);
    const plain = tempDir('monitors-none');
    await runExperiment({ ...config, record: undefined }, task, { workers: 2, outDir: plain });
    expect(mergedAll(plain).size).toBe(0);
    for (const group of ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output']) {
      expect((await mergedSpikes(plain, group)).equals(await mergedSpikes(dirs[2]!, group)), group).toBe(true);
    }
    const a = loadNetworkState(path.join(plain, 'superspike.netstate'));
    const b = loadNetworkState(path.join(dirs[2]!, 'superspike.netstate'));
    for (let c = 0; c < a.connections.length; c++) expect(b.connections[c]!.w).toEqual(a.connections[c]!.w);
  }, 60_000);

  it('a run stopped and resumed records the same', async () => {
    const task = await taskFor(config);
    const split = tempDir('monitors-split');
    await runExperiment(config, task, { workers: 2, outDir: split, stopAfterBlock: 2 });
    await runExperiment(config, task, { workers: 2, outDir: split, resume: loadNetworkState(path.join(split, 'superspike.checkpoint.netstate')) });
    const whole = mergedAll(dirs[1]!);
    const resumed = mergedAll(split);
    for (const [key, text] of whole) expect(resumed.get(key), key).toBe(text);
  }, 60_000);
});
