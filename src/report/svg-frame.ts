/**
 * The frame every SVG plot of the report is drawn in: escaping, number formatting, nice ticks,
 * the plot area with its margins, axes, ticks, labels and a centred note. Shared by svg.ts,
 * svg-plots.ts, curves-svg.ts and the monitor plots.
 */
/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

// The building blocks below are shared with the other plot modules (svg-plots.ts).

/** Coordinates with at most 2 decimals and no trailing zeros (keeps big plots small). */
export function n(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A tick label: up to 4 significant digits, no float noise (0.30000000000000004 → 0.3). */
export function formatTick(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = x.toExponential(2).split('e') as [string, string];
    return `${m.replace(/\.?0+$/, '')}e${e.replace('+', '')}`;
  }
  return String(Number(x.toPrecision(4)));
}

/** Evenly spaced "nice" ticks (1, 2, 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

export interface Frame {
  width: number;
  height: number;
  /** Plot area. */
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function frameOf(width: number, height: number, margin: { l: number; t: number; r: number; b: number }): Frame {
  return { width, height, left: margin.l, top: margin.t, right: width - margin.r, bottom: height - margin.b };
}

/** 13 px, smaller for a title that would not fit the plot's width (bold glyphs ≈ 0.6 em wide). */
function titleFontSize(title: string, width: number): number {
  return Math.max(8, Math.min(13, Math.floor((width - 12) / (0.6 * Math.max(1, title.length)))));
}

export function open(plot: string, f: Frame, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" data-plot="${escapeXml(plot)}" width="${f.width}" height="${f.height}" ` +
    `viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeXml(title)}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="11" fill="#222">` +
    `<title>${escapeXml(title)}</title>` +
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#fff"/>` +
    `<text x="${n(f.width / 2)}" y="15" text-anchor="middle" font-size="${titleFontSize(title, f.width)}" font-weight="bold">${escapeXml(title)}</text>`
  );
}

export function axesBox(f: Frame): string {
  return `<rect x="${n(f.left)}" y="${n(f.top)}" width="${n(f.right - f.left)}" height="${n(f.bottom - f.top)}" fill="none" stroke="#444" stroke-width="1"/>`;
}

export function xTick(f: Frame, x: number, label: string): string {
  return (
    `<line x1="${n(x)}" y1="${n(f.bottom)}" x2="${n(x)}" y2="${n(f.bottom + 4)}" stroke="#444"/>` +
    `<text x="${n(x)}" y="${n(f.bottom + 15)}" text-anchor="middle">${escapeXml(label)}</text>`
  );
}

export function yTick(f: Frame, y: number, label: string, grid = false): string {
  const g = grid ? `<line x1="${n(f.left)}" y1="${n(y)}" x2="${n(f.right)}" y2="${n(y)}" stroke="#e4e4e4"/>` : '';
  return (
    g +
    `<line x1="${n(f.left - 4)}" y1="${n(y)}" x2="${n(f.left)}" y2="${n(y)}" stroke="#444"/>` +
    `<text x="${n(f.left - 6)}" y="${n(y + 4)}" text-anchor="end">${escapeXml(label)}</text>`
  );
}

export function axisLabels(f: Frame, xLabel: string, yLabel: string): string {
  const cy = (f.top + f.bottom) / 2;
  let s = '';
  if (xLabel) s += `<text x="${n((f.left + f.right) / 2)}" y="${n(f.height - 5)}" text-anchor="middle">${escapeXml(xLabel)}</text>`;
  if (yLabel) s += `<text x="12" y="${n(cy)}" text-anchor="middle" transform="rotate(-90 12 ${n(cy)})">${escapeXml(yLabel)}</text>`;
  return s;
}

export function centredNote(f: Frame, note: string): string {
  return `<text x="${n((f.left + f.right) / 2)}" y="${n((f.top + f.bottom) / 2)}" text-anchor="middle" fill="#888">${escapeXml(note)}</text>`;
}

/** What every plot is given: its `data-plot` name, a title, axis labels and a size in pixels. */
export interface PlotOptions {
  plot: string;
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}
