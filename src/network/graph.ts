/**
 * The graph builder: the config's `connections` list (docs/model.md §5.4) checked against the
 * chain's groups and resolved into group indices. The chain (input → hidden 1 → … → output) is
 * always there; an entry either restates a chain connection (to change its initial weight scale
 * or whether it learns) or adds one: a recurrent connection of a hidden layer onto itself, one
 * between hidden layers, or a skip connection (e.g. input → output). Pure; errors are one line.
 */
import { DT_SECONDS, MAX_DELAY_STEPS, MIN_DELAY_STEPS } from '../model/constants.js';

/** One entry of the config's `connections` list, as written (optional keys take the defaults). */
export interface ConnectionSpec {
  from: string;
  to: string;
  /** Multiplies the initial weight scale of the fan-in rule (§5.3); default 1. */
  weightScale?: number | undefined;
  /** Whether the connection learns; default: as the chain connection into the same group. */
  plastic?: boolean | undefined;
  /** Multiplies the learning rate η of its weight updates (§7.5); default 1. */
  etaScale?: number | undefined;
  /** Spike transmission delay (docs/model.md §5.1); default: the 0.8 ms minimum delay. */
  delaySeconds?: number | undefined;
}

/** A connection beyond (or restating) the chain, in topology group indices (0 input, 1…L hidden, L+1 output). */
export interface ConnectionWiring {
  pre: number;
  post: number;
  weightScale: number;
  /** Multiplier of η in its weight updates (1 unless the config says). */
  etaScale: number;
  /** null: as the chain connection into `post`. */
  plastic: boolean | null;
  /** Spike transmission delay in steps (MIN_DELAY_STEPS … MAX_DELAY_STEPS; MIN_DELAY_STEPS unless the config says). */
  delaySteps: number;
}

export class WiringError extends Error {}

/** Group index of a `from`/`to` name: input, hidden (one hidden layer), hidden1…hiddenL, output. */
export function endpointIndex(name: string, hiddenLayers: number): number | null {
  if (name === 'input') return 0;
  if (name === 'output') return hiddenLayers + 1;
  if (name === 'hidden') return hiddenLayers === 1 ? 1 : null;
  const m = /^hidden([1-9][0-9]*)$/.exec(name);
  if (m) {
    const k = Number(m[1]);
    return k <= hiddenLayers ? k : null;
  }
  return null;
}

/** The readable name of group index g in a chain of `hiddenLayers` (inverse of endpointIndex). */
export function endpointName(g: number, hiddenLayers: number): string {
  if (g === 0) return 'input';
  if (g === hiddenLayers + 1) return 'output';
  return hiddenLayers === 1 ? 'hidden' : `hidden${g}`;
}

/** A connection's readable name: `input_to_hidden`, `hidden_to_hidden`, `hidden1_to_hidden2`. */
export function connectionName(pre: number, post: number, hiddenLayers: number): string {
  return `${endpointName(pre, hiddenLayers)}_to_${endpointName(post, hiddenLayers)}`;
}

function names(hiddenLayers: number): string {
  const hidden = hiddenLayers === 1 ? ['hidden'] : Array.from({ length: hiddenLayers }, (_, k) => `hidden${k + 1}`);
  return ['input', ...hidden, 'output'].join(', ');
}

/**
 * Resolves the `connections` list against a chain of `hiddenLayers` hidden layers. Throws a
 * WiringError naming the entry (`connections[i]`) and the problem.
 */
export function resolveWiring(specs: readonly ConnectionSpec[], hiddenLayers: number): ConnectionWiring[] {
  const seen = new Map<string, number>();
  return specs.map((s, i) => {
    const where = `connections[${i}] (${s.from} → ${s.to})`;
    const fail = (why: string): never => {
      throw new WiringError(`${where}: ${why}`);
    };
    const pre = endpointIndex(s.from, hiddenLayers);
    const post = endpointIndex(s.to, hiddenLayers);
    if (pre === null) fail(`no group "${s.from}" (groups: ${names(hiddenLayers)})`);
    if (post === null) fail(`no group "${s.to}" (groups: ${names(hiddenLayers)})`);
    if (pre === hiddenLayers + 1) fail('the output layer sends no spikes to other groups (it is compared with the target)');
    if (post === 0) fail('the input is replayed from a file: nothing connects into it');
    const delaySteps = s.delaySeconds === undefined ? MIN_DELAY_STEPS : checkDelay(s.delaySeconds, `connections[${i}].delaySeconds (${s.from} → ${s.to})`);
    const key = `${pre}>${post}`;
    const before = seen.get(key);
    if (before !== undefined) fail(`connects the same groups as connections[${before}] (one entry per pair)`);
    seen.set(key, i);
    return { pre: pre!, post: post!, weightScale: s.weightScale ?? 1, etaScale: s.etaScale ?? 1, plastic: s.plastic ?? null, delaySteps };
  });
}

/**
 * A delay in seconds as a whole number of steps within [MIN_DELAY_STEPS, MAX_DELAY_STEPS]. The
 * minimum is the exchange interval: a spike must reach every rank before any rank reads it (§10).
 * Not a whole number of steps is an error rather than rounded, so that the delay a config states
 * is the delay that runs.
 */
function checkDelay(seconds: number, where: string): number {
  const ms = (steps: number) => `${Number((steps * DT_SECONDS * 1000).toFixed(1))} ms`;
  const steps = Math.round(seconds / DT_SECONDS);
  if (Math.abs(seconds / DT_SECONDS - steps) > 1e-6 * Math.max(1, steps)) {
    throw new WiringError(`${where}: ${seconds} is not a whole number of ${ms(1)} steps (the simulation step)`);
  }
  if (steps < MIN_DELAY_STEPS) throw new WiringError(`${where}: ${seconds} is below the ${ms(MIN_DELAY_STEPS)} minimum delay (spikes reach other ranks once per ${ms(MIN_DELAY_STEPS)} interval)`);
  if (steps > MAX_DELAY_STEPS) throw new WiringError(`${where}: ${seconds} is above the ${ms(MAX_DELAY_STEPS)} maximum delay`);
  return steps;
}

/** Is pre → post a connection of the chain (input → hidden 1 → … → output)? */
export function isChainPair(pre: number, post: number): boolean {
  return post === pre + 1;
}
