/**
 * README says what is true: its command table names every flag each command's `--help` shows,
 * and every fenced block in it is accounted for here — a block in a new language, a fence
 * without one, or a block that cannot run fails this test until it is handled:
 *
 * - ```js blocks run as pasted (`replace` markers: a tiny config for a long training, said so in
 *   the README) in a project that installed the packed package;
 * - ```json blocks are config fragments: each must parse and agree with a config the package ships;
 * - ```sh blocks run line by line, as pasted, in one `sh -e` per block, in that project with the
 *   package's `config/` and `data/` beside it as a clone has them (`superspike` on PATH from
 *   node_modules/.bin; background jobs waited for at the end of the block; in README order, as
 *   in one terminal: what a block exports stays exported for the blocks after it). Every `-o`/`--out` a
 *   run line names must exist afterwards. The exceptions are explicit:
 *   - a line a `<!-- readme-test: dry-run "TEXT" -->` marker names (full trainings, experiments
 *     and benchmarks of minutes) runs with `--dry-run` inserted after TEXT: every check the
 *     command makes, nothing run — and its `--out` folder must not appear;
 *   - lines of a CLUSTER command (srun, sbatch; also in comments) cannot run here: the test says
 *     so, dry-runs the superspike command an srun line starts, and checks that the scripts an
 *     sbatch line submits exist and parse (`sh -n`);
 *   - `mpirun` lines (and `--layouts` of several processes, which start mpirun) run under the
 *     real mpirun; where MPI is missing they are skipped loudly, and fail where SUPERSPIKE_REQUIRE_MPI=1;
 *   - the two blocks of NOT_RUN (`npm ci && npm start`, `npm test`) are not run for the reasons
 *     given there; what can be checked of them is.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { MPI_ADDON_PATH } from '../src/mpi/binding.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { tempDir } from './helpers.js';
import { installPackedApp } from './install-helpers.js';
import { mpiGate } from './mpi-helpers.js';

const README = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
const PKG = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Commands that need a cluster's scheduler: never run here (the test says so for each line). */
const CLUSTER = ['srun', 'sbatch'];

/** Whole sh blocks that are not run, with the reason, and what the test checks of them instead. */
const NOT_RUN: Record<string, { why: string; check: () => void }> = {
  'npm ci && npm start': {
    why: '`npm ci` installs this checkout, which the suite runs in after `npm ci` (test/package.test.ts installs the packed package with `npm ci --offline`); '
      + '`npm start` is the full default training (minutes): its script is checked and run here, in the checkout, with --dry-run appended to each of its commands',
    check: () => {
      const start = PKG.scripts.start!;
      expect(start).toBe('node scripts/build-if-stale.mjs && node dist/src/cli/main.js run config/default.json');
      const dry = start.split(' && ').map((c) => `${c} --dry-run`).join(' && ');
      const out = execFileSync('sh', ['-ec', dry], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toMatch(/^(up to date|stale: .*)\n/);
      expect(out).toContain('superspike run --dry-run: every check passed');
      // What the README says npm start trains.
      expect(out).toContain('network: 100-256-23');
      expect(out).toMatch(/burn-in 6\.1 s, 30 blocks of 6\.1 s/);
    },
  },
  'npm test': {
    why: 'it is this test suite (running it here would be circular); its script is checked',
    check: () => {
      expect(PKG.scripts.test).toBe('npm run build && npm run typecheck:test && vitest run');
      expect(PKG.scripts['typecheck:test']).toBe('tsc -p tsconfig.test.json');
    },
  },
};

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
    const open = /^```(\w*)$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    const marker = /^<!-- readme-test: (.*) -->$/.exec(lines[i - 1] ?? '')?.[1] ?? null;
    found.push({ lang: open[1]!, code: lines.slice(i + 1, end).join('\n'), line: i + 1, marker });
    i = end;
  }
  return found;
}

/** The snippet with the marker's replacements applied, the command to run before it, and the dry-run texts. */
function prepared(s: Snippet): { code: string; before: string | null; dry: string[] } {
  let code = s.code;
  for (const m of (s.marker ?? '').matchAll(/replace "(.*?)" with "(.*?)"/g)) {
    expect(code, `README line ${s.line}: the text the test replaces`).toContain(m[1]!);
    code = code.replace(m[1]!, m[2]!);
  }
  const dry = [...(s.marker ?? '').matchAll(/dry-run "(.*?)"/g)].map((m) => m[1]!);
  for (const d of dry) expect(code, `README line ${s.line}: the text the test dry-runs`).toContain(d);
  return { code, before: /before "(.*?)"/.exec(s.marker ?? '')?.[1] ?? null, dry };
}

/** A shell line without its trailing comment. */
const command = (line: string) => line.replace(/\s+#.*$/, '').trim();
/** The superspike command inside a line (after npx or a launcher's options), or null. */
const superspikePart = (line: string) => /(?:^|\s)((?:npx )?superspike\s.*)$/.exec(command(line))?.[1] ?? null;
/** The folders and files a superspike line names with -o / --out. */
const outputsOf = (line: string) => [...command(line).matchAll(/(?:^|\s)(?:-o|--out)\s+(\S+)/g)].map((m) => m[1]!);

interface BlockPlan {
  script: string;
  /** What the test says about the block's lines that do not run as pasted. */
  notes: string[];
  /** Outputs of lines that ran: must exist after the block. */
  written: string[];
  /** Outputs of dry-run lines: must not appear. */
  untouched: string[];
  /** Scripts a cluster line submits: must exist and parse. */
  scripts: string[];
  /** Commands run with --dry-run: each must say that every check passed. */
  dryRuns: number;
}

function planBlock(s: Snippet, code: string, dry: string[], mpiMissing: string | null): BlockPlan {
  const plan: BlockPlan = { script: 'set -e\n', notes: [], written: [], untouched: [], scripts: [], dryRuns: 0 };
  code.split('\n').forEach((raw, k) => {
    const where = `README line ${s.line + 1 + k}`;
    const line = raw.trim();
    if (line === '') return;
    const words = command(line).split(/\s+/);
    const cluster = CLUSTER.filter((c) => new RegExp(`(^|[\\s($])${c}\\s`).test(line));
    if (cluster.length > 0) {
      plan.notes.push(`${where}: not run (${cluster.join(', ')} needs a cluster): ${line}`);
      const scripts = [...line.matchAll(/\S+\.sh\b/g)].map((m) => m[0]);
      plan.scripts.push(...scripts);
      if (scripts.length > 0) plan.notes.push(`${where}: the scripts it submits are checked to exist and parse (sh -n): ${scripts.join(', ')}`);
      const part = line.startsWith('#') ? null : superspikePart(line);
      if (part !== null) {
        plan.notes.push(`${where}: the superspike command it starts is checked here with --dry-run, as one process`);
        plan.script += `${part} --dry-run\n`;
        plan.dryRuns++;
      }
      return;
    }
    if (line.startsWith('#')) return;
    // mpirun, and the commands that start mpirun themselves (layouts of more than one process).
    const needsMpi = words[0] === 'mpirun' || /--layouts\s+\S*\b([2-9]|\d{2,})x/.test(command(line));
    if (needsMpi && mpiMissing !== null) {
      if (process.env.SUPERSPIKE_REQUIRE_MPI === '1') throw new Error(`${where} needs MPI, which is missing (${mpiMissing}), and SUPERSPIKE_REQUIRE_MPI=1`);
      plan.notes.push(`${where}: SKIPPED, MPI is missing (${mpiMissing}): ${line}`);
      return;
    }
    const d = dry.find((text) => raw.includes(text));
    if (d !== undefined) {
      plan.script += `${raw.replace(d, `${d} --dry-run`)}\n`;
      plan.dryRuns++;
      plan.untouched.push(...outputsOf(line));
      plan.notes.push(`${where}: run with --dry-run (every check, nothing run): ${line}`);
      return;
    }
    plan.script += `${raw}\n`;
    if (superspikePart(line) !== null) plan.written.push(...outputsOf(line));
  });
  plan.script += 'wait\n';
  return plan;
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

  it('its json blocks are fragments of configs the package ships', () => {
    const configs = fs.readdirSync(path.join(PACKAGE_ROOT, 'config')).filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'config', f), 'utf8')) as Record<string, unknown>);
    const blocks = snippets(README).filter((s) => s.lang === 'json');
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    for (const s of blocks) {
      const fragment = JSON.parse(`{${s.code}}`) as Record<string, unknown>;
      const holds = configs.some((c) => Object.entries(fragment).every(([k, v]) => isDeepStrictEqual(c[k], v)));
      expect(holds, `README line ${s.line}: a shipped config holds this fragment`).toBe(true);
    }
  });

  it('runs every snippet as pasted in a project that installed the package (the long commands with --dry-run)', () => {
    const all = snippets(README);
    for (const s of all) expect(['js', 'sh', 'json'], `README line ${s.line}: a fenced block needs one of these languages`).toContain(s.lang);
    const sh = all.filter((s) => s.lang === 'sh');
    expect(sh.length).toBeGreaterThanOrEqual(8);

    const { app } = installPackedApp(tempDir('readme'));
    const installed = path.join(app, 'node_modules', 'superspike');
    // A clone has config/ and data/ at its root; the installed package carries the same files.
    for (const dir of ['config', 'data']) fs.cpSync(path.join(installed, dir), path.join(app, dir), { recursive: true });
    const gate = mpiGate('readme.test.ts (the README\'s mpirun lines)');
    // The install script would compile the MPI addon against this machine's MPI (package.test.ts
    // checks that); the tarball was installed with --ignore-scripts, so the checkout's build of
    // the same source on this machine stands in for it.
    if (gate.missing === null) fs.copyFileSync(MPI_ADDON_PATH, path.join(installed, 'build', 'mpi.node'));
    const env = {
      ...process.env, PATH: `${path.join(app, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
      ...(gate.missing === null ? { OMPI_MCA_mpi_yield_when_idle: '1' } : {}),
    };
    const run = (where: string, file: string, args: string[]) => {
      try {
        return execFileSync(file, args, { cwd: app, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
      } catch (err) {
        const e = err as { status: number; stderr: string; stdout: string };
        throw new Error(`${where} failed (exit ${e.status}): ${e.stderr}\n${e.stdout ?? ''}`);
      }
    };
    const report: string[] = [];
    let ran = 0;
    let exported = '';
    for (const s of all.filter((b) => b.lang !== 'json')) {
      const where = `README line ${s.line}`;
      const skipped = NOT_RUN[s.code.trim()];
      if (skipped !== undefined) {
        expect(s.lang).toBe('sh');
        skipped.check();
        report.push(`${where}: not run: ${s.code.trim()} — ${skipped.why}`);
        continue;
      }
      const { code, before, dry } = prepared(s);
      if (s.marker !== null) report.push(`${where}: as marked in the README (${s.marker})`);
      if (before !== null) run(`${where} (the command run before it)`, 'sh', ['-ec', before]);
      if (s.lang === 'js') {
        const file = path.join(app, `snippet-${s.line}.mjs`);
        fs.writeFileSync(file, code);
        expect(run(where, process.execPath, [file]).length, `${where} printed something`).toBeGreaterThan(0);
        ran++;
        continue;
      }
      const plan = planBlock(s, code, dry, gate.missing);
      const absent = plan.untouched.filter((f) => !fs.existsSync(path.join(app, f)));
      const out = run(where, 'sh', ['-ec', `${exported}${plan.script}`]);
      // As in one terminal: what a block exports stays exported for the blocks after it.
      exported += code.split('\n').filter((l) => /^export \w+=/.test(l.trim())).map((l) => `${command(l)}\n`).join('');
      ran++;
      for (const f of plan.written) expect(fs.existsSync(path.join(app, f)), `${where} wrote ${f}`).toBe(true);
      for (const f of absent) expect(fs.existsSync(path.join(app, f)), `${where}: the dry run left ${f} alone`).toBe(false);
      for (const f of plan.scripts) {
        expect(fs.existsSync(path.join(app, f)), `${where}: the script ${f} exists`).toBe(true);
        run(`${where}: sh -n ${f}`, 'sh', ['-n', f]);
      }
      expect(out.split('--dry-run: every check passed').length - 1, `${where}: each dry run said it passed`).toBe(plan.dryRuns);
      report.push(...plan.notes);
    }
    console.log(`README snippets: ${ran} blocks run; what did not run as pasted, and why:\n  ${report.join('\n  ')}`);
    // What the walkthrough and library snippets promised to write is there.
    for (const f of ['output/report.html', 'training.gif', 'run.npz', 'docs/default-output.png', 'input.ras', 'arrays-run/run.json', 'output/sweep-slurm/slurm-array.sh']) {
      expect(fs.existsSync(path.join(app, f)), f).toBe(true);
    }
  });
});
