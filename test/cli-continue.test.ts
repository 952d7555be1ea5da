/**
 * `superspike run` flags for continuing and reusing runs (--extend, --init-from, --eta 0), and the
 * one unit convention of durations (seconds; the old -ms flags warn and convert).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunInfo } from '../src/io/run-info.js';
import { readStatsFile } from '../src/io/stats.js';
import { captureCli } from './cli-capture.js';

const cli = captureCli('cli-continue');
/** The built-in task on a 4-neuron hidden layer, 48 ms blocks: about a second of simulation. */
const tiny = ['--hidden', '4', '--block-seconds', '0.048', '--workers', '1', '-q'];

describe('run: continue and reuse', () => {
  it('--extend adds blocks to a finished run; --init-from with --eta 0 evaluates its network on a new folder', async () => {
    const a = path.join(cli.dir, 'a');
    expect(await cli.run('run', ...tiny, '--blocks', '1', '-o', a), cli.stderr).toBe(0);
    expect(fs.existsSync(path.join(a, 'superspike.trained.netstate'))).toBe(true);

    cli.stderr = '';
    expect(await cli.run('run', '--resume', path.join(a, 'superspike.netstate'), '--blocks', '3', '-o', a)).toBe(1);
    expect(cli.stderr).toBe('superspike: --resume continues the saved experiment as it was: drop --blocks (to train more blocks, resume <name>.trained.netstate with --extend N)\n');
    cli.stderr = '';
    expect(await cli.run('run', '--extend', '2', '-o', a)).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: --extend needs --resume <name>\.trained\.netstate/);

    expect(await cli.run('run', '--resume', path.join(a, 'superspike.trained.netstate'), '--extend', '2', '-o', a, '-q'), cli.stderr).toBe(0);
    expect(readStatsFile(path.join(a, 'superspike.stats')).map((l) => l.block)).toEqual([0, 1, 2, 3]);
    const info = readRunInfo(a);
    expect((info.config as { blocks: number }).blocks).toBe(3);
    expect(info.segments).toHaveLength(2);
    expect(info.segments![1]!.argv).toContain('--extend');

    const b = path.join(cli.dir, 'b');
    expect(await cli.run('run', ...tiny, '--init-from', path.join(a, 'superspike.netstate'), '--eta', '0', '--blocks', '1', '-o', b), cli.stderr).toBe(0);
    expect((readRunInfo(b).config as { eta: number }).eta).toBe(0);
  });

  it('takes durations in seconds; an old -ms flag warns and converts', async () => {
    const out = path.join(cli.dir, 'units');
    expect(await cli.run('run', ...tiny, '--blocks', '0', '--feedback-delay-ms', '1.6', '--regulariser-tau-seconds', '0.05', '-o', out), cli.stderr).toBe(0);
    expect(cli.stderr).toContain('superspike: warning: --feedback-delay-ms is deprecated: use --feedback-delay-seconds 0.0016\n');
    const config = readRunInfo(out).config as { feedbackDelaySeconds: number; regulariser: { tauSeconds: number } };
    expect(config.feedbackDelaySeconds).toBe(0.0016);
    expect(config.regulariser.tauSeconds).toBe(0.05);
    cli.stderr = '';
    expect(await cli.run('run', ...tiny, '--feedback-delay-ms', '1', '--feedback-delay-seconds', '0.001', '-o', out)).toBe(1);
    expect(cli.stderr).toContain('superspike: give --feedback-delay-seconds or --feedback-delay-ms (deprecated), not both\n');
  });
});
