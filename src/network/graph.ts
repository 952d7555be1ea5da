/**
 * The graph builder: the config's `connections` list (docs/model.md §5.4) checked against the
 * chain's groups and resolved into group indices. The chain (input → hidden 1 → … → output) is
 * always there; an entry either restates a chain connection (to change its initial weight scale
 * or whether it learns) or adds one: a recurrent connection of a hidden layer onto itself, one
 * between hidden layers, or a skip connection (e.g. input → output). Pure; errors are one line.
 */
import { DT_SECONDS, MIN_DELAY_STEPS } from '../model/constants.js';

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
  /** Spike transmission delay; default and, for now, the only value: the 0.8 ms minimum delay. */
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
    if (s.delaySeconds !== undefined) {
      const steps = Math.round(s.delaySeconds / DT_SECONDS);
      const minMs = MIN_DELAY_STEPS * DT_SECONDS * 1000;
      if (steps < MIN_DELAY_STEPS) fail(`delaySeconds ${s.delaySeconds} is below the ${minMs} ms minimum delay (spikes reach other ranks once per ${minMs} ms interval)`);
      if (steps > MIN_DELAY_STEPS) fail(`delaySeconds ${s.delaySeconds}: only the ${minMs} ms minimum delay is supported (every connection transmits after one exchange interval)`);
    }
    const key = `${pre}>${post}`;
    const before = seen.get(key);
    if (before !== undefined) fail(`connects the same groups as connections[${before}] (one entry per pair)`);
    seen.set(key, i);
    return { pre: pre!, post: post!, weightScale: s.weightScale ?? 1, etaScale: s.etaScale ?? 1, plastic: s.plastic ?? null };
  });
}

/** Is pre → post a connection of the chain (input → hidden 1 → … → output)? */
export function isChainPair(pre: number, post: number): boolean {
  return post === pre + 1;
}
