/**
 * State monitors (`run --record KIND:GROUP[:IDS][@WINDOW]`, config key `record`): the syntax,
 * parsed and checked against the network once, into plain plans every rank receives as is
 * (structured-cloneable). What a rank does with a plan is in monitors.ts; the file format in
 * io/monitor-files.ts. Pure: no threads, no files. Every mistake is a one-line UserError.
 *
 *   KIND    membrane | current | sigma | error | eligibility | rate | weights
 *   GROUP   a group's file name (multi_hidden, output, …) or its role (input, hidden, output, target);
 *           weights and eligibility also take a connection's name (hidden_to_hidden, input_to_output):
 *           its files are then `<connection>.<kind>.<rank>` (the plain group form means the chain
 *           connection into the group)
 *   IDS     neurons `0-4,9` (default 0-3); for eligibility and weights synapses `pre-post,…`
 *           (eligibility default: pre 0-3 onto post 0; weights default: all)
 *   WINDOW  tests (default: the first second of every block and the final replay) | all | FROM-TO (s)
 *   auryn[@WINDOW]  the set the public SuperSpike simulation records (docs/monitors.md)
 */
import { UserError } from '../errors.js';
import { DT_SECONDS, WEIGHT_UPDATE_STEPS, secondsToSteps } from '../model/constants.js';
import { finalWindow, testWindows, type Schedule } from './schedule.js';
import type { Topology } from '../network/topology.js';

export const MONITOR_KINDS = ['membrane', 'current', 'sigma', 'error', 'eligibility', 'rate', 'weights'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];

/** Unit of each kind's values in the files (rate rank files hold spike counts; merged: Hz). */
export const MONITOR_UNITS: Record<MonitorKind, string> = {
  membrane: 'V', current: 'V', sigma: '1/V', error: '1', eligibility: '1', rate: 'Hz', weights: '1',
};

/** One monitor, resolved against the network: identical on every rank. */
export interface MonitorPlan {
  kind: MonitorKind;
  /** File suffix: the kind's name, or Auryn's extension for the `auryn` set. */
  suffix: string;
  group: number;
  spkName: string;
  groupSize: number;
  /** Connection into the group (error, eligibility, weights), else −1. */
  connection: number;
  /** Neuron ids (membrane, current, sigma, error), ascending. */
  ids: number[];
  /** Synapses as [pre, post] (eligibility, weights), ascending by pre then post. */
  pairs: Array<[number, number]>;
  /** Half-open step ranges [from, to), ascending and disjoint. */
  windows: Array<[number, number]>;
  /** Sample every this many steps (rate: the bin length). */
  everySteps: number;
  /**
   * The `auryn` set: Auryn's file base name (`multi0`, `multi_hidden3`, `hidden`, `con`,
   * `hidden_con0`); the rank files are then `<aurynName>.<rank>.<suffix>` in Auryn's own text
   * format (io/auryn-monitor-files.ts). Null for every other monitor.
   */
  aurynName: string | null;
}

export interface MonitorDefaults {
  /** Sampling interval of membrane, current, sigma, error and eligibility. */
  everySteps: number;
  /** Bin of rate monitors. */
  rateBinSteps: number;
}

const NEURON_KINDS: ReadonlySet<MonitorKind> = new Set(['membrane', 'current', 'sigma', 'error']);
const DEFAULT_NEURONS = 4;

/** Plans of every `--record` string; the same kind twice in one group is an error (one file each). */
export function planMonitors(specs: readonly string[], topology: Topology, schedule: Schedule, defaults: MonitorDefaults): MonitorPlan[] {
  const plans: MonitorPlan[] = [];
  for (const spec of specs) plans.push(...planOne(spec, topology, schedule, defaults));
  const seen = new Set<string>();
  for (const p of plans) {
    const key = `${p.aurynName ?? p.spkName}.${p.suffix}`;
    if (seen.has(key)) throw new UserError(`--record: ${p.kind} of ${p.spkName} is recorded twice (one monitor per kind and group)`);
    seen.add(key);
  }
  return plans;
}

/** Milliseconds to a positive whole number of steps, or a UserError naming the option. */
export function msToSteps(ms: number, option: string): number {
  const steps = secondsToSteps(ms / 1000);
  if (!(steps >= 1) || Math.abs(steps * DT_SECONDS * 1000 - ms) > 1e-9 * Math.max(1, ms)) {
    // Named in seconds, as the flags take them (--record-every-seconds).
    throw new UserError(`${option} ${ms / 1000}: must be a positive multiple of ${DT_SECONDS} s (one step)`);
  }
  return steps;
}

function planOne(spec: string, topology: Topology, schedule: Schedule, defaults: MonitorDefaults): MonitorPlan[] {
  const fail = (why: string): never => {
    throw new UserError(`--record ${JSON.stringify(spec)}: ${why}`);
  };
  const at = spec.lastIndexOf('@');
  const body = at < 0 ? spec : spec.slice(0, at);
  const windows = parseWindow(at < 0 ? 'tests' : spec.slice(at + 1), schedule, fail);
  if (body === 'auryn') return aurynSet(topology, at < 0 ? aurynWindows(schedule) : windows, schedule.endStep);
  const parts = body.split(':');
  if (parts.length < 2 || parts.length > 3) fail('expected KIND:GROUP[:IDS][@WINDOW] or auryn[@WINDOW]');
  const kind = parts[0] as MonitorKind;
  if (!MONITOR_KINDS.includes(kind)) fail(`unknown kind "${parts[0]}" (one of ${MONITOR_KINDS.join(', ')})`);
  // weights/eligibility of a named connection (`hidden_to_hidden`): files named after it.
  const named = kind === 'weights' || kind === 'eligibility' ? topology.connections.find((c) => c.name === parts[1]) : undefined;
  const group = named === undefined ? findGroup(parts[1]!, topology, fail) : named.postGroup;
  const info = topology.groups[group]!;
  const idsText = parts[2];
  const connection = named !== undefined ? named.index : group > 0 && info.kind === 'lif' ? group - 1 : -1;
  if ((NEURON_KINDS.has(kind) || kind === 'eligibility' || kind === 'weights') && info.kind !== 'lif') {
    fail(`${info.spkName} is replayed from a file: it has no ${kind} (only rate)`);
  }
  if ((kind === 'error' || kind === 'eligibility') && !topology.connections[connection]!.plastic) {
    fail(`the connection ${named?.name ?? `into ${info.spkName}`} does not learn: it has no ${kind}`);
  }
  if (kind === 'eligibility' && topology.shape.eligibility === 'blocked') {
    // A sample completes the pending block early, which would change the rounding (docs/model.md §7.7).
    fail('eligibility monitors need "eligibility": "recursive" (with blocked eligibility a sample would change the results)');
  }
  const plan: MonitorPlan = {
    kind, suffix: kind, group, spkName: named?.name ?? info.spkName, groupSize: info.size, connection: NEURON_KINDS.has(kind) && kind !== 'error' ? -1 : connection,
    ids: [], pairs: [], windows, everySteps: defaults.everySteps, aurynName: null,
  };
  if (kind === 'rate') {
    if (idsText !== undefined) fail('rate is of the whole group: no ids');
    plan.connection = -1;
    plan.everySteps = defaults.rateBinSteps;
  } else if (NEURON_KINDS.has(kind)) {
    plan.ids = idsText === undefined ? range(Math.min(DEFAULT_NEURONS, info.size)) : parseIds(idsText, info.size, fail);
  } else {
    const nPre = topology.connections[connection]!.nPre;
    if (idsText !== undefined) plan.pairs = parsePairs(idsText, nPre, info.size, fail);
    else if (kind === 'eligibility') plan.pairs = range(Math.min(DEFAULT_NEURONS, nPre)).map((p) => [p, 0]);
    else plan.pairs = allPairs(nPre, info.size);
    if (kind === 'weights') plan.everySteps = WEIGHT_UPDATE_STEPS;
  }
  return [plan];
}

/**
 * What Auryn's SuperSpike example (pub2018superspike, sim/sim_symfb.cpp) records, under its file
 * names: output neurons 0–1 and hidden neurons 0–7 — membrane (`multi<i>.mem`,
 * `multi_hidden<i>.mem`), σ′ (`.par`), filtered error (`.err`), and for the output neurons the
 * synaptic current (`multi<i>.syn`) — every step inside the test windows; the hidden population
 * rate (`hidden.prate`, 0.1 s bins, whole run); and 20 equally spaced weights of the connection
 * into the output layer (`con.syn`) and into the first hidden layer (`hidden_con0.syn`) every
 * 0.1 s of the whole run.
 */
function aurynSet(topology: Topology, windows: Array<[number, number]>, endStep: number): MonitorPlan[] {
  const plans: MonitorPlan[] = [];
  const hidden = topology.groups.find((g) => g.role === 'hidden');
  const output = topology.groups[topology.outputGroup]!;
  const whole: Array<[number, number]> = [[0, endStep]];
  const base = (g: number, kind: MonitorKind, suffix: string, aurynName: string): MonitorPlan => ({
    kind, suffix, group: g, spkName: topology.groups[g]!.spkName, groupSize: topology.groups[g]!.size,
    connection: -1, ids: [], pairs: [], windows, everySteps: 1, aurynName,
  });
  if (hidden) plans.push({ ...base(hidden.index, 'rate', 'prate', 'hidden'), windows: whole, everySteps: AURYN_SAMPLE_STEPS });
  for (const [g, count, prefix, current] of [[output, 2, 'multi', true], [hidden, 8, 'multi_hidden', false]] as const) {
    if (!g) continue;
    const plastic = topology.connections[g.index - 1]!.plastic;
    for (let i = 0; i < Math.min(count, g.size); i++) {
      const name = `${prefix}${i}`;
      if (plastic) plans.push({ ...base(g.index, 'error', 'err', name), connection: g.index - 1, ids: [i] });
      plans.push({ ...base(g.index, 'sigma', 'par', name), ids: [i] });
      if (current) plans.push({ ...base(g.index, 'current', 'syn', name), ids: [i] });
      plans.push({ ...base(g.index, 'membrane', 'mem', name), ids: [i] });
    }
  }
  const weights = (g: number, name: string): MonitorPlan => {
    const into = topology.connections[g - 1]!;
    return { ...base(g, 'weights', 'syn', name), connection: into.index, pairs: equallySpaced(into.nPre, topology.groups[g]!.size, AURYN_WEIGHT_SAMPLES), windows: whole, everySteps: AURYN_SAMPLE_STEPS };
  };
  if (hidden) plans.push(weights(hidden.index, 'hidden_con0'));
  plans.push(weights(output.index, 'con'));
  return plans;
}

/** Auryn's population rate bin and weight sampling interval in the example: 0.1 s. */
const AURYN_SAMPLE_STEPS = secondsToSteps(0.1);
/** `WeightMonitor::add_equally_spaced(20)` in the example. */
const AURYN_WEIGHT_SAMPLES = 20;

/**
 * The synapses `add_equally_spaced(n)` picks on one rank: data indices ⌊i·nz/n⌋ of the matrix
 * stored row by row (pre, then post), nz = nPre·nPost. Picked over the whole connection, so
 * every worker count records the same synapses (Auryn picks per rank: the same on one rank).
 */
export function equallySpaced(nPre: number, nPost: number, n: number): Array<[number, number]> {
  const nz = nPre * nPost;
  const count = Math.min(n, nz);
  return Array.from({ length: count }, (_, i): [number, number] => {
    const k = Math.floor((i * nz) / count);
    return [Math.floor(k / nPost), k % nPost];
  });
}

/** Auryn's recording time: the first second of the run, and of every block (`record_for(test_time)`). */
function aurynWindows(schedule: Schedule): Array<[number, number]> {
  const windows = testWindows(schedule, schedule.endStep).map((w): [number, number] => [w.fromStep, w.toStep]);
  windows.push([0, Math.min(schedule.testWindowSteps, schedule.endStep)]);
  return mergeRanges(windows);
}

function findGroup(name: string, topology: Topology, fail: (why: string) => never): number {
  const byName = topology.groups.find((g) => g.spkName === name);
  if (byName) return byName.index;
  const byRole = topology.groups.find((g) => g.role === name);
  if (byRole) return byRole.index;
  return fail(`no group "${name}" (groups: ${topology.groups.map((g) => g.spkName).join(', ')}; weights and eligibility also take a connection: ${topology.connections.map((c) => c.name).join(', ')})`);
}

function parseWindow(text: string, schedule: Schedule, fail: (why: string) => never): Array<[number, number]> {
  if (text === 'all') return [[0, schedule.endStep]];
  if (text === 'tests') {
    const windows = testWindows(schedule, schedule.endStep).map((w): [number, number] => [w.fromStep, w.toStep]);
    const last = finalWindow(schedule);
    windows.push([last.fromStep, last.toStep]);
    return mergeRanges(windows);
  }
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) return fail(`window "${text}" is not tests, all or FROM-TO in seconds`);
  const from = secondsToSteps(Number(m[1]));
  const to = secondsToSteps(Number(m[2]));
  if (to <= from) fail(`window "${text}" is empty`);
  return [[from, Math.min(to, schedule.endStep)]];
}

function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function parseIds(text: string, size: number, fail: (why: string) => never): number[] {
  const ids = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) fail(`ids "${part}" is not N or N-M`);
    const a = Number(m![1]);
    const b = m![2] === undefined ? a : Number(m![2]);
    if (b < a) fail(`ids "${part}": range runs backwards`);
    if (b >= size) fail(`id ${b} is outside the group (size ${size})`);
    for (let k = a; k <= b; k++) ids.add(k);
  }
  return [...ids].sort((x, y) => x - y);
}

function parsePairs(text: string, nPre: number, nPost: number, fail: (why: string) => never): Array<[number, number]> {
  const keys = new Map<string, [number, number]>();
  for (const part of text.split(',')) {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (!m) fail(`synapse "${part}" is not PRE-POST`);
    const pre = Number(m![1]);
    const post = Number(m![2]);
    if (pre >= nPre) fail(`presynaptic id ${pre} is outside the layer (size ${nPre})`);
    if (post >= nPost) fail(`postsynaptic id ${post} is outside the group (size ${nPost})`);
    keys.set(`${pre}-${post}`, [pre, post]);
  }
  return [...keys.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}

function allPairs(nPre: number, nPost: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let pre = 0; pre < nPre; pre++) for (let post = 0; post < nPost; post++) pairs.push([pre, post]);
  return pairs;
}

/**
 * Bytes the monitor files of these plans will hold at the end of the run (all ranks together),
 * for limits and `inspect`: per sample a time stamp and one value per column, at the widest the
 * writers print them (io/monitor-files.ts: up to 9 significant digits, sign, exponent).
 */
export function monitorDiskBytes(plans: readonly MonitorPlan[]): number {
  const TIME_CHARS = 12;
  const VALUE_CHARS = 16;
  let bytes = 0;
  for (const plan of plans) {
    let samples = 0;
    for (const [from, to] of plan.windows) samples += Math.floor((to - from) / plan.everySteps);
    const columns = plan.kind === 'rate' ? 1 : plan.ids.length + plan.pairs.length;
    bytes += samples * (TIME_CHARS + columns * VALUE_CHARS);
  }
  return bytes;
}
