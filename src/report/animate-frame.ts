/**
 * One frame of `superspike animate` as SVG (pure: cell grids in, markup out). From the top: a
 * caption (block k/N and the MSE at that point), a strip showing how far training has got, then
 * one raster panel per group — by default input, hidden, output, like the public SuperSpike
 * animation — with the target drawn faintly behind the output, and a time axis in seconds.
 * The frame is rendered to pixels by render.ts, so its text is real text in the bundled font.
 */
import { escapeXml, formatTick, niceTicks } from './svg.js';
import { HIT_COLORS } from './svg-plots.js';

/** Cell values of a grid (see animate.ts `cellBitmap`). */
export const CELL_EMPTY = 0;
export const CELL_ONE = 1;
export const CELL_MANY = 2;

export const COLORS = {
  spike: '#000000',
  many: '#1f4fa0',
  /** Output against target: as the report's overlay. */
  hit: HIT_COLORS.hit,
  miss: HIT_COLORS.miss,
  extra: HIT_COLORS.extra,
  strip: '#c8c8c8',
  stripDone: '#4a7fb5',
};

export interface FramePanel {
  label: string;
  neurons: number;
  /** Row-major (neurons × columns), row 0 = the highest id (drawn at the top). */
  cells: Uint8Array;
  /** Cells where the target spikes (the output panel): cells are then drawn as hit, missed or extra. */
  target?: Uint8Array;
  /** Pixel height of one neuron row. */
  rowPx: number;
}

export interface FrameLayout {
  columns: number;
  /** Pixel width of one time bin. */
  cellPx: number;
  /** Seconds covered by the columns, for the time axis. */
  fromSeconds: number;
  toSeconds: number;
  timeLabel: string;
}

export interface FrameText {
  /** E.g. "block 3/30 · MSE 12.5". */
  caption: string;
  /** Smaller line under the caption. */
  detail: string;
  /** Share of training done, 0..1. */
  progress: number;
}

const MARGIN = { l: 64, r: 14, top: 50, gap: 20, axis: 36 };

/** Frame size in pixels for these panels. */
export function frameSize(panels: readonly FramePanel[], layout: FrameLayout): { width: number; height: number } {
  const plots = panels.reduce((a, p) => a + p.neurons * p.rowPx, 0) + MARGIN.gap * (panels.length - 1);
  return {
    width: Math.round(MARGIN.l + layout.columns * layout.cellPx + MARGIN.r),
    height: Math.round(MARGIN.top + 18 + plots + MARGIN.axis),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One path of all cells equal to `value` (one rectangle each). */
function cellPath(cells: Uint8Array, match: (v: number, i: number) => boolean, panel: FramePanel, layout: FrameLayout, x0: number, y0: number): string {
  const parts: string[] = [];
  const w = layout.cellPx;
  // Rows thinner than a pixel (a 256-neuron hidden layer in a short panel) are drawn 1 px high.
  const h = Math.max(1, panel.rowPx);
  for (let r = 0; r < panel.neurons; r++) {
    const y = round2(y0 + r * panel.rowPx);
    for (let c = 0; c < layout.columns; c++) {
      const i = r * layout.columns + c;
      if (match(cells[i]!, i)) parts.push(`M${x0 + c * w} ${y}h${w}v${round2(h)}h${-w}z`);
    }
  }
  return parts.join('');
}

export function frameSvg(panels: readonly FramePanel[], layout: FrameLayout, text: FrameText): string {
  const { width, height } = frameSize(panels, layout);
  const plotW = layout.columns * layout.cellPx;
  const x0 = MARGIN.l;
  let s =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#222">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${x0}" y="20" font-size="16" font-weight="bold">${escapeXml(text.caption)}</text>` +
    `<text x="${x0}" y="38" font-size="11" fill="#555">${escapeXml(text.detail)}</text>`;
  // Training progress strip.
  const done = Math.max(0, Math.min(1, text.progress));
  s += `<rect x="${x0}" y="${MARGIN.top - 6}" width="${plotW}" height="5" fill="${COLORS.strip}"/>`;
  s += `<rect x="${x0}" y="${MARGIN.top - 6}" width="${Math.round(plotW * done)}" height="5" fill="${COLORS.stripDone}"/>`;

  let y = MARGIN.top + 18;
  for (const panel of panels) {
    const h = round2(panel.neurons * panel.rowPx);
    s += `<rect x="${x0}" y="${y}" width="${plotW}" height="${h}" fill="#fcfcfc"/>`;
    const target = panel.target;
    if (target) {
      // Cell i: hit (output and target), missed (target only), extra (output only).
      const classes: Array<[string, (v: number, i: number) => boolean]> = [
        [COLORS.miss, (v, i) => v === CELL_EMPTY && target[i] !== CELL_EMPTY],
        [COLORS.extra, (v, i) => v !== CELL_EMPTY && target[i] === CELL_EMPTY],
        [COLORS.hit, (v, i) => v !== CELL_EMPTY && target[i] !== CELL_EMPTY],
      ];
      for (const [color, match] of classes) {
        const d = cellPath(panel.cells, match, panel, layout, x0, y);
        if (d) s += `<path d="${d}" fill="${color}"/>`;
      }
    } else {
      const one = cellPath(panel.cells, (v) => v === CELL_ONE, panel, layout, x0, y);
      if (one) s += `<path d="${one}" fill="${COLORS.spike}"/>`;
      const many = cellPath(panel.cells, (v) => v === CELL_MANY, panel, layout, x0, y);
      if (many) s += `<path d="${many}" fill="${COLORS.many}"/>`;
    }
    s += `<rect x="${x0}" y="${y}" width="${plotW}" height="${h}" fill="none" stroke="#666"/>`;
    // Panel label (rotated, left) and neuron range.
    const cy = y + h / 2;
    s += `<text x="14" y="${cy}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${cy})">${escapeXml(panel.label)}</text>`;
    s += `<text x="${x0 - 4}" y="${y + 9}" text-anchor="end" font-size="9" fill="#555">${panel.neurons - 1}</text>`;
    s += `<text x="${x0 - 4}" y="${y + h}" text-anchor="end" font-size="9" fill="#555">0</text>`;
    y = round2(y + h + MARGIN.gap);
  }
  // Time axis under the last panel.
  const bottom = y - MARGIN.gap;
  const span = layout.toSeconds - layout.fromSeconds;
  for (const t of niceTicks(layout.fromSeconds, layout.toSeconds, 6)) {
    const x = x0 + ((t - layout.fromSeconds) / (span || 1)) * plotW;
    s += `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#444"/>`;
    s += `<text x="${x}" y="${bottom + 15}" text-anchor="middle" font-size="10">${escapeXml(formatTick(t))}</text>`;
  }
  s += `<text x="${x0 + plotW / 2}" y="${bottom + 30}" text-anchor="middle" font-size="11">${escapeXml(layout.timeLabel)}</text>`;
  return `${s}</svg>`;
}
