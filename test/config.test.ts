/** Config files: defaults, and errors that name the file, the key and the problem. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { DEFAULT_LEARNING_RATE, DEFAULT_REGULARISER } from '../src/model/constants.js';
import { resolveTask } from '../src/config/task.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { captureCli } from './cli-capture.js';
import { tempDir } from './helpers.js';

function configFile(content: unknown): string {
  const file = path.join(tempDir('config'), 'c.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  it('defaults to the built-in task; the paper\'s Oxford settings are config/oxford.json\'s', () => {
    const { config } = loadConfig(undefined);
    expect(config).toMatchObject({ hidden: [256], feedback: 'symmetric', eta: 5e-3, w0: 0.2, blockSeconds: 6.1, blocks: 30, partial: true, learnHidden: true });
    expect(config.task).toMatchObject({ text: 'SUPERSPIKE', scale: 3, inputNeurons: 100, inputRateHz: 10 });
    const oxford = loadConfig(path.join(PACKAGE_ROOT, 'config', 'oxford.json')).config;
    expect(oxford).toMatchObject({ hidden: [256], eta: 1e-3, w0: 0.05, blockSeconds: 20, blocks: 50 });
  });

  it('rejects unknown keys, naming them and the known ones', () => {
    const file = configFile({ hiden: [10], task: {} });
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}: unknown key "hiden" \\(known: name, input,`));
  });

  it('rejects wrong types with the key path', () => {
    expect(() => loadConfig(configFile({ hidden: 'many', task: {} }))).toThrow(/hidden: .*expected array/i);
    expect(() => loadConfig(configFile({ feedback: 'backprop', task: {} }))).toThrow(/feedback: /);
    expect(() => loadConfig(configFile({ task: { scale: -1 } }))).toThrow(/task\.scale: /);
  });

  it('rejects invalid JSON and a config that names no task', () => {
    expect(() => loadConfig(configFile('{ "blocks": 2, }'))).toThrow(/is not valid JSON/);
    expect(() => loadConfig(configFile({ blocks: 2 }))).toThrow(/names no task: give --input and --target/);
  });

  it('rejects sizes that do not match the task', async () => {
    const { config } = loadConfig(configFile({ nOutput: 200, task: { text: 'HI', scale: 1 } }));
    await expect(resolveTask(config)).rejects.toThrow(/nOutput is 200 but the built-in picture of "HI" has 9 rows/);
  });

  it('resolves raster paths against the config file and infers sizes from the files', async () => {
    const dir = tempDir('config-files');
    writeFileSync(path.join(dir, 'in.ras'), '0.001 0\n0.002 4\n');
    writeFileSync(path.join(dir, 'target.ras'), '0.003 2\n');
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ input: 'in.ras', target: 'target.ras', gridSeconds: 0.01 }));
    const { config } = loadConfig(path.join(dir, 'c.json'));
    const task = await resolveTask(config);
    expect([task.nInput, task.nOutput, task.gridSteps, task.input.periodSteps]).toEqual([5, 3, 100, 100]);
  });

  it('config/oxford.json names the repository\'s SSBM Oxford rasters, whatever the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(tempDir('config-cwd'));
    try {
      const { config } = loadConfig(path.join(PACKAGE_ROOT, 'config', 'oxford.json'));
      expect(config.input).toBe(path.join(PACKAGE_ROOT, 'data/ssbm/precise_timing/oxford/input.ras'));
      expect(config.target).toBe(path.join(PACKAGE_ROOT, 'data/ssbm/precise_timing/oxford/target.ras'));
      const task = await resolveTask(config, { onWarning: () => {} });
      expect([task.nInput, task.nOutput, task.gridSteps]).toEqual([200, 200, 18900]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('npm run oxford (scripts/oxford.mjs) exits 1 naming the raster when a data file is missing', () => {
    // A copy of the script in a tree whose config names a raster that is not there.
    const root = tempDir('oxford-script');
    mkdirSync(path.join(root, 'scripts'));
    mkdirSync(path.join(root, 'config'));
    copyFileSync(path.join(PACKAGE_ROOT, 'scripts', 'oxford.mjs'), path.join(root, 'scripts', 'oxford.mjs'));
    writeFileSync(path.join(root, 'config', 'oxford.json'), JSON.stringify({ input: '../data/in.ras', target: '../data/target.ras' }));
    const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'oxford.mjs'), '--blocks', '0'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/input raster .*data\/in\.ras not found/);
  });

  it('a raster the config names but that is missing is an error naming it', async () => {
    const dir = tempDir('config-missing');
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ input: 'gone.ras', target: 'gone-too.ras' }));
    const { config } = loadConfig(path.join(dir, 'c.json'));
    await expect(resolveTask(config)).rejects.toThrow(/gone\.ras/);
  });
});

describe('model knobs regulariser and learningRate (docs/model.md §9)', () => {
  it('default to the model constants, and a partial object keeps the other defaults', () => {
    const { config } = loadConfig(undefined);
    expect(config.regulariser).toEqual(DEFAULT_REGULARISER);
    expect(config.learningRate).toEqual(DEFAULT_LEARNING_RATE);
    expect(config.regulariser).toEqual({ strength: 1000, exponent: 4, tauSeconds: 0.1 });
    expect(config.learningRate).toEqual({ scheme: 'rmaxprop', tauRmsSeconds: 30, epsilon: 1e-12 });
    const partial = loadConfig(configFile({ task: {}, regulariser: { exponent: 2 }, learningRate: { scheme: 'fixed' } })).config;
    expect(partial.regulariser).toEqual({ strength: 1000, exponent: 2, tauSeconds: 0.1 });
    expect(partial.learningRate).toEqual({ scheme: 'fixed', tauRmsSeconds: 30, epsilon: 1e-12 });
  });

  it('rejects bad values in one line naming the key', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ regulariser: { exponent: 2.5 } }, /regulariser\.exponent: must be an integer from 0 to 8$/],
      [{ regulariser: { exponent: 9 } }, /regulariser\.exponent: must be an integer from 0 to 8$/],
      [{ regulariser: { exponent: -1 } }, /regulariser\.exponent: must be an integer from 0 to 8$/],
      [{ regulariser: { strength: -1 } }, /regulariser\.strength: must be >= 0$/],
      [{ regulariser: { tauSeconds: 0 } }, /regulariser\.tauSeconds: must be > 0$/],
      [{ learningRate: { tauRmsSeconds: -3 } }, /learningRate\.tauRmsSeconds: must be > 0$/],
      [{ learningRate: { epsilon: -1 } }, /learningRate\.epsilon: must be >= 0$/],
      [{ learningRate: { epsilon: 0 } }, /learningRate\.epsilon: must be > 0 in float32 .* for rmsprop and rmaxprop$/],
      [{ learningRate: { scheme: 'rmsprop', epsilon: 1e-50 } }, /learningRate\.epsilon: must be > 0 in float32/],
      [{ learningRate: { scheme: 'adam' } }, /learningRate\.scheme: .*"rmaxprop"\|"rmsprop"\|"fixed"/],
      [{ regulariser: { rho: 1 } }, /unknown key "rho" in regulariser \(known: strength, exponent, tauSeconds\)$/],
      [{ learningRate: 'rmsprop' }, /learningRate: /],
    ];
    for (const [content, message] of bad) {
      const file = configFile({ task: {}, ...(content as object) });
      expect(() => loadConfig(file), JSON.stringify(content)).toThrow(ConfigError);
      expect(() => loadConfig(file), JSON.stringify(content)).toThrow(message);
      try {
        loadConfig(file);
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
      }
    }
    // ε is unused by the fixed rate, so 0 is allowed there; exponent 0 and strength 0 are allowed
    expect(loadConfig(configFile({ task: {}, learningRate: { scheme: 'fixed', epsilon: 0 } })).config.learningRate.epsilon).toBe(0);
    expect(loadConfig(configFile({ task: {}, regulariser: { strength: 0, exponent: 0 } })).config.regulariser.strength).toBe(0);
  });

  it('overrides (run flags) set single fields and keep the file\'s others', () => {
    const file = configFile({ task: {}, regulariser: { strength: 10, tauSeconds: 0.05 }, learningRate: { scheme: 'rmsprop' } });
    const { config } = loadConfig(file, { regulariser: { exponent: 2 }, learningRate: { epsilon: 1e-8 } });
    expect(config.regulariser).toEqual({ strength: 10, exponent: 2, tauSeconds: 0.05 });
    expect(config.learningRate).toEqual({ scheme: 'rmsprop', tauRmsSeconds: 30, epsilon: 1e-8 });
  });
});

describe('superspike run, model knob flags', () => {
  const cli = captureCli('run-knobs');
  it('rejects bad values before anything runs (usage errors exit 2, config errors 1), and refuses the flags with --resume', async () => {
    expect(await cli.run('run', '--regulariser-exponent', '9', '--out', path.join(cli.dir, 'o'))).toBe(2);
    expect(cli.stderr).toMatch(/--regulariser-exponent.*expected a whole number from 0 to 8/);
    cli.stderr = '';
    expect(await cli.run('run', '--learning-rate-scheme', 'adam', '--out', path.join(cli.dir, 'o'))).toBe(2);
    expect(cli.stderr).toMatch(/--learning-rate-scheme.*fixed, rmsprop, rmaxprop/);
    cli.stderr = '';
    expect(await cli.run('run', '--learning-rate-scheme', 'rmsprop', '--rms-epsilon', '0', '--out', path.join(cli.dir, 'o'))).toBe(1);
    expect(cli.stderr).toMatch(/learningRate\.epsilon: must be > 0 in float32/);
    cli.stderr = '';
    expect(await cli.run('run', '--resume', path.join(cli.dir, 'x.netstate'), '--regulariser-strength', '0', '--out', path.join(cli.dir, 'o'))).toBe(1);
    expect(cli.stderr).toMatch(/--resume continues the saved experiment as it was: drop --regulariser-strength/);
  });
});

describe('superspike inspect', () => {
  const cli = captureCli('inspect');
  it('shows the partition of every layer, synapse counts and expected files', async () => {
    const code = await cli.run('inspect', path.join(PACKAGE_ROOT, 'config', 'default.json'), '--workers', '3');
    expect(code).toBe(0);
    expect(cli.stdout).toMatch(/multi_hidden\s+hidden\s+256 neurons\s+per rank: 86 85 85/);
    expect(cli.stdout).toMatch(/multi_stim → multi_hidden: 25,600 synapses, plastic, eligibility delay 16 steps/);
    expect(cli.stdout).toMatch(/multi_hidden → output: 5,888 synapses/);
    expect(cli.stdout).toContain('output.0.spk output.1.spk output.2.spk');
    expect(cli.stdout).toMatch(/shared memory: [\d.]+ MiB/);
  });
});
