/**
 * The report shows what was recorded (issue 20 point 4), on a real tiny run: a panel per
 * recorded monitor kind and group, membrane panels on one voltage range, rate and ISI
 * histograms per layer counted from the spike files, the population rate, initial and final
 * weights on one range (the initial ones as the engine draws them), no two panels with one
 * title; and log axes whose decade ticks sit at their decades.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../src/api/train.js';
import { initialWeights } from '../src/engine/initialise.js';
import { findMonitorFiles } from '../src/export/monitors.js';
import { readNetworkStateFile } from '../src/io/netstate.js';
import { bandPlotSvg } from '../src/report/curves-svg.js';
import { findGroup, loadRunInfo, loadSpikes } from '../src/report/load.js';
import { buildReport } from '../src/report/report.js';
import { lastStretch } from '../src/report/standard-plots.js';

const TASK = { text: 'AB', scale: 1, inputNeurons: 24, inputRateHz: 20, taskSeed: 5 };
const SIZES = [24, 14, 9, 9];
let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'superspike-panels-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const svgOf = (html: string, plot: string) => html.match(new RegExp(`<svg[^>]*data-plot="${plot}"[\\s\\S]*?</svg>`))?.[0] ?? '';

describe('report panels of what was recorded', () => {
  it('draws the initial weights the engine draws', async () => {
    const out = path.join(root, 'initial');
    // No training block: the saved state holds the initial weights (the burn-in does not learn).
    await train({ hidden: [14, 9], blocks: 0, blockSeconds: 0.2, w0: 0.6, seed: 3, task: TASK }, { out, workers: 2, quiet: true });
    const state = readNetworkStateFile(path.join(out, 'superspike.netstate'));
    state.connections.forEach((c, i) => expect(initialWeights(3, 0.6, i, SIZES[i]!, SIZES[i + 1]!)).toEqual(c.w));
  }, 60_000);

  it('has a panel per recorded kind and group, shared membrane ranges, spike statistics, unique titles', async () => {
    const out = path.join(root, 'monitors');
    const record = ['membrane:hidden', 'membrane:output', 'current:output', 'sigma:hidden', 'error:output', 'eligibility:output', 'rate:hidden', 'weights:output'];
    await train({ hidden: [14, 9], blocks: 3, blockSeconds: 0.3, w0: 0.6, eta: 5e-3, seed: 3, task: TASK, record }, { out, workers: 2, quiet: true });
    const info = loadRunInfo(out);
    const { html, plots } = await buildReport(out);

    // Every recorded (kind, group) has its panel.
    const found = findMonitorFiles(out, info);
    expect(found).toHaveLength(record.length);
    for (const m of found) {
      const names = m.kind === 'membrane' ? [`membrane-${m.group}-first`, `membrane-${m.group}-last`] : m.kind === 'weights' ? [`weight-samples-${m.group}`] : [`monitor-${m.kind}-${m.group}`];
      for (const name of names) expect(plots, name).toContain(name);
    }
    for (const kind of ['current', 'sigma', 'error', 'eligibility', 'rate']) expect(plots.some((p) => p.startsWith(`monitor-${kind}-`))).toBe(true);

    // Membrane panels: one y range (the same tick labels) across groups and windows.
    const membrane = plots.filter((p) => p.startsWith('membrane-')).map((p) => svgOf(html, p));
    expect(membrane).toHaveLength(4);
    const yTicks = (svg: string) => [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="end">(-?[\d.]+)<\/text>/g)].map((m) => m[1]).join(',');
    expect(yTicks(membrane[0]!)).not.toBe('');
    for (const svg of membrane) expect(yTicks(svg)).toBe(yTicks(membrane[0]!));

    // Rate and ISI histograms per layer (not the target), counted over the last block.
    for (const layer of ['input', 'hidden1', 'hidden2', 'output']) {
      expect(plots).toContain(`rate-hist-${layer}`);
      expect(plots).toContain(`isi-hist-${layer}`);
    }
    const output = findGroup(info, 'output');
    const w = lastStretch(info);
    const sp = await loadSpikes(out, output, w);
    const perNeuron = new Map<number, number>();
    for (const id of sp.ids) perNeuron.set(id, (perNeuron.get(id) ?? 0) + 1);
    const intervals = [...perNeuron.values()].reduce((a, c) => a + c - 1, 0);
    expect(intervals).toBeGreaterThan(0);
    expect(svgOf(html, 'isi-hist-output')).toContain(`n=${intervals} `);
    expect(svgOf(html, 'rate-hist-output')).toContain(`n=${output.size} `);
    expect(plots).toContain('population-rate');

    // Initial and final weights of every connection, on one value range (same x tick labels).
    for (let c = 0; c < 3; c++) {
      const xTicks = (svg: string) => [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">(-?[\d.e-]+)<\/text>/g)].map((m) => m[1]).join(',');
      const first = svgOf(html, `weights-${c}-initial`);
      const last = svgOf(html, `weights-${c}`);
      expect(first).toContain(', initial');
      expect(last).toContain(', final state');
      expect(xTicks(first)).toBe(xTicks(last));
    }

    // No two panels share one title.
    const titles = [...html.matchAll(/<svg[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toHaveLength(plots.length);
    expect(new Set(titles).size).toBe(titles.length);
  }, 90_000);

  it('puts log ticks at their decades', () => {
    // The smallest value 0.54: the axis spans 0.1 … 10, and "0.1" is drawn at 0.1 (it once sat at 0.54).
    const svg = bandPlotSvg([{ label: 'a', x: [0, 1, 2], mean: [0.54, 2, 7], lo: [0.54, 1, 5], hi: [0.6, 3, 9] }], { plot: 'p', title: 't' });
    // A tick's label baseline is 4 px under its line (svg-frame.ts yTick).
    const at = (label: string) => Number(new RegExp(`<text x="[\\d.]+" y="([\\d.]+)" text-anchor="end">${label.replace('.', '\\.')}</text>`).exec(svg)![1]) - 4;
    const [y01, y1, y10] = [at('0.1'), at('1'), at('10')];
    expect(y01 - y1).toBeCloseTo(y1 - y10, 1);
    // A line at 0.54 lies log10(0.54 / 0.1) of a decade above the 0.1 tick.
    const line = /<path d="(M[^"]+)" fill="none"/.exec(svg)![1]!;
    const firstY = Number(/^M[\d.]+ ([\d.]+)/.exec(line)![1]);
    expect(y01 - firstY).toBeCloseTo(Math.log10(0.54 / 0.1) * (y01 - y1), 0);
  });
});
