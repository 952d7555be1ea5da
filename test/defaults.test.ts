/**
 * One source of defaults: what a bare `run` trains (config/default.json) is what `inspect` with no
 * config describes, what `train()` runs with nothing and what a config object starts from — all
 * the schema's defaults — and it is still exactly the built-in task that config/default.json
 * spelled out before the defaults moved into the schema (so its outputs did not change).
 * `npm start`'s build step finds the freshly built tree up to date.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../src/api/train.js';
import { loadConfig, validateConfig } from '../src/config/load.js';
import { DEFAULT_CONFIG_PATH, PACKAGE_ROOT } from '../src/paths.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('defaults', { onlyDuringRun: true });

/** config/default.json as it read when the schema's defaults were the Oxford run's (before issue 20). */
const FORMER_DEFAULT_JSON = {
  name: 'superspike',
  task: { text: 'SUPERSPIKE', scale: 3, inputNeurons: 100, inputRateHz: 10, taskSeed: 7 },
  hidden: [256],
  feedback: 'symmetric',
  eta: 5e-3,
  w0: 0.2,
  blockSeconds: 6.1,
  blocks: 30,
  seed: 1,
};

/** The validated config as JSON text: key order included, as the run's identity digests it. */
const text = (c: unknown) => JSON.stringify(c);

describe('one source of defaults', () => {
  it('run, inspect, train() and config objects all start from the built-in task of config/default.json', () => {
    const builtIn = text(loadConfig(DEFAULT_CONFIG_PATH).config);
    expect(text(validateConfig(FORMER_DEFAULT_JSON, 'former default.json'))).toBe(builtIn);
    expect(text(loadConfig(undefined).config)).toBe(builtIn); // inspect and run without a config
    expect(text(resolveTrainConfig(undefined))).toBe(builtIn);
    expect(text(resolveTrainConfig({}))).toBe(builtIn);
    expect(text(resolveTrainConfig({ hidden: [64] }))).toBe(text(loadConfig(DEFAULT_CONFIG_PATH, { hidden: [64] }).config));
    expect(resolveTrainConfig({ hidden: [64] })).toMatchObject({ eta: 5e-3, w0: 0.2, blocks: 30, blockSeconds: 6.1, task: { scale: 3 } });
  });

  it('inspect with no config prints what it prints for config/default.json', async () => {
    expect(await cli.run('inspect', '--workers', '2')).toBe(0);
    const bare = cli.stdout;
    cli.stdout = '';
    expect(await cli.run('inspect', DEFAULT_CONFIG_PATH, '--workers', '2')).toBe(0);
    expect(bare).toBe(cli.stdout);
    expect(bare).toContain('built-in task "SUPERSPIKE" (100 Poisson inputs at 10 Hz, 23 outputs)');
    expect(bare).toContain('30 blocks of 6.1 s');
    expect(bare).toContain('η 0.005, w0 0.2');
  });

  it("npm start's build step finds the built tree up to date (it would rebuild only stale parts)", () => {
    const out = execFileSync(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'build-if-stale.mjs'), '--dry-run'], { encoding: 'utf8' });
    expect(out.trim()).toBe('up to date');
  });
});
