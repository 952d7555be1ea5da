/**
 * The files an experiment leaves in its folder: `results.csv` (one row per run; no wall times,
 * so it is the same whatever `--parallel`), `results.md` (per-condition summary, claims, runs)
 * and `report.html` (claims, learning curves per panel with mean and min–max band over seeds,
 * the summary table). Strings only, plus one function that writes them.
 */
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { bandPlotSvg, type BandSeries } from '../report/curves-svg.js';
import { escapeXml } from '../report/svg.js';
import { figureSection } from './figures.js';
import { claimContext, paperWords } from './paper.js';
import { fmt, mean, rmsOf, runsOf, standardDeviation, valuesOf } from './summary.js';
import type { ClaimResult, Plan, Preset, RunResult } from './types.js';

export const CSV_COLUMNS = [
  'condition', 'hidden_neurons', 'seed', 'initial_cost', 'final_cost', 'accuracy', 'learned_at_presentation',
  'hidden_rate_hz', 'hidden_isi_cv', 'feedback_all_negative', 'final_rms', 'eta',
] as const;

/** Full precision that prints the same everywhere: 6 significant digits. */
function num(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '' : String(Number(x.toPrecision(6)));
}

export function resultsCsv(plan: Plan, results: readonly RunResult[]): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const c of plan.conditions) {
    for (const r of runsOf(results, c.id)) {
      lines.push([
        c.id, String(c.hiddenNeurons), String(r.spec.seed), num(r.initialCost), num(r.finalCost), num(r.accuracy),
        r.learnedAtPresentation === null ? '' : String(r.learnedAtPresentation), num(r.hiddenRateHz), num(r.hiddenIsiCv),
        r.feedbackAllNegative === null ? '' : String(r.feedbackAllNegative), num(rmsOf(r.finalCost)), num(Number(r.spec.config.eta ?? Number.NaN)),
      ].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function claimLine(c: ClaimResult): string {
  return `claim ${c.id}: ${c.status} (${c.numbers})`;
}

interface SummaryRow {
  condition: string;
  label: string;
  runs: number;
  cost: string;
  rms: string;
  accuracy: string;
  learned: string;
  rate: string;
}

function summaryRows(plan: Plan, results: readonly RunResult[]): SummaryRow[] {
  return plan.conditions.map((c) => {
    const runs = runsOf(results, c.id);
    const cost = valuesOf(results, c.id, (r) => r.finalCost);
    const acc = valuesOf(results, c.id, (r) => r.accuracy);
    const learned = runs.filter((r) => r.learnedAtPresentation !== null).length;
    const rate = valuesOf(results, c.id, (r) => r.hiddenRateHz);
    return {
      condition: c.id,
      label: c.label,
      runs: runs.length,
      cost: `${fmt(mean(cost))} ± ${fmt(standardDeviation(cost))} (${fmt(Math.min(...cost))}–${fmt(Math.max(...cost))})`,
      rms: fmt(mean(cost.map(rmsOf))),
      accuracy: acc.length ? fmt(mean(acc)) : '',
      learned: runs.some((r) => r.spec.analysis.timing) ? `${learned}/${runs.length}` : '',
      rate: rate.length ? fmt(mean(rate)) : '',
    };
  });
}

export function resultsMarkdown(preset: Preset, plan: Plan, results: readonly RunResult[], claims: readonly ClaimResult[], wallSeconds: number): string {
  const out: string[] = [`# ${preset.name} (${preset.figure})`, '', preset.summary, ''];
  for (const note of plan.notes) out.push(`- ${note}`);
  out.push(`- wall time ${wallSeconds.toFixed(1)} s for ${results.length} runs`, '', '## Claims', '');
  for (const c of claims) out.push(`- \`${claimLine(c)}\``);
  out.push('', '## The paper beside ours', '');
  out.push('The paper\'s words, quoted verbatim with where they stand (src/experiments/paper.ts), beside the claim as this project tests it; the paper\'s number where its text gives one.', '');
  out.push('| claim | the paper\'s words (where) | paper\'s number | test applied | ours | verdict |', '|---|---|---|---|---|---|');
  for (const c of claims) {
    const paper = preset.claims.find((p) => p.id === c.id);
    const cell = (x: string) => x.replaceAll('|', '\\|');
    out.push(`| \`${c.id}\` | ${cell(paper ? paperWords(paper) : '')} | ${cell(paper?.paperNumber ?? '—')} | ${cell(paper?.test ?? '')} | ${cell(c.numbers)} | ${c.status} |`);
  }
  out.push('', '## Conditions (final cost MSE: mean ± sd (min–max) over seeds; RMS = mean of √MSE, the paper\'s measure)', '');
  out.push('| condition | runs | final cost (MSE) | final cost (RMS) | accuracy | reached 10 perfect presentations in a row | hidden rate (Hz) |', '|---|---|---|---|---|---|---|');
  for (const r of summaryRows(plan, results)) out.push(`| ${r.label} (\`${r.condition}\`) | ${r.runs} | ${r.cost} | ${r.rms} | ${r.accuracy} | ${r.learned} | ${r.rate} |`);
  out.push('', '## Runs', '', `| ${CSV_COLUMNS.join(' | ')} | wall s |`, `|${CSV_COLUMNS.map(() => '---').join('|')}|---|`);
  const rows = resultsCsv(plan, results).trim().split('\n').slice(1);
  const ordered = plan.conditions.flatMap((c) => runsOf(results, c.id));
  rows.forEach((row, i) => out.push(`| ${row.split(',').join(' | ')} | ${ordered[i]!.wallSeconds.toFixed(1)} |`));
  return `${out.join('\n')}\n`;
}

/** Per panel, one band series per condition (blocks as x) plus the panel's reference curves. */
export function panelSeries(plan: Plan, results: readonly RunResult[]): Map<string, BandSeries[]> {
  const panels = new Map<string, BandSeries[]>();
  for (const c of plan.conditions) {
    const runs = runsOf(results, c.id);
    if (runs.length === 0) continue;
    const blocks = [...new Set(runs.flatMap((r) => r.curve.map((p) => p.block)))].sort((a, b) => a - b);
    const at = (b: number) => runs.map((r) => r.curve.find((p) => p.block === b)?.mse).filter((y): y is number => y !== undefined);
    const series: BandSeries = {
      label: c.label,
      x: blocks,
      mean: blocks.map((b) => mean(at(b))),
      lo: blocks.map((b) => Math.min(...at(b))),
      hi: blocks.map((b) => Math.max(...at(b))),
    };
    panels.set(c.panel, [...(panels.get(c.panel) ?? []), series]);
  }
  for (const ref of plan.references) {
    const list = panels.get(ref.panel);
    if (!list) continue;
    const ys = ref.points.map((p) => p.mse);
    list.push({ label: ref.label, x: ref.points.map((p) => p.block), mean: ys, lo: ys, hi: ys, dashed: true });
  }
  return panels;
}

/** Per panel, one band series per condition of the trial readout's accuracy per block (trial tasks only). */
export function accuracySeries(plan: Plan, results: readonly RunResult[]): Map<string, BandSeries[]> {
  const panels = new Map<string, BandSeries[]>();
  for (const c of plan.conditions) {
    const runs = runsOf(results, c.id).filter((r) => r.accuracyCurve !== undefined && r.accuracyCurve.length > 0);
    if (runs.length === 0) continue;
    const blocks = [...new Set(runs.flatMap((r) => r.accuracyCurve!.map((p) => p.block)))].sort((a, b) => a - b);
    const at = (b: number) => runs.map((r) => r.accuracyCurve!.find((p) => p.block === b)?.accuracy).filter((y): y is number => y !== undefined);
    const series: BandSeries = {
      label: c.label, x: blocks, mean: blocks.map((b) => mean(at(b))), lo: blocks.map((b) => Math.min(...at(b))), hi: blocks.map((b) => Math.max(...at(b))),
    };
    panels.set(c.panel, [...(panels.get(c.panel) ?? []), series]);
  }
  return panels;
}

const CSS = 'body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}code{background:#f4f4f4}.row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}svg{max-width:100%;height:auto}.holds{color:#2e7d32}.fails{color:#c62828}';

export function reportHtml(preset: Preset, plan: Plan, results: readonly RunResult[], claims: readonly ClaimResult[]): string {
  const e = escapeXml;
  let body = `<h1>${e(preset.name)} <small>(${e(preset.figure)})</small></h1>\n<p>${e(preset.summary)}</p>\n<ul>${plan.notes.map((x) => `<li>${e(x)}</li>`).join('')}</ul>\n`;
  const context = (id: string) => {
    const paper = preset.claims.find((p) => p.id === id);
    return paper ? `<br><small>${claimContext(paper).map(e).join('<br>')}</small>` : '';
  };
  body += `<h2>Claims</h2>\n<ul>${claims.map((c) => `<li class="${c.status === 'holds' ? 'holds' : c.status === 'fails' ? 'fails' : ''}"><code>${e(claimLine(c))}</code>${context(c.id)}</li>`).join('\n')}</ul>\n`;
  body += '<h2>Learning curves</h2>\n<p>MSE per block (stats column 2): mean over seeds, band = min–max over seeds.</p>\n';
  let i = 0;
  for (const [panel, series] of panelSeries(plan, results)) {
    body += `${bandPlotSvg(series, { plot: `curves-${i++}`, title: panel, xLabel: 'block', yLabel: 'MSE' })}\n`;
  }
  body += figureSection(preset, plan, results).html;
  const accuracy = accuracySeries(plan, results);
  if (accuracy.size > 0) {
    body += '<h2>Accuracy over training</h2>\n<p>Fraction of correct trials per block (window-of-opportunity readout; block −1 = burn-in, before learning): mean over seeds, band = min–max.</p>\n';
    let k = 0;
    for (const [panel, series] of accuracy) {
      body += `${bandPlotSvg(series, { plot: `accuracy-${k++}`, title: panel, xLabel: 'block', yLabel: 'accuracy', unitRange: true })}\n`;
    }
  }
  body += '<h2>Conditions</h2>\n<table><thead><tr><th>condition</th><th>runs</th><th>final cost (MSE) mean ± sd (min–max)</th><th>final cost (RMS)</th><th>accuracy</th><th>reached 10 perfect presentations in a row</th><th>hidden rate (Hz)</th></tr></thead><tbody>\n';
  for (const r of summaryRows(plan, results)) {
    body += `<tr><td>${e(r.label)}</td><td>${r.runs}</td><td>${e(r.cost)}</td><td>${r.rms}</td><td>${r.accuracy}</td><td>${r.learned}</td><td>${r.rate}</td></tr>\n`;
  }
  body += '</tbody></table>\n<p>Per-run numbers: results.csv; each run\'s own folder (runs/&lt;condition&gt;/seed-&lt;n&gt;) works with <code>superspike report</code>.</p>\n';
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>superspike experiment: ${e(preset.name)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n${body}</body>\n</html>\n`;
}

export const RESULT_FILES = ['results.csv', 'results.md', 'report.html'] as const;

/**
 * Writes the three files, each atomically (a reader or a crash sees the old file or the new one)
 * and never through a symbolic link (io/atomic.ts); all contents are made before the first write.
 */
export function writeResults(outDir: string, preset: Preset, plan: Plan, results: readonly RunResult[], claims: readonly ClaimResult[], wallSeconds: number): string[] {
  const files = RESULT_FILES.map((f) => path.join(outDir, f));
  const contents = [resultsCsv(plan, results), resultsMarkdown(preset, plan, results, claims, wallSeconds), reportHtml(preset, plan, results, claims)];
  files.forEach((file, i) => writeFileAtomic(file, contents[i]!));
  return files;
}
