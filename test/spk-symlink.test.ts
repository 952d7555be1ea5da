/**
 * Rank spike files never follow a symbolic link (issue 11 §9): creating, appending to and
 * truncating a `.spk` that is a link is refused with one line, and the link's target is untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpkWriter, truncateSpkAfter } from '../src/io/spk.js';
import { UserError } from '../src/errors.js';
import { tempDir } from './helpers.js';

function linkedSpk(): { link: string; victim: string } {
  const dir = tempDir('spk-link');
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const link = path.join(dir, 'output.0.spk');
  fs.symlinkSync(victim, link);
  return { link, victim };
}

describe('SpkWriter and symlinks', () => {
  it('refuses to create a rank file through a symlink', () => {
    const { link, victim } = linkedSpk();
    expect(() => new SpkWriter(link)).toThrow(UserError);
    expect(() => new SpkWriter(link)).toThrow(/output\.0\.spk: it is a symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('refuses to append to a symlink (resume)', () => {
    const { link, victim } = linkedSpk();
    expect(() => new SpkWriter(link, { append: true })).toThrow(/symbolic link/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('refuses to truncate through a symlink', () => {
    const dir = tempDir('spk-trunc');
    const real = path.join(dir, 'real.spk');
    const w = new SpkWriter(real);
    for (let s = 0; s < 10; s++) w.push(s, 1);
    w.close();
    const before = fs.readFileSync(real);
    const link = path.join(dir, 'output.0.spk');
    fs.symlinkSync(real, link);
    expect(() => truncateSpkAfter(link, 5)).toThrow(/symbolic link/);
    expect(fs.readFileSync(real)).toEqual(before);
  });
});
