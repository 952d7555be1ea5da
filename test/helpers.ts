/** Shared fixtures for engine tests: small configs, temp folders, merged outputs as bytes. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfig } from '../src/config/load.js';
import type { ConfigInput, ExperimentConfig } from '../src/config/schema.js';
import { resolveTask, type ResolvedTask } from '../src/config/task.js';
import { expect } from 'vitest';
import type { RunResult } from '../src/experiments/types.js';
import type { NetworkShape } from '../src/network/topology.js';
import { DEFAULT_FEEDBACK_DELAY_SECONDS, DEFAULT_MODEL_KNOBS } from '../src/model/constants.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { networkShape } from '../src/network/chain.js';
import { mergeSpkFiles, spkRankFiles } from '../src/io/spk.js';

/**
 * A whole NetworkShape for tests that build a topology without a config: the chain builder's shape
 * (network/chain.ts: symmetric feedback, the 0.8 ms feedback delay, the model's knobs and every
 * other default) for the sizes given, then `over`.
 */
export function testShape(over: Partial<NetworkShape> & Pick<NetworkShape, 'nInput' | 'hidden' | 'nOutput'>): NetworkShape {
  const chain = networkShape({
    hidden: over.hidden, feedback: 'symmetric', partial: true, learnHidden: true, feedbackDelaySeconds: DEFAULT_FEEDBACK_DELAY_SECONDS, ...DEFAULT_MODEL_KNOBS,
  }, { nInput: over.nInput, nOutput: over.nOutput });
  return { ...chain, ...over };
}

/**
 * A run result made up for an experiment's judge or figures (nothing was run): the fields given,
 * the costs NaN unless given, every measurement absent (null) and the run's folder ''.
 */
export function madeUpResult(condition: string, seed: number, fields: Partial<RunResult> = {}, config: ConfigInput = {}): RunResult {
  return {
    spec: { condition, seed, config, analysis: {} }, dir: '', curve: [], initialCost: Number.NaN, finalCost: Number.NaN, accuracy: null,
    learnedAtPresentation: null, hiddenRateHz: null, hiddenIsiCv: null, feedbackAllNegative: null, wallSeconds: 1,
    ...fields,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `superspike-${prefix}-`));
}

/** A network small enough for many runs, active enough that every layer spikes and learns. */
export function smallConfig(overrides: Partial<ConfigInput> = {}): ExperimentConfig {
  return validateConfig({
    hidden: [14, 9],
    blocks: 3,
    blockSeconds: 0.2,
    w0: 0.6,
    eta: 5e-3,
    seed: 3,
    task: { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 },
    ...overrides,
  }, 'test config');
}

export async function taskFor(config: ExperimentConfig): Promise<ResolvedTask> {
  return resolveTask(config, { onWarning: () => {} });
}

/** All rank files of one group merged by (time, id), as "time id" records in one buffer. */
export async function mergedSpikes(dir: string, spkName: string): Promise<Buffer> {
  const files = spkRankFiles(path.join(dir, spkName));
  const parts: Buffer[] = [];
  for await (const chunk of mergeSpkFiles(files)) {
    const b = Buffer.alloc(chunk.length * 8);
    for (let i = 0; i < chunk.length; i++) {
      b.writeUInt32LE(chunk.steps[i]!, i * 8);
      b.writeUInt32LE(chunk.ids[i]!, i * 8 + 4);
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}

export function fileBytes(file: string): Buffer {
  return readFileSync(file);
}

/** The groups of smallConfig's two-hidden-layer network, in file names. */
export const SMALL_GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];

/** Merged spikes of every group, the stats file and the network state of a run folder. */
export async function runOutputs(dir: string, groups = SMALL_GROUPS) {
  const spikes: Record<string, Buffer> = {};
  for (const g of groups) spikes[g] = await mergedSpikes(dir, g);
  return { spikes, stats: fileBytes(path.join(dir, 'superspike.stats')), state: fileBytes(path.join(dir, 'superspike.netstate')) };
}

/** Two run folders hold the same merged spikes, stats and state, byte for byte. */
export async function expectSameRun(dir: string, reference: string, label: string, groups = SMALL_GROUPS): Promise<void> {
  const [a, b] = [await runOutputs(dir, groups), await runOutputs(reference, groups)];
  for (const g of groups) expect(a.spikes[g]!.equals(b.spikes[g]!), `${g} spikes, ${label}`).toBe(true);
  expect(a.stats.equals(b.stats), `stats, ${label}`).toBe(true);
  expect(a.state.equals(b.state), `state, ${label}`).toBe(true);
}

/** The built `superspike` binary, which tests of a real process run. */
export const BUILT_CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

/** A test of a real process fails, saying how to build it, where `file` (under dist/) was not built. */
export function expectBuilt(file: string): void {
  if (!existsSync(file)) console.warn(`these tests need ${file}: run npm run build:ts`);
  expect(existsSync(file), `${file} is built`).toBe(true);
}
