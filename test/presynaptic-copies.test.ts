/**
 * Copies of the presynaptic side (network/layout.ts, engine/presynaptic-work.ts): one per process,
 * shared by its threads, or one per thread. The layout places them after everything else and points
 * each local rank at the copy of its thread; `auto` picks per thread up to 2 threads. Whole runs give
 * the same bytes either way — for every feedback mode, recurrent and delayed wiring (a connection's
 * own `pre` trace), both eligibility modes, ranks that outnumber the threads — and a checkpoint of a
 * run with a copy per thread resumes on one copy (and back), equal to the uninterrupted run.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config/schema.js';
import { runExperiment } from '../src/engine/coordinator.js';
import { PRESYNAPTIC_MODES, type PresynapticMode } from '../src/engine/options.js';
import { PER_THREAD_PRESYNAPTIC_MAX_THREADS, presynapticCopiesFor } from '../src/engine/presynaptic-work.js';
import { loadNetworkState } from '../src/engine/state-validate.js';
import { computeLayout, type RankRegion } from '../src/network/layout.js';
import { networkShape } from '../src/network/chain.js';
import { buildTopology } from '../src/network/topology.js';
import { expectSameRun, smallConfig, taskFor, tempDir } from './helpers.js';

const GROUPS = ['multi_stim', 'multi_hidden', 'multi_hidden2', 'output', 'target'];
/** Recurrent, delayed (own pre traces) and skip wiring besides the chain. */
const WIRING: ConfigInput['connections'] = [
  { from: 'hidden1', to: 'hidden1', delaySeconds: 3e-3 },
  { from: 'input', to: 'hidden2', delaySeconds: 1.5e-3 },
  { from: 'hidden2', to: 'output' },
];

/** The presynaptic fields of a rank region: which copy it points at. */
function presynapticFields(region: RankRegion): number[] {
  return [...region.groups.map((g) => g.pre), ...region.connections.flatMap((c) => [c.psp, c.pspLine, c.pEff, c.pre])];
}

/** Everything else of a rank region. */
function otherFields(region: RankRegion): unknown {
  return {
    ...region,
    groups: region.groups.map(({ pre: _pre, ...rest }) => rest),
    connections: region.connections.map(({ psp: _psp, pspLine: _line, pEff: _pEff, pre: _pre, ...rest }) => rest),
  };
}

describe('presynaptic copies: the layout', () => {
  const topology = buildTopology(networkShape(smallConfig({ connections: WIRING, feedback: 'random' }), { nInput: 24, nOutput: 2 }));

  it('gives each copy its own arrays after every rank region and mirror, and each rank the copy of its thread', () => {
    const local = [1, 2, 4];
    const one = computeLayout(topology, 5, local, 1);
    const two = computeLayout(topology, 5, local, 2);
    expect(one.presynapticCopies).toBe(1);
    expect(two.presynapticCopies).toBe(2);
    expect(two.presynapticRegions).toHaveLength(2);
    // Nothing but the presynaptic fields moved: another process computes this one's offsets with one copy.
    for (let r = 0; r < 5; r++) expect(otherFields(two.rankRegions[r]!), `rank ${r}`).toEqual(otherFields(one.rankRegions[r]!));
    expect(two.mirrorBlock).toEqual(one.mirrorBlock);
    expect(two.totalBytes).toBeGreaterThan(one.totalBytes);
    // Thread q of 2 hosts local ranks q, q + 2, …: 1 and 4 share copy 0, 2 has copy 1.
    const [a, b, c] = local.map((r) => presynapticFields(two.rankRegions[r]!));
    expect(a).toEqual(c);
    const nonzero = a!.filter((x) => x !== 0);
    expect(nonzero.length).toBeGreaterThan(5);
    for (let i = 0; i < a!.length; i++) {
      expect(a![i] === 0, `field ${i} present in both copies or neither`).toBe(b![i] === 0);
      if (a![i] !== 0) expect(b![i]).not.toBe(a![i]);
    }
    // Every copy lies after the last rank region's and mirror's arrays.
    const end = Math.max(one.mirrorBlock.end, ...one.rankRegions.flatMap((rr) => [...rr.connections.map((k) => k.kernelRegion), rr.blockScratch]));
    for (const x of [...a!, ...b!].filter((x) => x !== 0)) expect(x).toBeGreaterThan(end);
    // Remote ranks (mirrors) point at no copy.
    for (const r of [0, 3]) expect(presynapticFields(two.rankRegions[r]!).every((x) => x === 0)).toBe(true);
    // At most one copy per local rank; a copy count that is not a positive integer is refused.
    expect(computeLayout(topology, 5, local, 8).presynapticCopies).toBe(3);
    expect(() => computeLayout(topology, 5, local, 0)).toThrow('presynaptic copies must be a positive integer, got 0');
  });

  it('auto: a copy per thread up to 2 threads, one for the process beyond', () => {
    expect(PER_THREAD_PRESYNAPTIC_MAX_THREADS).toBe(2);
    expect([1, 2, 3, 16].map((t) => presynapticCopiesFor('auto', t))).toEqual([1, 2, 1, 1]);
    expect([1, 2, 3, 16].map((t) => presynapticCopiesFor('per-thread', t))).toEqual([1, 2, 3, 16]);
    expect([1, 2, 3, 16].map((t) => presynapticCopiesFor('per-process', t))).toEqual([1, 1, 1, 1]);
  });
});

describe('presynaptic copies: whole runs', () => {
  const cases = [
    { feedback: 'symmetric', eligibility: 'recursive' },
    { feedback: 'random', eligibility: 'blocked' },
    { feedback: 'uniform', eligibility: 'recursive' },
  ] as const;
  it.each(cases)('$feedback feedback, $eligibility eligibility, recurrent and delayed wiring: per thread ≡ per process ≡ 1 rank', async ({ feedback, eligibility }) => {
    const config = smallConfig({ feedback, eligibility, connections: WIRING, blocks: 1 });
    const task = await taskFor(config);
    const reference = tempDir(`pre-${feedback}-1`);
    await runExperiment(config, task, { workers: 1, outDir: reference });
    // 3 ranks on 2 threads (one hosts two) and on 3; 2 ranks on 2.
    for (const [workers, threads] of [[3, 2], [3, 3], [2, 2]] as const) {
      for (const presynaptic of ['per-thread', 'per-process'] as const) {
        const dir = tempDir(`pre-${feedback}-${workers}x${threads}-${presynaptic}`);
        const run = await runExperiment(config, task, { workers, threads, presynaptic, outDir: dir });
        expect(run.info.layout?.presynapticCopies, `${workers} ranks on ${threads} threads, ${presynaptic}`).toBe(presynaptic === 'per-thread' ? threads : 1);
        await expectSameRun(dir, reference, `${workers} ranks on ${threads} threads, ${presynaptic}`, GROUPS);
      }
    }
  });

  it('a checkpoint of a copy per thread resumes on one copy, and back, equal to the uninterrupted run', async () => {
    const config = smallConfig({ feedback: 'random', eligibility: 'blocked', connections: WIRING, blocks: 3 });
    const task = await taskFor(config);
    const whole = tempDir('pre-resume-whole');
    await runExperiment(config, task, { workers: 1, outDir: whole });
    const legs: Array<[PresynapticMode, PresynapticMode]> = [['per-thread', 'per-process'], ['per-process', 'per-thread']];
    for (const [first, second] of legs) {
      const split = tempDir(`pre-resume-${first}`);
      await runExperiment(config, task, { workers: 2, threads: 2, presynaptic: first, outDir: split, stopAfterBlock: 1 });
      const checkpoint = loadNetworkState(path.join(split, 'superspike.checkpoint.netstate'));
      await runExperiment(config, task, { workers: 3, threads: 3, presynaptic: second, outDir: split, resume: checkpoint });
      await expectSameRun(split, whole, `${first} → ${second}`, GROUPS);
    }
  });

  it('refuses a mode it does not know, naming the ones it does', async () => {
    const config = smallConfig({ blocks: 1 });
    const task = await taskFor(config);
    await expect(runExperiment(config, task, { workers: 1, outDir: tempDir('pre-bad'), presynaptic: 'per-core' as PresynapticMode }))
      .rejects.toThrow(`presynaptic must be one of ${PRESYNAPTIC_MODES.join(', ')}, got "per-core"`);
  });
});
