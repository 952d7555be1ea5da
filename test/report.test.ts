import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { NETSTATE_FORMAT, NETSTATE_VERSION, saveNetworkState, type NetworkState } from '../src/io/netstate.js';
import { writeRunInfo, type RunInfo, type RunInfoGroup } from '../src/io/run-info.js';
import { SpkWriter } from '../src/io/spk.js';
import { formatStatsLine } from '../src/io/stats.js';
import { animationWindows, cellBitmap, frameWindow, writeAnimation } from '../src/report/animate.js';
import { COLORS, frameSvg, type FramePanel } from '../src/report/animate-frame.js';
import { HIT_COLORS } from '../src/report/svg-plots.js';
import { findGroup, lastWindow, loadSpikes } from '../src/report/load.js';
import { writeRasterPlot } from '../src/report/raster-image.js';
import { svgToRgba } from '../src/report/render.js';
import { buildReport, flattenConfig, MSE_DEFINITION, reportWindows, writeReport } from '../src/report/report.js';
import { groupRates } from '../src/report/rates.js';
import { escapeXml, histogram, logLinePlotSvg, niceTicks, rasterSvg } from '../src/report/svg.js';
import { captureCli } from './cli-capture.js';

const CHROMIUM = '/usr/bin/chromium';
/** Left and right margins of an animation frame around its time axis (animate-frame.ts). */
const FRAME_MARGINS_PX = 64 + 14;

const cli = captureCli('report', {
  onlyDuringRun: true,
  // REPORT_TEST_KEEP=/some/dir keeps each test's run folder for a look at the pictures.
  beforeCleanup: (dir, ctx) => {
    const keep = process.env.REPORT_TEST_KEEP;
    if (keep && fs.readdirSync(dir).length > 0) fs.cpSync(dir, path.join(keep, ctx.task.name.replace(/[^\w-]+/g, '_')), { recursive: true });
  },
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SPS = 10000;
const BLOCKS = 3;
const BLOCK_STEPS = 20000;
const BURN_IN = 5000;
const GROUPS: RunInfoGroup[] = [
  { spkName: 'multi_stim', role: 'input', size: 20 },
  { spkName: 'multi_hidden', role: 'hidden', size: 30 },
  { spkName: 'multi_hidden2', role: 'hidden', size: 12 },
  { spkName: 'output', role: 'output', size: 9 },
  { spkName: 'target', role: 'target', size: 9 },
];
const END = BURN_IN + BLOCKS * BLOCK_STEPS + 15000;

interface FixtureOptions {
  name?: string;
  withState?: boolean;
  withFinal?: boolean;
}

/**
 * A run folder as the engine leaves it: run.json, 2 rank files per group (ids split by parity),
 * a stats file and (optionally) the final network state. The output group draws a diagonal
 * that gets sharper block by block.
 */
function makeRun(target: string, opts: FixtureOptions = {}): RunInfo {
  const name = opts.name ?? 'fixture';
  const withFinal = opts.withFinal ?? true;
  const rnd = lcg(11);
  const testWindows = Array.from({ length: BLOCKS }, (_, b) => ({
    block: b,
    fromStep: BURN_IN + b * BLOCK_STEPS,
    toStep: BURN_IN + b * BLOCK_STEPS + SPS,
  }));
  const finalWindow = withFinal ? { block: BLOCKS, fromStep: END - 15000, toStep: END } : null;
  for (const g of GROUPS) {
    const writers = [0, 1].map((r) => new SpkWriter(path.join(target, `${g.spkName}.${r}.spk`)));
    for (let step = 0; step < END; step += 10) {
      for (let id = 0; id < g.size; id++) {
        let p = 0.02;
        if (g.role === 'output' || g.role === 'target') {
          // A diagonal line: neuron id fires near time bin id (mod size); noise shrinks with training.
          const bin = Math.floor((step % 2000) / 100) % g.size;
          const progress = g.role === 'target' ? 1 : Math.min(1, step / END + 0.2);
          p = bin === id ? 0.1 * progress : 0.01 * (1 - progress);
        }
        if (rnd() < p) writers[id % 2]!.push(step, id);
      }
    }
    for (const w of writers) w.close();
  }
  const statsFile = `${name}.stats`;
  const lines = Array.from({ length: BLOCKS + 1 }, (_, b) =>
    formatStatsLine({
      block: b,
      mse: 2.5 / (1 + b) ** 2,
      meanW: 0.01,
      meanEl: 1e-3,
      meanElFlt: 1e-4,
      meanElSum: 1e-2,
      meanGrad2: 1e-6,
      meanErrFiltered: 1e-3,
    }),
  );
  fs.writeFileSync(path.join(target, statsFile), `${lines.join('\n')}\n`);

  const layers = GROUPS.filter((g) => g.role !== 'target');
  const connections = layers.slice(0, -1).map((pre, c) => ({
    pre: pre.spkName,
    post: layers[c + 1]!.spkName,
    synapses: pre.size * layers[c + 1]!.size,
    plastic: true,
  }));
  const stateFile = opts.withState === false ? null : `${name}.netstate`;
  if (stateFile) {
    const ring = () => ({ steps: new Int32Array(0), ids: new Uint32Array(0) });
    const state: NetworkState = {
      format: NETSTATE_FORMAT,
      version: NETSTATE_VERSION,
      config: { name },
      task: {
        input: { steps: new Int32Array([0, 10]), ids: new Uint32Array([1, 2]), periodSteps: 2000 },
        target: { steps: new Int32Array([5]), ids: new Uint32Array([3]), periodSteps: 2000 },
        nInput: GROUPS[0]!.size,
        nOutput: GROUPS[3]!.size,
        gridSteps: 2000,
        description: 'fixture task',
      },
      clock: END,
      statsLines: BLOCKS + 1,
      groups: GROUPS.map((g) => ({ v: new Float32Array(g.size), ring: ring() })),
      connections: connections.map((c) => {
        const w = new Float32Array(c.synapses);
        for (let i = 0; i < w.length; i++) w[i] = (rnd() - 0.5) * 0.2;
        return { w };
      }),
    };
    saveNetworkState(path.join(target, stateFile), state);
  }

  const info: RunInfo = {
    name,
    config: {
      name,
      hidden: [30, 12],
      eta: 0.001,
      blocks: BLOCKS,
      task: { text: 'A<B>&"C"', scale: 1, binSeconds: 0.01 },
      gridSeconds: null,
    },
    taskDescription: 'fixture: diagonal <target> & noise',
    ranks: 2,
    kernels: 'js',
    groups: GROUPS,
    connections,
    stepsPerSecond: SPS,
    burnInSteps: BURN_IN,
    blockSteps: BLOCK_STEPS,
    blocks: BLOCKS,
    gridSteps: 2000,
    periodSteps: 2000,
    endStep: END,
    clock: END,
    interrupted: false,
    testWindows,
    finalWindow,
    statsFile,
    stateFile,
    wallSeconds: 3.5,
    simulatedSeconds: END / SPS,
    rankTimings: [0, 1].map((rank) => ({
      rank,
      steps: END,
      computeSeconds: 2.5 + rank * 0.3,
      barrierWaits: 1000,
      barrierWaitSeconds: 0.4 - rank * 0.1,
      waitMinMs: 0.001,
      waitMedianMs: 0.2,
      waitMaxMs: 5.5,
      chunksHelped: 10 * rank,
    })),
  };
  writeRunInfo(target, info);
  return info;
}

const LAYERS = ['input', 'hidden1', 'hidden2', 'output', 'target'];
const PROMISED = [
  'learning-curve',
  'overlay-first',
  'overlay-last',
  'rates',
  ...LAYERS.flatMap((l) => [`raster-${l}-first`, `raster-${l}-last`]),
  ...LAYERS.filter((l) => l !== 'target').flatMap((l) => [`rate-hist-${l}`, `isi-hist-${l}`]),
  'population-rate',
  // The fixture's config names no seed and w0: no initial weights.
  'weights-0',
  'weights-1',
  'weights-2',
  'rank-timing',
];

function dataPlots(html: string): string[] {
  return [...html.matchAll(/<svg\b[^>]*\bdata-plot="([^"]+)"/g)].map((m) => m[1]!);
}

/** Walks a GIF's blocks; returns the logical screen size and every image's size and delay. */
function parseGif(bytes: Uint8Array): { width: number; height: number; frames: Array<{ width: number; height: number; delay: number }> } {
  const u16 = (o: number) => bytes[o]! | (bytes[o + 1]! << 8);
  expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
  const width = u16(6);
  const height = u16(8);
  const flags = bytes[10]!;
  let p = 13;
  if (flags & 0x80) p += 3 * (1 << ((flags & 7) + 1));
  const skipSubBlocks = () => {
    while (bytes[p] !== 0) {
      if (p >= bytes.length) throw new Error('GIF ends inside a sub-block chain');
      p += bytes[p]! + 1;
    }
    p++;
  };
  const frames: Array<{ width: number; height: number; delay: number }> = [];
  let delay = 0;
  for (;;) {
    const b = bytes[p];
    if (b === 0x3b) break;
    if (b === 0x21) {
      const label = bytes[p + 1]!;
      if (label === 0xf9) delay = u16(p + 4) * 10;
      p += 2;
      skipSubBlocks();
    } else if (b === 0x2c) {
      const fw = u16(p + 5);
      const fh = u16(p + 7);
      const f = bytes[p + 9]!;
      p += 10;
      if (f & 0x80) p += 3 * (1 << ((f & 7) + 1));
      p++; // LZW minimum code size
      skipSubBlocks();
      frames.push({ width: fw, height: fh, delay });
    } else {
      throw new Error(`unexpected GIF block 0x${b?.toString(16)} at byte ${p}`);
    }
  }
  expect(p).toBe(bytes.length - 1);
  return { width, height, frames };
}

function chromium(args: string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, out, errOut) => {
      if (err) reject(new Error(`chromium failed: ${err.message}\n${errOut}`));
      else resolve({ stdout: out, stderr: errOut });
    });
  });
}

async function dumpDom(file: string, profile: string): Promise<{ dom: string; stderr: string }> {
  const { stdout: dom, stderr: log } = await chromium([
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--enable-logging=stderr',
    '--v=0',
    '--dump-dom',
    `file://${file}`,
  ]);
  return { dom, stderr: log };
}

describe('svg helpers', () => {
  it('escapes text and makes nice ticks', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&#39;');
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.3, 0.3)).toEqual([0.3]);
    const h = histogram(new Float32Array([1, 1, 1]), 4);
    expect(h.total).toBe(3);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('draws one mark per pixel at most and notes empty windows', () => {
    const steps = new Uint32Array(1000).fill(5);
    const ids = new Uint32Array(1000).fill(3);
    const svg = rasterSvg({ steps, ids }, { plot: 'p', title: 'x <y>', fromStep: 0, toStep: 100, stepsPerSecond: 10000, neurons: 4 });
    expect(svg.match(/M[\d.]+ [\d.]+v/g)).toHaveLength(1);
    expect(svg).toContain('x &lt;y&gt;');
    const empty = rasterSvg({ steps: [], ids: [] }, { plot: 'p', title: 't', fromStep: 0, toStep: 100, stepsPerSecond: 10000, neurons: 4 });
    expect(empty).toContain('no spikes in this window');
    expect(logLinePlotSvg([{ x: 0, y: 0 }], { plot: 'l', title: 't' })).toContain('no positive values');
  });

  it('flattens nested config into dotted keys', () => {
    expect(flattenConfig({ a: 1, t: { b: 'x', c: [1, 2] }, n: null })).toEqual([
      ['a', '1'],
      ['t.b', 'x'],
      ['t.c', '[1,2]'],
      ['n', 'null'],
    ]);
  });
});

describe('run folder loading', () => {
  it('merges both rank files of a group within a window', async () => {
    const info = makeRun(cli.dir);
    const group = findGroup(info, 'hidden2');
    expect(group.spkName).toBe('multi_hidden2');
    expect(findGroup(info, 'multi_hidden').role).toBe('hidden');
    expect(findGroup(info, 'hidden').spkName).toBe('multi_hidden');
    expect(() => findGroup(info, 'nope')).toThrow(/no group "nope".*multi_stim/);
    const w = lastWindow(info)!;
    const s = await loadSpikes(cli.dir, findGroup(info, 'output'), w);
    expect(s.files).toHaveLength(2);
    expect(s.steps.length).toBeGreaterThan(0);
    const ids = new Set(s.ids);
    expect(ids.has(0) && ids.has(1)).toBe(true); // both ranks contribute
    for (let i = 0; i < s.steps.length; i++) {
      expect(s.steps[i]!).toBeGreaterThanOrEqual(w.fromStep);
      expect(s.steps[i]!).toBeLessThan(w.toStep);
      if (i > 0) expect(s.steps[i]! >= s.steps[i - 1]!).toBe(true);
    }
  });
});

describe('superspike report', () => {
  it('contains one SVG per promised plot', async () => {
    makeRun(cli.dir, { name: 'fix<&>' });
    const { html, plots } = await buildReport(cli.dir);
    expect(plots).toEqual(PROMISED);
    expect(dataPlots(html)).toEqual(PROMISED);
    expect(html.match(/<svg\b/g)).toHaveLength(PROMISED.length);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('fix&lt;&amp;&gt;');
    expect(html).toContain('task.binSeconds');
    expect(html).toContain('final frozen replay');
    expect(html).toContain('block 0');

    expect(await cli.run('report', cli.dir)).toBe(0);
    expect(cli.stdout).toContain(`report.html (${PROMISED.length} plots`);
    const written = fs.readFileSync(path.join(cli.dir, 'report.html'), 'utf8');
    expect(dataPlots(written)).toEqual(PROMISED);

    const other = path.join(cli.dir, 'other.html');
    expect(await writeReport(cli.dir, other)).toBe(other);
    expect(fs.existsSync(other)).toBe(true);
  });

  it('compares equal windows of one loop period: hits and misses counted cell by cell, rates per block', async () => {
    const info = makeRun(cli.dir);
    const w = reportWindows(info)!;
    // One 0.2 s loop period in both: from the first test window, and the final replay's last period.
    expect(w.first).toEqual({ block: 0, final: false, fromStep: BURN_IN, toStep: BURN_IN + 2000, periodSteps: 2000 });
    expect(w.last).toEqual({ block: BLOCKS, final: true, fromStep: END - 2000, toStep: END, periodSteps: 2000 });

    const { html } = await buildReport(cli.dir);
    expect(html).toContain(MSE_DEFINITION.slice(0, 60));
    // Every raster pair shows windows of the same length.
    const spans = [...html.matchAll(/data-plot="raster-[a-z0-9]+-(first|last)"[^>]*aria-label="[^"]*?(\d[\d.]*)–(\d[\d.]*) s/g)];
    expect(spans).toHaveLength(LAYERS.length * 2);
    for (const m of spans) expect(Number(m[3]) - Number(m[2])).toBeCloseTo(0.2, 6);
    // Hits, misses, extras of the last window, counted here from the merged spike files.
    const cellsOf = async (group: string) => {
      const sp = await loadSpikes(cli.dir, findGroup(info, group), w.last);
      return new Set(Array.from(sp.steps, (st, i) => `${sp.ids[i]}:${Math.floor((st % 2000) / 100)}`));
    };
    const out = await cellsOf('output');
    const tgt = await cellsOf('target');
    const hits = [...out].filter((c) => tgt.has(c)).length;
    const misses = [...tgt].filter((c) => !out.has(c)).length;
    const extra = [...out].filter((c) => !tgt.has(c)).length;
    expect(hits).toBeGreaterThan(0);
    const overlay = html.match(/<svg[^>]*data-plot="overlay-last"[\s\S]*?<\/svg>/)![0];
    expect(overlay).toContain(`>hit ${hits}<`);
    expect(overlay).toContain(`>missed target ${misses}<`);
    expect(overlay).toContain(`>extra output ${extra}<`);
    expect(overlay).toContain(`${Math.round((100 * hits) / (hits + misses))} % of target cells hit`);

    // Rates: block 1 of the hidden layer, counted here from the merged files.
    const hidden = findGroup(info, 'hidden');
    const from = BURN_IN + BLOCK_STEPS;
    const sp = await loadSpikes(cli.dir, hidden, { fromStep: from, toStep: from + BLOCK_STEPS });
    const rates = groupRates(cli.dir, info, hidden).rateHz;
    expect(rates).toHaveLength(BLOCKS + 1);
    expect(rates[1]).toBeCloseTo(sp.steps.length / (hidden.size * (BLOCK_STEPS / SPS)), 9);
    expect(rates[1]).toBeGreaterThan(0);
  });

  it('adds membrane traces with the threshold and weights over the run when monitors were recorded', async () => {
    const info = makeRun(cli.dir);
    // Rank files as `run --record membrane:output:0-5@all --record weights:output` writes them (2 ranks).
    const w = reportWindows(info)!;
    for (const rank of [0, 1]) {
      const ids = [0, 1, 2, 3, 4, 5].filter((id) => id % 2 === rank);
      let text = `# superspike-monitor kind=membrane group=output unit=V every=100\n# columns ${ids.join(' ')}\n`;
      for (let step = 0; step < END; step += 100) text += `${(step / SPS).toFixed(4)} ${ids.map((id) => -0.06 + 0.001 * id + 1e-7 * step).join(' ')}\n`;
      fs.writeFileSync(path.join(cli.dir, `output.membrane.${rank}`), text);
      const pairs = [0, 1, 2].flatMap((pre) => ids.map((post) => `${pre}-${post}`));
      text = `# superspike-monitor kind=weights group=output unit=1 every=5000\n# columns ${pairs.join(' ')}\n`;
      for (let step = 0; step < END; step += 5000) text += `${(step / SPS).toFixed(4)} ${pairs.map((_, k) => (k - 4) * 0.01 * (1 + step / END)).join(' ')}\n`;
      fs.writeFileSync(path.join(cli.dir, `output.weights.${rank}`), text);
    }
    const { html, plots } = await buildReport(cli.dir);
    const added = ['membrane-output-first', 'membrane-output-last', 'weight-samples-output'];
    expect(plots).toEqual([...PROMISED.slice(0, PROMISED.indexOf('weights-0')), ...added, ...PROMISED.slice(PROMISED.indexOf('weights-0'))]);
    expect(dataPlots(html)).toEqual(plots);
    for (const which of ['first', 'last'] as const) {
      const svg = html.match(new RegExp(`<svg[^>]*data-plot="membrane-output-${which}"[\\s\\S]*?</svg>`))![0];
      expect(svg).toContain('threshold -50 mV');
      expect(svg.match(/<path d="M/g)).toHaveLength(4); // 4 of the 6 recorded neurons
      expect(svg).toContain('>neuron 3<');
      // Only samples inside the window: (toStep − fromStep) / 100 points per trace.
      const points = svg.match(/<path d="(M[^"]*)"/)![1]!.split(/[ML]/).filter((x) => x !== '').length;
      expect(points).toBe((w[which].toStep - w[which].fromStep) / 100);
    }
    const weights = html.match(/<svg[^>]*data-plot="weight-samples-output"[\s\S]*?<\/svg>/)![0];
    expect(weights).toContain('18 synapses');
    expect(weights).toContain(`${Math.ceil(END / 5000)} samples`);
  });

  it('leaves out weights without a state and uses the last block without a final window', async () => {
    makeRun(cli.dir, { withState: false, withFinal: false });
    const { html, plots } = await buildReport(cli.dir);
    expect(plots.filter((p) => p.startsWith('weights-'))).toEqual([]);
    expect(dataPlots(html)).toEqual(plots);
    expect(html).toContain('No network state');
    expect(html).toContain(`block ${BLOCKS - 1}`);
    expect(html).not.toContain('final frozen replay');
  });

  it('fails with a one-line message on a folder without run.json', async () => {
    expect(await cli.run('report', cli.dir)).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: .*run\.json.*\n$/);
  });

  it.skipIf(!fs.existsSync(CHROMIUM))(
    'renders in headless Chromium without errors',
    async () => {
      makeRun(cli.dir);
      const file = await writeReport(cli.dir);
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'superspike-chromium-'));
      try {
        const { dom, stderr: log } = await dumpDom(file, profile);
        for (const name of PROMISED) expect(dom).toContain(`data-plot="${name}"`);
        expect(dom.match(/<svg\b/g)).toHaveLength(PROMISED.length);
        const problems = log.split('\n').filter((l) => /CONSOLE|Uncaught|SyntaxError/.test(l));
        expect(problems).toEqual([]);

        // Every plot must also be well-formed XML: an XHTML page is parsed strictly.
        const svgs = fs.readFileSync(file, 'utf8').match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
        const xhtml = path.join(cli.dir, 'plots.xhtml');
        fs.writeFileSync(
          xhtml,
          `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>plots</title></head><body>${svgs.join('\n')}</body></html>\n`,
        );
        const strict = await dumpDom(xhtml, profile);
        expect(strict.dom).not.toMatch(/parsererror|This page contains the following errors/);
        expect(strict.dom.match(/<svg\b/g)).toHaveLength(PROMISED.length);
      } finally {
        fs.rmSync(profile, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('superspike animate', () => {
  it('writes a GIF with one captioned frame per block plus the final window', async () => {
    const info = makeRun(cli.dir);
    const out = path.join(cli.dir, 'training.gif');
    const r = await writeAnimation(cli.dir, out, { scale: 3, delayMs: 200, align: false });
    expect(r.frames).toBe(BLOCKS + 1);
    const gif = parseGif(fs.readFileSync(out));
    expect(gif.frames).toHaveLength(BLOCKS + 1);
    // Widest window: the final 1.5 s at 10 ms bins = 150 columns of 3 px, plus the margins.
    expect([gif.width, gif.height]).toEqual([r.width, r.height]);
    expect(gif.width - FRAME_MARGINS_PX).toBe(150 * 3);
    for (const f of gif.frames) expect([f.width, f.height]).toEqual([gif.width, gif.height]);
    expect(gif.frames.map((f) => f.delay)).toEqual([200, 200, 200, 1000]);
    expect(animationWindows(info)).toHaveLength(BLOCKS + 1);
    // Block k/N and the MSE of the stats line written as block k began (fixture: 2.5 / (1 + k)²).
    expect(r.captions).toEqual([
      'block 0/3 · MSE 2.5',
      'block 1/3 · MSE 0.625',
      'block 2/3 · MSE 0.277778',
      'final replay after 3/3 blocks · MSE 0.15625',
    ]);

    // Aligned (the default): one 0.2 s loop period per frame = 20 columns.
    expect(await cli.run('animate', cli.dir, '-o', path.join(cli.dir, 'cli.gif'), '--scale', '2', '--delay-ms', '100')).toBe(0);
    expect(cli.stdout).toContain(`(${BLOCKS + 1} frames`);
    const aligned = parseGif(fs.readFileSync(path.join(cli.dir, 'cli.gif')));
    expect(aligned.frames).toHaveLength(BLOCKS + 1);
    expect(aligned.width - FRAME_MARGINS_PX).toBe(20 * 2);
    expect(frameWindow(info, info.testWindows[1]!, true)).toEqual({ block: 1, fromStep: 25000, toStep: 27000, periodSteps: 2000 });
    expect(frameWindow(info, { block: 9, fromStep: 100, toStep: 1000 }, true)).toEqual({ block: 9, fromStep: 100, toStep: 1000 });
    // Laid out by phase: a spike at phase 50 lands in column 0 whatever the window's start.
    const cells = cellBitmap([25950, 26050], [1, 0], { block: 1, fromStep: 25000, toStep: 27000, periodSteps: 2000 }, 100, 2, 20);
    expect(cells[1 * 20 + 0]).toBe(1); // neuron 0 (bottom row), column 0
    expect(cells[0 * 20 + 19]).toBe(1); // neuron 1 (top row), phase 1950 -> column 19
    expect(cells.reduce((a, v) => a + v, 0)).toBe(2);

    // Default: a readable size — about 560 px of time axis, cells at most 24 px wide — and taller
    // than the output panel alone (input and hidden panels above it).
    const big = await writeAnimation(cli.dir, path.join(cli.dir, 'default.gif'));
    expect(big.width - FRAME_MARGINS_PX).toBe(20 * 24);
    const outputOnly = await writeAnimation(cli.dir, path.join(cli.dir, 'output.gif'), { groups: ['output'] });
    expect(big.height - outputOnly.height).toBeGreaterThan(100);
  });

  it('draws the caption as text and the output against the target in the report colours', () => {
    const columns = 4;
    const output: FramePanel = {
      label: 'output (2)', neurons: 2, rowPx: 10,
      cells: Uint8Array.from([1, 0, 0, 2, 0, 0, 0, 0]), // top row: spike in bin 0, 2+ spikes in bin 3
      target: Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0]), // the target wants bins 0 and 1
    };
    const svg = frameSvg([output], { columns, cellPx: 20, fromSeconds: 0, toSeconds: 0.04, timeLabel: 'time (s)' }, {
      caption: 'block 7/9 · MSE 1.5', detail: 'detail', progress: 0.5,
    });
    expect(svg).toContain('block 7/9 · MSE 1.5');
    // The report's overlay colours: one path each of missed, extra and hit cells.
    expect(COLORS.hit).toBe(HIT_COLORS.hit);
    expect(COLORS.miss).toBe(HIT_COLORS.miss);
    expect(COLORS.extra).toBe(HIT_COLORS.extra);
    for (const c of [COLORS.hit, COLORS.miss, COLORS.extra]) expect(svg.split(`fill="${c}"`)).toHaveLength(2);
    const img = svgToRgba(svg);
    const px = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
    let ink = 0;
    for (let y = 4; y < 24; y++) for (let x = 60; x < img.width; x++) if (img.data[(y * img.width + x) * 4]! < 100) ink++;
    expect(ink).toBeGreaterThan(50); // the caption is rendered text
    // Panel starts at x 64, y 68, top row: bin 0 output and target (hit, green), bin 1 target only
    // (missed, pink), bin 2 nothing, bin 3 output only, 2+ spikes (extra, black).
    expect(px(64 + 10, 68 + 5)).toEqual([0x1e, 0x84, 0x49]);
    expect(px(64 + 20 + 10, 68 + 5)).toEqual([0xf1, 0x94, 0x8a]);
    expect(px(64 + 40 + 10, 68 + 5)).toEqual([0xfc, 0xfc, 0xfc]);
    expect(px(64 + 60 + 10, 68 + 5)).toEqual([0x22, 0x22, 0x22]);
  });

  it('has one frame per block when there is no final window', async () => {
    makeRun(cli.dir, { withFinal: false });
    const out = path.join(cli.dir, 'training.gif');
    expect((await writeAnimation(cli.dir, out)).frames).toBe(BLOCKS);
    expect(parseGif(fs.readFileSync(out)).frames).toHaveLength(BLOCKS);
  });
});

describe('superspike plot', () => {
  it('writes a PNG raster with dark marks', async () => {
    makeRun(cli.dir);
    const out = path.join(cli.dir, 'raster.png');
    expect(await cli.run('plot', cli.dir, '--group', 'output', '-o', out, '--width', '640', '--height', '200')).toBe(0);
    const png = PNG.sync.read(fs.readFileSync(out));
    expect([png.width, png.height]).toEqual([640, 200]);
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 64) dark++;
    expect(dark).toBeGreaterThan(50);
    // The corner stays white.
    expect([...png.data.subarray(0, 4)]).toEqual([255, 255, 255, 255]);
  });

  it('writes an SVG raster of any group and window', async () => {
    makeRun(cli.dir);
    const out = path.join(cli.dir, 'h2.svg');
    const r = await writeRasterPlot(cli.dir, { group: 'multi_hidden2', from: 1, to: 2, output: out });
    expect(r.window).toEqual({ fromStep: 10000, toStep: 20000 });
    expect(r.spikes).toBeGreaterThan(0);
    const svg = fs.readFileSync(out, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<svg\b/g)).toHaveLength(1);
    expect(svg).toContain('data-plot="raster-multi_hidden2"');
    expect(svg).toMatch(/<path d="M/);
  });

  it('renders the SVG drawing to pixels: marks where the spikes are, and real text from the bundled font', () => {
    const svg = rasterSvg(
      { steps: [50], ids: [0] },
      { plot: 'p', title: 'output 0-0.01 s', fromStep: 0, toStep: 100, stepsPerSecond: 10000, neurons: 2, width: 200, height: 100 },
    );
    const img = svgToRgba(svg);
    expect([img.width, img.height]).toEqual([200, 100]);
    const dark = (x0: number, x1: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.data[(y * 200 + x) * 4]! < 100) n++;
      return n;
    };
    // Plot area: x 48..188, y 24..64; neuron 0 is the lower row (y 44..64), the mark at x ≈ 118.
    expect(dark(60, 180, 45, 63)).toBeGreaterThan(0);
    expect(dark(60, 180, 26, 43)).toBe(0);
    expect(dark(112, 124, 45, 63)).toBe(dark(60, 180, 45, 63));
    // Text: the title above the plot and the axis label below it (system fonts are never loaded,
    // so this ink comes from the bundled DejaVu Sans).
    expect(dark(0, 200, 2, 20)).toBeGreaterThan(40);
    expect(dark(60, 180, 86, 100)).toBeGreaterThan(20);
  });

  it('rejects unknown groups, bad windows and unknown formats with one-line errors', async () => {
    makeRun(cli.dir);
    expect(await cli.run('plot', cli.dir, '--group', 'nope', '-o', path.join(cli.dir, 'x.png'))).toBe(1);
    expect(cli.stderr).toMatch(/^superspike: no group "nope"[^\n]*\n$/);
    cli.stderr = '';
    expect(await cli.run('plot', cli.dir, '--from', '3', '--to', '2', '-o', path.join(cli.dir, 'x.png'))).toBe(1);
    expect(cli.stderr).toMatch(/empty time window/);
    cli.stderr = '';
    expect(await cli.run('plot', cli.dir, '-o', path.join(cli.dir, 'x.jpg'))).toBe(1);
    expect(cli.stderr).toMatch(/\.png or \.svg/);
  });
});

describe('help', () => {
  it.each(['report', 'plot', 'animate'])('%s --help has examples', async (cmd) => {
    expect(await cli.run(cmd, '--help')).toBe(0);
    expect(cli.stdout).toContain('Examples:');
    expect(cli.stdout).toContain(`superspike ${cmd}`);
  });
});
