/**
 * Full validation of a decoded network state against the sizes its own config implies, before
 * anything of it reaches shared memory or any output file is touched. A resume trusts nothing
 * in the file: array types and lengths per group and connection, replay tables (sorted, ids in
 * range), clock range, ring contents (ids < group size, strictly ascending (step, id) within the
 * last exchange interval, so no ring slot can hold more events than its rank's capacity for any
 * rank count), stats line count, finiteness of every float, required keys. Each problem is a
 * one-line NetstateError naming the file and the key path.
 */
import { validateConfig } from '../config/load.js';
import { checkConfigLimits } from '../config/limits.js';
import type { ExperimentConfig } from '../config/schema.js';
import { buildTopology, type ConnectionInfo, type Topology } from '../network/topology.js';
import { networkShape } from '../network/chain.js';
import { MIN_DELAY_STEPS, secondsToSteps } from '../model/constants.js';
import { runIdOf } from '../io/run-identity.js';
import { NETSTATE_FORMAT, NETSTATE_VERSIONS_READ, NetstateError, readNetworkStateFile, type NetworkState } from '../io/netstate.js';

/** What the caller knows about the state it reads. */
export interface NetstateExpectation {
  /** Names the file in messages. */
  file: string;
}

type TypedArrayCtor = Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor;

class Checker {
  constructor(private readonly file: string) {}

  fail(key: string, problem: string): never {
    throw new NetstateError(this.file, `${key}: ${problem}`);
  }

  object(value: unknown, key: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(key, value === undefined ? 'missing' : 'must be an object');
    return value as Record<string, unknown>;
  }

  integer(value: unknown, key: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(key, value === undefined ? 'missing' : 'must be an integer');
    if (value < min || value > max) this.fail(key, `${value} is outside ${min}..${max}`);
    return value;
  }

  /** A typed array of exactly `length` elements (any length when undefined); floats finite. */
  array<T extends Float32Array | Int32Array | Uint32Array>(value: unknown, key: string, ctor: TypedArrayCtor, length?: number, why = ''): T {
    if (value === undefined) this.fail(key, 'missing');
    if (!(value instanceof ctor)) this.fail(key, `must be a ${ctor.name}`);
    const a = value as T;
    if (length !== undefined && a.length !== length) this.fail(key, `has ${a.length} values, ${why || 'the config needs'} ${length}`);
    if (a instanceof Float32Array) {
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) this.fail(`${key}[${i}]`, `${a[i]} is not a finite number`);
    }
    return a;
  }
}

/** End of the run in steps, as the coordinator's computeSchedule has it (docs/model.md §8). */
export function scheduleEndStep(config: ExperimentConfig, task: NetworkState['task']): number {
  const blockSteps = secondsToSteps(config.blockSeconds);
  const trainingEnd = blockSteps + config.blocks * blockSteps;
  const period = task.target.periodSteps || task.input.periodSteps;
  if (period > 0) return Math.ceil(trainingEnd / period) * period + period;
  const last = (s: Int32Array) => (s.length ? s[s.length - 1]! : 0);
  return trainingEnd + Math.max(last(task.target.steps), last(task.input.steps)) + 1;
}

function checkTable(c: Checker, value: unknown, key: string, size: number): void {
  const t = c.object(value, key);
  const steps = c.array<Int32Array>(t.steps, `${key}.steps`, Int32Array);
  const ids = c.array<Uint32Array>(t.ids, `${key}.ids`, Uint32Array, steps.length, `${key}.steps has`);
  const period = c.integer(t.periodSteps, `${key}.periodSteps`, 0, 0x7fffffff);
  for (let e = 0; e < steps.length; e++) {
    const s = steps[e]!;
    if (s < 0 || (period > 0 && s >= period)) c.fail(`${key}.steps[${e}]`, `${s} is outside 0..${period > 0 ? period - 1 : 0x7fffffff}`);
    if (ids[e]! >= size) c.fail(`${key}.ids[${e}]`, `${ids[e]} is not below the group size ${size}`);
    if (e > 0 && (s < steps[e - 1]! || (s === steps[e - 1]! && ids[e]! <= ids[e - 1]!))) {
      c.fail(`${key}[${e}]`, 'events are not in strictly ascending (step, id) order');
    }
  }
}

/**
 * A ring: events of the last `history` steps before `clock` (MIN_DELAY, or a group's longest
 * spike delay), strictly ascending, ids < size.
 */
function checkRing(c: Checker, value: unknown, key: string, size: number, clock: number, history: number, withValues: boolean): void {
  const r = c.object(value, key);
  const steps = c.array<Int32Array>(r.steps, `${key}.steps`, Int32Array);
  const ids = c.array<Uint32Array>(r.ids, `${key}.ids`, Uint32Array, steps.length, `${key}.steps has`);
  if (withValues) c.array(r.values, `${key}.values`, Float32Array, steps.length, `${key}.steps has`);
  const from = Math.max(0, clock - history);
  const span = history === MIN_DELAY_STEPS ? 'the last interval' : `the last ${history} steps`;
  for (let e = 0; e < steps.length; e++) {
    const s = steps[e]!;
    if (s < from || s >= clock) c.fail(`${key}.steps[${e}]`, `${s} is outside ${span} ${from}..${clock - 1} before clock ${clock}`);
    if (ids[e]! >= size) c.fail(`${key}.ids[${e}]`, `${ids[e]} is not below the group size ${size}`);
    if (e > 0 && (s < steps[e - 1]! || (s === steps[e - 1]! && ids[e]! <= ids[e - 1]!))) {
      c.fail(`${key}[${e}]`, 'events are not in strictly ascending (step, id) order (a neuron spikes at most once per step)');
    }
  }
}

function checkConnection(c: Checker, value: unknown, key: string, info: ConnectionInfo, topology: Topology, clock: number): void {
  const s = c.object(value, key);
  const syn = info.nPre * info.nPost;
  c.array(s.w, `${key}.w`, Float32Array, syn, `${info.nPre}×${info.nPost} synapses need`);
  if (info.plastic) {
    for (const f of ['el', 'elFlt', 'elSum', 'grad2']) c.array(s[f], `${key}.${f}`, Float32Array, syn, `${info.nPre}×${info.nPost} synapses need`);
    for (const f of ['err', 'errIn', 'errTrace', 'errFiltered', 'avgSqErr']) c.array(s[f], `${key}.${f}`, Float32Array, info.nPost, `${info.nPost} post neurons need`);
    c.array(s.sigmaLine, `${key}.sigmaLine`, Float32Array, info.delaySteps * info.nPost, `a delay of ${info.delaySteps} steps × ${info.nPost} needs`);
    c.array(s.psp, `${key}.psp`, Float32Array, info.nPre, `${info.nPre} pre neurons need`);
    c.array(s.pspLine, `${key}.pspLine`, Float32Array, info.delaySteps * info.nPre, `a delay of ${info.delaySteps} steps × ${info.nPre} needs`);
    if (info.ownPreTrace) c.array(s.pre, `${key}.pre`, Float32Array, info.nPre, `its own pre trace (spike delay ${info.spikeDelaySteps} steps) of ${info.nPre} pre neurons needs`);
  }
  if (info.regulariser) c.array(s.hom, `${key}.hom`, Float32Array, info.nPost, `${info.nPost} post neurons need`);
  if (info.feedback?.mode === 'random') {
    const nOut = topology.shape.nOutput;
    c.array(s.feedbackB, `${key}.feedbackB`, Float32Array, nOut * info.nPost, `${nOut}×${info.nPost} feedback weights need`);
  }
  if (info.emitsErrorEvents) checkRing(c, s.events, `${key}.events`, info.nPost, clock, MIN_DELAY_STEPS, true);
}

/**
 * Checks `state` (as decoded) in full and returns it typed; throws a one-line NetstateError
 * naming `expected.file` and the key path of the first problem.
 */
export function validateNetworkState(state: unknown, expected: NetstateExpectation): NetworkState {
  const file = expected.file;
  const c: Checker = new Checker(file); // annotated: lets c.fail() narrow types
  const s = c.object(state, '(top level)');
  if (s.format !== NETSTATE_FORMAT) c.fail('format', `not a superspike network state (expected "${NETSTATE_FORMAT}")`);
  if (!NETSTATE_VERSIONS_READ.includes(s.version as number)) c.fail('version', `${String(s.version)} is not supported (this build reads ${NETSTATE_VERSIONS_READ.join(' and ')})`);
  if (s.runId !== undefined && (typeof s.runId !== 'string' || !/^[0-9a-f]{8,64}$/.test(s.runId))) c.fail('runId', 'must be a hex string');

  let config: ExperimentConfig;
  try {
    config = validateConfig(c.object(s.config, 'config'), `${file} config`);
    checkConfigLimits(config, `${file} config`);
  } catch (err) {
    if (err instanceof NetstateError) throw err;
    throw new NetstateError(file, (err as Error).message.replace(`${file} config: `, 'config: '));
  }

  const task = c.object(s.task, 'task');
  const nInput = c.integer(task.nInput, 'task.nInput', 1, 2 ** 24);
  const nOutput = c.integer(task.nOutput, 'task.nOutput', 1, 2 ** 24);
  if (config.nInput !== undefined && config.nInput !== nInput) c.fail('task.nInput', `${nInput} differs from the config's nInput ${config.nInput}`);
  if (config.nOutput !== undefined && config.nOutput !== nOutput) c.fail('task.nOutput', `${nOutput} differs from the config's nOutput ${config.nOutput}`);
  c.integer(task.gridSteps, 'task.gridSteps', 0, 0x7fffffff);
  if (typeof task.description !== 'string') c.fail('task.description', 'must be a string');
  checkTable(c, task.input, 'task.input', nInput);
  checkTable(c, task.target, 'task.target', nOutput);
  const typedTask = task as unknown as NetworkState['task'];
  // The id is a digest of config and tables (io/run-identity.ts): recomputed, it catches an edit
  // of either (η, blocks, a period) that kept the file well-formed.
  if (typeof s.runId === 'string' && runIdOf({ config: s.config, task: typedTask }) !== s.runId) {
    c.fail('runId', `${s.runId.slice(0, 12)} does not match the state's own config and replay tables: the state was edited; resume from an unaltered state`);
  }

  const endStep = scheduleEndStep(config, typedTask);
  const clock = c.integer(s.clock, 'clock', 0, Math.min(endStep, 0x7fffffff));
  c.integer(s.statsLines, 'statsLines', 0, config.blocks + 1);

  const topology = buildTopology(networkShape(config, { nInput, nOutput }));
  const groups = s.groups;
  if (!Array.isArray(groups)) c.fail('groups', groups === undefined ? 'missing' : 'must be an array');
  if (groups.length !== topology.groups.length) c.fail('groups', `has ${groups.length} entries, the config's network has ${topology.groups.length} groups`);
  topology.groups.forEach((g, gi) => {
    const key = `groups[${gi}]`;
    const gs = c.object(groups[gi], key);
    const why = `the ${g.role} group (${g.spkName}) has`;
    if (g.kind === 'lif') {
      c.array(gs.v, `${key}.v`, Float32Array, g.size, why);
      c.array(gs.i, `${key}.i`, Float32Array, g.size, why);
      const ref = c.array<Int32Array>(gs.ref, `${key}.ref`, Int32Array, g.size, why);
      for (let k = 0; k < ref.length; k++) if (ref[k]! < 0) c.fail(`${key}.ref[${k}]`, `${ref[k]} is negative`);
    }
    if (g.presynaptic) c.array(gs.pre, `${key}.pre`, Float32Array, g.size, why);
    checkRing(c, gs.ring, `${key}.ring`, g.size, clock, g.historySteps, false);
  });
  const connections = s.connections;
  if (!Array.isArray(connections)) c.fail('connections', connections === undefined ? 'missing' : 'must be an array');
  if (connections.length !== topology.connections.length) {
    c.fail('connections', `has ${connections.length} entries, the config's network has ${topology.connections.length} connections`);
  }
  topology.connections.forEach((info, ci) => checkConnection(c, connections[ci], `connections[${ci}]`, info, topology, clock));
  return state as NetworkState;
}

/**
 * Reads, decodes and fully validates a state file against its own config (validateNetworkState below):
 * whatever the file holds, the result is safe to restore or a one-line NetstateError.
 */
export function loadNetworkState(file: string): NetworkState {
  return validateNetworkState(readNetworkStateFile(file), { file });
}
