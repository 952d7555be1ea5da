/**
 * The CLI's small promises (issue 12): `--version`, a bare `run` trains config/default.json (the
 * task `npm start` runs, which is the schema defaults), `plot` reports its window in seconds, and
 * `decode --help` names files that runs really write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunInfo } from '../src/io/run-info.js';
import { readSpkHeader, spkRankFiles } from '../src/io/spk.js';
import { loadConfig } from '../src/config/load.js';
import { DEFAULT_CONFIG_PATH, PACKAGE_ROOT } from '../src/paths.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('cli-small');

describe('small CLI promises', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await cli.run('--version')).toBe(0);
    expect(cli.stdout.trim()).toBe(version);
  });

  it('trains config/default.json when run is given no config', async () => {
    const out = path.join(cli.dir, 'run');
    // Only the first exchange interval of the burn-in: enough to see which config was used.
    expect(await cli.run('run', '--block-seconds', '0.0008', '--stop-after-block', '0', '--workers', '1', '-q', '-o', out)).toBe(0);
    const info = readRunInfo(out);
    const config = info.config as { blockSeconds: number };
    // The same validated config as config/default.json with the flag (one source of defaults: test/defaults.test.ts).
    expect(config).toEqual(JSON.parse(JSON.stringify(loadConfig(DEFAULT_CONFIG_PATH, { blockSeconds: 0.0008 }).config)));
    expect(config.blockSeconds).toBe(0.0008); // flags still override

    // plot says its window in seconds (it used to print steps).
    cli.stdout = '';
    expect(await cli.run('plot', out, '-o', path.join(cli.dir, 'o.svg'))).toBe(0);
    expect(cli.stdout).toMatch(/, 0 to 0\.0008 s\)\n$/);
  });

  it('--auryn-version writes that Auryn version\'s .spk tag; a malformed one is refused before the run', async () => {
    const out = path.join(cli.dir, 'tag');
    const args = ['run', '--block-seconds', '0.0008', '--stop-after-block', '0', '--workers', '2', '-q', '-o', out];
    expect(await cli.run(...args, '--auryn-version', '0.8.1')).toBe(0);
    const files = ['multi_stim', 'multi_hidden', 'output', 'target'].flatMap((g) => spkRankFiles(path.join(out, g)));
    expect(files.length).toBe(8);
    // Auryn 0.8.1's AurynVersion.cpp: 287960000 + 100*0 + 10*8 + 1*1; its aube warns on any other tag.
    for (const f of files) expect(readSpkHeader(f).tag, f).toBe(287960081);
    const plain = path.join(cli.dir, 'tag-default'); // a new folder: the first run left a checkpoint
    expect(await cli.run(...args.slice(0, -1), plain)).toBe(0);
    for (const f of files) expect(readSpkHeader(f.replace(out, plain)).tag, f).toBe(287960084);
    cli.stderr = '';
    fs.rmSync(out, { recursive: true });
    expect(await cli.run(...args, '--auryn-version', '8.1')).toBe(1);
    expect(cli.stderr).toBe('superspike: Auryn version "8.1": expected X.Y.Z with one digit each, e.g. 0.8.1\n');
    expect(fs.existsSync(out)).toBe(false);
  });

  it("decode's help names files a run writes", async () => {
    const out = path.join(cli.dir, 'run');
    expect(await cli.run('run', '--block-seconds', '0.0008', '--stop-after-block', '0', '--workers', '1', '-q', '-o', out)).toBe(0);
    cli.stdout = '';
    expect(await cli.run('decode', '--help')).toBe(0);
    const prefixes = [...cli.stdout.matchAll(/superspike decode output\/(\w+)/g)].map((m) => m[1]!);
    expect(prefixes.length).toBeGreaterThan(2);
    for (const p of prefixes) {
      const base = p.replace(/\.\d+$/, '');
      expect(spkRankFiles(path.join(out, base)), `decode --help names output/${p}`).not.toEqual([]);
    }
  });

  it('run given a folder says it is a folder, not EISDIR', async () => {
    expect(await cli.run('run', cli.dir, '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .* is a folder, not a config file [^\n]*superspike report [^\n]*\n$/);
    expect(cli.stderr).not.toContain('EISDIR');
    cli.stderr = '';
    expect(await cli.run('run', path.join(cli.dir, 'nope.json'), '-q')).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: no such config file: .*nope\.json\n$/);
  });
});
