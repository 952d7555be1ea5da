/**
 * README says what is true: its command table names every flag each command's `--help` shows,
 * and its snippets run as pasted in a project that installed the package. Every ```js block
 * runs; a ```sh block runs when a `<!-- readme-test: … -->` line precedes it. That line may
 * `replace "A" with "B"` (a tiny config in place of a long training, said so in the README) and
 * may run a command `before "…"` the block (the short run whose output the block reads). The
 * other sh blocks (npm ci, mpirun, srun, experiments of minutes) are not run here.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { tempDir } from './helpers.js';
import { installPackedApp } from './install-helpers.js';

const README = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');

interface Snippet {
  lang: string;
  code: string;
  line: number;
  /** From the `<!-- readme-test: … -->` line before the block, if any. */
  marker: string | null;
}

function snippets(text: string): Snippet[] {
  const lines = text.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    const marker = /^<!-- readme-test: (.*) -->$/.exec(lines[i - 1] ?? '')?.[1] ?? null;
    found.push({ lang: open[1]!, code: lines.slice(i + 1, end).join('\n'), line: i + 1, marker });
    i = end;
  }
  return found;
}

/** The snippet with the marker's replacements applied, and the command to run before it. */
function prepared(s: Snippet): { code: string; before: string | null } {
  let code = s.code;
  for (const m of (s.marker ?? '').matchAll(/replace "(.*?)" with "(.*?)"/g)) {
    expect(code, `README line ${s.line}: the text the test replaces`).toContain(m[1]!);
    code = code.replace(m[1]!, m[2]!);
  }
  return { code, before: /before "(.*?)"/.exec(s.marker ?? '')?.[1] ?? null };
}

describe('README', () => {
  it('lists every flag of every command in the command table (long or short form)', () => {
    const rows = README.split('\n').filter((l) => l.startsWith('| `superspike '));
    for (const command of buildProgram().commands) {
      const row = rows.find((r) => r.startsWith(`| \`superspike ${command.name()}`));
      expect(row, `a table row for ${command.name()}`).toBeDefined();
      for (const option of command.options.filter((o) => !o.hidden)) {
        const forms = [option.long, option.short].filter((f): f is string => f !== undefined);
        const named = forms.some((f) => new RegExp(`(^|[\\s\\[\`])${f}(?![\\w-])`).test(row!));
        expect(named, `README's row for ${command.name()} names ${forms.join(' / ')}`).toBe(true);
      }
    }
  });

  it('runs its js snippets and marked sh snippets as pasted in a project that installed the package', () => {
    const all = snippets(README);
    const runnable = all.filter((s) => s.lang === 'js' || (s.lang === 'sh' && s.marker !== null));
    expect(runnable.filter((s) => s.lang === 'js').length).toBeGreaterThanOrEqual(2);
    expect(runnable.filter((s) => s.lang === 'sh').length).toBeGreaterThanOrEqual(1);
    const { app } = installPackedApp(tempDir('readme'));
    const env = { ...process.env, PATH: `${path.join(app, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };
    for (const s of runnable) {
      const { code, before } = prepared(s);
      const where = `README line ${s.line}`;
      const run = (file: string, args: string[]) => {
        try {
          return execFileSync(file, args, { cwd: app, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (err) {
          const e = err as { status: number; stderr: string };
          throw new Error(`${where} failed (exit ${e.status}): ${e.stderr}`);
        }
      };
      if (before !== null) run('sh', ['-ec', before]);
      if (s.lang === 'js') {
        const file = path.join(app, `snippet-${s.line}.mjs`);
        fs.writeFileSync(file, code);
        expect(run(process.execPath, [file]).length, `${where} printed something`).toBeGreaterThan(0);
      } else {
        run('sh', ['-ec', code]);
      }
    }
    // What the snippets promised to write is there.
    for (const f of ['output/report.html', 'training.gif', 'run.npz', 'docs/default-output.png', 'input.ras', 'arrays-run/run.json']) {
      expect(fs.existsSync(path.join(app, f)), f).toBe(true);
    }
  });
});
