/**
 * The `.ras` reader on hostile input (issue 11 §7, §10): a huge line without a newline is
 * refused in linear time naming file:line, and control bytes of a quoted line are escaped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RAS_LINE_CHARS, parseRasText, readRas } from '../src/io/ras.js';
import { UserError } from '../src/errors.js';
import { tempDir } from './helpers.js';

describe('.ras line limits', () => {
  it('refuses 64 MB without a newline quickly, naming file:line and the limit', async () => {
    const file = path.join(tempDir('ras-long'), 'long.ras');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, '0.1 1\n0.2 2\n');
    const block = Buffer.alloc(1 << 20, '7');
    for (let i = 0; i < 64; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const started = performance.now();
    await expect(readRas(file)).rejects.toThrow(UserError);
    await expect(readRas(file)).rejects.toThrow(new RegExp(`^${file}:3: line longer than ${MAX_RAS_LINE_CHARS} characters`));
    // Quadratic scanning took tens of seconds; linear refusal stops within the first chunks.
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a long line in memory is refused the same way', () => {
    expect(() => parseRasText(`0.1 1\n${'9'.repeat(MAX_RAS_LINE_CHARS + 1)}\n`, 'mem.ras')).toThrow(/^mem\.ras:2: line longer than/);
    expect(parseRasText(`0.1 1\n# ${'x'.repeat(MAX_RAS_LINE_CHARS - 2)}\n`, 'ok.ras').times.length).toBe(1);
  });

  it('escapes control bytes of a quoted bad line', () => {
    let message = '';
    try {
      parseRasText('0.1 \u001b[31mred\u0007 x\r\n', 'ctl.ras');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^ctl\.ras:1: /);
    // No raw control byte survives: ESC, BEL and CR are spelled out.
    expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(message).toContain('\\u001b[31mred');
  });

  it('escapes control bytes in the dropped-id warning too', () => {
    const warnings: string[] = [];
    parseRasText('0.1 5\f\n0.2 9\n', 'w.ras', { size: 2, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});
